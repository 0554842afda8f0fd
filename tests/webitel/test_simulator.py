"""The simulator itself: seeded data, fault specs, the thread runner and the command."""

from __future__ import annotations

import subprocess
import sys

import httpx
import pytest
from pydantic import ValidationError

from tests.webitel.conftest import inject
from webitel_tui.simulator import (
    COLLIDING_NAMES,
    FaultConfig,
    FaultRule,
    RunningSimulator,
    SimulatorState,
    parse_fault_spec,
    start_simulator_thread,
)
from webitel_tui.simulator.cli import build_parser, fault_config, main
from webitel_tui.simulator.seed import ENGLISH_FIRST, UKRAINIAN_FIRST
from webitel_tui.simulator.state import now_ms


def test_seed_is_deterministic() -> None:
    one, two = SimulatorState(users=300, seed=5), SimulatorState(users=300, seed=5)
    assert [(u.name, u.username, u.extension, u.device) for u in one.users.values()] == [
        (u.name, u.username, u.extension, u.device) for u in two.users.values()
    ]
    assert list(one.licenses) == list(two.licenses)
    other = SimulatorState(users=300, seed=6)
    assert [u.name for u in other.users.values()] != [u.name for u in one.users.values()]


def test_seeded_users_are_realistic_and_varied() -> None:
    state = SimulatorState(users=500, seed=1)
    users = list(state.users.values())
    assert len(users) == 500
    assert [u.name for u in users[1:5]] == list(COLLIDING_NAMES)
    firsts = {u.name.split()[0] for u in users[5:]}
    assert firsts & set(UKRAINIAN_FIRST) and firsts & set(ENGLISH_FIRST)
    # First and last name; a repeat gets middle initials, so that no two users share a name
    # (the import makes a namesake of a linked contact a conflict).
    assert all(u.name.count(" ") == 1 or u.name.split()[1].endswith(".") for u in users[1:])
    assert len({u.name for u in users}) == 500
    assert len({u.username for u in users}) == 500
    assert len({u.extension for u in users}) == 500
    assert all(u.extension.isdigit() for u in users)
    # Each colliding name exists exactly once on the Webitel side.
    for name in COLLIDING_NAMES:
        assert sum(1 for u in users if u.name == name) == 1
    without = [u for u in users if u.device is None]
    assert 10 < len(without) < 150
    assert all(u.device in u.devices for u in users if u.device is not None)
    assert sum(1 for u in users if u.licenses) > 300
    assert sum(1 for u in users if u.roles) > 400


def test_small_state_still_has_the_fixed_users() -> None:
    state = SimulatorState(users=1)
    assert [u.name for u in state.users.values()] == ["Administrator", *COLLIDING_NAMES]


def test_licenses_include_expired_and_exhausted() -> None:
    state = SimulatorState(users=200, seed=3)
    by_product = {lic.product: lic for lic in state.licenses.values()}
    assert by_product["CHAT"].not_after < now_ms() < by_product["OPERATOR"].not_after
    assert by_product["SUPERVISOR"].remain == 0 and by_product["SUPERVISOR"].limit > 0
    assert by_product["OPERATOR"].remain > 0
    used = sum(1 for u in state.users.values() if by_product["OPERATOR"].id in u.licenses)
    assert by_product["OPERATOR"].used == used


def test_every_user_has_an_internal_role() -> None:
    state = SimulatorState(users=50)
    own = [r for r in state.roles.values() if r.user]
    assert len(own) == 50
    assert {r.name for r in own} == {u.username for u in state.users.values()}


def test_fault_spec_parsing() -> None:
    config = parse_fault_spec(
        [
            "latency=25",
            "token-expiry=10",
            "status=503,route=GET /api/users*,rate=0.5,count=3",
            "timeout,route=POST:/api/users",
            "drop",
            "malformed,route=/api/roles,apply=true",
            "slow=200,route=/api/license",
        ],
        seed=9,
    )
    assert config.latency_ms == 25 and config.token_expiry_after == 10 and config.seed == 9
    kinds = [(r.kind, r.status, r.route, r.rate, r.count) for r in config.rules]
    assert kinds[0] == ("status", 503, "GET /api/users*", 0.5, 3)
    assert [r.kind for r in config.rules] == ["status", "timeout", "drop", "malformed", "slow"]
    assert config.rules[3].apply and config.rules[4].latency_ms == 200


