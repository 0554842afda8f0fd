"""Import from CSV (Webitel users > Actions): the file, a preview of what each row would do,
then the run with progress and Esc to stop between rows, and the report row by row.

The work is `processes.csv_import`'s; its worker posts typed messages, and only their
handlers touch the widgets. The preview lists the rows that would change something or are
refused; the unchanged rows are counted in the summary (a rerun of a whole export lists
nothing).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Input, Label, ProgressBar, Static

from webitel_tui.domain.display import visible, visible_lines
from webitel_tui.domain.errors import DomainError
from webitel_tui.domain.processes import ProcessStatus
from webitel_tui.i18n import N_, _, tr
from webitel_tui.processes.csv_import import (
    CsvImportProgress,
    CsvImportReport,
    Outcome,
    RowOutcome,
    read_import_file,
    run_csv_import,
)
from webitel_tui.processes.export import default_export_path
from webitel_tui.ui.screens.base import ScreenMixin, ShellContext
from webitel_tui.ui.widgets.data_input import DataInput
from webitel_tui.ui.widgets.keys_footer import KeysFooter
from webitel_tui.ui.widgets.title_bar import TitleBar

FILE_HINT = N_("Enter the CSV file to import (as Export to CSV writes it), then Enter.")
PREVIEW_HINT = N_("Preview: nothing has been changed yet. F5 or ctrl+s runs it, Esc closes.")
RUNNING_HINT = N_("Importing… Esc stops after the row in hand (the rows done are kept).")
COLUMNS = (N_("Row"), N_("Webitel user name"), N_("Outcome"), N_("Details"))
DETAILS_MIN_WIDTH = 20


class CsvImportScreen(ScreenMixin, Screen[bool]):
    """Dismissed with True once a run has changed something (the section reloads)."""

    AUTO_FOCUS = "#csv-import-path"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f5,ctrl+s", "run", "Run", id="csv_import.run", priority=True),
        # One key, two meanings: the footer shows the one that applies (see check_action).
        Binding("escape", "cancel", "Cancel", id="csv_import.cancel"),
        Binding("escape", "close", "Close", id="csv_import.close"),
    ]

    @dataclass
    class Progressed(Message):
        progress: CsvImportProgress

    @dataclass
    class Finished(Message):
        report: CsvImportReport | None
        error: str = ""

    def __init__(self, context: ShellContext, path: str = "") -> None:
        super().__init__()
        self.context = context
        self._stage = "file"
        self.report: CsvImportReport | None = None
        self.ran = False
        self.listed: list[RowOutcome] = []
        """The rows the grid shows (all but the unchanged ones)."""
        self._cancel = asyncio.Event()
        self._path = path or str(default_export_path(datetime.now()).parent) + "/"

    @property
    def stage(self) -> str:
        """file -> previewing -> previewed -> running -> done (a file error: back to file)."""
        return self._stage

    @stage.setter
    def stage(self, value: str) -> None:
        self._stage = value
        self.refresh_bindings()

    def compose(self) -> ComposeResult:
        yield TitleBar(self.app.title, _("Import from CSV"), id="title-bar")
        with Vertical(classes="page-body"):
            yield Label(_("Import from CSV"), classes="page-caption")
            yield Label(_("File"), classes="save-as-caption")
            yield DataInput(self._path, id="csv-import-path", select_on_focus=False)
            yield Static(id="csv-import-state", classes="setting-row")
            yield ProgressBar(show_eta=False, id="csv-import-progress")
            yield Static(id="csv-import-summary", classes="record-message")
            yield DataTable[Text](cursor_type="row", id="csv-import-rows")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.query_one("#csv-import-progress").display = False
        self.query_one("#csv-import-summary").display = False
        self._state(_(FILE_HINT))
        self._fill_rows()

    # Running ---------------------------------------------------------------------------------

    @on(Input.Submitted, "#csv-import-path")
    def _file_given(self, event: Input.Submitted) -> None:
        event.stop()
        if self.stage in ("file", "previewed", "done"):
            self._start(dry_run=True)

    def _start(self, *, dry_run: bool) -> None:
        self.stage = "previewing" if dry_run else "running"
        self._cancel = asyncio.Event()
        self.listed = []
        self.query_one("#csv-import-rows", DataTable).clear()
        bar = self.query_one("#csv-import-progress", ProgressBar)
        bar.update(total=None, progress=0)
        bar.display = True
        self._state(_("Preview…") if dry_run else _(RUNNING_HINT))
        if not dry_run:
            self.query_one("#csv-import-rows").focus()
        self._run(self.query_one("#csv-import-path", Input).value, dry_run)

    @work(exclusive=True, exit_on_error=False, group="csv-import", description="CSV import")
    async def _run(self, typed: str, dry_run: bool) -> None:
        try:
            parsed = await asyncio.to_thread(read_import_file, typed)
            report = await run_csv_import(
                self.context.db,
                self.context.logged_in.actor,
                self.context.webitel(),
                parsed,
                dry_run=dry_run,
                progress=self._report_progress,
                cancel=self._cancel,
            )
        except DomainError as exc:
            self.post_message(self.Finished(None, str(exc)))
        else:
            self.post_message(self.Finished(report))

    def _report_progress(self, progress: CsvImportProgress) -> None:
        self.post_message(self.Progressed(progress))

    @on(Progressed)
    def _progressed(self, event: Progressed) -> None:
        event.stop()
        progress = event.progress
        self.query_one("#csv-import-progress", ProgressBar).update(
            total=progress.total, progress=progress.done
        )
        if progress.last.outcome is not Outcome.UNCHANGED:
            self._add_row(progress.last)

    def _add_row(self, row: RowOutcome) -> None:
        self.listed.append(row)
        self._show_row(self.query_one("#csv-import-rows", DataTable), row)

    @staticmethod
    def _show_row(table: DataTable[Text], row: RowOutcome) -> None:
        # The names and reasons quote the file and the server: shown, never obeyed.
        cells = (str(row.row), visible(row.name), row.caption, visible(row.details))
        table.add_row(*(Text(cell) for cell in cells), height=None)

    def _fill_rows(self) -> None:
        """All the listed rows, the Details column as wide as the table leaves it and long
        details wrapped onto more lines (a reason says what to fix: none is cut off)."""
        table = self.query_one("#csv-import-rows", DataTable)
        header = [_(caption) for caption in COLUMNS]
        shown = [(str(r.row), visible(r.name), r.caption) for r in self.listed]
        widths = [max(map(cell_len, cells)) for cells in zip(*[header[:3], *shown], strict=True)]
        room = (
            table.size.width
            - table.styles.scrollbar_size_vertical
            - sum(widths)
            - 2 * table.cell_padding * len(header)
        )
        cursor = table.cursor_row
        table.clear(columns=True)
        for caption in header[:3]:
            table.add_column(caption)
        table.add_column(header[3], width=max(DETAILS_MIN_WIDTH, room))
        for row in self.listed:
            self._show_row(table, row)
        if self.listed:
            table.move_cursor(row=min(cursor, len(self.listed) - 1))

    def on_resize(self, event: events.Resize) -> None:
        if self.stage not in ("previewing", "running"):
            self.call_after_refresh(self._fill_rows)

    @on(Finished)
    def _finished(self, event: Finished) -> None:
        event.stop()
        self.query_one("#csv-import-progress").display = False
        summary = self.query_one("#csv-import-summary", Static)
        summary.set_class(bool(event.error) or not (event.report and event.report.ok), "-error")
        summary.display = True
        report = self.report = event.report
        if report is None:  # the file could not be read, or the run could not start
            summary.update(Text(visible_lines(event.error)))
            self.stage = "file"
            self._state(_(FILE_HINT))
            self.query_one("#csv-import-path").focus()
            return
        lines = [report.summary()]
        if report.ignored_columns:
            lines.append(tr("Columns not imported: {0}", ", ".join(report.ignored_columns)))
        summary.update(Text(visible_lines("\n".join(lines))))
        self.call_after_refresh(self._fill_rows)
        if report.dry_run:
            self.stage = "previewed"
            self._state(_(PREVIEW_HINT))
            return
        self.ran = self.ran or any(row.outcome is not Outcome.UNCHANGED for row in report.rows)
        self.stage = "done"
        cancelled = report.status is ProcessStatus.CANCELLED
        self._state(_("Cancelled.") if cancelled else _("Result"))

    def _state(self, text: str) -> None:
        self.query_one("#csv-import-state", Static).update(Text(text))

    # Keys ------------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "run":
            return self.stage == "previewed"
        if action == "cancel":
            return self.stage == "running"
        if action == "close":
            return self.stage != "running"
        return True

    def action_run(self) -> None:
        if self.stage == "previewed":
            self._start(dry_run=False)

    def action_cancel(self) -> None:
        self._cancel.set()  # the run stops between two rows; what is done is kept

    def action_close(self) -> None:
        self.dismiss(self.ran)
