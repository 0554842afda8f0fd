"""CRM system users and roles (both are SysAdminUnit rows in Creatio)."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import IntEnum
from typing import Annotated

from webitel_tui.domain.limits import CONTACT, DESCRIPTION, EMAIL, ROLE_NAME, USER_NAME
from webitel_tui.domain.records import AuditedRecord, Record
from webitel_tui.i18n import N_, _

DUPLICATE_NAME = N_("Administration object with this name or email already exists.")
"""Users and roles share one namespace of names (SysAdminUnit)."""


class UserType(IntEnum):
    """`SysAdminUnit.ConnectionType`."""

    EMPLOYEE = 0
    PORTAL = 1

    @property
    def caption(self) -> str:
        return _("Company employee") if self is UserType.EMPLOYEE else _("Portal user")


class AdminUnitType(IntEnum):
    """`SysAdminUnitTypeValue`: what kind of row a SysAdminUnit is."""

    ORGANIZATION = 0
    DEPARTMENT = 1
    MANAGER = 2
    TEAM = 3
    USER = 4
    PORTAL_USER = 5
    FUNCTIONAL_ROLE = 6


class SystemUser(AuditedRecord):
    name: Annotated[str, USER_NAME]
    contact_id: uuid.UUID | None = None
    contact_name: Annotated[str, CONTACT] = ""
    account_id: uuid.UUID | None = None
    user_type: UserType = UserType.EMPLOYEE
    active: bool = True
    email: Annotated[str, EMAIL] = ""
    force_change_password: bool = False
    password_expire_date: datetime | None = None
    login_attempt_count: int = 0
    unblock_time: datetime | None = None


class NewSystemUser(Record):
    name: Annotated[str, USER_NAME]
    contact_id: uuid.UUID | None = None
    account_id: uuid.UUID | None = None
    user_type: UserType = UserType.EMPLOYEE
    active: bool = True
    email: Annotated[str, EMAIL] = ""
    force_change_password: bool = False


class Role(AuditedRecord):
    name: Annotated[str, ROLE_NAME]
    unit_type: AdminUnitType
    description: Annotated[str, DESCRIPTION] = ""
    parent_role_id: uuid.UUID | None = None
