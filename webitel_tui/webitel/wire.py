"""Pydantic models of Webitel's JSON wire format, and tolerant parsers for it.

The real gateway differs from its protos (see ``reference/webitel-api.md`` §2): single objects
come back flat although the protos declare wrappers, int64 values are JSON strings (numbers
are accepted too), timestamps are unix milliseconds, empty fields may be omitted or ``null``
and ``items`` may be absent on an empty page. The models therefore make every field optional
and ignore unknown fields. The parsers return a model or raise
:class:`~webitel_tui.webitel.errors.MalformedResponseError`, never anything else.

The simulator shares these models: it reads request bodies with the ``Input*`` models.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Annotated, Any, Generic, Protocol, TypeVar

from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    PlainSerializer,
    SecretStr,
    TypeAdapter,
    ValidationError,
    field_serializer,
)
from pydantic.dataclasses import dataclass
from pydantic_core import core_schema

from webitel_tui.webitel.errors import MalformedResponseError

__all__ = [
    "PAGE_KEYS",
    "Device",
    "ErrorBody",
    "InputDevice",
    "InputUser",
    "License",
    "LicenseGrant",
    "LoginResult",
    "ObjectRef",
    "Page",
    "Role",
    "User",
    "Userinfo",
    "WireModel",
    "body_text",
    "decode_json",
    "from_ms",
    "parse_entity",
    "parse_error",
    "parse_login",
    "parse_model",
    "parse_page",
    "parse_page_json",
    "to_ms",
    "unwrap",
]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
UNWRAP_KEYS: tuple[str, ...] = ("user", "updated", "device", "role", "license", "item")


def to_ms(value: datetime | None) -> str | None:
    """A datetime as Webitel writes it: unix milliseconds in a JSON string."""
    if value is None:
        return None
    return str(int(value.timestamp() * 1000))


def from_ms(value: int) -> datetime:
    return datetime.fromtimestamp(value / 1000, tz=UTC)


class _NullAs:
    """Marks a field whose JSON ``null`` means "empty" (``[]``, ``{}``, ``false``).

    The null is let through by pydantic-core (no Python call per field: a page holds
    thousands of users) and :meth:`WireModel.__post_init__` puts the empty value in its place.
    """

    def __init__(self, empty: Callable[[], object]) -> None:
        self.empty = empty

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.nullable_schema(handler(source))


class _ZeroIsUnset:
    """Marks a timestamp: proto3 zero values may be emitted (``"deleted_at": "0"``)."""


_ZERO_IS_UNSET = _ZeroIsUnset()

Timestamp = Annotated[
    datetime | None,
    _ZERO_IS_UNSET,
    PlainSerializer(to_ms, return_type=str | None),
]
"""Unix milliseconds (string or number) on the wire, an aware UTC datetime here."""

Flag = Annotated[bool, _NullAs(bool)]

_CONFIG = ConfigDict(extra="ignore", coerce_numbers_to_str=True, populate_by_name=True)
"""Unknown fields ignored; numbers accepted where text is due (int64 ids)."""


_ADAPTERS: dict[Any, TypeAdapter[Any]] = {}


def _adapter(model: Any) -> TypeAdapter[Any]:
    adapter = _ADAPTERS.get(model)
    if adapter is None:
        adapter = _ADAPTERS[model] = TypeAdapter(model)
    return adapter


_FIXUPS: dict[type, tuple[tuple[str, Callable[[], object] | None], ...]] = {}


def _fixups(cls: type) -> tuple[tuple[str, Callable[[], object] | None], ...]:
    """(field, empty factory) for null-as-empty fields, (field, None) for timestamps."""
    found = _FIXUPS.get(cls)
    if found is None:
        entries: list[tuple[str, Callable[[], object] | None]] = []
        for name, info in getattr(cls, "__pydantic_fields__", {}).items():
            for marker in info.metadata:
                if isinstance(marker, _NullAs):
                    entries.append((name, marker.empty))
                elif isinstance(marker, _ZeroIsUnset):
                    entries.append((name, None))
        found = _FIXUPS[cls] = tuple(entries)
    return found


class WireModel:
    """Base of the response models.

    They are frozen, slotted pydantic dataclasses rather than ``BaseModel``s: a list of
    10,000 users then costs one object per user and per nested reference instead of three,
    which is what keeps a full fetch close to the cost of decoding the JSON (see
    ``bench/webitel_fetch.py``).
    """

    __slots__ = ()

    def to_wire(self) -> dict[str, Any]:
        """The JSON body Webitel expects: unset fields left out, ids as strings."""
        body: dict[str, Any] = _adapter(type(self)).dump_python(
            self, mode="json", exclude_none=True, by_alias=True
        )
        return body


class _Tolerant(WireModel):
    """A model with null-as-empty fields or timestamps: fixes them after validation.

    Only models that need it inherit this, because pydantic calls ``__post_init__`` for
    every instance, references included.
    """

    __slots__ = ()

    def __post_init__(self) -> None:
        for name, empty in _fixups(type(self)):
            value = getattr(self, name)
            if value is None:
                if empty is not None:
                    object.__setattr__(self, name, empty())
            elif empty is None and value == _EPOCH:
                object.__setattr__(self, name, None)


@dataclass(frozen=True, slots=True, config=_CONFIG)
class ObjectRef(WireModel):
    """Webitel's ``{"id": "<int64>", "name": "…"}`` reference to another object."""

    id: str | None = None
    name: str | None = None


