"""The client against answers written as a real Webitel server sends them.

A real server speaks proto3 JSON: a zero count and an empty list are left out, a page with
nothing on it is ``{}``. A proxy in front of it answers with HTML or plain text. Each answer
here is written by hand (``reference/webitel-api.md`` §2, §5, §6; ``webitel/protos``) and
served through the client's own ``transport`` parameter: nothing leaves this machine.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

import httpx
import pytest

from webitel_tui.processes import provisioning
from webitel_tui.webitel import (
    AuthError,
    BadRequestError,
    ConflictError,
    InputUser,
    LicenseError,
    MalformedResponseError,
    ServerError,
    WebitelClient,
    WebitelError,
    WebitelOptions,
    in_doubt,
    retryable,
)
from webitel_tui.webitel.errors import error_from_response
from webitel_tui.webitel.session import is_unknown_parameter

FAR_FUTURE = "4102444800000"  # 2100-01-01, in unix ms as Webitel writes an int64

Answer = tuple[int, bytes, str]
"""Status, body, content type."""


def _json(status: int, body: str) -> Answer:
    return status, body.encode(), "application/json"


class Server:
    """Answers ``"METHOD /path"`` from a table and counts what it was asked."""

    def __init__(self, answers: Mapping[str, Answer]) -> None:
        self.answers = dict(answers)
        self.asked: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        route = f"{request.method} {request.url.path}"
        self.asked.append(route)
        status, body, content_type = self.answers.get(route, _json(404, "{}"))
        return httpx.Response(status, content=body, headers={"content-type": content_type})

    def client(self, **options: object) -> WebitelClient:
        values: dict[str, object] = {"base_url": "http://127.0.0.1:9", "retries": 0}
        values.update(options or {"token": "t0k"})
        return WebitelClient(
            WebitelOptions(**values),  # type: ignore[arg-type]
            transport=httpx.MockTransport(self),
        )


# -- counts the server left out ------------------------------------------------------------


async def test_a_license_without_remain_has_none_left() -> None:
    """All 50 grants taken: ``remain`` is 0, so proto3 JSON drops it."""
    server = Server(
        {
            "GET /api/license": _json(
                200,
                '{"page":1,"items":[{"id":"7c1e0b2a-0001","product":"OPERATOR",'
                f'"name":"Operator","limit":50,"not_after":"{FAR_FUTURE}",'
                '"scope":["users","cc_agent"]}]}',
            )
        }
    )
    async with server.client() as webitel:
        (found,) = await webitel.list_licenses()
        (shown,) = await provisioning.available_licenses(webitel)
    assert found.remain == 0 and found.is_exhausted and not found.is_grantable()
    assert not shown.grantable and not shown.expired
    assert provisioning.license_availability(shown) == "No grants left"


async def test_a_license_without_limit_allows_no_grant() -> None:
    """``limit`` 0 (and so ``remain`` 0) is left out too: it allows nothing, it is not
    "Unlimited" (the proto's ``limit`` is a plain int32; Webitel has no unlimited license)."""
    server = Server(
        {
            "GET /api/license": _json(
                200,
                f'{{"items":[{{"id":"7c1e0b2a-0002","product":"CHAT","not_after":"{FAR_FUTURE}"}}]}}',
            )
        }
    )
    async with server.client() as webitel:
        (found,) = await webitel.list_licenses()
        (shown,) = await provisioning.available_licenses(webitel)
    assert (found.limit, found.remain) == (0, 0) and not found.is_grantable()
    assert (shown.limit, shown.remain, shown.grantable) == (0, 0, False)
    assert provisioning.license_availability(shown) == "No grants left"


# -- error answers that are not JSON -----------------------------------------------------------

CLOUD_PROXY_502 = (
    b"<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
    b"<title>webitel.example.com | 502: Bad gateway</title>\n"
    b"<style>body { font-family: sans-serif; }</style>\n</head>\n<body>\n"
    b"<h1>Bad gateway</h1>\n<p>The web server reported a bad gateway error.</p>\n"
    + b"<p>Ray ID: 8f0c2d1e3a4b5c6d &bull; 2026-08-30 10:00:00 UTC</p>\n" * 20
    + b"</body>\n</html>\n"
)  # fmt: skip


async def test_a_proxys_html_502_keeps_one_line_of_its_text() -> None:
    server = Server({"GET /api/users": (502, CLOUD_PROXY_502, "text/html; charset=UTF-8")})
    async with server.client() as webitel:
        with pytest.raises(ServerError) as caught:
            await webitel.search_users()
    error = caught.value
    assert error.code == 502 and error.path == "/users"
    assert error.detail.startswith("webitel.example.com | 502: Bad gateway Bad gateway The web")
    assert (
        "\n" not in error.detail and "<" not in error.detail and "font-family" not in error.detail
    )
    assert len(error.detail) <= 200 and error.detail.endswith("…")
    assert in_doubt(error) and retryable(error)


async def test_a_plain_text_409_is_the_conflict_naming_the_user_name() -> None:
    server = Server(
        {"POST /api/users": (409, b"user name jsmith already exists\r\n", "text/plain")}
    )
    async with server.client() as webitel:
        with pytest.raises(ConflictError) as caught:
            await webitel.create_user(
                InputUser(username="jsmith", name="John Smith"), default_device=False
            )
    error = caught.value
    assert error.field == "username" and error.code == 409
    assert error.detail == "user name jsmith already exists"
    assert "jsmith" in str(error) and not in_doubt(error)
    assert server.asked == ["POST /api/users"]  # a refusal: not posted again


# -- list answers ------------------------------------------------------------------------------


async def test_a_list_without_items_that_says_more_follow_is_malformed() -> None:
    server = Server({"GET /api/users": _json(200, '{"page":1,"size":50,"next":true}')})
    async with server.client() as webitel:
        with pytest.raises(MalformedResponseError) as caught:
            await webitel.search_users()
        with pytest.raises(MalformedResponseError, match=r"GET /users: .*next: true"):
            await webitel.list_users()
    assert caught.value.method == "GET" and caught.value.path == "/users"
    assert "without items" in caught.value.detail
    assert server.asked == ["GET /api/users", "GET /api/users"]  # page 2 never asked for


async def test_a_list_under_another_key_is_malformed() -> None:
    server = Server(
        {"GET /api/roles": _json(200, '{"roles":[{"id":"3","name":"agents"}],"total":1}')}
    )
    async with server.client() as webitel:
        with pytest.raises(MalformedResponseError) as caught:
            await webitel.list_roles()
    assert caught.value.path == "/roles"
    assert str(caught.value).startswith("GET /roles: ")
    assert "keys a page does not have (roles, total)" in caught.value.detail


async def test_an_empty_page_is_an_empty_list() -> None:
    """What a real server sends when nothing matches: every field was a zero value."""
    server = Server({"GET /api/users": _json(200, "{}"), "GET /api/license": _json(200, "{}")})
    async with server.client() as webitel:
        page = await webitel.search_users(username="nobody")
        assert page.items == () and page.next is False
        assert await webitel.list_users() == []
        assert await webitel.find_user_by_username("nobody") is None
        assert await webitel.list_licenses() == []


# -- the license error id ----------------------------------------------------------------------

NO_LICENSE = (
    '{"id":"app.context.auth.license.err","code":%d,'
    '"detail":"user jdoe has no license grants","status":"%s"}'
)


@pytest.mark.parametrize(
    ("status", "reason"), [(400, "Bad Request"), (401, "Unauthorized"), (403, "Forbidden")]
)
async def test_the_no_license_error_id_is_a_license_error(status: int, reason: str) -> None:
    """Which status a real server pairs with it is not public: the id decides. It is neither
    "wrong password" at login nor a reason to log in again or retry later (the same account
    would get the same answer)."""
    refusal = _json(status, NO_LICENSE % (status, reason))
    at_login = Server({"POST /api/login": refusal})
    later = Server(
        {
            "POST /api/login": _json(200, '{"access_token":"k1m3","token_type":"Bearer"}'),
            "GET /api/users": refusal,
        }
    )
    errors: list[WebitelError] = []
    for server in (at_login, later):
        async with server.client(username="jdoe", password="secret", domain="acme") as webitel:
            with pytest.raises(LicenseError) as caught:
                await webitel.search_users()
        errors.append(caught.value)
    for error in errors:
        assert not isinstance(error, AuthError)
        assert error.id == "app.context.auth.license.err" and error.code == status
        assert error.detail == "user jdoe has no license grants"
        assert not in_doubt(error) and not retryable(error)
    assert at_login.asked == ["POST /api/login"]
    assert later.asked == ["POST /api/login", "GET /api/users"]


async def test_the_no_license_error_without_detail_says_what_it_means() -> None:
    server = Server({"GET /api/users": _json(403, '{"id":"app.context.auth.license.err"}')})
    async with server.client() as webitel:
        with pytest.raises(LicenseError, match="no license grants"):
            await webitel.search_users()


# -- which refusal says the server is older than generate_device -----------------------------

DEVICE_PARAMS = ("generate_device", "device.name", "device.generate_password")


def _refusal(detail: str, status: int = 400) -> WebitelError:
    return error_from_response(status, id="api.process.bad_args", detail=detail)


@pytest.mark.parametrize(
    ("detail", "older"),
    [
        ('unknown query parameter "generate_device"', True),
        ('unknown field "device.generate_password" in CreateUserRequest', True),
        ('unknown field "nmae"', False),  # the body's field: says nothing of the query
        ('unknown field "device"', False),
        ("generate_device: device name jdoe already exists", False),  # a conflict
        ("generate_device: no license left for the device", False),  # a license refusal
        ("extension 12a: digits only", False),
    ],
)
def test_only_a_refusal_naming_the_query_parameter_says_the_server_is_older(
    detail: str, older: bool
) -> None:
    assert is_unknown_parameter(_refusal(detail), DEVICE_PARAMS) is older


def test_a_refusal_that_is_no_400_never_says_the_server_is_older() -> None:
    error = _refusal('unknown query parameter "generate_device"', status=422)
    assert not is_unknown_parameter(error, DEVICE_PARAMS)


async def test_a_refused_body_field_keeps_auto_and_is_not_posted_again() -> None:
    """``unknown field "nmae"`` is the body's fault on any server: the client neither takes
    the server for an older one nor posts the user again without the query."""
    refusal = (
        '{"id":"api.process.bad_args","code":400,'
        '"detail":"unknown field \\"nmae\\"","status":"Bad Request"}'
    )
    server = Server({"POST /api/users": _json(400, refusal)})
    async with server.client() as webitel:
        with pytest.raises(BadRequestError, match="nmae"):
            await webitel.create_user(InputUser(username="jsmith", name="John Smith"))
        assert webitel.device_mode == "auto"
    assert server.asked == ["POST /api/users"]


async def test_a_refused_generate_device_makes_auto_legacy_for_the_clients_life() -> None:
    """The other kind of older server: it refuses the parameter by name. The user is posted
    again without it (a 400 stored nothing), its device made the older way, and the next
    create sends no generate_device at all."""
    queries: list[str] = []

    def reply(status: int, body: object) -> httpx.Response:
        return httpx.Response(status, content=json.dumps(body).encode())

    def answer(request: httpx.Request) -> httpx.Response:
        route = f"{request.method} {request.url.path}"
        if route == "POST /api/users":
            queries.append(request.url.query.decode())
            if "generate_device" in queries[-1]:
                detail = 'unknown query parameter "generate_device"'
                return reply(400, {"id": "api.process.bad_args", "code": 400, "detail": detail})
            number = str(len(queries))
            return reply(200, {"id": number, "username": f"u{number}", "name": "U"})
        if route == "POST /api/devices":
            return reply(200, {"id": "9", "name": "d", "user": {"id": "1"}})
        if route.startswith("PATCH /api/users/"):
            user_id = request.url.path.rsplit("/", 1)[1]
            return reply(200, {"id": user_id, "device": {"id": "9"}, "devices": [{"id": "9"}]})
        return reply(404, {})

    options = WebitelOptions(base_url="http://127.0.0.1:9", token="t0k", retries=0)
    async with WebitelClient(options, transport=httpx.MockTransport(answer)) as webitel:
        first = await webitel.create_user(InputUser(username="u1", name="U"))
        assert webitel.device_mode == "legacy" and first.sip_password is not None
        second = await webitel.create_user(InputUser(username="u3", name="U"))
    assert second.sip_password is not None and second.user.default_device_id == "9"
    assert ["generate_device" in query for query in queries] == [True, False, False]
