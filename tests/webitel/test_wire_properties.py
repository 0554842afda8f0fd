"""Property: any JSON shape gives a model or MalformedResponseError, never anything else."""

from __future__ import annotations

import contextlib
import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from webitel_tui.webitel import MalformedResponseError
from webitel_tui.webitel.wire import (
    PAGE_KEYS,
    Device,
    ErrorBody,
    License,
    LoginResult,
    Role,
    User,
    Userinfo,
    WireModel,
    decode_json,
    parse_error,
    parse_login,
    parse_model,
    parse_page,
    parse_page_json,
)

MODELS: list[type[WireModel]] = [User, Role, License, Device, Userinfo, LoginResult, ErrorBody]
FIELD_NAMES = [
    "id", "name", "username", "extension", "roles", "license", "device", "devices", "items",
    "next", "page", "size", "created_at", "deleted_at", "not_after", "limit", "remain",
    "profile", "user", "scope", "access_token", "detail", "message", "code", "expires_at",
]  # fmt: skip

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=12)
    | st.sampled_from(["0", "1717000000000", "-1", "1e400", "99999999999999999999", ""])
)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.sampled_from(FIELD_NAMES) | st.text(max_size=5), children, max_size=5)
    ),
    max_leaves=20,
)


def _check(call: Any, *args: Any) -> None:
    with contextlib.suppress(MalformedResponseError):
        call(*args)


@settings(max_examples=300, deadline=None)
@given(data=json_values, model=st.sampled_from(MODELS))
def test_parse_model_returns_model_or_malformed(data: object, model: type[WireModel]) -> None:
    try:
        result = parse_model(model, data)
    except MalformedResponseError:
        return
    assert isinstance(result, model)


@settings(max_examples=200, deadline=None)
@given(data=json_values, model=st.sampled_from([User, Role, License, Device]))
def test_parse_page_returns_page_or_malformed(data: object, model: type[WireModel]) -> None:
    try:
        page = parse_page(model, data)
    except MalformedResponseError:
        return
    assert all(isinstance(item, model) for item in page.items)
    if not page.items:  # only a page's own keys make an empty page
        assert isinstance(data, dict) and set(data) <= PAGE_KEYS


@settings(max_examples=200, deadline=None)
@given(data=json_values)
def test_error_and_login_parsers(data: object) -> None:
    body = parse_error(data)
    assert body is None or isinstance(body, ErrorBody)
    _check(parse_login, data)


@settings(max_examples=200, deadline=None)
@given(raw=st.binary(max_size=40) | json_values.map(lambda v: json.dumps(v).encode()))
def test_decode_json_never_raises_anything_else(raw: bytes) -> None:
    _check(decode_json, raw)


@settings(max_examples=200, deadline=None)
@given(
    raw=st.binary(max_size=40) | json_values.map(lambda v: json.dumps(v).encode()),
    model=st.sampled_from([User, Role, License, Device]),
)
def test_parse_page_json_returns_page_or_malformed(raw: bytes, model: type[WireModel]) -> None:
    try:
        page = parse_page_json(model, raw)
    except MalformedResponseError:
        return
    assert all(isinstance(item, model) for item in page.items)
    if not page.items:
        data = json.loads(raw)
        assert isinstance(data, dict) and set(data) <= PAGE_KEYS