def test_malformed_bodies_and_reset_in_specs() -> None:
    config = parse_fault_spec(
        [
            "malformed,body=html,route=PATCH /api/users/*,apply=true",
            "malformed,body=wrong-shape",
            "malformed,body=empty",
            "malformed",
            "reset,route=POST /api/users",
        ]
    )
    assert [r.body for r in config.rules[:4]] == ["html", "wrong-shape", "empty", "truncated"]
    assert config.rules[0].route == "PATCH /api/users/*" and config.rules[0].apply
    assert config.rules[4].kind == "drop"
    # The JSON form of the admin endpoint takes the same names.
    assert FaultRule.model_validate({"kind": "reset"}).kind == "drop"
    assert FaultRule.model_validate({"kind": "malformed", "body": "html"}).body == "html"
    with pytest.raises(ValidationError):
        FaultRule.model_validate({"kind": "status", "body": "html"})


def test_latency_option_is_the_latency_fault() -> None:
    parser = build_parser()
    assert fault_config(parser.parse_args(["--latency", "40"])).latency_ms == 40
    both = parser.parse_args(["--faults", "latency=5", "--faults", "timeout", "--latency", "40"])
    assert fault_config(both).latency_ms == 40 and fault_config(both).rules[0].kind == "timeout"
    assert fault_config(parser.parse_args(["--faults", "latency=5"])).latency_ms == 5
    with pytest.raises(ValueError):
        fault_config(parser.parse_args(["--latency", "-1"]))


@pytest.mark.parametrize(
    "spec",
    [
        "explode",
        "status=abc",
        "status=503,colour=red",
        "rate=2",
        "status=503,rate=2",
        "malformed,body=xml",
        "status=503,body=html",
        "reset=1",
    ],
)
def test_bad_fault_specs(spec: str) -> None:
    with pytest.raises(ValueError):
        parse_fault_spec([spec])


@pytest.mark.parametrize(
    ("route", "method", "path", "expected"),
    [
        ("*", "GET", "/api/users", True),
        ("/api/users*", "DELETE", "/api/users/4", True),
        ("GET /api/users*", "POST", "/api/users", False),
        ("POST:/api/users", "POST", "/api/users", True),
        ("POST:/api/users", "POST", "/api/users/4", False),
        ("PATCH", "PATCH", "/api/devices/1", True),
    ],
)
def test_fault_routes(route: str, method: str, path: str, expected: bool) -> None:
    assert FaultRule(kind="drop", route=route).matches(method, path) is expected


def test_thread_runner_serves_and_stops() -> None:
    sim = start_simulator_thread(users=30, faults=FaultConfig(latency_ms=1))
    try:
        assert sim.base_url.startswith("http://127.0.0.1:") and sim.base_url.endswith("/api")
        with httpx.Client(base_url=sim.base_url) as http:
            login = http.post("/login", json={"username": "admin@demo", "password": "admin"})
            token = login.json()["access_token"]
            page = http.get("/users", params={"size": 100}, headers={"X-Webitel-Access": token})
            assert len(page.json()["items"]) == 30 and "next" not in page.json()
            assert http.get("/users").status_code == 401
    finally:
        sim.stop()
    with pytest.raises(httpx.ConnectError), httpx.Client() as http:
        http.get(f"{sim.base_url}/users", timeout=1)