Refs = Annotated[tuple[ObjectRef, ...], _NullAs(tuple)]


@dataclass(frozen=True, slots=True, config=_CONFIG)
class LicenseGrant(_Tolerant):
    """A license granted to a user (``LicenseUser``); ``id`` is the license serial."""

    id: str | None = None
    prod: str | None = None
    name: str | None = None
    expires_at: Timestamp = None


Grants = Annotated[tuple[LicenseGrant, ...], _NullAs(tuple)]


@dataclass(frozen=True, slots=True, config=_CONFIG)
class User(_Tolerant):
    """The fields the CRM reads; the server sends more (presence, profile, permissions...),
    which are not parsed: what is not read cannot break a page."""

    id: str
    name: str | None = None
    email: str | None = None
    username: str | None = None
    extension: str | None = None
    device: ObjectRef | None = None
    devices: Refs = ()
    license: Grants = ()
    roles: Refs = ()
    deleted_at: Timestamp = None

    @property
    def default_device_id(self) -> str | None:
        return self.device.id if self.device is not None else None

    @property
    def license_ids(self) -> list[str]:
        return [grant.id for grant in self.license if grant.id]

    @property
    def role_ids(self) -> list[str]:
        return [role.id for role in self.roles if role.id]

    @property
    def device_ids(self) -> list[str]:
        return [device.id for device in self.devices if device.id]

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


@dataclass(frozen=True, slots=True, config=_CONFIG)
class Role(_Tolerant):
    id: str
    name: str | None = None
    user: Flag = False
    """True for Webitel's internal per-user role; such roles are not meant to be granted."""


@dataclass(frozen=True, slots=True, config=_CONFIG)
class License(_Tolerant):
    """``LicenseV1``: a product license with a grant ``limit`` and ``remain`` grants left.

    Both counts are int32 in ``webitel-go/customers.proto`` (``limit``: "maximum allowed usage
    quantity", ``remain = limit - len(users)``), and proto3 JSON leaves out a zero: a license
    without ``remain`` has none left, one without ``limit`` allows none. Nothing in Webitel
    marks a license "unlimited" (the admin UI fills ``{remain: 0, limit: 0}`` in the same way),
    so a missing count is 0 here, never "no limit". ``not_after`` is optional in the proto:
    without it the license does not expire.
    """

    id: str
    product: str | None = None
    name: str | None = None
    not_after: Timestamp = None
    limit: Annotated[int, _NullAs(int)] = 0
    remain: Annotated[int, _NullAs(int)] = 0

    def is_expired(self, now: datetime | None = None) -> bool:
        moment = now or datetime.now(UTC)
        return self.not_after is not None and self.not_after <= moment

    @property
    def is_exhausted(self) -> bool:
        return self.remain <= 0

    def is_grantable(self, now: datetime | None = None) -> bool:
        return not self.is_expired(now) and not self.is_exhausted


@dataclass(frozen=True, slots=True, config=_CONFIG)
class Device(_Tolerant):
    id: str
    name: str | None = None
    account: str | None = None
    user: ObjectRef | None = None


@dataclass(frozen=True, slots=True, config=_CONFIG)
class Userinfo(_Tolerant):
    domain: str | None = None
    user_id: str | None = None
    name: str | None = None
    username: str | None = None


