"""GetWebitelUsers in the TUI (M11): a Preview (dry run), then the run with progress and a
Cancel key, then the result: created, updated, linked, conflicts and errors."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Label, ProgressBar, Static

from webitel_tui.domain.display import visible, visible_lines
from webitel_tui.domain.errors import DomainError
from webitel_tui.domain.processes import ProcessStatus
from webitel_tui.i18n import N_, _, tr
from webitel_tui.processes.get_webitel_users import (
    ImportFailed,
    ImportProgress,
    ImportReport,
    run_import,
)
from webitel_tui.ui.screens.base import ScreenMixin, ShellContext
from webitel_tui.ui.widgets.keys_footer import KeysFooter
from webitel_tui.ui.widgets.title_bar import TitleBar

PREVIEW_HINT = N_("Preview: nothing has been written yet. Press ctrl+s to run, Esc to close.")
RUNNING_HINT = N_("Loading Webitel users… Esc cancels (what is done so far is kept).")
DETAIL_COLUMNS = (N_("Outcome"), N_("Webitel user name"), N_("Reason"))
REASON_MIN_WIDTH = 20


class ImportScreen(ScreenMixin, Screen[bool]):
    """Dismissed with True once a real run has written something (the section reloads)."""

    # The total is not known until the last page: no percentage, and the bar that fills the
    # row while the run goes is the theme's primary colour, not the error red.
    DEFAULT_CSS = """
    ImportScreen #import-progress Bar > .bar--indeterminate {
        color: $primary;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "run", "Run", id="import.run", priority=True),
        # One key, two meanings: the footer shows the one that applies (see check_action).
        Binding("escape", "cancel", "Cancel", id="import.cancel"),
        Binding("escape", "close", "Close", id="import.close"),
    ]

    @dataclass
    class Progressed(Message):
        progress: ImportProgress

    @dataclass
    class Finished(Message):
        report: ImportReport | None
        error: str = ""

    @property
    def stage(self) -> str:
        return self._stage

    @stage.setter
    def stage(self, value: str) -> None:
        self._stage = value
        self.refresh_bindings()  # the footer offers what this stage allows

    def __init__(self, context: ShellContext) -> None:
        super().__init__()
        self.context = context
        self.stage = "preview"
        self.report: ImportReport | None = None
        self.ran = False
        self._cancel = asyncio.Event()
        self._details: list[tuple[str, str, str]] = []

    def compose(self) -> ComposeResult:
        yield TitleBar(self.app.title, "GetWebitelUsers", id="title-bar")
        with Vertical(classes="page-body"):
            yield Label(_("Load Webitel users"), classes="page-caption")
            yield Static(id="import-state", classes="setting-row")
            yield ProgressBar(
                total=None, show_eta=False, show_percentage=False, id="import-progress"
            )
            yield Static(id="import-summary", classes="record-message")
            yield DataTable[Text](cursor_type="row", id="import-details")
        yield KeysFooter()

    def on_mount(self) -> None:
        self._fill_details()
        self._start(dry_run=True)

    # Running ---------------------------------------------------------------------------------

    def _start(self, *, dry_run: bool) -> None:
        self.stage = "preview" if dry_run else "running"
        self._cancel = asyncio.Event()
        self.query_one("#import-progress").display = True
        if not dry_run:  # the preview's rows are not what the run has done
            self._details = []
            self._fill_details()
        self._state(_("Preview…") if dry_run else _(RUNNING_HINT))
        self._run(dry_run)

    @work(exclusive=True, exit_on_error=False, group="import", description="GetWebitelUsers")
    async def _run(self, dry_run: bool) -> None:
        try:
            report = await run_import(
                self.context.db,
                self.context.logged_in.actor,
                self.context.webitel(),
                dry_run=dry_run,
                progress=self._report_progress,
                cancel=self._cancel,
            )
        except ImportFailed as exc:
            self.post_message(self.Finished(exc.report, str(exc)))
        except DomainError as exc:
            self.post_message(self.Finished(None, str(exc)))
        else:
            self.post_message(self.Finished(report))

    def _report_progress(self, progress: ImportProgress) -> None:
        self.post_message(self.Progressed(progress))

    @on(Progressed)
    def _progressed(self, event: Progressed) -> None:
        event.stop()
        progress = event.progress
        self.query_one("#import-progress", ProgressBar).advance(1)
        self.query_one("#import-summary", Static).update(
            Text(
                tr(
                    "{0} processed: {1} created, {2} updated, {3} linked, {4} conflicts",
                    progress.processed,
                    progress.created,
                    progress.updated,
                    progress.linked,
                    progress.conflicts,
                )
            )
        )
        self.query_one("#import-summary").display = True

    @on(Finished)
    def _finished(self, event: Finished) -> None:
        event.stop()
        self.query_one("#import-progress").display = False
        self.report = event.report
        summary = self.query_one("#import-summary", Static)
        summary.set_class(bool(event.error), "-error")
        if event.report is not None:
            self._show_details(event.report)
            text = event.report.summary()
            if event.error:
                text = f"{event.error} {text}"
            summary.update(Text(visible_lines(text)))
        else:
            summary.update(Text(visible_lines(event.error)))  # it may quote the server
        summary.display = True
        if self.stage == "preview" and not event.error:
            self.stage = "previewed"
            self._state(_(PREVIEW_HINT))
        else:
            cancelled = event.report is not None and event.report.status is ProcessStatus.CANCELLED
            self.ran = self.ran or (event.report is not None and not event.report.dry_run)
            self.stage = "done"
            self._state(_("Cancelled.") if cancelled else _("Result"))

    def _show_details(self, report: ImportReport) -> None:
        self._details = [
            *((_("Conflict"), c.name, c.reason) for c in report.conflicts),
            *((_("Error"), e, "") for e in report.errors),
            *((_("Created"), name, "") for name in report.created),
            *((_("Linked"), name, "") for name in report.linked),
            *((_("Updated"), name, "") for name in report.updated),
            *((_("Deleted on the server"), name, "") for name in report.deleted_on_server),
        ]
        self._fill_details()

    def _fill_details(self) -> None:
        """The rows, with the Reason column as wide as the table leaves it and long reasons
        wrapped onto more lines (a conflict's reason says what to resolve: none is cut off)."""
        table = self.query_one("#import-details", DataTable)
        row = table.cursor_row
        table.clear(columns=True)
        header = tuple(_(caption) for caption in DETAIL_COLUMNS)
        # The names (and the values a reason quotes) are the server's: shown, never obeyed.
        details = [tuple(visible(cell) for cell in detail) for detail in self._details]
        widths = [max(map(cell_len, cells)) for cells in zip(header, *details, strict=True)]
        room = (
            table.size.width
            - table.styles.scrollbar_size_vertical
            - widths[0]
            - widths[1]
            - 2 * table.cell_padding * len(widths)
        )
        table.add_column(header[0])
        table.add_column(header[1])
        table.add_column(header[2], width=max(REASON_MIN_WIDTH, min(widths[2], room)))
        for outcome, name, reason in details:
            table.add_row(Text(outcome), Text(name), Text(reason), height=None)
        if self._details:
            table.move_cursor(row=min(row, len(self._details) - 1))

    def on_resize(self, event: events.Resize) -> None:
        self.call_after_refresh(self._fill_details)

    def _state(self, text: str) -> None:
        self.query_one("#import-state", Static).update(Text(text))

    # Keys ------------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "run":
            return self.stage in ("previewed", "done")
        if action == "cancel":
            return self.stage == "running"
        if action == "close":
            return self.stage != "running"
        return True

    def action_run(self) -> None:
        if self.stage in ("previewed", "done"):
            self._start(dry_run=False)

    def action_cancel(self) -> None:
        self._cancel.set()  # the run stops once the page in hand is saved; its work is kept

    def action_close(self) -> None:
        self.dismiss(self.ran)
