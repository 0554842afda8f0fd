"""What the CRM keeps of a Webitel user as the server has it: the one reading of the wire
model that the card's changes, Refresh, Reconcile and the import share."""

from __future__ import annotations

from webitel_tui.domain.webitel_users import LicenseGrant, RoleGrant
from webitel_tui.webitel import User


def int_id(value: str | None) -> int | None:
    """Webitel sends its int64 ids as strings; an empty one is no id."""
    return int(value) if value not in (None, "") else None


def device(user: User) -> tuple[int | None, str]:
    """The user's default device: its id and name, or (None, "")."""
    if user.device is None or not user.device.id:
        return None, ""
    return int_id(user.device.id), user.device.name or ""


def record_values(user: User) -> dict[str, object]:
    """The CRM record's fields that the server decides."""
    device_id, device_name = device(user)
    return {
        "extension": user.extension or None,
        "webitel_id": int_id(user.id),
        "default_device_id": device_id,
        "default_device_name": device_name,
    }


def license_grants(user: User) -> list[LicenseGrant]:
    return [
        LicenseGrant(
            license_id=grant.id or "",
            product=grant.prod or "",
            name=grant.name or "",
            expires_on=grant.expires_at,
        )
        for grant in user.license
        if grant.id
    ]


def shown_roles(user: User, names: dict[str, str]) -> list[RoleGrant]:
    """The user's roles the CRM shows: those named in `names` (Webitel's internal per-user
    role is not)."""
    return [
        RoleGrant(role_id=int(ref.id), name=ref.name or names[ref.id])
        for ref in user.roles
        if ref.id and ref.id in names and ref.id.isdigit()
    ]
