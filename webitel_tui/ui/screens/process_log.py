"""The "Process log" section: the runs of the business processes, newest first, with their
outcome and counts, and a read-only page with a run's report (Enter).

What a run keeps is what its process recorded at the end (processes/get_webitel_users.py):
the status, how many users each outcome counted, and a message (the summary, or why it
stopped).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Label, Static

from webitel_tui.domain.display import visible, visible_lines
from webitel_tui.domain.paging import Page, PageRequest
from webitel_tui.domain.processes import ProcessRun, ProcessStatus
from webitel_tui.i18n import N_, _, number
from webitel_tui.ui.screens.base import ForwardWorkerErrors, ScreenMixin, ShellContext
from webitel_tui.ui.screens.change_log import facts_text, local_time
from webitel_tui.ui.widgets.keys_footer import KeysFooter
from webitel_tui.ui.widgets.section_grid import GridColumn, SectionGrid
from webitel_tui.ui.widgets.title_bar import TitleBar

NO_RUNS = N_("No process has been run yet.")

STATUS_CAPTIONS = {
    ProcessStatus.RUNNING: N_("Running"),
    ProcessStatus.COMPLETED: N_("Completed"),
    ProcessStatus.FAILED: N_("Failed"),
    ProcessStatus.CANCELLED: N_("Cancelled"),
    ProcessStatus.INTERRUPTED: N_("Interrupted"),
}

COUNT_CAPTIONS = {
    "created": N_("Created"),
    "updated": N_("Updated"),
    "linked": N_("Linked"),
    "unchanged": N_("Unchanged"),
    "conflicts": N_("Conflicts"),
    "deleted_on_server": N_("Deleted on the server"),
    "unlinked": N_("Unlinked"),
    "skipped": N_("Skipped"),
    "errors": N_("Errors"),
}
"""The counts GetWebitelUsers records (ImportReport.counts), in the order a report lists
them; a count of another name shows under its own name."""


def status_caption(run: ProcessRun) -> str:
    return _(STATUS_CAPTIONS[run.status])


def _count(key: str) -> GridColumn[ProcessRun]:
    """A column of one recorded count (empty for a run that did not record it)."""

    def shown(run: ProcessRun) -> str:
        value = run.counts.get(key)
        return number(value) if isinstance(value, int) else ""

    return GridColumn[ProcessRun](key, COUNT_CAPTIONS[key], shown, 7, share=0, sortable=False)


# Widths follow the grid's width (GridColumn): moments, statuses and counts keep theirs.
RUN_COLUMNS = [
    GridColumn[ProcessRun](
        "process", N_("Process"), lambda r: r.process_caption, 16, 12, sortable=False
    ),
    GridColumn[ProcessRun](
        "started", N_("Started"), lambda r: local_time(r.started_on), 19, share=0
    ),
    GridColumn[ProcessRun](
        "finished",
        N_("Finished"),
        lambda r: local_time(r.completed_on),
        19,
        share=0,
        sortable=False,
    ),
    GridColumn[ProcessRun]("status", N_("Status"), status_caption, 11, share=0, sortable=False),
    _count("created"),
    _count("updated"),
    _count("conflicts"),
    _count("errors"),
    GridColumn[ProcessRun](
        "started_by", N_("Started by"), lambda r: r.started_by_name, 16, 10, sortable=False
    ),
]


class ProcessLogSection(ForwardWorkerErrors, Vertical):
    """The section in the shell's main area: the runs, searched by process (`/`)."""

    def __init__(self, context: ShellContext) -> None:
        super().__init__(id="process-log-section", classes="section")
        self.context = context

    def compose(self) -> ComposeResult:
        yield Label(_("Process log"), classes="page-caption")
        yield SectionGrid(
            RUN_COLUMNS,
            self._fetch,
            sort="started",
            descending=True,
            empty_text=NO_RUNS,
            profile="process_log",
            id="process-log-grid",
        )

    def on_mount(self) -> None:
        self.grid.table.focus()

    @property
    def grid(self) -> SectionGrid[ProcessRun]:
        return self.query_one("#process-log-grid", SectionGrid)

    async def _fetch(self, request: PageRequest) -> Page[ProcessRun]:
        async with self.context.unit_of_work() as uow:
            return await uow.processes.page_runs(request)

    @on(SectionGrid.Opened)
    def _open(self, event: SectionGrid.Opened) -> None:
        event.stop()
        run: ProcessRun = event.record
        self.app.push_screen(ProcessRunPage(self.context, run.id))


class ProcessRunPage(ScreenMixin, Screen[None]):
    """A run's page, read-only: what, when, who, the outcome and the report's counts. F5
    reads it again (a run still going)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", id="process_run.close"),
        Binding("f5", "reload", "Refresh", id="process_run.reload", tooltip="Read the run again"),
    ]
    AUTO_FOCUS = "#run-body"

    @dataclass
    class Loaded(Message):
        run: ProcessRun

    def __init__(self, context: ShellContext, run_id: uuid.UUID) -> None:
        super().__init__()
        self.context = context
        self.run_id = run_id
        self.run: ProcessRun | None = None

    def compose(self) -> ComposeResult:
        yield TitleBar(self.app.title, _("Process log"), id="title-bar")
        # The page scrolls as one (arrows, PgUp/PgDn): nothing on it is edited or chosen.
        with VerticalScroll(id="run-body", classes="page-body record-page"):
            yield Static(Text(_("Process run")), classes="page-caption", id="run-caption")
            yield Static(Text(""), id="run-facts", classes="setting-row")
            yield Static(Text(""), id="run-message", classes="setting-row")
            yield Static(Text(_("Report")), classes="detail-caption")
            counts = DataTable[Text](cursor_type="none", id="run-counts")
            counts.can_focus = False
            yield counts
        yield KeysFooter()

    def on_mount(self) -> None:
        self.query_one("#run-counts", DataTable).add_columns(_("Outcome"), _("Users"))
        self._load()

    def action_reload(self) -> None:
        self._load()

    def action_close(self) -> None:
        self.dismiss(None)

    @work(exclusive=True, exit_on_error=False, group="process-run", description="load run")
    async def _load(self) -> None:
        async with self.context.unit_of_work() as uow:
            run = await uow.processes.get_run(self.run_id)
        self.post_message(self.Loaded(run))

    @on(Loaded)
    def _loaded(self, event: Loaded) -> None:
        event.stop()
        run = self.run = event.run
        owner = "" if run.owner is None else f"{run.owner.host} ({run.owner.pid})"
        facts = [
            (_("Process"), run.process_caption),
            (_("Status"), status_caption(run)),
            (_("Started"), local_time(run.started_on)),
            (_("Finished"), local_time(run.completed_on)),
            (_("Started by"), run.started_by_name),
            (_("Run by"), owner),
        ]
        self.query_one("#run-facts", Static).update(facts_text(facts))
        message = self.query_one("#run-message", Static)
        message.update(Text(visible_lines(run.message)))
        message.display = bool(run.message)
        known = [key for key in COUNT_CAPTIONS if key in run.counts]
        others = sorted(key for key in run.counts if key not in COUNT_CAPTIONS)
        table = self.query_one("#run-counts", DataTable)
        table.clear()
        for key in [*known, *others]:
            caption = _(COUNT_CAPTIONS[key]) if key in COUNT_CAPTIONS else key
            value = run.counts[key]
            shown = number(value) if isinstance(value, int) else str(value)
            table.add_row(Text(visible(caption)), Text(visible(shown)), key=key)
