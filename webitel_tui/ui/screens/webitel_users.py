"""The "Webitel users" section (M13) and the Webitel user card (M5, M7-M10), with Delete (M6).

Every change goes through `processes.provisioning`, which talks to Webitel first and to the
CRM second; this module only shows, asks and reports.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, TypeVar

from pydantic import SecretStr
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import HorizontalGroup, VerticalGroup
from textual.message import Message
from textual.widgets import Input, Label, Static, TabbedContent, TabPane

from webitel_tui.domain import known
from webitel_tui.domain.bulk import CAPTIONS as BULK_CAPTIONS
from webitel_tui.domain.bulk import BulkKind
from webitel_tui.domain.display import visible
from webitel_tui.domain.paging import Page, PageRequest
from webitel_tui.domain.rights import MANAGE_WEBITEL_USERS, RUN_GET_WEBITEL_USERS
from webitel_tui.domain.rules import parse_ice_servers
from webitel_tui.domain.text import fold
from webitel_tui.domain.users import SystemUser, UserType
from webitel_tui.domain.webitel_users import (
    TO_RECONCILE,
    DomainLicense,
    DomainRole,
    ReconcileItem,
    UserLicense,
    UserRole,
    WebitelUser,
)
from webitel_tui.i18n import N_, _, tr
from webitel_tui.processes import bulk, provisioning
from webitel_tui.processes.export import (
    default_export_path,
    export_target,
    export_webitel_users,
)
from webitel_tui.processes.provisioning import WebitelUserForm
from webitel_tui.processes.reconcile import ReconcileOutcome, reconcile
from webitel_tui.ui.screens.base import ShellContext
from webitel_tui.ui.screens.bulk import BulkScreen
from webitel_tui.ui.screens.dialogs import (
    DELETE_ONE,
    ActionsMenu,
    ConfirmDialog,
    SipPasswordDialog,
)
from webitel_tui.ui.screens.lookup import LookupDialog
from webitel_tui.ui.screens.record_page import SAVED, RecordPage, field_row
from webitel_tui.ui.screens.save_as import SaveAsDialog
from webitel_tui.ui.screens.webitel_user_folders import FolderedSection
from webitel_tui.ui.widgets.checkbox import Checkbox
from webitel_tui.ui.widgets.data_input import DataInput
from webitel_tui.ui.widgets.detail_grid import DetailGrid
from webitel_tui.ui.widgets.history_detail import HistoryDetail
from webitel_tui.ui.widgets.section_grid import GridColumn, SectionGrid

if TYPE_CHECKING:
    from webitel_tui.webitel import WebitelClient

T = TypeVar("T")

NO_EXTENSION_WARNING = N_(
    "The user has no extension: they will not be able to register a SIP phone or make calls."
)
DIRECT_ONLY = N_("Direct connection only (no STUN/TURN servers).")
READ_ONLY = N_('Read only: changing Webitel users needs the "Manage Webitel users" permission.')
CHANGES = frozenset(
    {"save", "cancel", "select_user", "add_to_detail", "delete_from_detail", "reconcile"}
)
"""The card's actions that change the user (none is offered on a read-only card)."""


def _yes_no(value: bool) -> str:
    return _("Yes") if value else _("No")


def _expires(moment: datetime | None) -> str:
    return moment.date().isoformat() if moment else ""


RECONCILE_MARKER = "! "
"""Before the name of a record that has an open reconcile item."""
BANNER_ITEMS = 3
"""Open reconcile items listed by name in the section's banner."""


WEBITEL_USER_COLUMNS = [
    # In the order they matter: as many as fit the width show (section_grid.column_widths);
    # the rest are a Right away. Widths: the usual values (a login of 21 characters).
    GridColumn[WebitelUser]("name", N_("Webitel user name"), lambda u: u.name, 21, 16),
    GridColumn[WebitelUser]("contact", N_("Contact"), lambda u: u.contact_name, 21, 12),
    GridColumn[WebitelUser]("extension", N_("Extension"), lambda u: u.extension or "", 9),
    GridColumn[WebitelUser]("licenses", N_("Licenses"), lambda u: u.licenses_text, 12, 7),
    GridColumn[WebitelUser]("stun", N_("STUN"), lambda u: _yes_no(u.enable_stun), 4, share=0),
    GridColumn[WebitelUser](
        "webitel_id", N_("User id"), lambda u: str(u.webitel_id or ""), 7, share=0
    ),
    GridColumn[WebitelUser](
        "default_device", N_("Default device"), lambda u: u.default_device_name, 16, 10
    ),
]


