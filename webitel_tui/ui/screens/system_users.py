"""System users (M3): the section list of CRM users and the user page with its Roles detail."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import ClassVar

from pydantic import SecretStr
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import DataTable, Input, Label, Static

from webitel_tui.domain.contacts import Contact
from webitel_tui.domain.display import visible
from webitel_tui.domain.paging import Page, PageRequest
from webitel_tui.domain.rights import AdminOperation, OperationGrantee
from webitel_tui.domain.users import Role, SystemUser, UserType
from webitel_tui.i18n import N_, _, tr
from webitel_tui.processes import system_users
from webitel_tui.ui.screens.base import ForwardWorkerErrors, ShellContext
from webitel_tui.ui.screens.contacts import contacts_lookup
from webitel_tui.ui.screens.designer_page import DesignerPage, require_admin
from webitel_tui.ui.screens.dialogs import DELETE_ONE, ActionsMenu, ConfirmDialog
from webitel_tui.ui.screens.lookup import LookupDialog
from webitel_tui.ui.screens.record_page import RecordPage
from webitel_tui.ui.seeded import role_name, shown_role_names
from webitel_tui.ui.widgets.checkbox import Checkbox
from webitel_tui.ui.widgets.data_input import DataInput
from webitel_tui.ui.widgets.detail_grid import DetailGrid
from webitel_tui.ui.widgets.password_input import PasswordInput
from webitel_tui.ui.widgets.section_grid import GridColumn, SectionGrid

USER_COLUMNS = [
    GridColumn[SystemUser]("name", N_("User name"), lambda u: u.name, 21, 12),
    GridColumn[SystemUser]("contact", N_("Contact"), lambda u: u.contact_name, 21, 12),
    GridColumn[SystemUser]("type", N_("Type"), lambda u: u.user_type.caption, 18, 8),
    GridColumn[SystemUser](
        "active", N_("Active"), lambda u: _("Yes") if u.active else _("No"), 6, share=0
    ),
]
ROLE_COLUMNS = [GridColumn[Role]("name", N_("Name"), lambda r: role_name(r.id, r.name))]
NEW_USER_KINDS = [("employee", N_("Company employee")), ("portal", N_("Portal user"))]


def roles_lookup(context: ShellContext) -> LookupDialog[Role]:
    """ "Select: Roles", several at once: the roles a user joins, or an operation's grantees."""

    async def roles(request: PageRequest) -> Page[Role]:
        async with context.unit_of_work() as uow:
            return await uow.users.page_roles(request, shown_role_names())

    return LookupDialog("Select: Roles", ROLE_COLUMNS, roles, sort="name", multi_select=True)


class SystemUsersList(ForwardWorkerErrors, Vertical):
    """The list of CRM users and its keys: the System designer's page and the "System users"
    section both show this one widget. Only System administrators see it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n,insert", "new", "New", id="section.new", tooltip="New user"),
        # Kept off the footer (it must fit 80 columns); F1 and the palette list it.
        Binding(
            "p",
            "operation_permissions",
            "Permissions",
            id="system_users.operation_permissions",
            tooltip="Operation permissions: which roles may run which operation",
            show=False,
        ),
    ]

    def __init__(self, context: ShellContext) -> None:
        require_admin(context)
        super().__init__(classes="users-list")
        self.context = context

    def compose(self) -> ComposeResult:
        yield SectionGrid(
            USER_COLUMNS, self._fetch, sort="name", profile="system_users", id="users-grid"
        )

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

    def action_operation_permissions(self) -> None:
        self.app.push_screen(OperationPermissionsScreen(self.context))


class SystemUsersScreen(DesignerPage):
    CAPTION = N_("System users")
    AUTO_FOCUS = "#grid-table"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", id="section.close"),
    ]
    HELP_KEYS: ClassVar[list[tuple[str, str]]] = [("Enter", N_("Open the user"))]

    def body(self) -> ComposeResult:
        yield SystemUsersList(self.context)

    @property
    def grid(self) -> SectionGrid[SystemUser]:
        return self.query_one(SystemUsersList).grid

    def action_close(self) -> None:
        self.dismiss()


class SystemUsersSection(Vertical):
    """The designer's System users list as a section of a workplace (System administrators
    only: the section registry refuses it to the others, ui/sections.py)."""

    def __init__(self, context: ShellContext) -> None:
        super().__init__(id="system-users-section", classes="section")
        self.context = context

    def compose(self) -> ComposeResult:
        yield Label(_("System users"), classes="page-caption")
        yield SystemUsersList(self.context)

    @property
    def grid(self) -> SectionGrid[SystemUser]:
        return self.query_one(SystemUsersList).grid

    def on_mount(self) -> None:
        self.grid.table.focus()


class UserPage(RecordPage):
    REQUIRED: ClassVar[dict[str, str]] = {
        "user-name": "User name",
        "password": "Password",
        "confirmation": "Password confirmation",
    }
    FIELDS: ClassVar[dict[str, str]] = {"Contact": "new-contact", "Type": "user-type"}
    """The fields refusals name besides the required ones (record_page.py)."""
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f4", "select_contact", "Contact", id="user.select_contact"),
    ]
    HELP_KEYS: ClassVar[list[tuple[str, str]]] = [
        ("F4", N_("Select the contact")),
        ("+ / Delete", N_("Roles detail: add / delete a role")),
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
        yield DataInput(placeholder=_("…or the full name of a new contact"), id="new-contact")
        yield Label(_("User name") + " *", classes="field-caption")
        yield DataInput(id="user-name", max_length=250)
        yield Label(_("Password") + " *", classes="field-caption", id="password-caption")
        yield PasswordInput(id="password")
        yield Label(_("Password confirmation") + " *", classes="field-caption")
        yield PasswordInput(id="confirmation")
        yield Checkbox(_("Active"), value=True, id="active")
        # The Roles detail appears once the user is saved (Creatio saves a card before details).
        yield Static(Text(_("Roles")), classes="detail-caption", id="roles-caption")
        yield DetailGrid(_("Name"), id="roles-detail", add="add_roles", delete="delete_role")

    def on_mount(self) -> None:
        # RecordPage's own on_mount (the load) is called by Textual too: not again here.
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
        detail.fill((str(role.id), [role_name(role.id, role.name)]) for role in self.roles)

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
        self.query_one("#contact-shown", Static).update(Text(visible(name) or _("(none)")))

    def action_select_contact(self) -> None:
        self.app.push_screen(contacts_lookup(self.context), self._contact_chosen)

    def _contact_chosen(self, chosen: list[Contact] | None) -> None:
        if chosen:
            self._show_contact(chosen[0].id, chosen[0].name)
            self.query_one("#new-contact", Input).value = ""

    # Roles detail -----------------------------------------------------------------------------

    def action_add_roles(self) -> None:
        if self.user_id is None:
            return
        self.app.push_screen(roles_lookup(self.context), self._roles_chosen)

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


# Operation permissions: which roles may run which operation (domain/rights.py) -----------------


class OperationPermissionsScreen(DesignerPage):
    """Creatio's "Operation permissions": the operations; Enter opens one, with its roles."""

    CAPTION = N_("Operation permissions")
    AUTO_FOCUS = "#operations"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", id="operations.close"),
    ]
    HELP_KEYS: ClassVar[list[tuple[str, str]]] = [("Enter", N_("Open the operation"))]

    @dataclass
    class Loaded(Message):
        operations: list[AdminOperation]

    def __init__(self, context: ShellContext) -> None:
        super().__init__(context)
        self.operations: list[AdminOperation] = []

    def body(self) -> ComposeResult:
        yield DetailGrid(_("Name"), _("Code"), id="operations", add=None, delete=None)

    @property
    def table(self) -> DetailGrid:
        return self.query_one("#operations", DetailGrid)

    def on_mount(self) -> None:
        self._load()

    @work(exclusive=True, exit_on_error=False, group="operations", description="operations")
    async def _load(self) -> None:
        self.post_message(self.Loaded(await system_users.list_operations(self.context.db)))

    @on(Loaded)
    def _show(self, event: Loaded) -> None:
        event.stop()
        self.operations = event.operations
        self.table.fill((str(o.id), [_(o.name), o.code]) for o in event.operations)

    @on(DataTable.RowSelected, "#operations")
    def _open(self, event: DataTable.RowSelected) -> None:
        event.stop()
        chosen = next((o for o in self.operations if str(o.id) == event.row_key.value), None)
        if chosen is not None:
            self.app.push_screen(OperationPage(self.context, chosen))

    def action_close(self) -> None:
        self.dismiss()


