"""The request bodies the simulator accepts, written from Webitel's public API definitions.

The simulator shares nothing with the client (an import-linter contract in pyproject.toml):
a mistake in a request the client builds has to be caught here, not read back by the model
that wrote it. The definitions come from ``webitel/protos`` (commit 8c3d515, 2026-08-20):

* ``webitel-go/users.proto``: ``InputUser``, the body of ``POST /users`` and
  ``PATCH /users/{id}`` (``body: "user"``, a flat object); ``CreateUserRequest``'s query fields
  ``generate_device`` and ``device.*`` (``InputUserDevice``);
* ``webitel-go/oid.proto``: ``ObjectId``; ``webitel-go/users.proto``: ``UserId``;
* ``webitel-go/customers.proto``: ``LicenseUser``; ``webitel-go/permission.proto``:
  ``Permission``; ``webitel-go/presence.proto``: ``UserPresence``;
* ``webitel-go/devices.proto``: ``Device``, the body of ``POST /devices`` (``body: "device"``);
* ``webitel-go/auth.proto``: ``LoginRequest`` (``POST /login``, a route of the gateway that the
  protos do not bind); ``/login/2fa`` takes ``{id, totp}`` (``webitel/web-client-auth :
  src/api/auth/auth.ts``, reference §3);
* ``swagger/webitel-go.swagger.json`` (v23.10): the same fields, every int64 as
  ``type: string, format: int64``.

How the JSON is read (proto3's JSON mapping, as Go's ``protojson`` implements it):

* keys are the proto field names (snake_case, reference §2);
* an unknown key is refused. That is ``protojson.Unmarshal``'s default (``DiscardUnknown`` is
  off; it answers ``unknown field "..."``). Webitel's gateway is not public, so whether it
  drops unknown keys instead is not known: refusing is the side that shows a misspelled key,
  which a lenient server would silently drop (the change then never happens);
* an int64 (every id but the license serial, every timestamp) is a JSON string of digits or
  a JSON integer: proto3 JSON accepts both, answers always carry strings (reference §2:
  "send ids as strings or numbers"). ``protojson`` also reads exponent forms (``"1e3"``,
  ``1.0``); no client sends them and the simulator refuses them;
* a ``string`` field is a JSON string only: a number there, such as a license serial
  (``LicenseUser.id`` is ``string``) or an extension sent as ``1001``, is refused, as
  ``protojson`` refuses it; ``bool`` is ``true``/``false`` and ``int32`` an integer;
* ``null`` is the field's default (proto3 JSON), the same as leaving the key out.

Proto3 has no required fields. What is required here is what the server needs to do the work:
a user name for a new user, a name for a new device, and, in generation 23, the device's SIP
password (see ``device_schema``).
"""

from __future__ import annotations

import re
from typing import Annotated, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    StrictBool,
    StrictInt,
    StrictStr,
    ValidationError,
)

from webitel_tui.simulator.model import bad_args

__all__ = [
    "DEVICE_SCHEMAS",
    "Device",
    "InputUser",
    "LicenseUser",
    "LoginRequest",
    "LoginTfaRequest",
    "LogoutRequest",
    "NewDevice",
    "NewUser",
    "ObjectId",
    "PasswordDevice",
    "read",
]

_INT64 = re.compile(r"-?[0-9]{1,19}")
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


def _int64(value: object) -> int:
    if isinstance(value, str) and _INT64.fullmatch(value):
        number = int(value)
    elif isinstance(value, int) and not isinstance(value, bool):
        number = value
    else:
        raise ValueError("an int64 is a JSON string of digits or an integer")
    if not _INT64_MIN <= number <= _INT64_MAX:
        raise ValueError("out of the int64 range")
    return number


Int64 = Annotated[int, PlainValidator(_int64)]
Text = StrictStr
Filled = Annotated[StrictStr, Field(min_length=1)]
"""A string that must be there and not empty (proto3 cannot tell ``""`` from "not sent")."""


