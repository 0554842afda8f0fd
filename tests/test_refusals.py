"""What the admin is told after a failed call, whether a retry is offered, and what the
lookups offer of what the server sent."""

from __future__ import annotations

import httpx

from webitel_tui.processes import provisioning
from webitel_tui.processes.journal import read_failure, refusal
from webitel_tui.webitel import (
    BadRequestError,
    ConnectFailedError,
    MalformedResponseError,
    ServerError,
    WebitelClient,
    WebitelOptions,
    WebitelTimeoutError,
)


def test_a_change_in_doubt_offers_a_retry_only_when_another_try_may_answer() -> None:
    unreadable = refusal(MalformedResponseError("the response is not valid JSON"))
    assert str(unreadable).startswith("Webitel did not take the change:")
    assert not unreadable.retryable  # the same answer would come again
    busy = refusal(ServerError(code=503))
    assert str(busy).startswith("Webitel did not take the change:") and busy.retryable
    down = refusal(ConnectFailedError("cannot connect"))
    assert str(down).startswith("Cannot reach the Webitel server:") and down.retryable
    refused = refusal(BadRequestError("extension is taken", code=400))
    assert str(refused).startswith("Webitel refused the change:") and not refused.retryable


def test_an_unreachable_server_is_named_by_its_address_never_as_a_refusal() -> None:
    down = ConnectFailedError("cannot connect to Webitel (ConnectError)", url="http://pbx:8/api")
    for said in (refusal(down), read_failure(down)):
        assert (
            str(said) == "Cannot reach the Webitel server at http://pbx:8/api. Nothing was changed."
        )
        assert said.retryable


def test_a_failed_read_offers_a_retry_only_when_another_try_may_answer() -> None:
    late = read_failure(WebitelTimeoutError("no answer within 2 s"))
    assert str(late).startswith("Webitel did not answer:") and late.retryable
    unreadable = read_failure(MalformedResponseError("the response is not valid JSON"))
    assert str(unreadable).startswith("Webitel did not answer:") and not unreadable.retryable


async def test_the_roles_lookup_offers_only_roles_the_crm_can_keep() -> None:
    """A role id that is not Webitel's int64 could not be kept as a granted role."""
    body = {"items": [{"id": "7", "name": "agents"}, {"id": "x1", "name": "odd"}]}

    def reply(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=body)

    options = WebitelOptions(base_url="http://127.0.0.1:9", token="t", retries=0)
    async with WebitelClient(options, transport=httpx.MockTransport(reply)) as webitel:
        roles = await provisioning.assignable_roles(webitel)
    assert [(role.id, role.name) for role in roles] == [(7, "agents")]
