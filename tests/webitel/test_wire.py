"""The wire examples of reference/webitel-api.md §7 and the tolerant-parsing rules of §2."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from webitel_tui.webitel import (
    AuthError,
    BadRequestError,
    ConflictError,
    LicenseError,
    MalformedResponseError,
    NotFoundError,
    PasswordExpiredError,
    PermissionDeniedError,
    ServerError,
)
from webitel_tui.webitel.errors import error_from_response
from webitel_tui.webitel.wire import (
    Device,
    InputUser,
    License,
    ObjectRef,
    Role,
    User,
    Userinfo,
    decode_json,
    parse_entity,
    parse_error,
    parse_login,
    parse_model,
    parse_page,
    parse_page_json,
)

# §7 examples; the reference's "…" elisions are filled with concrete values.
LOGIN_ANSWER = '{"access_token":"k1m3abc","token_type":"Bearer"}'
USERS_PAGE = """{"page":1,"size":50,"next":false,
  "items":[{"id":"42","name":"John Doe","username":"jdoe","extension":"1001"}]}"""
CREATED_USER = """{"id":"42","name":"John Doe","username":"jdoe","extension":"1001",
  "email":"jdoe@acme.com","roles":[{"id":"3","name":"agents"}],
  "license":[{"id":"7c1e0000-uuid","prod":"OPERATOR","name":"Operator",
              "issued_at":"1717000000000","expires_at":"1750000000000"}],
  "devices":[{"id":"12","name":"jdoe-sip"}],"device":{"id":"12","name":"jdoe-sip"},
  "created_at":"1717000000000","created_by":{"id":"1","name":"admin"},"chat_name":"John"}"""
LICENSES_PAGE = """{"page":1,"next":false,"items":[{"id":"7c1e0000-uuid","product":"OPERATOR",
  "name":"Operator","limit":50,"remain":12,"not_after":"1767225600000"}]}"""
DELETED = '{"deleted":[{"id":"42","name":"John Doe"}]}'
USERINFO = """{"dc":"1","domain":"acme","user_id":"1","username":"admin",
  "expires_at":"1767225600000","roles":[{"id":"1","name":"admin"}],
  "license":[{"id":"7c1e0000-uuid","prod":"OPERATOR"}],
  "scope":[{"id":"5","class":"users","access":"rw","obac":true,"rbac":false}],
  "permissions":[{"id":"add","name":"add","usage":"create objects"}]}"""
ERROR_BODY = '{"id":"api.process.bad_args","code":400,"detail":"bad value","status":"Bad Request"}'


def test_login_answer_has_top_level_token() -> None:
    result = parse_login(decode_json(LOGIN_ANSWER))
    assert result.access_token is not None
    assert result.access_token.get_secret_value() == "k1m3abc"
    assert result.token_type == "Bearer"
    assert "k1m3abc" not in repr(result)


def test_login_answer_under_authorization_as_the_proto_declares() -> None:
    result = parse_login({"authorization": {"access_token": "t0k", "expires_in": "3600"}})
    assert result.access_token is not None and result.access_token.get_secret_value() == "t0k"
    assert result.expires_in == 3600


def test_login_answer_with_only_a_2fa_session() -> None:
    result = parse_login({"id": "tfa-session"})
    assert result.access_token is None
    assert result.id == "tfa-session"


def test_users_page() -> None:
    page = parse_page(User, decode_json(USERS_PAGE))
    assert page.page == 1 and page.size == 50 and page.next is False
    assert [(u.id, u.name, u.username, u.extension) for u in page.items] == [
        ("42", "John Doe", "jdoe", "1001")
    ]


def test_created_user_flat() -> None:
    user = parse_model(User, decode_json(CREATED_USER))
    assert user.id == "42"
    assert user.role_ids == ["3"]
    assert user.roles[0].name == "agents"
    assert user.license_ids == ["7c1e0000-uuid"]
    assert user.license[0].prod == "OPERATOR"
    assert user.license[0].expires_at == datetime.fromtimestamp(1750000000, tz=UTC)
    assert user.default_device_id == "12"
    assert user.device_ids == ["12"]
    assert not user.is_deleted


def test_create_request_body_matches_the_reference() -> None:
    sent = InputUser(
        username="jdoe",
        password="S3cret!",
        name="John Doe",
        extension="1001",
        roles=[ObjectRef(id="3")],
        license=[ObjectRef(id="7c1e0000-uuid")],
        devices=[ObjectRef(id="12")],
        device=ObjectRef(id="12"),
        profile={"crm_id": "A-42"},
        force_password_change=True,
    )
    assert sent.to_wire() == {
        "username": "jdoe",
        "password": "S3cret!",
        "name": "John Doe",
        "extension": "1001",
        "roles": [{"id": "3"}],
        "license": [{"id": "7c1e0000-uuid"}],
        "devices": [{"id": "12"}],
        "device": {"id": "12"},
        "profile": {"crm_id": "A-42"},
        "force_password_change": True,
    }
    assert "S3cret!" not in repr(sent) and "S3cret!" not in str(sent)


def test_licenses_page() -> None:
    page = parse_page(License, decode_json(LICENSES_PAGE))
    (lic,) = page.items
    assert (lic.product, lic.limit, lic.remain) == ("OPERATOR", 50, 12)
    assert lic.not_after == datetime(2026, 1, 1, tzinfo=UTC)
    assert page.size is None
    assert lic.is_expired(datetime(2026, 6, 1, tzinfo=UTC))
    assert lic.is_grantable(datetime(2025, 6, 1, tzinfo=UTC))


def test_exhausted_license_is_not_grantable() -> None:
    lic = parse_model(License, {"id": "x", "limit": "5", "remain": "0"})
    assert lic.is_exhausted and not lic.is_grantable()


def test_deleted_answer_unwraps_to_users() -> None:
    body = decode_json(DELETED)
    assert isinstance(body, dict)
    users = [parse_model(User, item) for item in body["deleted"]]
    assert users[0].id == "42"


def test_userinfo() -> None:
    info = parse_model(Userinfo, decode_json(USERINFO))
    assert (info.domain, info.user_id, info.username) == ("acme", "1", "admin")


def test_error_body() -> None:
    body = parse_error(decode_json(ERROR_BODY))
    assert body is not None
    assert (body.id, body.code, body.detail, body.status) == (
        "api.process.bad_args",
        400,
        "bad value",
        "Bad Request",
    )


def test_rpc_status_message_is_read_as_detail() -> None:
    body = parse_error({"code": 3, "message": "type mismatch", "details": []})
    assert body is not None and body.detail == "type mismatch" and body.code == 3


@pytest.mark.parametrize("wrapper", ["user", "updated"])
def test_wrapped_user_is_unwrapped(wrapper: str) -> None:
    assert parse_model(User, {wrapper: {"id": 7, "name": "A"}}).id == "7"


def test_wrapped_role_and_device() -> None:
    assert parse_model(Role, {"role": {"id": "3", "name": "agents"}}).name == "agents"
    device = parse_model(Device, {"device": {"id": 12, "name": "jdoe-sip", "user": None}})
    assert (device.id, device.name, device.user) == ("12", "jdoe-sip", None)


def test_fields_the_crm_does_not_read_cannot_break_a_page() -> None:
    """A real server's device: `logged_in` is int64 milliseconds in a string, `hotdesks` a
    list of strings; a user's `presence.expires` is in seconds. None of it is read."""
    device = {"id": "12", "logged_in": "1717000000000", "hotdesks": ["desk-1", "desk-2"]}
    assert parse_page(Device, {"items": [device]}).items[0].id == "12"
    user = {"id": "42", "presence": {"status": "dnd", "expires": "1717000000"}, "profile": 5}
    assert parse_page(User, {"items": [user]}).items[0].id == "42"