def _webitel_user_columns(marked: Callable[[WebitelUser], bool]) -> list[GridColumn[WebitelUser]]:
    """The section's columns, the name marked on records that have an open reconcile item."""

    def name(user: WebitelUser) -> str:
        return RECONCILE_MARKER + user.name if marked(user) else user.name

    first, *others = WEBITEL_USER_COLUMNS
    return [replace(first, render=name), *others]


CRM_USER_COLUMNS = [
    GridColumn[SystemUser]("name", N_("User name"), lambda u: u.name, 21, 12),
    GridColumn[SystemUser]("contact", N_("Contact"), lambda u: u.contact_name, 21, 12),
]


@dataclass
class Reconciled(Message):
    """What a Reconcile did, item by item (the section's, or a card's for its record)."""

    outcomes: list[ReconcileOutcome]


async def _reconciled(context: ShellContext, record_id: uuid.UUID | None) -> list[ReconcileOutcome]:
    return await reconcile(
        context.db, context.logged_in.actor, context.webitel(), record_id=record_id
    )


class WebitelUsersSection(FolderedSection):
    """The section in the shell's main area: grid, folders, New / Delete / Actions."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n,insert", "new", "New", id="section.new", tooltip="New Webitel user"),
        Binding("delete", "delete", "Delete", id="section.delete"),
        Binding("a", "actions", "Actions", id="section.actions"),
    ]

    @dataclass
    class Deleted(Message):
        """A record was deleted or changed from the section: the grid reloads."""

    def __init__(self, context: ShellContext) -> None:
        super().__init__(context, id="webitel-users-section")
        self.open_items: list[ReconcileItem] = []
        """The open reconcile items, as of the grid's last (re)load."""
        self.last_reconcile: list[ReconcileOutcome] = []
        """What the last Reconcile did, item by item."""
        self._open_records: set[uuid.UUID] = set()
        self._open_ids: set[int] = set()

    def compose(self) -> ComposeResult:
        yield Label(_("Webitel users"), classes="page-caption")
        yield Static(id="reconcile-banner", classes="record-message -error")
        grid = SectionGrid(
            _webitel_user_columns(self._has_open_item),
            self._fetch,
            sort="name",
            ticks=True,
            profile="webitel_users",
            id="webitel-grid",
        )
        yield from self.folders_and_grid(grid)

    def _has_open_item(self, user: WebitelUser) -> bool:
        """The grid's marker: a set lookup per row, no query (the items come with page 1)."""
        return user.id in self._open_records or (
            user.webitel_id is not None and user.webitel_id in self._open_ids
        )

    @property
    def grid(self) -> SectionGrid[WebitelUser]:
        return self.query_one("#webitel-grid", SectionGrid)

    async def _fetch(self, request: PageRequest) -> Page[WebitelUser]:
        async with self.context.unit_of_work() as uow:
            page = await uow.webitel_users.page(request)
            if request.after is None:
                items = await uow.reconcile.open_items()
                # Before the rows are shown, so that their markers are current.
                self._open_records = {i.record_id for i in items if i.record_id is not None}
                self._open_ids = {i.webitel_id for i in items if i.webitel_id is not None}
                self.post_message(self.ReconcileCount(items))
        return page

    @dataclass
    class ReconcileCount(Message):
        items: list[ReconcileItem]

    @on(ReconcileCount)
    def _reconcile_count(self, event: ReconcileCount) -> None:
        event.stop()
        self.open_items = event.items
        self._show_banner()

    def _show_banner(self) -> None:
        """How many records disagree with Webitel, the first few with why (the last
        Reconcile's reason when it could not resolve them), and what to do."""
        items = self.open_items
        banner = self.query_one("#reconcile-banner", Static)
        banner.display = bool(items)
        if not items:
            return
        reasons = {o.item.id: o.note for o in self.last_reconcile if not o.resolved}
        lines = [tr("To reconcile with Webitel: {0} (Actions > Reconcile)", len(items))]
        # One line per record, its name and reason shown and never obeyed (domain/display.py).
        lines += [
            visible(f"{i.name}: {reasons.get(i.id, i.problem)}") for i in items[:BANNER_ITEMS]
        ]
        if len(items) > BANNER_ITEMS:
            lines.append(tr("... and {0} more", len(items) - BANNER_ITEMS))
        banner.update(Text("\n".join(lines)))

    def on_mount(self) -> None:
        self.grid.table.focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("new", "delete"):
            return self.may_manage
        return True

    def action_new(self) -> None:
        if not self.may_manage:
            return
        self.app.push_screen(WebitelUserCard(self.context, None), self._card_closed)

    @on(SectionGrid.Opened)
    def _open(self, event: SectionGrid.Opened) -> None:
        event.stop()
        record: WebitelUser = event.record
        self.app.push_screen(WebitelUserCard(self.context, record.id), self._card_closed)

    def _card_closed(self, saved: bool | None) -> None:
        if saved:
            self.grid.reload()

    def action_delete(self) -> None:
        """Delete the current record; with ticks, the bulk Delete of the ticked (previewed
        first, as every bulk action)."""
        if not self.may_manage:
            return
        if self.grid.ticked_count:
            self._start_bulk(BulkKind.DELETE)
            return
        record = self.grid.current
        if record is None:
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self._delete(record)

        self.app.push_screen(ConfirmDialog(DELETE_ONE), answered)

    @work(exclusive=True, exit_on_error=False, group="webitel-delete", description="delete")
    async def _delete(self, record: WebitelUser) -> None:
        await provisioning.delete_webitel_user(
            self.context.db,
            self.context.logged_in.actor,
            self.context.webitel(),
            record.id,
            record.version,
        )
        self.post_message(self.Deleted())

    @on(Deleted)
    def _deleted(self, event: Deleted) -> None:
        event.stop()
        self.grid.reload()

    def action_actions(self) -> None:
        """What the user may do: the import with "Run GetWebitelUsers", the changes with
        "Manage Webitel users"; export and the filters for everyone."""
        items = []
        if self.context.logged_in.can(RUN_GET_WEBITEL_USERS):
            items.append(("load", N_("Load Webitel users")))
        if self.may_manage:
            items.append(("refresh", N_("Refresh from Webitel")))
        items.append(("export", N_("Export to CSV")))
        if self.may_manage:
            items.append(("import-csv", N_("Import from CSV")))
        if self.open_items and self.may_manage:  # only when there is something to reconcile
            items.append(("reconcile", N_("Reconcile")))
        ticked = self.grid.ticked_count
        if ticked and self.may_manage:
            for kind, caption in BULK_CAPTIONS.items():
                items.append((f"bulk:{kind.value}", tr("{0} (ticked: {1})", _(caption), ticked)))
        items += self.folder_actions()
        if self.grid.request.filter == TO_RECONCILE:
            items.append(("show-all", N_("Show all records")))
        elif self.open_items:
            items.append(("show-to-reconcile", N_("Show only the records to reconcile")))
        self.app.push_screen(ActionsMenu(items), self._action_chosen)

    def _action_chosen(self, action: str | None) -> None:
        record = self.grid.current
        if action == "load" and self.context.logged_in.can(RUN_GET_WEBITEL_USERS):
            from webitel_tui.ui.screens.import_users import ImportScreen

            self.app.push_screen(ImportScreen(self.context), self._card_closed)
        elif action == "refresh" and record is not None:
            self._refresh(record)
        elif action == "export":
            self._ask_where_to_export()
        elif action == "import-csv" and self.may_manage:
            from webitel_tui.ui.screens.csv_import import CsvImportScreen

            self.app.push_screen(CsvImportScreen(self.context), self._card_closed)
        elif action is not None and action.startswith("folder:"):
            self.folder_action_chosen(action)
        elif action is not None and action.startswith("bulk:") and self.may_manage:
            self._start_bulk(BulkKind(action.removeprefix("bulk:")))
        elif action == "reconcile":
            self._reconcile()
        elif action == "show-to-reconcile":
            self.grid.set_filter(TO_RECONCILE)
        elif action == "show-all":
            self.grid.set_filter("")

    def _start_bulk(self, kind: BulkKind) -> None:
        """A bulk action on the ticked records: its license or role first, when it has one."""

        def with_item(item: str) -> None:
            grid = self.grid
            action = bulk.BulkAction(kind, item)
            if grid.all_ticked:
                screen = BulkScreen(self.context, action, request=grid.request)
            else:
                screen = BulkScreen(self.context, action, records=list(grid.selected.values()))
            self.app.push_screen(screen, self._card_closed)

        if kind in (BulkKind.GRANT_LICENSE, BulkKind.REVOKE_LICENSE):
            licenses = licenses_lookup(self.context.webitel(), multi_select=False)

            def license_chosen(chosen: list[DomainLicense] | None) -> None:
                if chosen:
                    with_item(chosen[0].product or chosen[0].id)

            self.app.push_screen(licenses, license_chosen)
        elif kind in (BulkKind.ADD_ROLE, BulkKind.REMOVE_ROLE):
            roles = roles_lookup(self.context.webitel(), multi_select=False)

            def role_chosen(chosen: list[DomainRole] | None) -> None:
                if chosen:
                    with_item(chosen[0].name)

            self.app.push_screen(roles, role_chosen)
        else:
            with_item("")

    @work(exclusive=True, exit_on_error=False, group="webitel-reconcile", description="reconcile")
    async def _reconcile(self) -> None:
        self.post_message(Reconciled(await _reconciled(self.context, None)))

    @on(Reconciled)
    def _reconciled(self, event: Reconciled) -> None:
        event.stop()
        self.last_reconcile = event.outcomes
        left = [o for o in event.outcomes if not o.resolved]
        lines = [tr("Reconciled: {0}. Left open: {1}.", len(event.outcomes) - len(left), len(left))]
        lines += [visible(f"{o.item.name}: {o.note}") for o in event.outcomes]
        self.notify(
            "\n".join(lines),
            title=_("Reconcile"),
            severity="warning" if left else "information",
            timeout=15 if left else 6,
            markup=False,
        )
        self.grid.reload()  # the banner and the markers follow

    @work(exclusive=True, exit_on_error=False, group="webitel-refresh", description="refresh")
    async def _refresh(self, record: WebitelUser) -> None:
        refreshed = await provisioning.refresh_from_webitel(
            self.context.db, self.context.logged_in.actor, self.context.webitel(), record.id
        )
        self.post_message(self.Deleted())  # the grid reloads either way
        self.post_message(self.Refreshed(refreshed.record.name, refreshed.describe()))

    @dataclass
    class Refreshed(Message):
        """What a refresh from Webitel changed on a record, in the admin's words."""

        name: str
        lines: list[str]

    @on(Refreshed)
    def _refreshed(self, event: Refreshed) -> None:
        event.stop()
        # The server's values are data: shown, never obeyed (domain/display.py).
        self.notify(
            "\n".join(visible(line) for line in [f"{event.name}:", *event.lines]),
            title=_("Refresh from Webitel"),
            markup=False,
        )

    def _ask_where_to_export(self) -> None:
        """The file to write: the documents (or home) folder and a dated name, to accept with
        Enter or change; an existing file is replaced only after a Yes."""
        default = default_export_path(datetime.now())
        check = partial(export_target, folder=default.parent)
        prompt = SaveAsDialog(default, check, title=N_("Export to CSV"))
        self.app.push_screen(prompt, self._export_to)

    def _export_to(self, path: Path | None) -> None:
        if path is not None:
            self._export(path)

    @work(exclusive=True, exit_on_error=False, group="webitel-export", description="export")
    async def _export(self, path: Path) -> None:
        count = await export_webitel_users(
            self.context.db, self.context.logged_in.actor, self.grid.request, path
        )
        self.post_message(self.Exported(count, path))

    @dataclass
    class Exported(Message):
        count: int
        path: Path

    @on(Exported)
    def _exported(self, event: Exported) -> None:
        event.stop()
        self.notify(
            tr("{0} records exported to {1}", event.count, event.path),
            title=_("Export to CSV"),
            markup=False,
        )


