"""CRM system users, roles and role membership (SysAdminUnit, SysUserInRole)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Row, Select, exists, func, select

from webitel_tui.db.tables import Contact, SysAdminUnit, SysUserInRole, WebitelUser
from webitel_tui.domain import passwords
from webitel_tui.domain.changelog import Operation
from webitel_tui.domain.errors import (
    DuplicateValueError,
    RecordInUseError,
    RequiredFieldError,
    ValidationError,
)
from webitel_tui.domain.paging import Page, PageRequest
from webitel_tui.domain.rules import require
from webitel_tui.domain.users import (
    DUPLICATE_NAME,
    AdminUnitType,
    NewSystemUser,
    Role,
    SystemUser,
    UserType,
)
from webitel_tui.i18n import _
from webitel_tui.repositories.base import Repository, audit_fields, column_values
from webitel_tui.repositories.paging import ShownNames, as_shown, fetch_page
from webitel_tui.repositories.search_text import USER_SEARCHED, refresh_user, searched

ENTITY = "SysAdminUnit"
_USER_CAPTION = "system user"
_USER_TYPES = (AdminUnitType.USER, AdminUnitType.PORTAL_USER)
_ROLE_TYPES = tuple(t for t in AdminUnitType if t not in _USER_TYPES)

USER_SORT_COLUMNS = {
    "name": SysAdminUnit.Name,
    "contact": SysAdminUnit.ContactName,
    "type": SysAdminUnit.ConnectionType,
    "active": SysAdminUnit.Active,
}


def new_user_values(
    name: str, user: NewSystemUser, hashed_password: str, contact_name: str
) -> dict[str, Any]:
    """The SysAdminUnit columns of a new user whose `name` passed the checks, derived ones
    included, for an ORM row or a row inserted as plain values."""
    values: dict[str, Any] = {
        "Name": name,
        "NameKey": name.casefold(),
        "Description": "",
        "SysAdminUnitTypeValue": AdminUnitType.USER,
        "ParentRoleId": None,
        "ContactId": user.contact_id,
        "AccountId": user.account_id,
        "ConnectionType": int(user.user_type),
        "Active": user.active,
        "UserPassword": hashed_password,
        "PasswordExpireDate": None,
        "ForceChangePassword": user.force_change_password,
        "LoginAttemptCount": 0,
        "UnblockTime": None,
        "Email": user.email,
        "ContactName": contact_name,
    }
    values["SearchText"] = searched(values.__getitem__, USER_SEARCHED)
    return values


_SYSTEM_USER_COLUMNS = (
    "Id", "Version", "CreatedOn", "ModifiedOn", "Name", "ContactId", "ContactName",
    "AccountId", "ConnectionType", "Active", "Email", "ForceChangePassword",
    "PasswordExpireDate", "LoginAttemptCount", "UnblockTime",
)  # fmt: skip
"""The SysAdminUnit columns `system_user` reads (a query for it selects no more: not the
password hash)."""


def system_user_query(*also: str) -> Select[Any]:
    """SELECT the SysAdminUnit columns `system_user` reads, and those named in `also`: rows
    for `system_user`, without the password hash and without an ORM object each."""
    return select(*(SysAdminUnit.__table__.c[name] for name in (*_SYSTEM_USER_COLUMNS, *also)))


def system_user(row: SysAdminUnit | Row[Any]) -> SystemUser:
    """The user of an ORM row, or of a Core row with the SysAdminUnit columns by their names."""
    return SystemUser(
        **audit_fields(row),
        name=row.Name,
        contact_id=row.ContactId,
        contact_name=row.ContactName,
        account_id=row.AccountId,
        user_type=UserType(row.ConnectionType),
        active=row.Active,
        email=row.Email,
        force_change_password=row.ForceChangePassword,
        password_expire_date=row.PasswordExpireDate,
        login_attempt_count=row.LoginAttemptCount,
        unblock_time=row.UnblockTime,
    )


def _role(row: SysAdminUnit) -> Role:
    return Role(
        **audit_fields(row),
        name=row.Name,
        unit_type=AdminUnitType(row.SysAdminUnitTypeValue),
        description=row.Description,
        parent_role_id=row.ParentRoleId,
    )


class UserRepository(Repository):
    async def page_users(
        self,
        request: PageRequest,
        *,
        user_type: UserType | None = None,
        active: bool | None = None,
        without_webitel_user: bool = False,
    ) -> Page[SystemUser]:
        """The "System users" grid, or a lookup of users filtered as the caller needs."""
        query = select(SysAdminUnit).where(SysAdminUnit.SysAdminUnitTypeValue == AdminUnitType.USER)
        if user_type is not None:
            query = query.where(SysAdminUnit.ConnectionType == user_type)
        if active is not None:
            query = query.where(SysAdminUnit.Active == active)
        if without_webitel_user:
            query = query.where(~exists().where(WebitelUser.SysAdminUnitId == SysAdminUnit.Id))
        return await fetch_page(
            self.session,
            query,
            request=request,
            sort_columns=USER_SORT_COLUMNS,
            id_column=SysAdminUnit.Id,
            search_column=SysAdminUnit.SearchText,
            to_model=system_user,
        )

    async def get(self, user_id: uuid.UUID) -> SystemUser:
        return system_user(await self.get_or_missing(SysAdminUnit, user_id, _USER_CAPTION))

    async def find(self, user_id: uuid.UUID) -> SystemUser | None:
        row = await self.session.get(SysAdminUnit, user_id)
        if row is None or row.SysAdminUnitTypeValue != AdminUnitType.USER:
            return None
        return system_user(row)

    async def users_of_contact(self, contact_id: uuid.UUID) -> list[SystemUser]:
        """The CRM users whose contact it is (the contact page shows them)."""
        rows = await self.session.execute(
            system_user_query()
            .where(
                SysAdminUnit.ContactId == contact_id,
                SysAdminUnit.SysAdminUnitTypeValue.in_(_USER_TYPES),
            )
            .order_by(SysAdminUnit.Name, SysAdminUnit.Id)
        )
        return [system_user(row) for row in rows]

    async def get_by_name(self, name: str) -> SystemUser | None:
        row = await self._row_by_name(name)
        if row is None or row.SysAdminUnitTypeValue != AdminUnitType.USER:
            return None
        return system_user(row)

    async def _row_by_name(self, name: str) -> SysAdminUnit | None:
        return await self.session.scalar(
            select(SysAdminUnit).where(SysAdminUnit.NameKey == name.strip().casefold())
        )

    async def _contact_name(self, contact_id: uuid.UUID | None) -> str:
        if contact_id is None:
            return ""
        name = await self.session.scalar(select(Contact.Name).where(Contact.Id == contact_id))
        if name is None:
            raise ValidationError(_("The selected contact does not exist."), "Contact")
        return name

    async def _check_name_free(self, name: str, own_id: uuid.UUID | None = None) -> None:
        other = await self._row_by_name(name)
        if other is not None and other.Id != own_id:
            raise DuplicateValueError(_(DUPLICATE_NAME), "User name")

    async def create_user(
        self,
        user: NewSystemUser,
        password: str | None,
        *,
        password_cost: int = passwords.DEFAULT_COST,
    ) -> SystemUser:
        """A new user; `password_cost` lowers scrypt's N for random, never-typed passwords."""
        name = require(user.name, "User name")
        await self._check_name_free(name)
        if password is not None and not password:
            raise RequiredFieldError("Password")
        hashed = ""
        if password:
            hashed = await asyncio.to_thread(passwords.hash_password, password, n=password_cost)
        row = SysAdminUnit(
            **new_user_values(name, user, hashed, await self._contact_name(user.contact_id))
        )
        self.stamp_new(row)
        self.session.add(row)
        await self.flush_unique(DuplicateValueError(_(DUPLICATE_NAME), "User name"), _USER_CAPTION)
        self.log_change(ENTITY, row.Id, Operation.INSERT, None, column_values(row))
        return system_user(row)

    async def update_user(self, user: SystemUser) -> SystemUser:
        row = await self.load_for_update(SysAdminUnit, user.id, user.version, _USER_CAPTION)
        old = column_values(row)
        name = require(user.name, "User name")
        await self._check_name_free(name, row.Id)
        row.Name = name
        row.NameKey = name.casefold()
        row.ContactId = user.contact_id
        row.ContactName = await self._contact_name(user.contact_id)
        row.AccountId = user.account_id
        row.ConnectionType = int(user.user_type)
        row.Active = user.active
        row.Email = user.email
        row.ForceChangePassword = user.force_change_password
        row.PasswordExpireDate = user.password_expire_date
        refresh_user(row)
        self.stamp_modified(row)
        await self.flush_unique(
            DuplicateValueError(_(DUPLICATE_NAME), "User name"), _USER_CAPTION, row.Id
        )
        self.log_change(ENTITY, row.Id, Operation.UPDATE, old, column_values(row))
        return system_user(row)

    async def delete_user(self, user_id: uuid.UUID, version: int) -> None:
        row = await self.load_for_update(SysAdminUnit, user_id, version, _USER_CAPTION)
        # A Webitel user must be deleted (on the server too) before its CRM user.
        webitel_user = await self.session.scalar(
            select(WebitelUser.Id).where(WebitelUser.SysAdminUnitId == user_id).limit(1)
        )
        if webitel_user is not None:
            raise RecordInUseError()
        old = column_values(row)
        await self.session.delete(row)
        await self.flush(_USER_CAPTION, user_id)
        self.log_change(ENTITY, user_id, Operation.DELETE, old, None)

    async def password_hash(self, user_id: uuid.UUID) -> str:
        row = await self.get_or_missing(SysAdminUnit, user_id, _USER_CAPTION)
        return row.UserPassword

    async def set_password(
        self, user_id: uuid.UUID, password: str, *, force_change: bool = False
    ) -> None:
        if not password:
            raise RequiredFieldError("Password")
        row = await self.get_or_missing(SysAdminUnit, user_id, _USER_CAPTION)
        row.UserPassword = await asyncio.to_thread(passwords.hash_password, password)
        row.ForceChangePassword = force_change
        self.stamp_modified(row)
        await self.flush(_USER_CAPTION, user_id)
        # The change itself is logged, never the hash.
        self.log_change(
            ENTITY, user_id, Operation.UPDATE, {"UserPassword": None}, {"UserPassword": "changed"}
        )

    async def record_login_failure(
        self, user_id: uuid.UUID, *, lock_after: int, unblock_time: datetime
    ) -> int:
        """Count a failed login; lock the account when the count reaches `lock_after`."""
        row = await self.get_or_missing(SysAdminUnit, user_id, _USER_CAPTION)
        row.LoginAttemptCount += 1
        if row.LoginAttemptCount >= lock_after:
            row.UnblockTime = unblock_time
        await self.flush(_USER_CAPTION, user_id)
        return row.LoginAttemptCount

    async def reset_login_failures(self, user_id: uuid.UUID) -> None:
        row = await self.get_or_missing(SysAdminUnit, user_id, _USER_CAPTION)
        row.LoginAttemptCount = 0
        row.UnblockTime = None
        await self.flush(_USER_CAPTION, user_id)

    # Roles -----------------------------------------------------------------------------------

    async def list_roles(self) -> list[Role]:
        """All roles; a CRM has tens of them, so no paging."""
        rows = await self.session.scalars(
            select(SysAdminUnit)
            .where(SysAdminUnit.SysAdminUnitTypeValue.in_(_ROLE_TYPES))
            .order_by(SysAdminUnit.Name)
        )
        return [_role(row) for row in rows]

    async def page_roles(self, request: PageRequest, shown: ShownNames | None = None) -> Page[Role]:
        """The roles lookup of a user's Roles detail, sorted by the names `shown` (seeded
        roles in the admin's language)."""
        return await fetch_page(
            self.session,
            select(SysAdminUnit).where(SysAdminUnit.SysAdminUnitTypeValue.in_(_ROLE_TYPES)),
            request=request,
            sort_columns={"name": as_shown(SysAdminUnit.Name, SysAdminUnit.Id, shown or {})},
            id_column=SysAdminUnit.Id,
            search_column=SysAdminUnit.SearchText,
            to_model=_role,
        )

    async def ensure_role(
        self, role_id: uuid.UUID, name: str, unit_type: AdminUnitType, description: str = ""
    ) -> Role:
        """Create the role if it is missing (seed data); an existing one is left as it is."""
        row = await self.session.get(SysAdminUnit, role_id)
        if row is None:
            row = SysAdminUnit(
                Id=role_id,
                Name=name,
                NameKey=name.casefold(),
                SysAdminUnitTypeValue=unit_type,
                Description=description,
                ConnectionType=0,
                Active=True,
                UserPassword="",
                Email="",
                ContactName="",
                LoginAttemptCount=0,
            )
            refresh_user(row)
            self.stamp_new(row)
            self.session.add(row)
            await self.flush("role", role_id)
        return _role(row)

    async def roles_of(self, user_id: uuid.UUID) -> list[Role]:
        rows = await self.session.scalars(
            select(SysAdminUnit)
            .join(SysUserInRole, SysUserInRole.SysRoleId == SysAdminUnit.Id)
            .where(SysUserInRole.SysUserId == user_id)
            .order_by(SysAdminUnit.Name)
        )
        return [_role(row) for row in rows]

    async def is_member(self, user_id: uuid.UUID, role_id: uuid.UUID) -> bool:
        found = await self.session.scalar(
            select(func.count())
            .select_from(SysUserInRole)
            .where(SysUserInRole.SysUserId == user_id, SysUserInRole.SysRoleId == role_id)
        )
        return bool(found)

    async def has_active_member(self, role_id: uuid.UUID) -> bool:
        """Whether an active user is in the role (the first found ends the search: counting
        read every member of a big role)."""
        found = await self.session.scalar(
            select(
                select(SysUserInRole.Id)
                .join(SysAdminUnit, SysAdminUnit.Id == SysUserInRole.SysUserId)
                .where(SysUserInRole.SysRoleId == role_id, SysAdminUnit.Active.is_(True))
                .exists()
            )
        )
        return bool(found)

    async def add_to_role(self, user_id: uuid.UUID, role_id: uuid.UUID) -> None:
        if await self.is_member(user_id, role_id):
            return
        link = SysUserInRole(SysUserId=user_id, SysRoleId=role_id)
        self.stamp_new(link)
        self.session.add(link)
        await self.flush("role membership")
        self.log_change("SysUserInRole", link.Id, Operation.INSERT, None, column_values(link))

    async def remove_from_role(self, user_id: uuid.UUID, role_id: uuid.UUID) -> None:
        link = await self.session.scalar(
            select(SysUserInRole).where(
                SysUserInRole.SysUserId == user_id, SysUserInRole.SysRoleId == role_id
            )
        )
        if link is None:
            return
        old = column_values(link)
        await self.session.delete(link)
        await self.flush("role membership")
        self.log_change("SysUserInRole", link.Id, Operation.DELETE, old, None)