def test_a_flat_body_with_one_key_is_not_unwrapped() -> None:
    with pytest.raises(MalformedResponseError):
        parse_model(User, {"user": "jdoe"})


def test_int64_as_numbers_and_strings() -> None:
    user = parse_model(User, {"id": 42, "roles": [{"id": 3}], "deleted_at": 1717000000000})
    assert user.id == "42" and user.role_ids == ["3"]
    assert user.deleted_at == datetime.fromtimestamp(1717000000, tz=UTC)


def test_nulls_zero_timestamps_and_unknown_fields() -> None:
    user = parse_model(
        User,
        {
            "id": "1",
            "roles": None,
            "license": None,
            "devices": None,
            "deleted_at": "0",
            "brand_new_field": {"x": 1},
        },
    )
    assert user.roles == () and user.license == () and user.devices == ()
    assert user.deleted_at is None


def test_empty_page_without_items() -> None:
    page = parse_page(User, {"page": 3})
    assert page.items == () and page.next is False
    assert parse_page(User, {}).items == ()
    assert parse_page(User, {"items": None, "next": False, "size": 16}).items == ()
    assert parse_page_json(User, b'{"page":1,"size":16}').items == ()
    assert parse_page_json(User, b" {} ").items == ()


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (b'{"result":"ok"}', r"a page does not have \(result\)"),
        (b'{"items":[],"error":{"code":500}}', r"a page does not have \(error\)"),
        (b"null", "Input should be an object"),
        (b"", "an empty body"),
        (b"[]", "Input should be an object"),
        (b"<html><body>502</body></html>", "Invalid JSON"),
    ],
)
def test_an_answer_that_is_not_a_page_is_malformed(body: bytes, detail: str) -> None:
    """Only an object of page keys may be an empty page: anything else read as one ended
    the import early and made the users it did not read look deleted."""
    with pytest.raises(MalformedResponseError, match=detail):
        parse_page_json(User, body)
    if body.strip().startswith((b"{", b"[", b"n")):
        with pytest.raises(MalformedResponseError):
            parse_page(User, json.loads(body))