SortKey = Callable[[T], str | int | datetime | None]


def _in_memory_page(
    items: list[T],
    request: PageRequest,
    text: Callable[[T], str],
    sort_keys: Mapping[str, SortKey[T]],
) -> Page[T]:
    """Licenses and roles come whole from Webitel (a handful): search them here, and sort
    them by the column the grid's header shows (text without regard to case, empty last
    ascending), in its direction; their count is the list's length."""
    wanted = fold(request.search)
    chosen = [item for item in items if wanted in fold(text(item))]
    sort_key = sort_keys.get(request.sort)
    if sort_key is not None:

        def key(item: T) -> tuple[bool, str | int | datetime]:
            value = sort_key(item)
            if value is None:
                return (True, "")
            return (False, value.casefold() if isinstance(value, str) else value)

        chosen.sort(key=key, reverse=request.descending)
    return Page[T](items=chosen[: request.limit], total=len(chosen))


LICENSE_SORT_KEYS: dict[str, SortKey[DomainLicense]] = {
    "product": lambda i: i.product,
    "name": lambda i: i.name,
    "remain": lambda i: i.remain,
    "not_after": lambda i: i.expires_on,
}
"""The licenses lookup's columns (by key) and what each sorts by."""
ROLE_SORT_KEYS: dict[str, SortKey[DomainRole]] = {"name": lambda r: r.name}


