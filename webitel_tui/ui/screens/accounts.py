"""The "Accounts" section and the account page, as Creatio's: Name, Primary phone, Web."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import ClassVar

from textual.app import ComposeResult
from textual.containers import VerticalGroup
from textual.widgets import Input

from webitel_tui.domain.contacts import Account, NewAccount
from webitel_tui.domain.limits import TEXT_LENGTH, check_limits
from webitel_tui.domain.paging import Page, PageRequest
from webitel_tui.i18n import N_, _, tr
from webitel_tui.repositories import UnitOfWork
from webitel_tui.ui.screens.base import ShellContext
from webitel_tui.ui.screens.lookup import LookupDialog
from webitel_tui.ui.screens.record_page import RecordPage, field_row
from webitel_tui.ui.screens.record_section import RecordSection
from webitel_tui.ui.widgets.data_input import DataInput
from webitel_tui.ui.widgets.section_grid import GridColumn

ACCOUNT_COLUMNS = [
    GridColumn[Account]("name", N_("Name"), lambda a: a.name),
    GridColumn[Account]("phone", N_("Primary phone"), lambda a: a.phone),
    GridColumn[Account]("web", N_("Web"), lambda a: a.web),
]
ACCOUNT_FIELDS = {"account-name": "name", "account-phone": "phone", "account-web": "web"}
"""The page's inputs and the fields of the account they edit."""
ACCOUNT_CAPTIONS = {
    "account-name": N_("Name"),
    "account-phone": N_("Primary phone"),
    "account-web": N_("Web"),
}


def accounts_lookup(context: ShellContext) -> LookupDialog[Account]:
    """ "Select: Account": the account of a contact."""

    async def accounts(request: PageRequest) -> Page[Account]:
        async with context.unit_of_work() as uow:
            return await uow.accounts.page_accounts(request)

    return LookupDialog("Select: Account", ACCOUNT_COLUMNS, accounts, sort="name")


class AccountsSection(RecordSection[Account]):
    CAPTION = N_("Accounts")

    def __init__(self, context: ShellContext) -> None:
        super().__init__(context, id="accounts-section")

    def columns(self) -> Sequence[GridColumn[Account]]:
        return ACCOUNT_COLUMNS

    async def fetch(self, uow: UnitOfWork, request: PageRequest) -> Page[Account]:
        return await uow.accounts.page_accounts(request)

    def page(self, record_id: uuid.UUID | None) -> RecordPage:
        return AccountPage(self.context, record_id)

    async def delete(self, uow: UnitOfWork, record: Account) -> None:
        await uow.accounts.delete(record.id, record.version)


class AccountPage(RecordPage):
    REQUIRED: ClassVar[dict[str, str]] = {"account-name": "Name"}

    def __init__(self, context: ShellContext, account_id: uuid.UUID | None) -> None:
        super().__init__(
            context, N_("Account: New record") if account_id is None else N_("Account")
        )
        self.account_id = account_id
        self.account: Account | None = None

    def compose_fields(self) -> ComposeResult:
        with VerticalGroup(id="account-fields", classes="field-column"):
            for field_id, caption in ACCOUNT_CAPTIONS.items():
                required = " *" if field_id in self.REQUIRED else ""
                field = DataInput(id=field_id, max_length=TEXT_LENGTH, compact=True)
                yield field_row(_(caption) + required, field)

    async def load(self) -> None:
        if self.account_id is None:
            return
        async with self.context.unit_of_work() as uow:
            self.account = await uow.accounts.get(self.account_id)

    def on_loaded(self) -> None:
        account = self.account
        if account is None:
            return
        self.set_caption(tr("Account: {0}", account.name))
        for field_id, name in ACCOUNT_FIELDS.items():
            self.query_one(f"#{field_id}", Input).value = getattr(account, name)

    async def save(self) -> None:
        typed = {
            name: self.query_one(f"#{field_id}", Input).value
            for field_id, name in ACCOUNT_FIELDS.items()
        }
        async with self.context.unit_of_work() as uow:
            if self.account is None:
                new = NewAccount.model_validate(typed)
                check_limits(new)
                self.account_id = (await uow.accounts.create(new)).id
            else:
                changed = self.account.model_copy(update=typed)
                check_limits(changed)
                await uow.accounts.update(changed)