@dataclass(frozen=True, slots=True, config=_CONFIG)
class LoginResult(WireModel):
    """``POST /api/login``: a token, or only ``id`` (a 2FA session) when 2FA is on."""

    access_token: SecretStr | None = None
    token_type: str | None = None
    expires_in: int | None = None
    refresh_token: SecretStr | None = None
    id: str | None = None


@dataclass(frozen=True, slots=True, config=_CONFIG)
class ErrorBody(WireModel):
    """Webitel's error body; grpc-gateway's ``rpcStatus`` says ``message`` for ``detail``."""

    id: str = ""
    code: int | None = None
    detail: str = Field(default="", validation_alias=AliasChoices("detail", "message"))
    status: str = ""


ItemT = TypeVar("ItemT")


@dataclass(frozen=True, slots=True, config=_CONFIG)
class Page(_Tolerant, Generic[ItemT]):
    """One page of a list: ``{"page", "size", "next", "items"}``."""

    items: Annotated[tuple[ItemT, ...], _NullAs(tuple)] = ()
    next: Flag = False
    page: int | None = None
    size: int | None = None


class _InputModel(BaseModel):
    """Request bodies: pydantic models, so that the simulator can read them back too."""

    model_config = ConfigDict(
        extra="ignore", coerce_numbers_to_str=True, frozen=True, populate_by_name=True
    )

    def to_wire(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True, by_alias=True)


class InputUser(_InputModel):
    """The writable user fields (``InputUser``). ``None`` means "leave out of the body"."""

    name: str | None = None
    username: str | None = None
    password: SecretStr | None = None
    extension: str | None = None
    email: str | None = None
    chat_name: str | None = None
    roles: list[ObjectRef] | None = None
    license: list[ObjectRef] | None = None
    devices: list[ObjectRef] | None = None
    device: ObjectRef | None = None
    contact: ObjectRef | None = None
    profile: dict[str, str] | None = None
    force_password_change: bool | None = None

    @field_serializer("password", when_used="json")
    def _reveal_password(self, value: SecretStr | None) -> str | None:
        # Only the JSON request body carries the password; repr and str stay masked.
        return None if value is None else value.get_secret_value()


class InputDevice(_InputModel):
    name: str | None = None
    account: str | None = None
    password: SecretStr | None = None
    user: ObjectRef | None = None
    hotdesk: bool | None = None
    brand: str | None = None
    model: str | None = None
    mac: str | None = None
    ip: str | None = None

    @field_serializer("password", when_used="json")
    def _reveal_password(self, value: SecretStr | None) -> str | None:
        return None if value is None else value.get_secret_value()


ModelT = TypeVar("ModelT")


def decode_json(body: bytes | str) -> object:
    """Decode a response body; anything that is not JSON becomes MalformedResponseError."""
    try:
        return json.loads(body) if body else None
    except (ValueError, RecursionError) as exc:
        reason = type(exc).__name__
        raise MalformedResponseError(f"the response is not valid JSON ({reason})") from None


_TEXT_LIMIT = 200
# Enough of a page to find its words; also bounds the regular expressions' work.
_TEXT_SCAN = 16_384
_HTML_HIDDEN = re.compile(r"<(script|style)\b.*?</\1\s*>|<!--.*?-->", re.IGNORECASE | re.DOTALL)
_HTML_TAG = re.compile(r"<[^>]*>")
_BLANKS = re.compile(r"\s+")


def body_text(body: bytes, limit: int = _TEXT_LIMIT) -> str:
    """A body that is not JSON (a proxy's HTML page, plain text) as one line for an error's
    detail: tags dropped, entities decoded, blanks collapsed, at most ``limit`` characters."""
    text = body[:_TEXT_SCAN].decode("utf-8", errors="replace")
    if text.lstrip().startswith("<"):
        # Only markup is stripped: plain text may well say "size must be < 100 and > 0".
        text = html.unescape(_HTML_TAG.sub(" ", _HTML_HIDDEN.sub(" ", text)))
    text = _BLANKS.sub(" ", text).strip()
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


def unwrap(data: object, keys: Iterable[str] = UNWRAP_KEYS) -> object:
    """Take the entity out of ``{"user": {...}}``-style wrappers; leave flat bodies alone."""
    if isinstance(data, dict) and "id" not in data and len(data) == 1:
        ((key, value),) = data.items()
        if key in keys and isinstance(value, dict):
            return value
    return data


def _describe(exc: ValidationError) -> str:
    first = exc.errors(include_url=False, include_input=False)[:1]
    if not first:
        return "invalid shape"
    where = ".".join(str(part) for part in first[0]["loc"]) or "body"
    return f"{where}: {first[0]['msg']}"