def test_cli_rejects_a_bad_fault_spec(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--faults", "explode", "--port", "0"]) == 2
    assert "bad --faults" in capsys.readouterr().err


def test_cli_prints_url_and_credentials_and_serves() -> None:
    command = [
        sys.executable, "-m", "webitel_tui.simulator", "--port", "0", "--users", "20",
        "--faults", "latency=1",
    ]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        second = process.stdout.readline()
        assert first.startswith("Webitel simulator: http://127.0.0.1:")
        assert "user admin" in second and "password admin" in second and "domain demo" in second
        base_url = first.split()[-1]
        answer = httpx.post(f"{base_url}/login", json={"username": "admin", "password": "admin"})
        assert answer.status_code == 200 and answer.json()["access_token"]
    finally:
        process.terminate()
        assert process.wait(timeout=10) == 0


# -- what each fault does to a write, applied or not ------------------------------------------

NEW_EXTENSION = "7777"


async def _patch_extension(
    sim: RunningSimulator, user_id: int, wait: float = 2.0
) -> httpx.Response:
    async with httpx.AsyncClient(base_url=sim.base_url, timeout=wait) as http:
        login = await http.post(
            "/login",
            json={"username": sim.username, "password": sim.password, "domain": sim.domain},
        )
        token = login.json()["access_token"]
        return await http.patch(
            f"/users/{user_id}",
            json={"extension": NEW_EXTENSION},
            headers={"X-Webitel-Access": token},
        )


@pytest.mark.parametrize("apply", [True, False], ids=["applied", "not-applied"])
@pytest.mark.parametrize(
    ("rule", "status", "content_type", "body"),
    [
        (FaultRule(kind="status", status=500), 500, "application/json", None),
        (FaultRule(kind="status", status=503), 503, "application/json", None),
        (FaultRule(kind="malformed"), 200, "application/json", b'{"items":[{"id":"1"'),
        (FaultRule(kind="malformed", body="html"), 200, "text/html", b"<html>"),
        (FaultRule(kind="malformed", body="wrong-shape"), 200, "application/json", None),
        (FaultRule(kind="malformed", body="empty"), 200, "application/json", b"{}"),
    ],
    ids=["500", "503", "truncated", "html", "wrong-shape", "empty"],
)
async def test_answered_faults_change_the_state_only_when_applied(
    sim: RunningSimulator,
    rule: FaultRule,
    status: int,
    content_type: str,
    body: bytes | None,
    apply: bool,
) -> None:
    assert all(u.extension != NEW_EXTENSION for u in sim.state.users.values())
    inject(sim, rule.model_copy(update={"route": "PATCH /api/users/*", "apply": apply}))
    answer = await _patch_extension(sim, 2)
    assert answer.status_code == status
    assert answer.headers["content-type"] == content_type
    if body is not None:
        assert answer.content.startswith(body)
    if rule.body == "wrong-shape":
        assert answer.json() == {"result": "ok"}
    assert (sim.state.users[2].extension == NEW_EXTENSION) is apply


@pytest.mark.parametrize("apply", [True, False], ids=["applied", "not-applied"])
async def test_reset_changes_the_state_only_when_applied(
    sim: RunningSimulator, apply: bool
) -> None:
    inject(sim, FaultRule(kind="reset", route="PATCH /api/users/*", apply=apply))
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        await _patch_extension(sim, 2)
    assert (sim.state.users[2].extension == NEW_EXTENSION) is apply


@pytest.mark.parametrize("apply", [True, False], ids=["applied", "not-applied"])
async def test_timeout_holds_until_the_client_gives_up(sim: RunningSimulator, apply: bool) -> None:
    inject(sim, FaultRule(kind="timeout", route="PATCH /api/users/*", apply=apply))
    # The fixture's simulator holds for 3 s before it would answer 504: the client's 0.3 s
    # timeout must be what ends the request.
    with pytest.raises(httpx.ReadTimeout):
        await _patch_extension(sim, 2, wait=0.3)
    assert (sim.state.users[2].extension == NEW_EXTENSION) is apply


def test_a_fault_config_survives_its_own_json() -> None:
    """What GET /__sim__/faults gives can be posted back; a body on another kind cannot."""
    config = FaultConfig(rules=[FaultRule(kind="slow", route="GET /api/users", latency_ms=5)])
    assert FaultConfig.model_validate(config.model_dump()) == config
    with pytest.raises(ValueError, match="malformed rules only"):
        FaultRule.model_validate({"kind": "status", "status": 502, "body": "html"})
