"""What the CRM keeps of a Webitel user as the server has it: the one reading of the wire
model that the card's changes, Refresh, Reconcile and the import share.

Every value is checked against its limit (domain/limits.py) as it is read: a server value
the CRM cannot keep is a `ValidationError` naming the field, never a database error later.
"""

from __future__ import annotations

from webitel_tui.domain.limits import DEFAULT_DEVICE, check_limits, check_text, parse_id
from webitel_tui.domain.rules import normalize_extension
from webitel_tui.domain.webitel_users import LicenseGrant, RoleGrant, check_licenses
from webitel_tui.i18n import N_
from webitel_tui.webitel import User

USER_ID = N_("User id")
DEVICE_ID = N_("Default device")
ROLE_ID = N_("Role")


def int_id(value: str | None, caption: str = USER_ID) -> int | None:
    """Webitel sends its int64 ids as strings; an empty one is no id."""
    return parse_id(value, caption) if value not in (None, "") else None


def device(user: User) -> tuple[int | None, str]:
    """The user's default device: its id and name, or (None, "")."""
    if user.device is None or not user.device.id:
        return None, ""
    name = user.device.name or ""
    check_text(name, DEFAULT_DEVICE)
    return int_id(user.device.id, DEVICE_ID), name


def record_values(user: User) -> dict[str, object]:
    """The CRM record's fields that the server decides."""
    device_id, device_name = device(user)
    return {
        "extension": normalize_extension(user.extension),
        "webitel_id": int_id(user.id),
        "default_device_id": device_id,
        "default_device_name": device_name,
    }


def license_grants(user: User) -> list[LicenseGrant]:
    grants = [
        LicenseGrant(
            license_id=grant.id or "",
            product=grant.prod or "",
            name=grant.name or "",
            expires_on=grant.expires_at,
        )
        for grant in user.license
        if grant.id
    ]
    check_licenses(grants)
    return grants


def shown_roles(user: User, names: dict[str, str]) -> list[RoleGrant]:
    """The user's roles the CRM shows: those named in `names` (Webitel's internal per-user
    role is not)."""
    roles = [
        RoleGrant(role_id=parse_id(ref.id, ROLE_ID), name=ref.name or names[ref.id])
        for ref in user.roles
        if ref.id and ref.id in names and ref.id.isdigit()
    ]
    for role in roles:
        check_limits(role)
    return roles
