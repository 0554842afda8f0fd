"""Retry rules, timeouts, dropped connections and bad bodies, injected by the simulator."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable

import httpx
import pytest

from tests.webitel.conftest import inject
from webitel_tui.simulator import FaultRule, RunningSimulator
from webitel_tui.simulator.faults import MalformedBody
from webitel_tui.webitel import (
    AuthError,
    BadRequestError,
    ConnectFailedError,
    InputDevice,
    InputUser,
    MalformedResponseError,
    NetworkError,
    ServerError,
    WebitelClient,
    WebitelError,
    WebitelOptions,
    WebitelTimeoutError,
    in_doubt,
)


def calls(sim: RunningSimulator, method: str, path: str) -> int:
    return sum(1 for entry in sim.app.log if entry == (method, path))


def jdoe(username: str = "jdoe", extension: str = "5001") -> InputUser:
    return InputUser(username=username, name="John Doe", extension=extension)


# -- idempotent methods are retried -----------------------------------------------------------


@pytest.mark.parametrize("status", [502, 503, 504])
async def test_get_is_retried_on_gateway_errors(
    sim: RunningSimulator, client: WebitelClient, status: int
) -> None:
    await client.login()
    inject(sim, FaultRule(kind="status", status=status, route="GET /api/users/*", count=2))
    user = await client.get_user(2)
    assert user.name == "Olena Kovalenko"
    assert calls(sim, "GET", "/api/users/2") == 3


async def test_get_gives_up_after_the_configured_retries(
    sim: RunningSimulator, client: WebitelClient
) -> None:
    await client.login()
    inject(sim, FaultRule(kind="status", status=503, route="GET /api/users/*"))
    started = time.perf_counter()
    with pytest.raises(ServerError) as caught:
        await client.get_user(2)
    assert caught.value.code == 503 and "simulated" in caught.value.detail
    assert calls(sim, "GET", "/api/users/2") == 3  # first try + 2 retries
    # Backoff 0.01 s then 0.02 s, with jitter down to half.
    assert time.perf_counter() - started >= 0.015


async def test_500_is_not_retried(sim: RunningSimulator, client: WebitelClient) -> None:
    await client.login()
    inject(sim, FaultRule(kind="status", status=500, route="GET /api/users/*", count=1))
    with pytest.raises(ServerError):
        await client.get_user(2)
    assert calls(sim, "GET", "/api/users/2") == 1


async def test_delete_is_retried(sim: RunningSimulator, client: WebitelClient) -> None:
    user = (await client.create_user(jdoe(), default_device=False)).user
    inject(sim, FaultRule(kind="status", status=502, route="DELETE /api/users/*", count=1))
    await client.delete_user(user.id)
    assert calls(sim, "DELETE", f"/api/users/{user.id}") == 2
    assert int(user.id) not in sim.state.users


async def test_patch_is_not_retried(sim: RunningSimulator, client: WebitelClient) -> None:
    await client.login()
    inject(sim, FaultRule(kind="status", status=503, route="PATCH /api/users/*", count=1))
    with pytest.raises(ServerError):
        await client.patch_user(2, InputUser(chat_name="O."))
    assert calls(sim, "PATCH", "/api/users/2") == 1


async def test_post_device_is_never_retried(sim: RunningSimulator, client: WebitelClient) -> None:
    await client.login()
    before = len(sim.state.devices)
    inject(sim, FaultRule(kind="status", status=503, route="POST /api/devices", count=1))
    with pytest.raises(ServerError):
        await client.create_device(InputDevice(name="desk-1", password="sip!"))
    assert calls(sim, "POST", "/api/devices") == 1
    assert len(sim.state.devices) == before


# -- creating a user: one POST; what a lost answer means is for the caller to read back ---------


@pytest.mark.parametrize(
    "rule",
    [
        FaultRule(kind="status", status=503, route="POST /api/users", count=1),
        FaultRule(kind="status", status=500, route="POST /api/users", count=1, apply=True),
        FaultRule(kind="drop", route="POST /api/users", count=1, apply=True),
        FaultRule(kind="malformed", route="POST /api/users", count=1, apply=True),
        FaultRule(kind="timeout", route="POST /api/users", count=1, apply=True),
    ],
    ids=["503", "500-applied", "dropped-applied", "malformed-applied", "timeout-applied"],
)
async def test_create_user_is_posted_once_and_a_lost_answer_is_in_doubt(
    sim: RunningSimulator, make_client: Callable[..., WebitelClient], rule: FaultRule
) -> None:
    """The client never repeats a POST nor guesses: the journaled path reads the user back
    (tests/test_fault_matrix.py)."""
    async with make_client(timeout=0.3) as webitel:
        await webitel.login()
        inject(sim, rule)
        with pytest.raises(WebitelError) as caught:
            await webitel.create_user(jdoe())
    assert in_doubt(caught.value)
    assert calls(sim, "POST", "/api/users") == 1
    made = [u.username for u in sim.state.users.values()].count("jdoe")
    assert made == (1 if rule.apply else 0)


# -- timeouts, drops, garbage -----------------------------------------------------------------


async def test_timeout_is_not_retried(
    sim: RunningSimulator, make_client: Callable[..., WebitelClient]
) -> None:
    async with make_client(timeout=0.3) as webitel:
        await webitel.login()
        inject(sim, FaultRule(kind="timeout", route="GET /api/users/*"))
        started = time.perf_counter()
        with pytest.raises(WebitelTimeoutError) as caught:
            await webitel.get_user(2)
    assert time.perf_counter() - started < 1.5
    assert calls(sim, "GET", "/api/users/2") == 1
    assert isinstance(caught.value, TimeoutError) and caught.value.code is None


async def test_dropped_connection_on_get_is_retried(
    sim: RunningSimulator, client: WebitelClient
) -> None:
    await client.login()
    inject(sim, FaultRule(kind="drop", route="GET /api/users/*", count=1))
    assert (await client.get_user(3)).name == "Andrii Melnyk"
    assert calls(sim, "GET", "/api/users/3") == 2


async def test_connection_dropped_every_time_is_a_network_error(
    sim: RunningSimulator, client: WebitelClient
) -> None:
    await client.login()
    inject(sim, FaultRule(kind="drop", route="GET /api/users/*"))
    with pytest.raises(NetworkError, match="dropped"):
        await client.get_user(3)
    assert calls(sim, "GET", "/api/users/3") == 3


async def test_malformed_json_is_a_typed_error(
    sim: RunningSimulator, client: WebitelClient
) -> None:
    await client.login()
    inject(sim, FaultRule(kind="malformed", route="GET /api/users"))
    with pytest.raises(MalformedResponseError):
        await client.search_users()


BODIES: list[MalformedBody] = ["truncated", "html", "wrong-shape", "empty"]


@pytest.mark.parametrize("body", BODIES)
async def test_an_answer_that_describes_no_user_is_malformed(
    sim: RunningSimulator, client: WebitelClient, body: MalformedBody
) -> None:
    await client.login()
    inject(sim, FaultRule(kind="malformed", body=body, route="/api/users/*", apply=True))
    with pytest.raises(MalformedResponseError) as caught:
        await client.get_user(2)
    assert in_doubt(caught.value)
    with pytest.raises(MalformedResponseError):
        await client.patch_user(2, InputUser(extension="7777"))
    assert sim.state.users[2].extension == "7777"  # applied: only the answer was bad
    with pytest.raises(MalformedResponseError):
        await client.set_user_roles(2, [str(next(iter(sim.state.roles)))])
    with pytest.raises(MalformedResponseError):
        await client.set_user_licenses(2, [])


@pytest.mark.parametrize("body", BODIES)
async def test_a_created_user_without_an_id_is_malformed(
    sim: RunningSimulator, client: WebitelClient, body: MalformedBody
) -> None:
    await client.login()
    inject(sim, FaultRule(kind="malformed", body=body, route="POST /api/users", apply=True))
    with pytest.raises(MalformedResponseError):
        await client.create_user(jdoe())
    assert calls(sim, "POST", "/api/users") == 1
    assert sim.state.user_by_username("jdoe") is not None


@pytest.mark.parametrize("body", BODIES)
async def test_an_answer_that_describes_no_device_is_malformed(
    sim: RunningSimulator, client: WebitelClient, body: MalformedBody
) -> None:
    await client.login()
    device = await client.create_device(InputDevice(name="desk-1", password="sip!"))
    inject(sim, FaultRule(kind="malformed", body=body, route="/api/devices*"))
    with pytest.raises(MalformedResponseError):
        await client.create_device(InputDevice(name="desk-2", password="sip!"))
    with pytest.raises(MalformedResponseError):
        await client.get_device(device.id)
    assert all(item.name != "desk-2" for item in sim.state.devices.values())


@pytest.mark.parametrize(("body", "malformed"), [("wrong-shape", True), ("empty", False)])
async def test_a_list_answer_of_another_kind_is_not_an_empty_page(
    sim: RunningSimulator, client: WebitelClient, body: MalformedBody, malformed: bool
) -> None:
    await client.login()
    inject(sim, FaultRule(kind="malformed", body=body, route="GET /api/users"))
    if malformed:
        # Read as "no such user", it would make a read-back conclude the write was lost.
        with pytest.raises(MalformedResponseError):
            await client.find_user_by_username("olena.kovalenko")
    else:
        # {} is how the gateway may send an empty last page.
        assert await client.find_user_by_username("olena.kovalenko") is None


async def test_refused_connection_is_a_network_error() -> None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))  # bound but not listening: connections are refused
    port = sock.getsockname()[1]
    try:
        options = WebitelOptions(
            base_url=f"http://127.0.0.1:{port}", token="t", retries=1, backoff=0.01
        )
        async with WebitelClient(options) as webitel:
            with pytest.raises(NetworkError, match="cannot connect") as caught:
                await webitel.get_user(1)
    finally:
        sock.close()
    # Nothing was sent, so nothing can have changed.
    assert isinstance(caught.value, ConnectFailedError) and not in_doubt(caught.value)


async def test_a_post_whose_connection_is_reset_is_in_doubt(
    sim: RunningSimulator, client: WebitelClient
) -> None:
    await client.login()
    inject(sim, FaultRule(kind="reset", route="POST /api/devices", apply=True))
    with pytest.raises(NetworkError) as caught:
        await client.create_device(InputDevice(name="desk-1", password="sip!"))
    assert not isinstance(caught.value, ConnectFailedError) and in_doubt(caught.value)
    assert calls(sim, "POST", "/api/devices") == 1
    assert any(device.name == "desk-1" for device in sim.state.devices.values())


async def test_connect_errors_are_retried_for_every_method() -> None:
    attempts: list[str] = []

    def refuse(request: httpx.Request) -> httpx.Response:
        attempts.append(request.method)
        raise httpx.ConnectError("refused", request=request)

    options = WebitelOptions(base_url="http://127.0.0.1:9", token="t", retries=3, backoff=0.001)
    async with WebitelClient(options, transport=httpx.MockTransport(refuse)) as webitel:
        with pytest.raises(ConnectFailedError):
            await webitel.create_device(InputDevice(name="x"))
    # Nothing reached a server, so even a POST may be sent again.
    assert attempts == ["POST"] * 4


# -- status faults and latency ----------------------------------------------------------------


async def test_injected_401_logs_in_again(sim: RunningSimulator, client: WebitelClient) -> None:
    await client.login()
    inject(sim, FaultRule(kind="status", status=401, route="GET /api/roles", count=1))
    assert await client.list_roles()
    assert len(sim.state.tokens) == 2


async def test_injected_401_with_a_token_is_token_expired(sim: RunningSimulator) -> None:
    token = sim.state.issue_token("admin")
    inject(sim, FaultRule(kind="status", status=401, route="GET /api/roles", count=1))
    async with WebitelClient(WebitelOptions(base_url=sim.base_url, token=token)) as webitel:
        with pytest.raises(AuthError, match="expired or was revoked"):
            await webitel.list_roles()


async def test_injected_400(sim: RunningSimulator, client: WebitelClient) -> None:
    await client.login()
    inject(sim, FaultRule(kind="status", status=400, route="GET /api/license"))
    with pytest.raises(BadRequestError) as caught:
        await client.list_licenses()
    assert caught.value.id == "api.process.bad_args"


async def test_latency_and_slow_routes(sim: RunningSimulator, client: WebitelClient) -> None:
    await client.login()
    inject(sim, FaultRule(kind="slow", latency_ms=60, route="GET /api/roles"), latency_ms=20)
    started = time.perf_counter()
    await client.get_user(2)
    assert time.perf_counter() - started >= 0.02
    started = time.perf_counter()
    await client.search_roles()
    assert time.perf_counter() - started >= 0.08


async def test_error_rate_per_route(
    sim: RunningSimulator, make_client: Callable[..., WebitelClient]
) -> None:
    async with make_client(retries=0) as webitel:
        await webitel.login()
        inject(sim, FaultRule(kind="status", status=503, route="GET /api/roles", rate=0.5))
        outcomes = []
        for _ in range(30):
            try:
                await webitel.search_roles()
                outcomes.append(True)
            except ServerError:
                outcomes.append(False)
        await webitel.get_user(2)  # another route is untouched
    assert 5 < outcomes.count(False) < 25


# -- the admin endpoint -----------------------------------------------------------------------


async def test_admin_endpoint_sets_reads_and_clears_faults(
    sim: RunningSimulator, client: WebitelClient
) -> None:
    await client.login()
    async with httpx.AsyncClient(base_url=sim.root_url) as admin:
        answer = await admin.post(
            "/__sim__/faults",
            json={"rules": [{"kind": "status", "status": 503, "route": "GET /api/roles"}]},
        )
        assert answer.status_code == 200
        with pytest.raises(ServerError):
            await client.search_roles()
        described = (await admin.get("/__sim__/faults")).json()
        assert described["fired"] == [3]
        assert (await admin.delete("/__sim__/faults")).status_code == 200
        assert (await client.search_roles()).items
        bad = await admin.post("/__sim__/faults", json={"rules": [{"kind": "explode"}]})
        assert bad.status_code == 400 and bad.json()["id"] == "api.process.bad_args"


async def test_admin_mode_revoke_and_reset(sim: RunningSimulator, client: WebitelClient) -> None:
    async with httpx.AsyncClient(base_url=sim.root_url) as admin:
        await admin.post("/__sim__/mode", json={"legacy_devices": "reject"})
        user = (await client.create_user(jdoe())).user
        assert client.device_mode == "legacy" and user.default_device_id
        assert (await admin.post("/__sim__/tokens/revoke")).status_code == 200
        await client.get_user(user.id)  # password auth: logs in again
        await admin.post("/__sim__/faults", json={"token_expiry_after": 1})
        assert sim.state.token_expiry_after == 1
        summary = (await admin.post("/__sim__/reset")).json()
        assert summary["legacy_devices"] == "off" and summary["token_expiry_after"] is None
        assert sim.state.user_by_username("jdoe") is None
        state = (await admin.get("/__sim__/state")).json()
        assert state["users"] == len(sim.state.users)
        missing = await admin.get("/__sim__/nothing")
        assert missing.status_code == 404
