"""The CRM's record of a Webitel user, with its licence and role details."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Annotated, Any

from pydantic import Field

from webitel_tui.domain.limits import (
    CONTACT,
    DEFAULT_DEVICE,
    EXTENSION,
    LICENSE,
    LICENSE_NAME,
    LICENSES,
    PRODUCT,
    ROLE,
    WEBITEL_USER_NAME,
    check_limits,
    check_text,
)
from webitel_tui.domain.processes import RunOwner
from webitel_tui.domain.records import AuditedRecord, Record

TO_RECONCILE = "to-reconcile"
"""The quick filter of the Webitel users whose change is not settled with Webitel."""


class NewWebitelUser(Record):
    user_id: uuid.UUID | None = None
    contact_id: uuid.UUID | None = None
    name: Annotated[str, WEBITEL_USER_NAME]
    extension: Annotated[str | None, EXTENSION] = None
    webitel_id: int | None = None
    default_device_id: int | None = None
    default_device_name: Annotated[str, DEFAULT_DEVICE] = ""
    enable_stun: bool = False


class WebitelUser(AuditedRecord, NewWebitelUser):
    # Kept by the repository from the contact and the licence detail.
    contact_name: Annotated[str, CONTACT] = ""
    licenses_text: Annotated[str, LICENSES] = ""


class UserLicense(AuditedRecord):
    """A row of "User licenses"."""

    webitel_user_id: uuid.UUID
    license_id: Annotated[str, LICENSE]
    product: Annotated[str, PRODUCT] = ""
    name: Annotated[str, LICENSE_NAME] = ""
    expires_on: datetime | None = None


class LicenseGrant(Record):
    license_id: Annotated[str, LICENSE]
    product: Annotated[str, PRODUCT] = ""
    name: Annotated[str, LICENSE_NAME] = ""
    expires_on: datetime | None = None


class DomainLicense(Record):
    """A license of the Webitel domain, as the licenses lookup offers it (`id`: its serial):
    `remain` grants left of `limit` (0 when the server leaves a count out: Webitel has no
    unlimited license); `expired` and `grantable` (neither expired nor used up) as of the
    moment it was read."""

    id: str
    product: str = ""
    name: str = ""
    expires_on: datetime | None = None
    limit: int = 0
    remain: int = 0
    expired: bool = False
    grantable: bool = True


class DomainRole(Record):
    """A role of the Webitel domain that may be given to a user (not an internal one)."""

    id: int
    name: str = ""


class UserRole(AuditedRecord):
    """A row of "User roles"."""

    webitel_user_id: uuid.UUID
    role_id: int
    name: Annotated[str, ROLE] = ""


def licenses_text(grants: Iterable[LicenseGrant | UserLicense]) -> str:
    """The grid's "Licenses" column: the distinct products (or names), sorted."""
    return ", ".join(sorted({grant.product or grant.name for grant in grants} - {""}))


def check_licenses(grants: Sequence[LicenseGrant]) -> None:
    """Refuse licenses the CRM cannot keep: each grant's fields, and the grid's "Licenses"
    text they make together."""
    for grant in grants:
        check_limits(grant)
    check_text(licenses_text(grants), LICENSES)


class RoleGrant(Record):
    role_id: int
    name: Annotated[str, ROLE] = ""


class ReconcileItem(Record):
    """An entry of the journal of server changes: unsettled, it is a CRM/Webitel
    disagreement left for Reconcile (or a change still under way, while `pending`)."""

    id: uuid.UUID
    created_on: datetime
    webitel_id: int | None
    name: Annotated[str, WEBITEL_USER_NAME]
    problem: str
    resolved_on: datetime | None = None
    operation: str = ""
    record_id: uuid.UUID | None = None
    intent: dict[str, Any] = Field(default_factory=dict)
    pending: bool = False
    owner: RunOwner | None = None
    """The process making the change while it is pending."""
