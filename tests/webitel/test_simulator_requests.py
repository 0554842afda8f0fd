"""The simulator judges requests on its own, and answers like a real server (issue 14).

Raw httpx over loopback, never the client: what is tested is what the simulator accepts and
sends, whatever the client happens to do. Every test runs against both generations (the
``sim`` fixture); the ones whose answer differs say so.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from webitel_tui.simulator import SimulatorState, create_app
from webitel_tui.simulator.cli import build_parser
from webitel_tui.simulator.runner import RunningSimulator

BAD_REQUEST = {"id": "api.process.bad_args", "code": 400, "status": "Bad Request"}


@pytest.fixture
async def api(sim: RunningSimulator) -> AsyncIterator[httpx.AsyncClient]:
    """An administrator's raw HTTP session with the simulator."""
    async with httpx.AsyncClient(base_url=sim.base_url, timeout=5) as http:
        login = await http.post(
            "/login",
            json={"username": sim.username, "password": sim.password, "domain": sim.domain},
        )
        http.headers["X-Webitel-Access"] = login.json()["access_token"]
        yield http


def assert_refused(answer: httpx.Response, *words: str) -> dict[str, Any]:
    """A 400 in Webitel's error shape (``{id, code, detail, status}``) naming ``words``."""
    assert answer.status_code == 400, answer.text
    body: dict[str, Any] = answer.json()
    assert set(body) == {"id", "code", "detail", "status"}
    assert {key: body[key] for key in BAD_REQUEST} == BAD_REQUEST
    for word in words:
        assert word in body["detail"]
    return body


# -- what is refused ----------------------------------------------------------------------------


async def test_a_misspelled_field_is_refused(sim: RunningSimulator, api: httpx.AsyncClient) -> None:
    before = sim.state.users[2].extension
    answer = await api.patch("/users/2", json={"extention": "7777"})
    body = assert_refused(answer, "unknown field", "extention")
    assert body["detail"] == 'unknown field "extention"'
    assert sim.state.users[2].extension == before
    nested = await api.patch("/users/2", json={"roles": [{"id": "2", "nmae": "agents"}]})
    assert_refused(nested, 'unknown field "roles.0.nmae"')
    count = len(sim.state.users)
    assert_refused(await api.post("/users", json={"username": "jdoe", "extenison": "5001"}))
    assert len(sim.state.users) == count


async def test_a_number_where_webitel_expects_a_string_id_is_refused(
    sim: RunningSimulator, api: httpx.AsyncClient
) -> None:
    """``LicenseUser.id`` (the license serial) is a proto ``string``: a JSON number there is
    ill-typed, as in every ``string`` field (``customers.proto``)."""
    held = dict(sim.state.users[2].licenses)
    answer = await api.patch("/users/2", json={"license": [{"id": 12345}]})
    assert_refused(answer, "license.0.id")
    assert sim.state.users[2].licenses == held
    assert_refused(await api.patch("/users/2", json={"extension": 7777}), "extension")
    assert_refused(await api.patch("/users/2", json={"force_password_change": "true"}))


async def test_int64_ids_are_strings_or_integers_and_nothing_else(
    sim: RunningSimulator, api: httpx.AsyncClient
) -> None:
    """``ObjectId.id`` is an int64: proto3 JSON takes a string of digits or a JSON integer."""
    as_string = await api.patch("/users/2", json={"roles": [{"id": "2"}]})
    assert as_string.status_code == 200 and as_string.json()["roles"][0]["id"] == "2"
    as_number = await api.patch("/users/2", json={"roles": [{"id": 3}]})
    assert as_number.status_code == 200 and as_number.json()["roles"][0]["id"] == "3"
    for wrong in ("two", 2.5, True, ""):
        assert_refused(await api.patch("/users/2", json={"roles": [{"id": wrong}]}), "roles.0.id")
    assert sim.state.users[2].roles == [3]


async def test_missing_fields_and_bodies_that_are_no_object(
    sim: RunningSimulator, api: httpx.AsyncClient
) -> None:
    assert_refused(await api.post("/users", json={"name": "No Login"}), "username")
    assert_refused(await api.post("/users", json={"username": ""}), "username")
    assert_refused(await api.post("/devices", json={"account": "x", "password": "p"}), "name")
    assert_refused(await api.patch("/users/2", json=["extension", "7777"]), "JSON object")
    assert_refused(await api.post("/login", json={"username": "admin", "passwrd": "admin"}))
    assert (await api.post("/logout", json={"sesion": "x"})).status_code == 400


