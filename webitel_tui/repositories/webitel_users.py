"""The CRM's Webitel user records with their "User licenses" and "User roles" details."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.exc import IntegrityError

from webitel_tui.db.tables import (
    Contact,
    SysChangeLog,
    WebitelUser,
    WebitelUserLicense,
    WebitelUserRole,
    numeric_text,
    utcnow,
)
from webitel_tui.domain.changelog import Operation
from webitel_tui.domain.column_filters import check_value
from webitel_tui.domain.errors import DuplicateValueError, RecordConflictError, ValidationError
from webitel_tui.domain.holders import Holder, duplicate_among
from webitel_tui.domain.paging import Page, PageRequest
from webitel_tui.domain.records import Actor
from webitel_tui.domain.rules import check_webitel_login, normalize_extension
from webitel_tui.domain.users import SystemUser
from webitel_tui.domain.webitel_users import (
    TO_RECONCILE,
    LicenseGrant,
    NewWebitelUser,
    RoleGrant,
    UserLicense,
    UserRole,
    licenses_text,
)
from webitel_tui.domain.webitel_users import WebitelUser as WebitelUserModel
from webitel_tui.i18n import _
from webitel_tui.repositories.base import (
    Repository,
    audit_fields,
    change_entry,
    column_values,
    new_row,
)
from webitel_tui.repositories.folders import WEBITEL_USER_FILTER_COLUMNS, FolderRepository
from webitel_tui.repositories.logged_values import loggable
from webitel_tui.repositories.paging import SortColumns, fetch_page
from webitel_tui.repositories.reconcile import unsettled_records
from webitel_tui.repositories.search_text import (
    WEBITEL_USER_SEARCHED,
    refresh_webitel_user,
    searched,
)
from webitel_tui.repositories.users import UserRepository

ENTITY = "WebitelUser"

_CAPTION = "Webitel user"

_TABLES = WebitelUser.metadata.tables
_COLUMNS = tuple(column.key for column in _TABLES[WebitelUser.__tablename__].columns)


WEBITEL_USER_SORT_COLUMNS: SortColumns = {
    "name": WebitelUser.Name,
    "contact": WebitelUser.ContactName,
    "extension": numeric_text(WebitelUser.Extension),
    "webitel_id": WebitelUser.WebitelId,
    "default_device": WebitelUser.DefaultDeviceName,
    "licenses": WebitelUser.LicensesText,
    "stun": WebitelUser.EnableStun,
}


@dataclass(frozen=True)
class CheckedNew:
    """`check_new` passed for a new record: its values were free, its CRM user and contact
    exist, and this is the contact's name. Good for the write that follows at once: what
    changes in between is refused by the unique and foreign keys, not by a second look."""

    contact_name: str
    user: SystemUser | None = None
    """The CRM user, as the check read it."""


def _new_record(
    actor: Actor, data: NewWebitelUser, checked: CheckedNew, record_id: uuid.UUID | None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The row of a new record whose values passed `check_new`, and its change-log entry."""
    name = check_webitel_login(data.name)
    extension = normalize_extension(data.extension)
    values = new_row(
        actor, utcnow(), **new_webitel_user_values(data, name, extension, checked.contact_name, "")
    )
    if record_id is not None:
        values["Id"] = record_id
    row = {key: values[key] for key in _COLUMNS}  # the change log's order, as for the ORM
    return row, change_entry(actor, ENTITY, row["Id"], Operation.INSERT, {}, loggable(row))


def _duplicate() -> DuplicateValueError:
    """A value taken (or the CRM user or contact removed) since the check: the unique and
    foreign keys refused the new record."""
    return DuplicateValueError(
        _("A Webitel user with this name, extension or user id already exists.")
    )


HOLDER_COLUMNS = (
    WebitelUser.Name,
    WebitelUser.Extension,
    WebitelUser.ContactName,
    WebitelUser.SysAdminUnitId,
    WebitelUser.Id,
)
"""The columns of a `Holder`, in its order."""


def _clash(name: str, extension: str | None, user_id: uuid.UUID | None) -> ColumnElement[bool]:
    """The records that hold the name, the extension or the CRM user."""
    clash = or_(WebitelUser.Name == name)
    if extension is not None:
        clash = or_(clash, WebitelUser.Extension == extension)
    if user_id is not None:
        clash = or_(clash, WebitelUser.SysAdminUnitId == user_id)
    return clash


