"""The simulator's records. Ids are ints inside; the wire turns them into strings.

Fields follow ``webitel/protos : webitel-go/users.proto`` (User), ``devices.proto`` (Device),
``customers.proto`` (LicenseV1) and ``roles.proto`` (Role)."""

from __future__ import annotations

from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, ClassVar


class SimError(Exception):
    """An error answer in Webitel's shape: ``{"id", "code", "detail", "status"}``."""

    # Codes left out (405 among them) answer "Error".
    REASONS: ClassVar[dict[int, str]] = {
        code: HTTPStatus(code).phrase for code in (400, 401, 403, 404, 412, 500, 502, 503, 504)
    }

    def __init__(self, code: int, error_id: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.error_id = error_id
        self.detail = detail

    def body(self) -> dict[str, Any]:
        return {
            "id": self.error_id,
            "code": self.code,
            "detail": self.detail,
            "status": self.REASONS.get(self.code, "Error"),
        }


def bad_args(detail: str) -> SimError:
    return SimError(400, "api.process.bad_args", detail)


def not_found(what: str) -> SimError:
    return SimError(404, "api.process.not_found", f"{what} not found")


@dataclass
class SimUser:
    id: int
    name: str
    username: str
    password: str
    extension: str
    email: str = ""
    chat_name: str = ""
    roles: list[int] = field(default_factory=list)
    licenses: dict[str, int] = field(default_factory=dict)
    """License serial -> issued_at (ms)."""
    devices: list[int] = field(default_factory=list)
    device: int | None = None
    contact: dict[str, str] | None = None
    profile: dict[str, str] = field(default_factory=dict)
    presence: str = ""
    presence_note: str = ""
    presence_expires: int = 0
    """Seconds until the note is cleaned up (``UserPresence.expires``, int32 seconds)."""
    force_password_change: bool = False
    password_expired: bool = False
    tfa: bool = False
    is_admin: bool = False
    own_role: int | None = None
    created_at: int = 0
    updated_at: int = 0
    deleted_at: int | None = None
    created_by: int = 1
    updated_by: int = 1
    deleted_by: int | None = None


@dataclass
class SimRole:
    id: int
    name: str
    description: str = ""
    user: bool = False
    permissions: list[str] = field(default_factory=list)


@dataclass
class SimLicense:
    id: str
    product: str
    name: str
    limit: int
    not_before: int
    not_after: int
    scope: list[str] = field(default_factory=list)
    used: int = 0

    @property
    def remain(self) -> int:
        return self.limit - self.used


@dataclass
class SimDevice:
    id: int
    name: str
    account: str
    password: str
    user_id: int | None = None
    logged_in: int = 0
    """When ``user`` signed in (unix ms); 0 when nobody is signed in."""
    hotdesk: bool = False
    hotdesks: list[str] = field(default_factory=list)
    """A hotdesk's aliases (``Device.hotdesks``: strings)."""
    brand: str = ""
    model: str = ""
    mac: str = ""
    ip: str = ""
    created_at: int = 0
    updated_at: int = 0


@dataclass
class SimToken:
    user_id: int
    uses: int = 0
    revoked: bool = False