async def test_a_device_without_a_password(sim: RunningSimulator, api: httpx.AsyncClient) -> None:
    """Generation 23 refuses it (nothing there makes a SIP password up); 26 makes one up."""
    count = len(sim.state.devices)
    answer = await api.post("/devices", json={"name": "desk-9", "account": "desk9"})
    if sim.state.generation == 23:
        assert_refused(answer, 'missing required field "password"')
        assert len(sim.state.devices) == count
        empty = await api.post("/devices", json={"name": "desk-9", "password": ""})
        assert_refused(empty, "password")
    else:
        assert answer.status_code == 200 and answer.json()["name"] == "desk-9"
    with_password = await api.post(
        "/devices", json={"name": "desk-10", "account": "desk10", "password": "s3cret"}
    )
    assert with_password.status_code == 200
    assert "password" not in with_password.json()  # the SIP secret is never sent back


async def test_generate_device_only_on_the_current_generation(
    sim: RunningSimulator, api: httpx.AsyncClient
) -> None:
    """Generation 23 does not know ``generate_device`` and ignores it (an unknown query
    parameter); the user is made without a device."""
    answer = await api.post(
        "/users",
        params={"generate_device": "true", "device.name": "jdoe", "device.generate_password": True},
        json={"username": "jdoe", "name": "John Doe", "extension": "5001", "password": "x"},
    )
    assert answer.status_code == 200
    user = answer.json()
    if sim.state.generation == 23:
        assert "device" not in user and "devices" not in user
    else:
        assert user["device"]["name"] == "jdoe" and user["devices"] == [user["device"]]


# -- what is answered ---------------------------------------------------------------------------


async def test_zero_values_are_left_out(sim: RunningSimulator, api: httpx.AsyncClient) -> None:
    licenses = {item["product"]: item for item in (await api.get("/license")).json()["items"]}
    exhausted = licenses["SUPERVISOR"]
    assert "remain" not in exhausted and int(exhausted["limit"]) > 0
    assert all(isinstance(item.get("limit", 0), int) for item in licenses.values())
    assert (await api.get("/users", params={"username": "nobody"})).json() == {}
    assert (await api.get("/users", params={"page": 99})).json() == {}
    created = await api.post("/users", json={"username": "bare"})
    body = created.json()
    assert "extension" not in body and "roles" not in body and "license" not in body
    assert "" not in body.values() and [] not in body.values() and False not in body.values()


async def test_devices_carry_logged_in_and_hotdesks(
    sim: RunningSimulator, api: httpx.AsyncClient
) -> None:
    items = (await api.get("/devices", params={"size": 1000})).json()["items"]
    desks = [item for item in items if item.get("hotdesk")]
    assert desks and all(isinstance(item["logged_in"], str) for item in desks)
    assert all(item["logged_in"].isdigit() and len(item["logged_in"]) == 13 for item in desks)
    assert all(
        isinstance(desk["hotdesks"], list) and all(isinstance(a, str) for a in desk["hotdesks"])
        for desk in desks
    )
    one = await api.get(f"/devices/{desks[0]['id']}")
    assert one.json()["hotdesks"] == desks[0]["hotdesks"]
    plain = next(item for item in items if not item.get("hotdesk"))
    assert "logged_in" not in plain and "hotdesks" not in plain


async def test_presence_expires_in_seconds(sim: RunningSimulator, api: httpx.AsyncClient) -> None:
    users = (await api.get("/users", params={"size": 1000})).json()["items"]
    busy = [u["presence"] for u in users if u.get("presence", {}).get("status") == "busy"]
    assert busy and all(p["expires"] == 3600 for p in busy)  # int32 seconds, not a timestamp


# -- choosing the generation ----------------------------------------------------------------------


def test_the_generation_is_an_option_everywhere() -> None:
    parser = build_parser()
    assert parser.parse_args([]).generation == 26
    assert parser.parse_args(["--generation", "23"]).generation == 23
    with pytest.raises(SystemExit):
        parser.parse_args(["--generation", "24"])
    assert create_app(users=5, generation=23).state.generation == 23
    assert create_app(users=5).state.generation == 26
    with pytest.raises(ValueError, match="generation"):
        SimulatorState(users=5, generation=24)
    with pytest.raises(ValueError, match="generation"):
        create_app(SimulatorState(users=5), generation=23)