def _name(model: Any) -> str:
    return str(getattr(model, "__name__", model))


def parse_model(model: type[ModelT], data: object, *, wrapped: bool = True) -> ModelT:
    """Validate one object, unwrapping ``{"user": {...}}`` when ``wrapped`` allows it."""
    if wrapped:
        data = unwrap(data)
    try:
        result: ModelT = _adapter(model).validate_python(data)
    except ValidationError as exc:
        raise MalformedResponseError(
            f"unexpected {_name(model)} shape ({_describe(exc)})"
        ) from None
    except (ValueError, TypeError, OverflowError, RecursionError) as exc:
        raise MalformedResponseError(f"unexpected {_name(model)} shape ({exc!r})") from None
    return result


class _Stored(Protocol):
    """A model of an object the server stores under an id (User, Device, Role...)."""

    @property
    def id(self) -> str: ...


EntityT = TypeVar("EntityT", bound=_Stored)


def parse_entity(model: type[EntityT], data: object) -> EntityT:
    """The one stored object that a create, read or update answer must describe.

    Without an id the answer names nothing on the server, so ``{}``, ``{"result": "ok"}`` or
    proto3's empty message (id ``"0"``) are MalformedResponseError, never an empty object.
    """
    entity = parse_model(model, data)
    if entity.id in ("", "0"):
        raise MalformedResponseError(f"the {_name(model)} answer carries no id")
    return entity


PAGE_KEYS = frozenset({"items", "next", "page", "size"})
"""What a Webitel list answer may hold (``reference/webitel-api.md`` §2)."""


def _check_empty_page(data: object, *, more: bool) -> None:
    """Let an empty page through only when it is one: a JSON object with nothing but page
    keys, which does not say more follow. A real server with no users answers ``{}`` (proto3
    drops empty fields), so an empty page cannot be told from the end of the list;
    ``{"result": "ok"}``, ``{"users": [...]}``, ``null`` or an empty body are another answer
    altogether, and reading them as "no more users" made an import stop early and call the
    rest deleted. A server always sends ``items`` when there are any, so ``next: true``
    without them contradicts itself."""
    if not isinstance(data, dict):
        raise MalformedResponseError("a page that is not a JSON object")
    foreign = sorted(str(key) for key in data if key not in PAGE_KEYS)
    if foreign:
        raise MalformedResponseError(
            f"a page without items, with keys a page does not have ({', '.join(foreign)})"
        )
    if more:
        raise MalformedResponseError("a page without items that says more follow (next: true)")


def parse_page(model: type[ItemT], data: object) -> Page[ItemT]:
    """Validate a decoded list answer (``{}`` is an empty page, ``items`` may be absent)."""
    page: Page[ItemT] = parse_model(Page[model], data, wrapped=False)  # type: ignore[valid-type]
    if not page.items:
        _check_empty_page(data, more=page.next)
    return page


def parse_page_json(model: type[ItemT], body: bytes) -> Page[ItemT]:
    """Validate a list answer straight from its JSON bytes (no intermediate dicts)."""
    if not body.strip():
        raise MalformedResponseError("an empty body where a page was expected")
    adapter = _adapter(Page[model])  # type: ignore[valid-type]
    try:
        page: Page[ItemT] = adapter.validate_json(body)
    except ValidationError as exc:
        raise MalformedResponseError(f"unexpected page shape ({_describe(exc)})") from None
    except (ValueError, TypeError, OverflowError, RecursionError) as exc:
        raise MalformedResponseError(f"unexpected page shape ({exc!r})") from None
    if not page.items:  # its keys: decoded again, only when empty
        _check_empty_page(decode_json(body), more=page.next)
    return page


def parse_error(data: object) -> ErrorBody | None:
    """Read an error body, or ``None`` when it is not one (the caller has the status code)."""
    if not isinstance(data, dict):
        return None
    if isinstance(data.get("error"), dict) and "id" not in data:
        data = data["error"]
    try:
        return parse_model(ErrorBody, data, wrapped=False)
    except MalformedResponseError:
        return None


def parse_login(data: object) -> LoginResult:
    """The token is at the top level in practice; the proto puts it under ``authorization``."""
    if isinstance(data, dict) and "access_token" not in data:
        nested = data.get("authorization")
        if isinstance(nested, dict):
            data = nested
    return parse_model(LoginResult, data, wrapped=False)
