"""System users (M3): the section list of CRM users and the user page with its Roles detail."""

from __future__ import annotations

import uuid
from typing import ClassVar

from pydantic import SecretStr
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Checkbox, Input, Label, Static

from webitel_tui.domain.contacts import Contact
from webitel_tui.domain.paging import Page, PageRequest
from webitel_tui.domain.users import Role, SystemUser, UserType
from webitel_tui.i18n import N_, _, tr
from webitel_tui.processes import system_users
from webitel_tui.ui.screens.base import ShellContext
from webitel_tui.ui.screens.designer_page import DesignerPage, require_admin
from webitel_tui.ui.screens.dialogs import DELETE_ONE, ActionsMenu, ConfirmDialog
from webitel_tui.ui.screens.lookup import LookupDialog
from webitel_tui.ui.screens.record_page import RecordPage
from webitel_tui.ui.widgets.detail_grid import DetailGrid
from webitel_tui.ui.widgets.section_grid import GridColumn, SectionGrid

USER_COLUMNS = [
    GridColumn[SystemUser]("name", N_("User name"), lambda u: u.name),
    GridColumn[SystemUser]("contact", N_("Contact"), lambda u: u.contact_name),
    GridColumn[SystemUser]("type", N_("Type"), lambda u: u.user_type.caption, width=18),
    GridColumn[SystemUser]("active", N_("Active"), lambda u: _("Yes") if u.active else _("No")),
]
CONTACT_COLUMNS = [
    GridColumn[Contact]("name", N_("Full name"), lambda c: c.name),
    GridColumn[Contact]("job_title", N_("Job title"), lambda c: c.job_title),
]
ROLE_COLUMNS = [GridColumn[Role]("name", N_("Name"), lambda r: r.name)]
NEW_USER_KINDS = [("employee", N_("Company employee")), ("portal", N_("Portal user"))]


class SystemUsersScreen(DesignerPage):
    CAPTION = N_("System users")
    AUTO_FOCUS = "#grid-table"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n,insert", "new", "New", id="section.new", tooltip="New user"),
        Binding("escape", "close", "Close", id="section.close"),
    ]
    HELP_KEYS: ClassVar[list[tuple[str, str]]] = [("Enter", "Open the user")]

    def body(self) -> ComposeResult:
        yield SectionGrid(USER_COLUMNS, self._fetch, sort="name", id="users-grid")

    @property
    def grid(self) -> SectionGrid[SystemUser]:
        return self.query_one("#users-grid", SectionGrid)

    async def _fetch(self, request: PageRequest) -> Page[SystemUser]:
        async with self.context.unit_of_work() as uow:
            return await uow.users.page_users(request)

    def action_new(self) -> None:
        self.app.push_screen(ActionsMenu(NEW_USER_KINDS, title="New"), self._kind_chosen)

    def _kind_chosen(self, kind: str | None) -> None:
        if kind is not None:
            user_type = UserType.PORTAL if kind == "portal" else UserType.EMPLOYEE
            self.app.push_screen(UserPage(self.context, None, user_type), self._page_closed)

    @on(SectionGrid.Opened)
    def _open(self, event: SectionGrid.Opened) -> None:
        event.stop()
        user: SystemUser = event.record
        self.app.push_screen(UserPage(self.context, user.id, user.user_type), self._page_closed)

    def _page_closed(self, saved: bool | None) -> None:
        if saved:
            self.grid.reload()

    def action_close(self) -> None:
        self.dismiss()