def licenses_lookup(client: WebitelClient, *, multi_select: bool) -> LookupDialog[DomainLicense]:
    """ "Select: Licenses" of the domain, with what is left of each; an exhausted or expired
    one is dimmed and cannot be chosen (the card's detail, and the bulk actions)."""

    async def licenses(request: PageRequest) -> Page[DomainLicense]:
        items = await provisioning.available_licenses(client)
        return _in_memory_page(items, request, lambda i: f"{i.product} {i.name}", LICENSE_SORT_KEYS)

    columns = [
        GridColumn[DomainLicense]("product", N_("Product"), lambda i: i.product, 12, 8),
        GridColumn[DomainLicense]("name", N_("Name"), lambda i: i.name, 16, 10),
        GridColumn[DomainLicense](
            "remain", N_("Available"), provisioning.license_availability, 10, 6, share=0
        ),
        GridColumn[DomainLicense](
            "not_after", N_("Expires"), lambda i: _expires(i.expires_on), 10, share=0
        ),
    ]
    return LookupDialog(
        "Select: Licenses",
        columns,
        licenses,
        sort="product",
        multi_select=multi_select,
        why_not=provisioning.license_refusal,
    )


def roles_lookup(client: WebitelClient, *, multi_select: bool) -> LookupDialog[DomainRole]:
    """ "Select: Roles" of the Webitel domain (roles are defined on Webitel only)."""

    async def roles(request: PageRequest) -> Page[DomainRole]:
        items = await provisioning.assignable_roles(client)
        return _in_memory_page(items, request, lambda i: i.name, ROLE_SORT_KEYS)

    columns = [GridColumn[DomainRole]("name", N_("Name"), lambda r: r.name)]
    return LookupDialog("Select: Roles", columns, roles, sort="name", multi_select=multi_select)