def new_webitel_user_values(
    data: NewWebitelUser,
    name: str,
    extension: str | None,
    contact_name: str,
    licenses: str,
) -> dict[str, Any]:
    """The WebitelUser columns of a new record whose `name` and `extension` passed the checks,
    derived ones included, for an ORM row or a row inserted as plain values."""
    values: dict[str, Any] = {
        "SysAdminUnitId": data.user_id,
        "ContactId": data.contact_id,
        "ContactName": contact_name,
        "Name": name,
        "Extension": extension,
        "WebitelId": data.webitel_id,
        "DefaultDeviceId": data.default_device_id,
        "DefaultDeviceName": data.default_device_name,
        "EnableStun": data.enable_stun,
        "LicensesText": licenses,
    }
    values["SearchText"] = searched(values.__getitem__, WEBITEL_USER_SEARCHED)
    return values


def _model(row: WebitelUser) -> WebitelUserModel:
    return WebitelUserModel(
        **audit_fields(row),
        user_id=row.SysAdminUnitId,
        contact_id=row.ContactId,
        contact_name=row.ContactName,
        name=row.Name,
        extension=row.Extension,
        webitel_id=row.WebitelId,
        default_device_id=row.DefaultDeviceId,
        default_device_name=row.DefaultDeviceName,
        enable_stun=row.EnableStun,
        licenses_text=row.LicensesText,
    )


def _license(row: WebitelUserLicense) -> UserLicense:
    return UserLicense(
        **audit_fields(row),
        webitel_user_id=row.WebitelUserId,
        license_id=row.LicenseId,
        product=row.Product,
        name=row.Name,
        expires_on=row.ExpiresOn,
    )


def _role(row: WebitelUserRole) -> UserRole:
    return UserRole(
        **audit_fields(row),
        webitel_user_id=row.WebitelUserId,
        role_id=row.RoleId,
        name=row.Name,
    )