def test_a_page_with_items_may_carry_fields_it_does_not_know() -> None:
    page = parse_page_json(User, b'{"items":[{"id":"1"}],"next":true,"total":40}')
    assert [u.id for u in page.items] == ["1"] and page.next


def test_role_user_flag() -> None:
    assert parse_model(Role, {"id": "9", "name": "jdoe", "user": True}).user is True


@pytest.mark.parametrize(
    "body",
    [
        [],
        "text",
        42,
        {"name": "no id"},
        {"id": {"nested": 1}},
        {"id": "1", "deleted_at": "yesterday"},
        {"id": "1", "roles": "agents"},
    ],
)
def test_wrong_shapes_raise_malformed(body: object) -> None:
    with pytest.raises(MalformedResponseError):
        parse_model(User, body)


@pytest.mark.parametrize(
    "body",
    [{}, {"result": "ok"}, {"user": {}}, {"id": ""}, {"id": "0", "name": ""}, {"id": 0}, None],
)
@pytest.mark.parametrize("model", [User, Device, Role])
def test_an_entity_answer_without_an_id_is_malformed(
    model: type[User] | type[Device] | type[Role], body: object
) -> None:
    with pytest.raises(MalformedResponseError):
        parse_entity(model, body)


def test_an_entity_answer_with_an_id_is_read() -> None:
    assert parse_entity(User, {"updated": {"id": 42, "name": "J"}}).id == "42"
    assert parse_entity(Device, {"id": "12", "name": "desk"}).name == "desk"


def test_a_list_answer_of_another_kind_is_malformed() -> None:
    with pytest.raises(MalformedResponseError):
        parse_page(User, {"result": "ok"})
    with pytest.raises(MalformedResponseError):
        parse_page_json(User, b'{"result":"ok"}')
    assert parse_page_json(User, b"{}").items == ()
    assert parse_page_json(User, b'{"page":1,"size":50}').page == 1


@pytest.mark.parametrize("raw", [b"{", b"<html>", b"\xff\xfe", b'{"a":'])
def test_invalid_json_raises_malformed(raw: bytes) -> None:
    with pytest.raises(MalformedResponseError):
        decode_json(raw)


def test_error_text_is_in_the_exception() -> None:
    error = error_from_response(400, id="api.process.bad_args", detail="bad value", path="/users")
    assert type(error) is BadRequestError
    assert "bad value" in str(error) and error.id == "api.process.bad_args" and error.code == 400


@pytest.mark.parametrize(
    ("status", "error_id", "detail", "expected"),
    [
        (401, "api.process.unauthenticated", "token expired", AuthError),
        (412, "app.password.expired", "expired", PasswordExpiredError),
        (403, "api.process.unauthorized", "no", PermissionDeniedError),
        (404, "api.process.not_found", "user 9 not found", NotFoundError),
        (400, "x", "user name jdoe already exists", ConflictError),
        (409, "", "", ConflictError),
        (400, "app.license.product.expired", "product: CHAT expired", LicenseError),
        (401, "app.context.auth.license.err", "", LicenseError),
        (403, "app.context.authz.license.err", "no license", LicenseError),
        (400, "api.process.bad_args", "nope", BadRequestError),
        (500, "api.process.internal", "boom", ServerError),
        (503, "", "", ServerError),
        (302, "", "", MalformedResponseError),
    ],
)
def test_error_classes(status: int, error_id: str, detail: str, expected: type) -> None:
    assert type(error_from_response(status, id=error_id, detail=detail)) is expected


@pytest.mark.parametrize(
    ("detail", "field"),
    [
        ("user name jdoe already exists", "username"),
        ("extension 1001 already exists", "extension"),
        ("device account jdoe already exists", "account"),
    ],
)
def test_conflict_names_the_field(detail: str, field: str) -> None:
    error = error_from_response(400, detail=detail)
    assert isinstance(error, ConflictError) and error.field == field


def test_round_trip_through_json_text() -> None:
    user = parse_model(User, decode_json(CREATED_USER))
    again = parse_model(User, json.loads(json.dumps(user.to_wire())))
    assert again == user