CARD_TABS = ("tab-licenses", "tab-roles", "tab-devices", "tab-history")
"""The card's tabs, in order; each shows one grid."""
DETAIL_TABS = {"licenses-detail": "tab-licenses", "roles-detail": "tab-roles"}
"""The tab of each detail the card changes."""


def _tab_key(number: int, pane: str, caption: str) -> Binding:
    # Priority: alt+digit carries a printable digit, which a focused Input would take.
    return Binding(
        f"alt+{number}",
        f"show_tab('{pane}')",
        caption,
        id=f"webitel.{pane.replace('-', '_')}",
        show=False,
        priority=True,
    )


class WebitelUserCard(RecordPage):
    """The Webitel user card; dismissed with True when something was saved.

    Creatio's layout, made to fit 80x24: the header fields (captions beside their values, two
    columns from 100 columns on), then the details as tabs that fill the rest of the screen.
    """

    REQUIRED: ClassVar[dict[str, str]] = {"webitel-name": "Webitel user name"}
    FIELDS: ClassVar[dict[str, str]] = {
        "User": "crm-user",
        "Contact": "contact",
        "Extension": "extension",
        "Default device": "default-device",
    }
    # Textual's class variable (its annotation makes it an instance one for mypy).
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]  # noqa: RUF012
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f4", "select_user", "User", id="webitel.select_user", tooltip="Select the user"),
        Binding("f5", "reconcile", "Reconcile", id="webitel.reconcile"),
        # Tabs: `]` / `[` outside a text field (where they are typed), F6 and alt+1..4 from
        # anywhere; none of them is taken by tmux or an SSH client.
        Binding(
            "right_square_bracket,f6",
            "next_tab(1)",
            "Next tab",
            id="webitel.next_tab",
            show=False,
            tooltip="Next tab (Licenses, Roles, Devices, History)",
        ),
        Binding(
            "left_square_bracket",
            "next_tab(-1)",
            "Previous tab",
            id="webitel.previous_tab",
            show=False,
        ),
        _tab_key(1, "tab-licenses", N_("Licenses tab")),
        _tab_key(2, "tab-roles", N_("Roles tab")),
        _tab_key(3, "tab-devices", N_("Devices tab")),
        _tab_key(4, "tab-history", N_("History tab")),
    ]
    HELP_KEYS: ClassVar[list[tuple[str, str]]] = [
        ("F4", N_("Select the CRM user")),
        ("F5", N_("Reconcile the user with Webitel (when a change is not settled)")),
        ("+ / Delete", N_("Licenses / Roles tab: add / delete")),
    ]

    @dataclass
    class SipPasswordIssued(Message):
        """The save made a device whose SIP password the CRM chose: shown once, then gone."""

        device_name: str
        password: SecretStr

    @dataclass
    class DetailsLoaded(Message):
        detail: str
        """The id of the detail that changed."""
        licenses: list[UserLicense]
        roles: list[UserRole]
        record: WebitelUser | None
        """The record after the change, when it went through."""

    def __init__(self, context: ShellContext, record_id: uuid.UUID | None) -> None:
        caption = "Webitel user: New record" if record_id is None else "Webitel user"
        super().__init__(context, caption)
        self.read_only = not context.logged_in.can(MANAGE_WEBITEL_USERS)
        """Without "Manage Webitel users" the card shows the user and offers no change."""
        self.record_id = record_id
        self.record: WebitelUser | None = None
        self.user_id: uuid.UUID | None = None
        self.contact_id: uuid.UUID | None = None
        self.licenses: list[UserLicense] = []
        self.roles: list[UserRole] = []
        self.stun_servers: list[str] = []
        self.open_item: ReconcileItem | None = None
        """The record's change not settled with Webitel, if any (the card's banner)."""
        self._user_name = ""

    def compose_fields(self) -> ComposeResult:
        # Captions beside their values; the server's fields beside the primary ones on a
        # wide screen (the card's `-wide` class), under them on a narrow one.
        with HorizontalGroup(id="card-header"):
            with VerticalGroup(id="card-primary", classes="field-column"):
                yield field_row(
                    _("User") + " * " + _("(F4 to select)"),
                    Static(Text(_("(none)")), id="crm-user", classes="lookup-value"),
                )
                yield field_row(
                    _("Webitel user name") + " *",
                    DataInput(id="webitel-name", max_length=250, compact=True),
                )
                yield field_row(
                    _("Contact"), Static(Text(""), id="contact", classes="lookup-value")
                )
                yield field_row(
                    _("Extension"),
                    DataInput(id="extension", max_length=20, restrict=r"[0-9]*", compact=True),
                )
            with VerticalGroup(id="card-server", classes="field-column"):
                yield field_row(
                    _("User id"), Static(Text(""), id="webitel-id", classes="read-only-value")
                )
                yield field_row(
                    _("Default device"),
                    Static(Text(""), id="default-device", classes="read-only-value"),
                )
                yield field_row("", Checkbox(_("Enable STUN"), id="enable-stun", compact=True))
                # Right under Enable STUN: what the checkbox means for the web phone.
                yield field_row("", Static(Text(""), id="ice-settings", classes="read-only-value"))
        with TabbedContent(id="card-tabs"):
            with TabPane(_("Licenses"), id="tab-licenses"):
                yield DetailGrid(_("Product"), _("Name"), _("Expires"), id="licenses-detail")
            with TabPane(_("Roles"), id="tab-roles"):
                yield DetailGrid(_("Name"), id="roles-detail")
            with TabPane(_("Devices"), id="tab-devices"):
                yield DetailGrid(
                    _("Name"), _("Device id"), id="devices-detail", add=None, delete=None
                )
            with TabPane(_("History"), id="tab-history"):
                yield HistoryDetail(self.context, self.record_id)

    def on_mount(self) -> None:
        # RecordPage's own on_mount (the load) is called by Textual too: not again here.
        self._show_details(self.record_id is not None)
        if self.read_only:
            for field in self.query(Input):
                field.disabled = True
            self.query_one("#enable-stun", Checkbox).disabled = True
            self.show_message(_(READ_ONLY), error=False)

    def _show_details(self, shown: bool) -> None:
        """The tabs, once the record is saved (Creatio saves a card before its details)."""
        self.query_one("#card-tabs", TabbedContent).display = shown

    def _show_history(self) -> None:
        """The History tab follows the record: the new one once saved, and the changes of
        each save or detail change."""
        if self.record_id is not None:
            self.query_one(HistoryDetail).show_record(self.record_id)

    # Tabs -------------------------------------------------------------------------------------

    @property
    def tabs(self) -> TabbedContent:
        return self.query_one("#card-tabs", TabbedContent)

    def action_show_tab(self, pane: str) -> None:
        """Show a tab, its grid taking the keys."""
        if not self.tabs.display:
            return
        self.tabs.active = pane
        self.query_one(f"#{pane} DataTable").focus()

    def action_next_tab(self, step: int) -> None:
        current = CARD_TABS.index(self.tabs.active) if self.tabs.active in CARD_TABS else 0
        self.action_show_tab(CARD_TABS[(current + step) % len(CARD_TABS)])

    # Load / save ------------------------------------------------------------------------------

    async def load(self) -> None:
        async with self.context.unit_of_work() as uow:
            stun = await uow.settings.value(known.STUN_SERVERS_SETTING)
            if self.record_id is not None:
                self.record = await uow.webitel_users.get(self.record_id)
                self.licenses = await uow.webitel_users.licenses(self.record_id)
                self.roles = await uow.webitel_users.roles(self.record_id)
                self.open_item = await uow.reconcile.unsettled_for(self.record_id)
                if self.record.user_id is not None:
                    user = await uow.users.find(self.record.user_id)
                    self._user_name = user.name if user else ""
        self.stun_servers = parse_ice_servers(stun)

    def on_loaded(self) -> None:
        record = self.record
        if record is not None:
            self.set_caption(tr("Webitel user: {0}", record.name))
            self._show_user(record.user_id, self._user_name, record.contact_id, record.contact_name)
            self.query_one("#webitel-name", Input).value = record.name
            self.query_one("#extension", Input).value = record.extension or ""
            self.query_one("#enable-stun", Checkbox).value = record.enable_stun
            self.query_one("#webitel-id", Static).update(Text(str(record.webitel_id or "")))
            self.query_one("#default-device", Static).update(
                Text(visible(record.default_device_name) or _("(none)"))
            )
            self._show_details(True)
            self._fill_details()
            self._show_history()
            self._show_open_item()
        self._show_ice()

    def _show_open_item(self) -> None:
        """The banner of a change not settled with Webitel: what, and what to do."""
        item = self.open_item
        self.refresh_bindings()
        if item is None:
            return
        if item.pending:
            text = _("A change of this user is under way and not settled with Webitel yet.")
        else:
            text = tr("Not settled with Webitel: {0} F5: Reconcile.", item.problem)
        self.show_message(text, error=True)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if self.read_only and action in CHANGES:
            return False
        if action == "reconcile":
            return self.open_item is not None
        return True

    def action_save(self) -> None:
        if not self.read_only:
            super().action_save()

    def action_reconcile(self) -> None:
        if self.open_item is not None and not self.read_only:
            self._reconcile_record()

    @work(exclusive=True, exit_on_error=False, group="webitel-reconcile", description="reconcile")
    async def _reconcile_record(self) -> None:
        assert self.record_id is not None
        self.post_message(Reconciled(await _reconciled(self.context, self.record_id)))

    @on(Reconciled)
    def _reconciled(self, event: Reconciled) -> None:
        event.stop()
        left = [o.note for o in event.outcomes if not o.resolved]
        done = [o.note for o in event.outcomes if o.resolved]
        if not event.outcomes:
            message = _("Nothing to reconcile yet: the change may still be under way.")
        else:
            message = " ".join(left or done)
        self.saved_any = True
        self._load()
        self.show_message(message, error=bool(left) or not event.outcomes)

    def _fill_details(self) -> None:
        self.query_one("#licenses-detail", DetailGrid).fill(
            (grant.license_id, [grant.product, grant.name, _expires(grant.expires_on)])
            for grant in self.licenses
        )
        self.query_one("#roles-detail", DetailGrid).fill(
            (str(role.role_id), [role.name]) for role in self.roles
        )
        # The one device the CRM knows of a user: its default device (read only).
        record = self.record
        devices = self.query_one("#devices-detail", DetailGrid)
        if record is not None and record.default_device_id is not None:
            shown = [record.default_device_name, str(record.default_device_id)]
            devices.fill([(str(record.default_device_id), shown)])
        else:
            devices.fill([])

    @on(Checkbox.Changed, "#enable-stun")
    def _stun_changed(self) -> None:
        self._show_ice()

    def _show_ice(self) -> None:
        """The web phone's ICE settings that follow from the checkbox and the system setting."""
        enabled = self.query_one("#enable-stun", Checkbox).value
        if enabled and self.stun_servers:
            shown = tr("Web phone ICE servers: {0}", ", ".join(self.stun_servers))
        else:
            shown = _(DIRECT_ONLY)
        self.query_one("#ice-settings", Static).update(Text(visible(shown)))

    def values(self) -> dict[str, object]:
        return {**super().values(), "user_id": self.user_id}

    def missing_required(self) -> tuple[str, str] | None:
        if self.user_id is None:
            return "crm-user", "User"
        return super().missing_required()

    def _form(self) -> WebitelUserForm:
        extension = self.query_one("#extension", Input).value.strip() or None
        return WebitelUserForm(
            record_id=self.record_id,
            version=self.record.version if self.record else 0,
            user_id=self.user_id,
            contact_id=self.contact_id,
            name=self.query_one("#webitel-name", Input).value,
            extension=extension,
            enable_stun=self.query_one("#enable-stun", Checkbox).value,
        )

    async def save(self) -> None:
        form = self._form()
        actor = self.context.logged_in.actor
        client = self.context.webitel()
        if self.record_id is None:
            created = await provisioning.create_webitel_user(self.context.db, actor, client, form)
            self.record_id = created.record.id
            if created.sip_password is not None:
                self.post_message(self.SipPasswordIssued(created.device_name, created.sip_password))
        else:
            await provisioning.update_webitel_user(self.context.db, actor, client, form)

    @on(SipPasswordIssued)
    def _show_sip_password(self, event: SipPasswordIssued) -> None:
        event.stop()
        self.app.push_screen(SipPasswordDialog(event.device_name, event.password))

    def on_saved(self) -> None:
        if self.record is not None and not self.record.extension:
            self.show_message(f"{_(SAVED)} {_(NO_EXTENSION_WARNING)}", error=False)

    # The User lookup (M4: only active company employees who are not Webitel users yet) -----

    def _show_user(
        self,
        user_id: uuid.UUID | None,
        user_name: str,
        contact_id: uuid.UUID | None,
        contact_name: str,
    ) -> None:
        self.user_id = user_id
        self.contact_id = contact_id
        self.query_one("#crm-user", Static).update(Text(visible(user_name) or _("(none)")))
        self.query_one("#contact", Static).update(Text(visible(contact_name)))

    def action_select_user(self) -> None:
        if self.record_id is not None or self.read_only:
            return  # the CRM user of a saved Webitel user does not change

        async def candidates(request: PageRequest) -> Page[SystemUser]:
            async with self.context.unit_of_work() as uow:
                return await uow.users.page_users(
                    request, user_type=UserType.EMPLOYEE, active=True, without_webitel_user=True
                )

        dialog: LookupDialog[SystemUser] = LookupDialog(
            "Select: User", CRM_USER_COLUMNS, candidates, sort="name"
        )
        self.app.push_screen(dialog, self._user_chosen)

    def _user_chosen(self, chosen: list[SystemUser] | None) -> None:
        if not chosen:
            return
        user = chosen[0]
        self._show_user(user.id, user.name, user.contact_id, user.contact_name)
        # Creatio fills these by itself; both stay editable.
        self.query_one("#webitel-name", Input).value = user.name

    # Details: User licenses (M7/M8) and User roles (M9) --------------------------------------

    def _focused_detail(self) -> str | None:
        focused = self.focused
        if focused is not None and focused.id in DETAIL_TABS:
            return focused.id
        return None

    def action_add_to_detail(self) -> None:
        detail = None if self.read_only else self._focused_detail()
        if detail == "licenses-detail":
            self._pick_licenses()
        elif detail == "roles-detail":
            self._pick_roles()

    def _pick_licenses(self) -> None:
        dialog = licenses_lookup(self.context.webitel(), multi_select=True)
        self.app.push_screen(dialog, self._licenses_chosen)

    def _licenses_chosen(self, chosen: list[DomainLicense] | None) -> None:
        self.action_show_tab("tab-licenses")
        if chosen:
            self._change_detail("licenses-detail", add=[c.id for c in chosen])

    def _pick_roles(self) -> None:
        dialog = roles_lookup(self.context.webitel(), multi_select=True)
        self.app.push_screen(dialog, self._roles_chosen)

    def _roles_chosen(self, chosen: list[DomainRole] | None) -> None:
        self.action_show_tab("tab-roles")
        if chosen:
            self._change_detail("roles-detail", add=[str(role.id) for role in chosen])

    def action_delete_from_detail(self) -> None:
        detail = None if self.read_only else self._focused_detail()
        if detail is None or self.record_id is None:
            return
        key = self.query_one(f"#{detail}", DetailGrid).current_key
        if key is None:
            return

        def answered(yes: bool | None) -> None:
            self.action_show_tab(DETAIL_TABS[detail])
            if yes:
                self._change_detail(detail, remove=[key])

        self.app.push_screen(ConfirmDialog(DELETE_ONE), answered)

    @work(exclusive=True, exit_on_error=False, group="webitel-detail", description="detail")
    async def _change_detail(
        self, detail: str, *, add: Sequence[str] = (), remove: Sequence[str] = ()
    ) -> None:
        """Ids added to or removed from a detail, as the card's own change: checked against
        the card's version, and the card takes the record's new version, so that its next
        Save is no conflict."""
        record_id = self.record_id
        if record_id is None:
            return
        version = self.record.version if self.record else None
        target = (self.context.db, self.context.logged_in.actor, self.context.webitel(), record_id)
        changed: WebitelUser | None = None
        try:
            if detail == "licenses-detail":
                changed = await provisioning.change_licenses(
                    *target, add=add, remove=remove, version=version
                )
            else:
                changed = await provisioning.change_roles(
                    *target,
                    add=[int(i) for i in add],
                    remove=[int(i) for i in remove],
                    version=version,
                )
        finally:
            async with self.context.unit_of_work() as uow:
                licenses = await uow.webitel_users.licenses(record_id)
                roles = await uow.webitel_users.roles(record_id)
            self.post_message(self.DetailsLoaded(detail, licenses, roles, changed))

    @on(DetailsLoaded)
    def _details_loaded(self, event: DetailsLoaded) -> None:
        event.stop()
        self.licenses = event.licenses
        self.roles = event.roles
        if event.record is not None:
            self.record = event.record
        self.saved_any = True
        self._fill_details()
        self._show_history()
        # The view and the keys back on the detail just changed, whatever moved meanwhile.
        self.action_show_tab(DETAIL_TABS[event.detail])
