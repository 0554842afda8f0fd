"""Contacts and accounts."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select

from webitel_tui.db.tables import Account, Contact, SysAdminUnit, WebitelUser
from webitel_tui.domain.changelog import Operation
from webitel_tui.domain.contacts import Account as AccountModel
from webitel_tui.domain.contacts import Contact as ContactModel
from webitel_tui.domain.contacts import NewAccount, NewContact
from webitel_tui.domain.errors import RecordInUseError
from webitel_tui.domain.paging import Page, PageRequest
from webitel_tui.domain.rules import require
from webitel_tui.domain.text import fold
from webitel_tui.repositories.base import Repository, audit_fields, column_values
from webitel_tui.repositories.paging import fetch_page
from webitel_tui.repositories.search_text import (
    CONTACT_SEARCHED,
    refresh_account,
    refresh_user,
    refresh_webitel_user,
    searched,
)

CONTACT_SORT_COLUMNS = {
    "name": Contact.Name,
    "job_title": Contact.JobTitle,
    "email": Contact.Email,
    "phone": Contact.MobilePhone,
}
ACCOUNT_SORT_COLUMNS = {"name": Account.Name, "phone": Account.Phone, "web": Account.Web}


def _contact(row: Contact) -> ContactModel:
    return ContactModel(
        **audit_fields(row),
        name=row.Name,
        surname=row.Surname,
        given_name=row.GivenName,
        middle_name=row.MiddleName,
        account_id=row.AccountId,
        job_title=row.JobTitle,
        phone=row.Phone,
        mobile_phone=row.MobilePhone,
        email=row.Email,
    )


def _account(row: Account) -> AccountModel:
    return AccountModel(
        **audit_fields(row),
        name=row.Name,
        phone=row.Phone,
        web=row.Web,
    )


def contact_values(data: NewContact | ContactModel) -> dict[str, Any]:
    """The Contact columns a contact's fields give (with the derived name key and search
    text), for an ORM row or a row inserted as plain values."""
    values: dict[str, Any] = {
        "Name": require(data.name, "Full name"),
        "Surname": data.surname,
        "GivenName": data.given_name,
        "MiddleName": data.middle_name,
        "AccountId": data.account_id,
        "JobTitle": data.job_title,
        "Phone": data.phone,
        "MobilePhone": data.mobile_phone,
        "Email": data.email,
    }
    values["NameKey"] = fold(values["Name"])
    values["SearchText"] = searched(values.__getitem__, CONTACT_SEARCHED)
    return values


def _fill_contact(row: Contact, data: NewContact | ContactModel) -> None:
    for column, value in contact_values(data).items():
        setattr(row, column, value)


class ContactRepository(Repository):
    async def page_contacts(self, request: PageRequest) -> Page[ContactModel]:
        return await fetch_page(
            self.session,
            select(Contact),
            request=request,
            sort_columns=CONTACT_SORT_COLUMNS,
            id_column=Contact.Id,
            search_column=Contact.SearchText,
            to_model=_contact,
        )

    async def get(self, contact_id: uuid.UUID) -> ContactModel:
        return _contact(await self.get_or_missing(Contact, contact_id, "contact"))

    async def find_by_name(self, name: str) -> list[ContactModel]:
        """Contacts whose full name equals `name`, ignoring case and spacing (import matching)."""
        rows = await self.session.scalars(
            select(Contact).where(Contact.NameKey == fold(name)).order_by(Contact.Id)
        )
        return [_contact(row) for row in rows]

    async def create(self, data: NewContact) -> ContactModel:
        row = Contact()
        _fill_contact(row, data)
        self.stamp_new(row)
        self.session.add(row)
        await self.flush("contact", row.Id)
        self.log_change("Contact", row.Id, Operation.INSERT, None, column_values(row))
        return _contact(row)

    async def update(self, data: ContactModel) -> ContactModel:
        row = await self.load_for_update(Contact, data.id, data.version, "contact")
        old = column_values(row)
        _fill_contact(row, data)
        self.stamp_modified(row)
        await self.flush("contact", row.Id)
        if old["Name"] != row.Name:
            await self._rename_in_users(row.Id, row.Name)
        self.log_change("Contact", row.Id, Operation.UPDATE, old, column_values(row))
        return _contact(row)

    async def _rename_in_users(self, contact_id: uuid.UUID, name: str) -> None:
        """Keep the grids' denormalised contact names (and their search text) in step."""
        for user in await self.session.scalars(
            select(SysAdminUnit).where(SysAdminUnit.ContactId == contact_id)
        ):
            user.ContactName = name
            refresh_user(user)
        for webitel_user in await self.session.scalars(
            select(WebitelUser).where(WebitelUser.ContactId == contact_id)
        ):
            webitel_user.ContactName = name
            refresh_webitel_user(webitel_user)
        await self.flush("contact", contact_id)

    async def delete(self, contact_id: uuid.UUID, version: int) -> None:
        row = await self.load_for_update(Contact, contact_id, version, "contact")
        in_use = await self.session.scalar(
            select(SysAdminUnit.Id).where(SysAdminUnit.ContactId == contact_id).limit(1)
        )
        if in_use is not None:
            raise RecordInUseError()
        old = column_values(row)
        await self.session.delete(row)
        await self.flush("contact", contact_id)
        self.log_change("Contact", contact_id, Operation.DELETE, old, None)


class AccountRepository(Repository):
    async def page_accounts(self, request: PageRequest) -> Page[AccountModel]:
        return await fetch_page(
            self.session,
            select(Account),
            request=request,
            sort_columns=ACCOUNT_SORT_COLUMNS,
            id_column=Account.Id,
            search_column=Account.SearchText,
            to_model=_account,
        )

    async def get(self, account_id: uuid.UUID) -> AccountModel:
        return _account(await self.get_or_missing(Account, account_id, "account"))

    async def create(self, data: NewAccount) -> AccountModel:
        row = Account(Name=require(data.name, "Name"), Phone=data.phone, Web=data.web)
        refresh_account(row)
        self.stamp_new(row)
        self.session.add(row)
        await self.flush("account", row.Id)
        self.log_change("Account", row.Id, Operation.INSERT, None, column_values(row))
        return _account(row)

    async def update(self, data: AccountModel) -> AccountModel:
        row = await self.load_for_update(Account, data.id, data.version, "account")
        old = column_values(row)
        row.Name = require(data.name, "Name")
        row.Phone = data.phone
        row.Web = data.web
        refresh_account(row)
        self.stamp_modified(row)
        await self.flush("account", row.Id)
        self.log_change("Account", row.Id, Operation.UPDATE, old, column_values(row))
        return _account(row)

    async def delete(self, account_id: uuid.UUID, version: int) -> None:
        """Its contacts and users stay, without an account (the keys say ON DELETE SET NULL)."""
        row = await self.load_for_update(Account, account_id, version, "account")
        old = column_values(row)
        await self.session.delete(row)
        await self.flush("account", account_id)
        self.log_change("Account", account_id, Operation.DELETE, old, None)