class OperationPage(DesignerPage):
    """An operation and the roles that may run it, changed as each is added or deleted."""

    CAPTION = N_("Operation permission")
    AUTO_FOCUS = "#grantees-detail"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", id="operation.close"),
    ]

    @dataclass
    class Loaded(Message):
        grantees: list[OperationGrantee]

    def __init__(self, context: ShellContext, operation: AdminOperation) -> None:
        super().__init__(context)
        self.operation = operation
        self.grantees: list[OperationGrantee] = []

    def body(self) -> ComposeResult:
        operation = self.operation
        name = visible(f"{_(operation.name)} ({operation.code})")
        yield Static(Text(name), id="operation-name")
        yield Static(Text(visible(_(operation.description))), classes="setting-row")
        yield Static(Text(_("Roles that may run it")), classes="detail-caption")
        yield DetailGrid(_("Name"), id="grantees-detail", add="add_roles", delete="delete_role")

    @property
    def detail(self) -> DetailGrid:
        return self.query_one("#grantees-detail", DetailGrid)

    def on_mount(self) -> None:
        self._change(None)

    @work(exclusive=True, exit_on_error=False, group="grantees", description="operation roles")
    async def _change(self, change: Callable[[], Awaitable[None]] | None) -> None:
        """Make the change (if any), then show the roles as they are now (also after a
        refusal, which the app reports)."""
        try:
            if change is not None:
                await change()
        finally:
            grantees = await system_users.operation_grantees(self.context.db, self.operation.id)
            self.post_message(self.Loaded(grantees))

    @on(Loaded)
    def _show(self, event: Loaded) -> None:
        event.stop()
        self.grantees = event.grantees
        self.detail.fill(
            (str(g.admin_unit_id), [role_name(g.admin_unit_id, g.admin_unit_name)])
            for g in event.grantees
        )

    def action_add_roles(self) -> None:
        self.app.push_screen(roles_lookup(self.context), self._roles_chosen)

    def _roles_chosen(self, chosen: list[Role] | None) -> None:
        if not chosen:
            return
        db, actor = self.context.db, self.context.logged_in.actor
        self._change(lambda: system_users.grant_operation(db, actor, self.operation.id, chosen))

    def action_delete_role(self) -> None:
        key = self.detail.current_key
        if key is None:
            return
        unit_id = uuid.UUID(key)
        db, actor = self.context.db, self.context.logged_in.actor

        def answered(yes: bool | None) -> None:
            if yes:
                self._change(
                    lambda: system_users.revoke_operation(db, actor, self.operation.id, unit_id)
                )

        self.app.push_screen(ConfirmDialog(DELETE_ONE), answered)

    def action_close(self) -> None:
        self.dismiss()
