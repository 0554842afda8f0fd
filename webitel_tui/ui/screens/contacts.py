"""The "Contacts" section and the contact page: the contact's fields and, read-only, the CRM
users whose contact it is and the Webitel users it belongs to."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalGroup
from textual.widgets import DataTable, Input, Static, TabbedContent, TabPane

from webitel_tui.domain.contacts import Account, Contact, NewContact
from webitel_tui.domain.display import visible
from webitel_tui.domain.limits import TEXT_LENGTH, check_limits
from webitel_tui.domain.paging import Page, PageRequest
from webitel_tui.domain.users import SystemUser
from webitel_tui.domain.webitel_users import WebitelUser
from webitel_tui.i18n import N_, _, tr
from webitel_tui.repositories import UnitOfWork
from webitel_tui.ui.screens.accounts import accounts_lookup
from webitel_tui.ui.screens.base import ShellContext
from webitel_tui.ui.screens.lookup import LookupDialog
from webitel_tui.ui.screens.record_page import RecordPage, field_row
from webitel_tui.ui.screens.record_section import RecordSection
from webitel_tui.ui.widgets.data_input import DataInput
from webitel_tui.ui.widgets.detail_grid import DetailGrid
from webitel_tui.ui.widgets.section_grid import GridColumn

CONTACT_COLUMNS = [
    GridColumn[Contact]("name", N_("Full name"), lambda c: c.name),
    GridColumn[Contact]("job_title", N_("Job title"), lambda c: c.job_title),
]
"""A contact in a lookup ("Select: Contact")."""


def contacts_lookup(context: ShellContext) -> LookupDialog[Contact]:
    """ "Select: Contact": a user's contact, or the contact a list is filtered by."""

    async def contacts(request: PageRequest) -> Page[Contact]:
        async with context.unit_of_work() as uow:
            return await uow.contacts.page_contacts(request)

    return LookupDialog("Select: Contact", CONTACT_COLUMNS, contacts, sort="name")


CONTACT_SECTION_COLUMNS = [
    *CONTACT_COLUMNS,
    GridColumn[Contact]("phone", N_("Mobile phone"), lambda c: c.mobile_phone),
    GridColumn[Contact]("email", N_("Email"), lambda c: c.email),
]
CONTACT_FIELDS = {
    "contact-name": ("name", N_("Full name")),
    "job-title": ("job_title", N_("Job title")),
    "business-phone": ("phone", N_("Business phone")),
    "mobile-phone": ("mobile_phone", N_("Mobile phone")),
    "email": ("email", N_("Email")),
}
"""The page's inputs: the field of the contact each edits, and its caption."""


class ContactsSection(RecordSection[Contact]):
    CAPTION = N_("Contacts")

    def __init__(self, context: ShellContext) -> None:
        super().__init__(context, id="contacts-section")

    def columns(self) -> Sequence[GridColumn[Contact]]:
        return CONTACT_SECTION_COLUMNS

    async def fetch(self, uow: UnitOfWork, request: PageRequest) -> Page[Contact]:
        return await uow.contacts.page_contacts(request)

    def page(self, record_id: uuid.UUID | None) -> RecordPage:
        return ContactPage(self.context, record_id)

    async def delete(self, uow: UnitOfWork, record: Contact) -> None:
        # A contact of a CRM user is refused (RecordInUseError), as Creatio does.
        await uow.contacts.delete(record.id, record.version)


