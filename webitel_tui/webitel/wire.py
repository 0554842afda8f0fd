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

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Annotated, Any, Generic, TypeVar

from pydantic import (
    AfterValidator,
    AliasChoices,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    SecretStr,
    ValidationError,
    field_serializer,
)

from webitel_tui.webitel.errors import MalformedResponseError

__all__ = [
    "Device",
    "ErrorBody",
    "InputDevice",
    "InputUser",
    "License",
    "LicenseGrant",
    "LoginResult",
    "ObjectRef",
    "Page",
    "Permission",
    "PhoneSettings",
    "Presence",
    "Role",
    "Scope",
    "User",
    "Userinfo",
    "WireModel",
    "decode_json",
    "from_ms",
    "parse_error",
    "parse_login",
    "parse_model",
    "parse_page",
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


def _zero_is_unset(value: datetime | None) -> datetime | None:
    # Proto3 zero values may be emitted ("deleted_at": "0"): zero means "not set".
    return None if value == _EPOCH else value


def _none_as_empty_list(value: object) -> object:
    return [] if value is None else value


def _none_as_empty_dict(value: object) -> object:
    return {} if value is None else value


def _none_as_false(value: object) -> object:
    return False if value is None else value


def _str_map(value: object) -> object:
    # Profile variables are map<string,string>, but be lenient with scalar values.
    if value is None:
        return {}
    if isinstance(value, dict):
        return {
            str(k): ("" if v is None else v if isinstance(v, str) else json.dumps(v))
            for k, v in value.items()
        }
    return value


def _str_list(value: object) -> object:
    # License scopes are object class names; some payloads carry objects instead.
    if value is None:
        return []
    if isinstance(value, list):
        out: list[object] = []
        for item in value:
            if isinstance(item, dict):
                picked = item.get("class") or item.get("name") or item.get("id")
                out.append("" if picked is None else picked)
            else:
                out.append(item)
        return out
    return value


Timestamp = Annotated[
    datetime | None,
    AfterValidator(_zero_is_unset),
    PlainSerializer(to_ms, return_type=str | None),
]
"""Unix milliseconds (string or number) on the wire, an aware UTC datetime here."""

Flag = Annotated[bool, BeforeValidator(_none_as_false)]
StrList = Annotated[list[str], BeforeValidator(_str_list)]
StrMap = Annotated[dict[str, str], BeforeValidator(_str_map)]
AnyMap = Annotated[dict[str, Any], BeforeValidator(_none_as_empty_dict)]


class WireModel(BaseModel):
    """Base of all wire models: unknown fields ignored, numbers accepted where text is due."""

    model_config = ConfigDict(
        extra="ignore",
        coerce_numbers_to_str=True,
        frozen=True,
        populate_by_name=True,
    )

    def to_wire(self) -> dict[str, Any]:
        """The JSON body Webitel expects: unset fields left out, ids as strings."""
        return self.model_dump(mode="json", exclude_none=True, by_alias=True)


class ObjectRef(WireModel):
    """Webitel's ``{"id": "<int64>", "name": "…"}`` reference to another object."""

    id: str | None = None
    name: str | None = None


Refs = Annotated[list[ObjectRef], BeforeValidator(_none_as_empty_list)]


class Permission(WireModel):
    id: str | None = None
    name: str | None = None
    usage: str | None = None


Permissions = Annotated[list[Permission], BeforeValidator(_none_as_empty_list)]


class Presence(WireModel):
    id: str | None = None
    status: str | None = None
    note: str | None = None
    expires: Timestamp = None
    timestamp: Timestamp = None


class LicenseGrant(WireModel):
    """A license granted to a user (``LicenseUser``); ``id`` is the license serial."""

    id: str | None = None
    prod: str | None = None
    name: str | None = None
    user: ObjectRef | None = None
    scope: StrList = []
    issued_at: Timestamp = None
    expires_at: Timestamp = None


Grants = Annotated[list[LicenseGrant], BeforeValidator(_none_as_empty_list)]


class User(WireModel):
    id: str
    name: str | None = None
    email: str | None = None
    username: str | None = None
    extension: str | None = None
    presence: Presence | None = None
    device: ObjectRef | None = None
    devices: Refs = []
    hotdesks: Refs = []
    profile: StrMap = {}
    permissions: Permissions = []
    license: Grants = []
    roles: Refs = []
    totp_url: str | None = None
    contact: ObjectRef | None = None
    chat_name: str | None = None
    force_password_change: Flag = False
    created_at: Timestamp = None
    updated_at: Timestamp = None
    deleted_at: Timestamp = None
    created_by: ObjectRef | None = None
    updated_by: ObjectRef | None = None
    deleted_by: ObjectRef | None = None

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


class Role(WireModel):
    id: str
    name: str | None = None
    user: Flag = False
    """True for Webitel's internal per-user role; such roles are not meant to be granted."""
    description: str | None = None
    permissions: Permissions = []
    members: Refs = []
    metadata: AnyMap = {}
    created_at: Timestamp = None
    updated_at: Timestamp = None


class License(WireModel):
    """``LicenseV1``: a product license with a grant ``limit`` and ``remain`` grants left."""

    id: str
    product: str | None = None
    name: str | None = None
    not_before: Timestamp = None
    not_after: Timestamp = None
    limit: int | None = None
    remain: int | None = None
    scope: StrList = []
    competitive: Flag = False

    def is_expired(self, now: datetime | None = None) -> bool:
        moment = now or datetime.now(UTC)
        return self.not_after is not None and self.not_after <= moment

    @property
    def is_exhausted(self) -> bool:
        return self.remain is not None and self.remain <= 0

    def is_grantable(self, now: datetime | None = None) -> bool:
        return not self.is_expired(now) and not self.is_exhausted


class Device(WireModel):
    id: str
    name: str | None = None
    account: str | None = None
    user: ObjectRef | None = None
    logged_in: Flag = False
    hotdesk: Flag = False
    hotdesks: Refs = []
    brand: str | None = None
    model: str | None = None
    mac: str | None = None
    ip: str | None = None
    reged: Flag = False
    created_at: Timestamp = None
    updated_at: Timestamp = None


class Scope(WireModel):
    id: str | None = None
    class_: str | None = Field(default=None, alias="class")
    access: str | None = None
    obac: Flag = False
    rbac: Flag = False


class Userinfo(WireModel):
    dc: str | None = None
    domain: str | None = None
    user_id: str | None = None
    name: str | None = None
    username: str | None = None
    extension: str | None = None
    chat_name: str | None = None
    scope: Annotated[list[Scope], BeforeValidator(_none_as_empty_list)] = []
    roles: Refs = []
    license: Grants = []
    permissions: Permissions = []
    updated_at: Timestamp = None
    expires_at: Timestamp = None


class PhoneSettings(WireModel):
    """``/api/user/settings/phone``: the token owner's own web phone and STUN switches."""

    webrtc: Flag = False
    stun: Flag = False


class LoginResult(WireModel):
    """``POST /api/login``: a token, or only ``id`` (a 2FA session) when 2FA is on."""

    access_token: SecretStr | None = None
    token_type: str | None = None
    expires_in: int | None = None
    refresh_token: SecretStr | None = None
    id: str | None = None


class ErrorBody(WireModel):
    """Webitel's error body; grpc-gateway's ``rpcStatus`` says ``message`` for ``detail``."""

    id: str = ""
    code: int | None = None
    detail: str = Field(default="", validation_alias=AliasChoices("detail", "message"))
    status: str = ""


ItemT = TypeVar("ItemT", bound=WireModel)


class Page(WireModel, Generic[ItemT]):
    """One page of a list: ``{"page", "size", "next", "items"}``."""

    items: Annotated[list[ItemT], BeforeValidator(_none_as_empty_list)] = []
    next: Flag = False
    page: int | None = None
    size: int | None = None


class InputUser(WireModel):
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


class InputDevice(WireModel):
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


ModelT = TypeVar("ModelT", bound=BaseModel)


def decode_json(body: bytes | str) -> object:
    """Decode a response body; anything that is not JSON becomes MalformedResponseError."""
    try:
        return json.loads(body) if body else None
    except (ValueError, RecursionError) as exc:
        reason = type(exc).__name__
        raise MalformedResponseError(f"the response is not valid JSON ({reason})") from None


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


def parse_model(model: type[ModelT], data: object, *, wrapped: bool = True) -> ModelT:
    """Validate one object, unwrapping ``{"user": {...}}`` when ``wrapped`` allows it."""
    if wrapped:
        data = unwrap(data)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise MalformedResponseError(
            f"unexpected {model.__name__} shape ({_describe(exc)})"
        ) from None
    except (ValueError, TypeError, OverflowError, RecursionError) as exc:
        raise MalformedResponseError(f"unexpected {model.__name__} shape ({exc!r})") from None


def parse_page(model: type[ItemT], data: object) -> Page[ItemT]:
    """Validate a list answer; a body of ``{}`` or ``null`` is an empty last page."""
    if data is None:
        data = {}
    return parse_model(Page[model], data, wrapped=False)  # type: ignore[valid-type]


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