class UserPage(RecordPage):
    REQUIRED: ClassVar[dict[str, str]] = {
        "user-name": "User name",
        "password": "Password",
        "confirmation": "Password confirmation",
    }
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f4", "select_contact", "Contact", id="user.select_contact"),
        Binding("plus", "add_roles", "Add role", id="detail.add", show=False),
        Binding("delete", "delete_role", "Delete role", id="detail.delete", show=False),
    ]
    HELP_KEYS: ClassVar[list[tuple[str, str]]] = [
        ("F4", "Select the contact"),
        ("+ / Delete", "Roles detail: add / delete a role"),
    ]

    def __init__(
        self, context: ShellContext, user_id: uuid.UUID | None, user_type: UserType
    ) -> None:
        require_admin(context)
        caption = _("System user: New record") if user_id is None else _("System user")
        super().__init__(context, caption)
        self.user_id = user_id
        self.user_type = user_type
        self.user: SystemUser | None = None
        self.roles: list[Role] = []
        self.contact_id: uuid.UUID | None = None
        self.contact_name = ""

    def compose_fields(self) -> ComposeResult:
        yield Label(
            tr("Type: {0}", self.user_type.caption), classes="field-caption", id="user-type"
        )
        yield Label(_("Contact * (F4 to select)"), classes="field-caption")
        yield Static(Text(_("(none)")), id="contact-shown", classes="lookup-value")
        yield Input(placeholder=_("…or the full name of a new contact"), id="new-contact")
        yield Label(_("User name") + " *", classes="field-caption")
        yield Input(id="user-name", max_length=250)
        yield Label(_("Password") + " *", classes="field-caption", id="password-caption")
        yield Input(id="password", password=True)
        yield Label(_("Password confirmation") + " *", classes="field-caption")
        yield Input(id="confirmation", password=True)
        yield Checkbox(_("Active"), value=True, id="active")
        # The Roles detail appears once the user is saved (Creatio saves a card before details).
        yield Static(Text(_("Roles")), classes="detail-caption", id="roles-caption")
        yield DetailGrid(_("Name"), id="roles-detail")

    def on_mount(self) -> None:
        super().on_mount()
        self._show_roles_detail(self.user_id is not None)

    def _show_roles_detail(self, shown: bool) -> None:
        self.query_one("#roles-caption").display = shown
        self.query_one("#roles-detail").display = shown

    # Load / save ------------------------------------------------------------------------------

    async def load(self) -> None:
        if self.user_id is None:
            return
        async with self.context.unit_of_work() as uow:
            self.user = await uow.users.get(self.user_id)
            self.roles = await uow.users.roles_of(self.user_id)

    def on_loaded(self) -> None:
        user = self.user
        if user is None:
            return
        self.set_caption(tr("System user: {0}", user.name))
        self._show_contact(user.contact_id, user.contact_name)
        self.query_one("#new-contact", Input).value = ""
        self.query_one("#user-name", Input).value = user.name
        self.query_one("#password", Input).value = ""
        self.query_one("#confirmation", Input).value = ""
        self.query_one("#active", Checkbox).value = user.active
        self._show_roles_detail(True)
        detail = self.query_one("#roles-detail", DetailGrid)
        detail.fill((str(role.id), [role.name]) for role in self.roles)

    def values(self) -> dict[str, object]:
        return {**super().values(), "contact_id": self.contact_id}

    def missing_required(self) -> tuple[str, str] | None:
        if self.contact_id is None and not self.query_one("#new-contact", Input).value.strip():
            return "new-contact", "Contact"
        missing = super().missing_required()
        if missing is not None and self.user_id is not None and missing[0] != "user-name":
            return None  # an existing user keeps the password unless a new one is typed
        return missing

    async def save(self) -> None:
        form = system_users.UserForm(
            user_id=self.user_id,
            version=self.user.version if self.user else 0,
            name=self.query_one("#user-name", Input).value,
            user_type=self.user_type,
            contact_id=self.contact_id,
            new_contact_name=self.query_one("#new-contact", Input).value,
            password=SecretStr(self.query_one("#password", Input).value),
            confirmation=SecretStr(self.query_one("#confirmation", Input).value),
            active=self.query_one("#active", Checkbox).value,
        )
        user = await system_users.save_user(self.context.db, self.context.logged_in.actor, form)
        self.user_id = user.id

    # Contact ----------------------------------------------------------------------------------

    def _show_contact(self, contact_id: uuid.UUID | None, name: str) -> None:
        self.contact_id = contact_id
        self.contact_name = name
        self.query_one("#contact-shown", Static).update(Text(name or _("(none)")))

    def action_select_contact(self) -> None:
        async def contacts(request: PageRequest) -> Page[Contact]:
            async with self.context.unit_of_work() as uow:
                return await uow.contacts.page_contacts(request)

        dialog: LookupDialog[Contact] = LookupDialog(
            "Select: Contact", CONTACT_COLUMNS, contacts, sort="name"
        )
        self.app.push_screen(dialog, self._contact_chosen)

    def _contact_chosen(self, chosen: list[Contact] | None) -> None:
        if chosen:
            self._show_contact(chosen[0].id, chosen[0].name)
            self.query_one("#new-contact", Input).value = ""

    # Roles detail -----------------------------------------------------------------------------

    def action_add_roles(self) -> None:
        if self.user_id is None:
            return

        async def roles(request: PageRequest) -> Page[Role]:
            async with self.context.unit_of_work() as uow:
                return await uow.users.page_roles(request)

        dialog: LookupDialog[Role] = LookupDialog(
            "Select: Roles", ROLE_COLUMNS, roles, sort="name", multi_select=True
        )
        self.app.push_screen(dialog, self._roles_chosen)

    def _roles_chosen(self, chosen: list[Role] | None) -> None:
        if chosen and self.user_id is not None:
            self._change_roles(chosen, None)

    def action_delete_role(self) -> None:
        key = self.query_one("#roles-detail", DetailGrid).current_key
        if self.user_id is None or key is None:
            return
        role_id = uuid.UUID(key)

        def answered(yes: bool | None) -> None:
            if yes:
                self._change_roles([], role_id)

        self.app.push_screen(ConfirmDialog(DELETE_ONE), answered)

    @work(exclusive=True, exit_on_error=False, group="roles", description="change roles")
    async def _change_roles(self, add: list[Role], remove: uuid.UUID | None) -> None:
        assert self.user_id is not None
        actor = self.context.logged_in.actor
        if add:
            await system_users.add_roles(self.context.db, actor, self.user_id, add)
        if remove is not None:
            await system_users.remove_role(self.context.db, actor, self.user_id, remove)
        await self.load()
        self.post_message(self.Loaded())