class ContactPage(RecordPage):
    REQUIRED: ClassVar[dict[str, str]] = {"contact-name": "Full name"}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f4", "select_account", "Account", id="contact.select_account"),
    ]
    HELP_KEYS: ClassVar[list[tuple[str, str]]] = [
        ("F4", N_("Select the account")),
        ("Enter", N_("Webitel users detail: open the Webitel user")),
    ]

    def __init__(self, context: ShellContext, contact_id: uuid.UUID | None) -> None:
        super().__init__(
            context, N_("Contact: New record") if contact_id is None else N_("Contact")
        )
        self.contact_id = contact_id
        self.contact: Contact | None = None
        self.account_id: uuid.UUID | None = None
        self.account_name = ""
        self.users: list[SystemUser] = []
        self.webitel_users: list[WebitelUser] = []

    def compose_fields(self) -> ComposeResult:
        # Captions beside their values, as on the Webitel user card: the fields and a
        # detail fit 80x24.
        with VerticalGroup(id="contact-fields", classes="field-column"):
            for field_id, (_name, caption) in CONTACT_FIELDS.items():
                required = " *" if field_id in self.REQUIRED else ""
                field = DataInput(id=field_id, max_length=TEXT_LENGTH, compact=True)
                yield field_row(_(caption) + required, field)
                if field_id == "job-title":  # Creatio's order: the account after the job title
                    account = Static(Text(_("(none)")), id="account-shown", classes="lookup-value")
                    yield field_row(_("Account (F4 to select)"), account)
        # Read-only: a contact's users are made and changed in their own sections.
        with TabbedContent(id="contact-tabs", classes="record-tabs"):
            with TabPane(_("Webitel users"), id="tab-webitel-users"):
                yield DetailGrid(
                    _("Webitel user name"),
                    _("Extension"),
                    id="webitel-detail",
                    add=None,
                    delete=None,
                )
            with TabPane(_("System users"), id="tab-users"):
                yield DetailGrid(
                    _("User name"), _("Type"), _("Active"), id="users-detail", add=None, delete=None
                )

    def on_mount(self) -> None:
        # RecordPage's own on_mount (the load) is called by Textual too: not again here.
        self._show_details(self.contact_id is not None)

    def _show_details(self, shown: bool) -> None:
        """The details once the contact is saved (Creatio saves a page before its details)."""
        self.query_one("#contact-tabs", TabbedContent).display = shown

    async def load(self) -> None:
        if self.contact_id is None:
            return
        async with self.context.unit_of_work() as uow:
            contact = await uow.contacts.get(self.contact_id)
            account = (
                None if contact.account_id is None else await uow.accounts.get(contact.account_id)
            )
            self.users = await uow.users.users_of_contact(contact.id)
            self.webitel_users = await uow.webitel_users.of_contact(contact.id)
        self.contact = contact
        self.account_name = account.name if account else ""

    def on_loaded(self) -> None:
        contact = self.contact
        if contact is None:
            return
        self.set_caption(tr("Contact: {0}", contact.name))
        for field_id, (name, _caption) in CONTACT_FIELDS.items():
            self.query_one(f"#{field_id}", Input).value = getattr(contact, name)
        self._show_account(contact.account_id, self.account_name)
        self._show_details(True)
        self.query_one("#users-detail", DetailGrid).fill(
            (str(u.id), [u.name, u.user_type.caption, _("Yes") if u.active else _("No")])
            for u in self.users
        )
        self.query_one("#webitel-detail", DetailGrid).fill(
            (str(w.id), [w.name, w.extension or ""]) for w in self.webitel_users
        )

    def values(self) -> dict[str, object]:
        return {**super().values(), "account_id": self.account_id}

    async def save(self) -> None:
        typed: dict[str, object] = {
            name: self.query_one(f"#{field_id}", Input).value
            for field_id, (name, _caption) in CONTACT_FIELDS.items()
        }
        typed["account_id"] = self.account_id
        async with self.context.unit_of_work() as uow:
            if self.contact is None:
                new = NewContact.model_validate(typed)
                check_limits(new)
                self.contact_id = (await uow.contacts.create(new)).id
            else:
                # Only what the page edits: the name parts it does not show stay as stored.
                changed = self.contact.model_copy(update=typed)
                check_limits(changed)
                await uow.contacts.update(changed)

    @on(DataTable.RowSelected, "#webitel-detail")
    def _open_webitel_user(self, event: DataTable.RowSelected) -> None:
        event.stop()
        # The card's module (provisioning, export) loads when a card opens, not with Contacts.
        from webitel_tui.ui.screens.webitel_users import WebitelUserCard

        card = WebitelUserCard(self.context, uuid.UUID(str(event.row_key.value)))
        self.app.push_screen(card, self._card_closed)

    def _card_closed(self, saved: bool | None) -> None:
        if saved and not self.dirty:  # the detail shows the user as saved; typing stays
            self._load()

    # Account ----------------------------------------------------------------------------------

    def _show_account(self, account_id: uuid.UUID | None, name: str) -> None:
        self.account_id = account_id
        self.account_name = name
        self.query_one("#account-shown", Static).update(Text(visible(name) or _("(none)")))

    def action_select_account(self) -> None:
        self.app.push_screen(accounts_lookup(self.context), self._account_chosen)

    def _account_chosen(self, chosen: list[Account] | None) -> None:
        if chosen:
            self._show_account(chosen[0].id, chosen[0].name)