class _Message(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class ObjectId(_Message):
    """``webitel-go/oid.proto`` ``ObjectId``; also ``UserId`` (``users.proto``): the same."""

    id: Int64 | None = None
    name: Text | None = None


class LicenseUser(_Message):
    """``webitel-go/customers.proto``: ``id`` is the license serial, a ``string``."""

    id: Text | None = None
    prod: Text | None = None
    user: ObjectId | None = None
    scope: list[Text] | None = None
    issued_at: Int64 | None = None
    expires_at: Int64 | None = None
    name: Text | None = None


class Permission(_Message):
    """``webitel-go/permission.proto``."""

    id: Text | None = None
    name: Text | None = None
    usage: Text | None = None


class UserPresence(_Message):
    """``webitel-go/presence.proto``: ``expires`` is int32 seconds."""

    id: Int64 | None = None
    status: Text | None = None
    note: Text | None = None
    expires: StrictInt | None = None
    timestamp: Int64 | None = None


class InputUser(_Message):
    """``webitel-go/users.proto`` ``InputUser``: the body of ``PATCH /users/{id}``.

    Generation 23 servers read ``User`` here (``InputUser`` arrived in protos c6ca2d2,
    2026-05-20), which also has ``id`` and the audit fields; they are read-only and the
    client never sends them, so both generations refuse them as unknown.
    """

    name: Text | None = None
    email: Text | None = None
    username: Text | None = None
    password: Text | None = None
    extension: Text | None = None
    presence: UserPresence | None = None
    device: ObjectId | None = None
    devices: list[ObjectId] | None = None
    hotdesks: list[ObjectId] | None = None  # read-only: accepted, not applied
    profile: dict[Text, Text] | None = None
    permissions: list[Permission] | None = None  # read-only here: accepted, not applied
    license: list[LicenseUser] | None = None
    roles: list[ObjectId] | None = None
    totp_url: Text | None = None  # read-only: accepted, not applied
    contact: ObjectId | None = None
    chat_name: Text | None = None
    force_password_change: StrictBool | None = None


class NewUser(InputUser):
    """The body of ``POST /users``: a user cannot be made without a login."""

    username: Filled


class Device(_Message):
    """``webitel-go/devices.proto`` ``Device``, every field; the read-only ones (``id``,
    ``logged_in``, ``reged``, the audit fields) are accepted and not applied."""

    id: Int64 | None = None
    name: Text | None = None
    account: Text | None = None
    password: Text | None = None
    user: ObjectId | None = None
    logged_in: Int64 | None = None
    hotdesk: StrictBool | None = None
    hotdesks: list[Text] | None = None
    provision: dict[Text, Text] | None = None
    brand: Text | None = None
    model: Text | None = None
    mac: Text | None = None
    ip: Text | None = None
    reged: StrictBool | None = None
    created_at: Int64 | None = None
    created_by: ObjectId | None = None
    updated_at: Int64 | None = None
    updated_by: ObjectId | None = None
    deleted_at: Int64 | None = None
    deleted_by: ObjectId | None = None


class NewDevice(Device):
    """The body of ``POST /devices`` (generation 26): a device needs a name; without a SIP
    password the server makes one up, as it does for ``generate_device``."""

    name: Filled


class PasswordDevice(NewDevice):
    """The body of ``POST /devices`` on generation 23: the SIP password is required too.

    The protos mark nothing required; Webitel's admin UI never creates a device without a
    password (``webitel/client : src/modules/directory/modules/devices/components/
    opened-device.vue``: ``password: required unless id``; its bulk upload sets one), and an
    older server without ``generate_device`` has no way to make one up. A device without a
    password is refused rather than stored with an empty SIP secret (issue 14, point 1).
    """

    password: Filled


DEVICE_SCHEMAS: dict[int, type[NewDevice]] = {23: PasswordDevice, 26: NewDevice}
"""The ``POST /devices`` body by server generation."""


class LoginRequest(_Message):
    """``webitel-go/auth.proto`` ``LoginRequest``; ``certificate`` is ``bytes`` (base64)."""

    domain: Text | None = None
    username: Text | None = None
    password: Text | None = None
    extension: Text | None = None
    scope: list[Text] | None = None
    certificate: Text | None = None
    mobile: StrictBool | None = None


class LoginTfaRequest(_Message):
    """``POST /login/2fa``: the session id ``/login`` answered with, and the TOTP code."""

    id: Filled
    totp: Filled


class LogoutRequest(_Message):
    """``webitel-go/auth.proto`` ``LogoutRequest``: every field optional (``{}``)."""

    dc: Int64 | None = None
    domain: Text | None = None
    uuid: Text | None = None


MessageT = TypeVar("MessageT", bound=BaseModel)


def read(schema: type[MessageT], payload: object) -> MessageT:
    """``payload`` (decoded JSON) as ``schema``, or the 400 Webitel answers for a bad body."""
    if not isinstance(payload, dict):
        raise bad_args("the request body must be a JSON object")
    try:
        return schema.model_validate(payload)
    except ValidationError as exc:
        raise bad_args(_problem(exc)) from None


def _problem(exc: ValidationError) -> str:
    """The first problem, worded like ``protojson``'s errors (``unknown field "nmae"``)."""
    problem = exc.errors(include_url=False, include_input=False)[0]
    where = ".".join(str(part) for part in problem["loc"]) or "body"
    if problem["type"] == "extra_forbidden":
        return f'unknown field "{where}"'
    if problem["type"] == "missing":
        return f'missing required field "{where}"'
    reason = problem["msg"].removeprefix("Value error, ")
    return f'invalid value for field "{where}": {reason}'
