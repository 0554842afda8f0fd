"""`announcing_sent`: a caller learns that its request is on the wire before the answer."""

from __future__ import annotations

import asyncio

from tests.webitel.conftest import inject
from webitel_tui.simulator import FaultRule, RunningSimulator
from webitel_tui.webitel import WebitelClient, announcing_sent


async def test_the_event_is_set_while_the_server_still_holds_the_request(
    sim: RunningSimulator, client: WebitelClient
) -> None:
    await client.login()  # so the lookup is the first request of the context
    inject(sim, FaultRule(kind="slow", route="GET /api/users*", latency_ms=500))
    sent = asyncio.Event()
    with announcing_sent(sent):
        lookup = asyncio.ensure_future(client.search_users(size=1))
    async with asyncio.timeout(2):
        await sent.wait()
    assert not lookup.done()  # the server answers 500 ms later
    assert (await lookup).items


async def test_requests_outside_the_context_set_nothing(client: WebitelClient) -> None:
    sent = asyncio.Event()
    with announcing_sent(sent):
        pass
    await client.search_users(size=1)
    assert not sent.is_set()
