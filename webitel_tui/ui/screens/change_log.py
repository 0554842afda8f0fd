"""The "Change log" section: who changed what on which record, newest first, for System
administrators (the log holds every record's values).

`f` shows only the history of the record under the cursor, and again (or Esc) the whole log;
Enter opens an entry with every old and new value. A card's "History" tab shows one record's
entries the same way (ui/widgets/history_detail.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label, Static

from webitel_tui.domain.changelog import ChangeLogEntry, value_text
from webitel_tui.domain.display import visible
from webitel_tui.domain.paging import Page, PageRequest
from webitel_tui.i18n import N_, _, tr
from webitel_tui.ui.screens.base import ForwardWorkerErrors, ScreenMixin, ShellContext
from webitel_tui.ui.widgets.keys_footer import KeysFooter
from webitel_tui.ui.widgets.section_grid import GridColumn, SectionGrid

TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
NOT_AN_ADMIN = N_(
    "Only system administrators can see the change log: it holds the values of every record."
)
NO_CHANGES = N_("No changes are logged.")


def local_time(moment: datetime | None) -> str:
    """A logged moment (stored in UTC) in this computer's time zone, to the second."""
    return "" if moment is None else moment.astimezone().strftime(TIME_FORMAT)


def facts_text(facts: Sequence[tuple[str, str]]) -> Text:
    """Captions and values, a line each, the values aligned after the longest caption. The
    values are data: shown as typed, never obeyed (domain/display.py)."""
    width = max((cell_len(caption) for caption, _value in facts), default=0)
    lines = [
        caption + ":" + " " * (width - cell_len(caption) + 1) + visible(value)
        for caption, value in facts
    ]
    return Text("\n".join(lines))


def _who(entry: ChangeLogEntry) -> str:
    return entry.created_by_name or (_("System") if entry.created_by is None else "")


# Widths follow the grid's width (GridColumn): the moment and the operation keep theirs, the
# changes take most of what is left.
WHEN_COLUMN = GridColumn[ChangeLogEntry](
    "when", N_("When"), lambda e: local_time(e.created_on), 19, share=0
)
WHO_COLUMN = GridColumn[ChangeLogEntry]("who", N_("Who"), _who, 16, 10, sortable=False)
OBJECT_COLUMN = GridColumn[ChangeLogEntry](
    "object", N_("Object"), lambda e: e.entity_caption, 14, 10, sortable=False
)
RECORD_COLUMN = GridColumn[ChangeLogEntry](
    "record", N_("Record"), lambda e: e.record_caption, 16, 10, sortable=False
)
OPERATION_COLUMN = GridColumn[ChangeLogEntry](
    "operation", N_("Operation"), lambda e: e.operation_caption, 9, share=0, sortable=False
)
CHANGES_COLUMN = GridColumn[ChangeLogEntry](
    "changes", N_("Changes"), lambda e: e.changes(), 40, 20, share=4, sortable=False
)
CHANGE_LOG_COLUMNS = [
    WHEN_COLUMN,
    WHO_COLUMN,
    OBJECT_COLUMN,
    RECORD_COLUMN,
    OPERATION_COLUMN,
    CHANGES_COLUMN,
]


class ChangeLogSection(ForwardWorkerErrors, Vertical):
    """The section in the shell's main area: the log, filtered by record with `f`."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "f",
            "filter_record",
            "By record",
            id="change_log.filter_record",
            tooltip="Show only the history of the record under the cursor (again: all)",
        ),
        Binding("escape", "clear_filter", "All records", id="change_log.clear_filter"),
    ]

    def __init__(self, context: ShellContext) -> None:
        super().__init__(id="change-log-section", classes="section")
        self.context = context
        self.record: ChangeLogEntry | None = None
        """The entry whose record's history is shown (None: the whole log)."""

    @property
    def allowed(self) -> bool:
        return self.context.logged_in.is_admin

    def compose(self) -> ComposeResult:
        yield Label(_("Change log"), id="change-log-caption", classes="page-caption")
        if not self.allowed:
            yield Static(Text(_(NOT_AN_ADMIN)), id="change-log-refused")
            return
        yield SectionGrid(
            CHANGE_LOG_COLUMNS,
            self._fetch,
            sort="when",
            descending=True,
            empty_text=NO_CHANGES,
            profile="change_log",
            id="change-log-grid",
        )

    def on_mount(self) -> None:
        if self.allowed:
            self.grid.table.focus()

    @property
    def grid(self) -> SectionGrid[ChangeLogEntry]:
        return self.query_one("#change-log-grid", SectionGrid)

    async def _fetch(self, request: PageRequest) -> Page[ChangeLogEntry]:
        record = self.record
        async with self.context.unit_of_work() as uow:
            return await uow.change_log.page(
                request, record_id=None if record is None else record.record_id
            )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "filter_record":
            return self.allowed
        if action == "clear_filter":
            return self.record is not None
        return True

    def action_filter_record(self) -> None:
        if self.record is not None:
            self._show(None)
        elif self.allowed and (entry := self.grid.current) is not None:
            self._show(entry)

    def action_clear_filter(self) -> None:
        if self.record is not None:
            self._show(None)

    def _show(self, record: ChangeLogEntry | None) -> None:
        self.record = record
        caption = _("Change log")
        if record is not None:
            caption = tr("Change log: {0} {1}", record.entity_caption, record.record_caption)
        # The record's name is data: shown, never obeyed (domain/display.py).
        self.query_one("#change-log-caption", Label).update(Text(visible(caption)))
        self.refresh_bindings()
        self.grid.reload()
        self.grid.table.focus()

    @on(SectionGrid.Opened)
    def _open(self, event: SectionGrid.Opened) -> None:
        event.stop()
        self.app.push_screen(ChangeEntryDialog(event.record))


class ChangeEntryDialog(ScreenMixin, ModalScreen[None]):
    """One entry of the change log: when, who, what, and every old and new value."""

    DEFAULT_CSS: ClassVar[str] = """
    ChangeEntryDialog {
        align: center middle;
        & > .modal-body {
            width: 100;
            & > DataTable {
                height: auto;
                max-height: 14;
                background: $surface;
            }
        }
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", id="change_entry.close"),
    ]
    AUTO_FOCUS = "#change-values"

    def __init__(self, entry: ChangeLogEntry) -> None:
        super().__init__()
        self.entry = entry

    def compose(self) -> ComposeResult:
        entry = self.entry
        with Vertical(classes="modal-body") as body:
            body.border_title = _("Change log entry")
            body.border_subtitle = _("Esc to close")
            facts = [
                (_("When"), local_time(entry.created_on)),
                (_("Who"), _who(entry)),
                (_("Object"), entry.entity_caption),
                (_("Record"), entry.record_caption),
                (_("Operation"), entry.operation_caption),
            ]
            yield Static(facts_text(facts), id="change-facts", classes="dialog-message")
            yield DataTable[Text](cursor_type="row", id="change-values")
        yield KeysFooter()

    def on_mount(self) -> None:
        table = self.query_one("#change-values", DataTable)
        table.add_columns(_("Column"), _("Old value"), _("New value"))
        old, new = self.entry.old_values, self.entry.new_values
        for column in self.entry.columns:
            table.add_row(
                Text(visible(column)),
                Text(visible(_shown(old, column))),
                Text(visible(_shown(new, column))),
                height=None,
            )

    def action_close(self) -> None:
        self.dismiss(None)


def _shown(values: dict[str, Any], column: str) -> str:
    """A value of the entry; "" where the entry has none for the column (an added record
    has no old values, a deleted one no new ones)."""
    return value_text(values[column]) if column in values else ""