class WebitelUserRepository(Repository):
    async def page(self, request: PageRequest) -> Page[WebitelUserModel]:
        for column_filter in request.where:
            check_value(column_filter.column, column_filter.value)
        query = select(WebitelUser)
        if request.filter == TO_RECONCILE:
            query = query.where(WebitelUser.Id.in_(unsettled_records()))
        elif request.filter:
            condition = await FolderRepository(self.session, self.actor).condition_of(
                request.filter
            )
            if condition is None:
                raise ValidationError(f'The list has no filter "{request.filter}".')
            query = query.where(condition)
        return await fetch_page(
            self.session,
            query,
            request=request,
            sort_columns=WEBITEL_USER_SORT_COLUMNS,
            id_column=WebitelUser.Id,
            search_column=WebitelUser.SearchText,
            to_model=_model,
            filters=WEBITEL_USER_FILTER_COLUMNS,
        )

    async def get(self, record_id: uuid.UUID) -> WebitelUserModel:
        return _model(await self.get_or_missing(WebitelUser, record_id, _CAPTION))

    async def find(self, record_id: uuid.UUID) -> WebitelUserModel | None:
        row = await self.session.get(WebitelUser, record_id)
        return None if row is None else _model(row)

    async def _one(self, *where: ColumnElement[bool]) -> WebitelUserModel | None:
        row = await self.session.scalar(select(WebitelUser).where(*where))
        return None if row is None else _model(row)

    async def find_by_name(self, name: str) -> WebitelUserModel | None:
        return await self._one(WebitelUser.Name == name)

    async def of_contact(self, contact_id: uuid.UUID) -> list[WebitelUserModel]:
        """The Webitel users the contact is the contact of (the contact page shows them)."""
        rows = await self.session.scalars(
            select(WebitelUser)
            .where(WebitelUser.ContactId == contact_id)
            .order_by(WebitelUser.Name, WebitelUser.Id)
        )
        return [_model(row) for row in rows]

    async def find_by_webitel_id(self, webitel_id: int) -> WebitelUserModel | None:
        return await self._one(WebitelUser.WebitelId == webitel_id)

    async def check_unique(
        self, name: str, extension: str | None, user_id: uuid.UUID | None, own: uuid.UUID | None
    ) -> None:
        """Refuse duplicates with a message naming who already holds the value (one query)."""
        query = select(*HOLDER_COLUMNS).where(_clash(name, extension, user_id))
        if own is not None:
            query = query.where(WebitelUser.Id != own)
        holders = [Holder(*row) for row in await self.session.execute(query)]
        duplicate = duplicate_among(name, extension, user_id, holders)
        if duplicate is not None:
            raise duplicate

    async def _contact_name(self, contact_id: uuid.UUID | None) -> str:
        if contact_id is None:
            return ""
        name = await self.session.scalar(select(Contact.Name).where(Contact.Id == contact_id))
        if name is None:
            raise ValidationError(_("The selected contact does not exist."), "Contact")
        return name

    async def _user(self, user_id: uuid.UUID) -> SystemUser:
        user = await UserRepository(self.session, self.actor).find(user_id)
        if user is None:
            raise ValidationError(_("The selected user does not exist."), "User")
        return user

    async def check_new(
        self,
        name: str,
        extension: str | None,
        user_id: uuid.UUID | None,
        contact_id: uuid.UUID | None,
        accept_user: Callable[[SystemUser], None] | None = None,
    ) -> CheckedNew:
        """Everything `create` checks, before the values are final (a new user's server ids
        come later): the CRM user (`accept_user` vets it first, the caller's rule, e.g. M4,
        so that its refusal comes before a duplicate's), who holds one of the values, and
        the contact."""
        user = None if user_id is None else await self._user(user_id)
        if user is not None and accept_user is not None:
            accept_user(user)
        await self.check_unique(name, extension, user_id, None)
        if user is not None and user.contact_id == contact_id:
            return CheckedNew(user.contact_name, user)
        return CheckedNew(await self._contact_name(contact_id), user)

    async def create(
        self, data: NewWebitelUser, *, record_id: uuid.UUID | None = None
    ) -> WebitelUserModel:
        """A new record, checked, and its change-log entry; `record_id` is the id the
        journal of server changes gave it before the server made the user."""
        name = check_webitel_login(data.name)
        extension = normalize_extension(data.extension)
        checked = await self.check_new(name, extension, data.user_id, data.contact_id)
        row, entry = _new_record(self.actor, data, checked, record_id)
        # Plain rows, as the import and the Save write them: an ORM object and its flush cost
        # more per record, and nothing reads the object back.
        try:
            await self.insert_many(WebitelUser, [row])
            await self.insert_many(SysChangeLog, [entry])
        except IntegrityError as exc:
            raise _duplicate() from exc
        return _model(WebitelUser(**row))  # not added: the model's fields by one mapping

    async def update(self, data: WebitelUserModel) -> WebitelUserModel:
        row = await self.load_for_update(WebitelUser, data.id, data.version, _CAPTION)
        old = column_values(row)
        name = check_webitel_login(data.name)
        extension = normalize_extension(data.extension)
        if data.user_id is not None:
            await self._user(data.user_id)
        await self.check_unique(name, extension, data.user_id, row.Id)
        row.SysAdminUnitId = data.user_id
        row.ContactId = data.contact_id
        row.ContactName = await self._contact_name(data.contact_id)
        row.Name = name
        row.Extension = extension
        row.WebitelId = data.webitel_id
        row.DefaultDeviceId = data.default_device_id
        row.DefaultDeviceName = data.default_device_name
        row.EnableStun = data.enable_stun
        refresh_webitel_user(row)
        self.stamp_modified(row)
        await self.flush_unique(
            _duplicate(),
            _CAPTION,
            row.Id,
        )
        self.log_change(ENTITY, row.Id, Operation.UPDATE, old, column_values(row))
        return _model(row)

    async def claim(self, record_id: uuid.UUID, version: int | None) -> WebitelUserModel:
        """Mark the record as being changed on the Webitel server: its version goes up, so
        that a card opened before is refused; no value changes. `version`, when given, is
        the caller's: a stale one is refused."""
        row = await self.get_or_missing(WebitelUser, record_id, _CAPTION)
        if version is not None and row.Version != version:
            raise RecordConflictError(_CAPTION, record_id)
        self.stamp_modified(row)
        await self.flush(_CAPTION, record_id)
        return _model(row)

    async def delete(self, record_id: uuid.UUID, version: int) -> None:
        row = await self.load_for_update(WebitelUser, record_id, version, _CAPTION)
        old = column_values(row)
        await self.session.delete(row)
        await self.flush(_CAPTION, record_id)
        self.log_change(ENTITY, record_id, Operation.DELETE, old, None)

    # Details ---------------------------------------------------------------------------------

    async def licenses(self, record_id: uuid.UUID) -> list[UserLicense]:
        rows = await self.session.scalars(
            select(WebitelUserLicense)
            .where(WebitelUserLicense.WebitelUserId == record_id)
            .order_by(WebitelUserLicense.Product, WebitelUserLicense.LicenseId)
        )
        return [_license(row) for row in rows]

    async def roles(self, record_id: uuid.UUID) -> list[UserRole]:
        rows = await self.session.scalars(
            select(WebitelUserRole)
            .where(WebitelUserRole.WebitelUserId == record_id)
            .order_by(WebitelUserRole.Name, WebitelUserRole.RoleId)
        )
        return [_role(row) for row in rows]

    async def set_licenses(
        self, record_id: uuid.UUID, grants: Sequence[LicenseGrant]
    ) -> list[UserLicense]:
        """Make the "User licenses" detail exactly `grants` (Webitel's full-list semantics)."""
        row = await self.get_or_missing(WebitelUser, record_id, _CAPTION)
        existing = {lic.LicenseId: lic for lic in await self._license_rows(record_id)}
        wanted = {grant.license_id: grant for grant in grants}
        for license_id, lic in existing.items():
            if license_id not in wanted:
                self.log_change(
                    "WebitelUserLicense", lic.Id, Operation.DELETE, column_values(lic), None
                )
                await self.session.delete(lic)
        for license_id, grant in wanted.items():
            found = existing.get(license_id)
            if found is None:
                lic = WebitelUserLicense(WebitelUserId=record_id, LicenseId=license_id)
                self.stamp_new(lic)
                self.session.add(lic)
                old = None
            else:
                lic, old = found, column_values(found)
            lic.Product = grant.product
            lic.Name = grant.name
            lic.ExpiresOn = grant.expires_on
            await self.flush("licence")
            self.log_change(
                "WebitelUserLicense",
                lic.Id,
                Operation.INSERT if old is None else Operation.UPDATE,
                old,
                column_values(lic),
            )
        old_text, row.LicensesText = row.LicensesText, licenses_text(grants)
        await self.flush(_CAPTION, record_id)
        # On the user's own record too: its history (the card's History tab) shows it.
        self.log_change(
            ENTITY,
            record_id,
            Operation.UPDATE,
            {"LicensesText": old_text},
            {"LicensesText": row.LicensesText},
        )
        return await self.licenses(record_id)

    async def _license_rows(self, record_id: uuid.UUID) -> list[WebitelUserLicense]:
        rows = await self.session.scalars(
            select(WebitelUserLicense).where(WebitelUserLicense.WebitelUserId == record_id)
        )
        return list(rows)

    async def set_roles(self, record_id: uuid.UUID, grants: Sequence[RoleGrant]) -> list[UserRole]:
        """Make the "User roles" detail exactly `grants`."""
        await self.get_or_missing(WebitelUser, record_id, _CAPTION)
        existing = {
            role.RoleId: role
            for role in await self.session.scalars(
                select(WebitelUserRole).where(WebitelUserRole.WebitelUserId == record_id)
            )
        }
        wanted = {grant.role_id: grant for grant in grants}
        old_names = ", ".join(sorted(role.Name for role in existing.values()))
        for role_id, role in existing.items():
            if role_id not in wanted:
                self.log_change(
                    "WebitelUserRole", role.Id, Operation.DELETE, column_values(role), None
                )
                await self.session.delete(role)
        for role_id, grant in wanted.items():
            found = existing.get(role_id)
            if found is None:
                added = WebitelUserRole(WebitelUserId=record_id, RoleId=role_id, Name=grant.name)
                self.stamp_new(added)
                self.session.add(added)
                await self.flush("role")
                self.log_change(
                    "WebitelUserRole", added.Id, Operation.INSERT, None, column_values(added)
                )
            elif found.Name != grant.name:
                found.Name = grant.name
        await self.flush(_CAPTION, record_id)
        # On the user's own record too (its history), as the names the detail shows.
        self.log_change(
            ENTITY,
            record_id,
            Operation.UPDATE,
            {"Roles": old_names},
            {"Roles": ", ".join(sorted(grant.name for grant in wanted.values()))},
        )
        return await self.roles(record_id)
