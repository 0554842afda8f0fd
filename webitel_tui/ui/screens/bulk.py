"""A bulk action of the Webitel users section: the preview of what each ticked user will get
(and who the server will refuse), then the run user by user with Esc to stop between two,
then what happened to each (processes/bulk.py does the work; this screen shows it)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Static

from webitel_tui.domain.display import visible, visible_lines
from webitel_tui.domain.errors import DomainError
from webitel_tui.domain.paging import PageRequest
from webitel_tui.domain.webitel_users import WebitelUser
from webitel_tui.i18n import N_, _, number
from webitel_tui.processes import bulk
from webitel_tui.processes.bulk import BulkAction, BulkLine, BulkPlan, Outcome
from webitel_tui.ui.screens.base import ScreenMixin, ShellContext
from webitel_tui.ui.widgets.keys_footer import KeysFooter
from webitel_tui.ui.widgets.title_bar import TitleBar

PLANNING = N_("Reading what each user has…")
PREVIEW_HINT = N_("Preview: nothing has been changed yet. ctrl+s runs it, Esc closes.")
RUNNING_HINT = N_("Running… Esc stops after the user in hand (those done are kept).")
DONE_HINT = N_("Done. Esc closes.")
COLUMNS = (N_("Webitel user name"), N_("Outcome"), N_("Details"))


class BulkScreen(ScreenMixin, Screen[bool]):
    """Dismissed with True once the run changed someone or left one for Reconcile (the
    section reloads)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "run", "Run", id="bulk.run", priority=True),
        # One key, two meanings: the footer shows the one that applies (check_action).
        Binding("escape", "cancel", "Stop", id="bulk.cancel"),
        Binding("escape", "close", "Close", id="bulk.close"),
    ]

    @dataclass
    class Planned(Message):
        plan: BulkPlan

    @dataclass
    class Progressed(Message):
        line: BulkLine

    @dataclass
    class Finished(Message):
        lines: list[BulkLine]

    @dataclass
    class Failed(Message):
        message: str

    def __init__(
        self,
        context: ShellContext,
        action: BulkAction,
        records: list[WebitelUser] | None = None,
        request: PageRequest | None = None,
    ) -> None:
        """`records`: the ticked ones; else every record `request` finds (ctrl+a)."""
        super().__init__()
        self.context = context
        self.action = action
        self._records = records
        self._request = request
        self.plan: BulkPlan | None = None
        self.stage = "planning"
        """planning, previewed, running, done (or failed)."""
        self._stop = False
        self.changed_any = False

    def compose(self) -> ComposeResult:
        yield TitleBar(self.app.title, self.action.caption, id="title-bar")
        with Vertical(classes="page-body"):
            yield Static(Text(visible(self.action.caption)), classes="page-caption")
            yield Static(Text(_(PLANNING)), id="bulk-hint", classes="setting-row")
            yield Static(id="bulk-summary", classes="setting-row")
            yield DataTable[Text](cursor_type="row", zebra_stripes=True, id="bulk-lines")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.query_one("#bulk-lines", DataTable).add_columns(*(_(c) for c in COLUMNS))
        self._plan()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "run":
            return self.stage == "previewed"
        if action == "cancel":
            return self.stage == "running"
        if action == "close":
            return self.stage != "running"
        return True

    # Workers: they post what they found; the handlers show it ---------------------------------

    @work(exclusive=True, exit_on_error=False, group="bulk", description="bulk preview")
    async def _plan(self) -> None:
        db, actor = self.context.db, self.context.logged_in.actor
        try:
            records = self._records
            if records is None:
                records = await bulk.records_of(db, actor, self._request or PageRequest())
            planned = await bulk.plan(db, actor, self.context.webitel(), self.action, records)
        except DomainError as exc:
            self.post_message(self.Failed(str(exc)))
            return
        self.post_message(self.Planned(planned))

    @work(exclusive=True, exit_on_error=False, group="bulk", description="bulk run")
    async def _run(self, planned: BulkPlan) -> None:
        def heard(line: BulkLine) -> None:
            self.post_message(self.Progressed(line))

        lines = await bulk.carry_out(
            self.context.db,
            self.context.logged_in.actor,
            self.context.webitel(),
            planned,
            on_line=heard,
            cancelled=lambda: self._stop,
        )
        self.post_message(self.Finished(lines))

    @on(Planned)
    def _planned(self, event: Planned) -> None:
        self.plan = event.plan
        self.stage = "previewed"
        table = self.query_one("#bulk-lines", DataTable)
        for line in event.plan.lines:
            table.add_row(*self._cells(line), key=str(line.id))
        self._summarise(event.plan.lines, notes=event.plan.notes)
        self._hint(PREVIEW_HINT)
        table.focus()
        self.refresh_bindings()

    @on(Progressed)
    def _progressed(self, event: Progressed) -> None:
        line = event.line
        # In doubt too: the section reloads to show the record's reconcile marker.
        self.changed_any |= line.outcome in (Outcome.CHANGED, Outcome.IN_DOUBT)
        table = self.query_one("#bulk-lines", DataTable)
        key = str(line.id)
        for column, cell in zip(table.columns, self._cells(line), strict=True):
            table.update_cell(key, column, cell)

    @on(Finished)
    def _finished(self, event: Finished) -> None:
        self.stage = "done"
        self._summarise(event.lines, notes=[])
        self._hint(DONE_HINT)
        self.refresh_bindings()

    @on(Failed)
    def _failed(self, event: Failed) -> None:
        self.stage = "failed"
        label = self.query_one("#bulk-hint", Static)
        label.update(Text(visible_lines(event.message)))
        label.add_class("-error")
        self.refresh_bindings()

    # Keys ----------------------------------------------------------------------------------

    def action_run(self) -> None:
        if self.stage != "previewed" or self.plan is None:
            return
        self.stage = "running"
        self._hint(RUNNING_HINT)
        self.refresh_bindings()
        self._run(self.plan)

    def action_cancel(self) -> None:
        self._stop = True

    def action_close(self) -> None:
        if self.stage != "running":
            self.dismiss(self.changed_any)

    # Showing ---------------------------------------------------------------------------------

    @staticmethod
    def _cells(line: BulkLine) -> list[Text]:
        outcome = Text(_(bulk.OUTCOME_CAPTIONS[line.outcome]))
        if line.outcome in (Outcome.REFUSED, Outcome.IN_DOUBT):
            outcome.stylize("bold")  # told apart by shape too, not only colour
        return [Text(visible(line.record.name)), outcome, Text(visible(line.detail))]

    def _summarise(self, lines: list[BulkLine], *, notes: list[str]) -> None:
        counts = [
            f"{number(count)} {_(bulk.OUTCOME_CAPTIONS[outcome]).lower()}"
            for outcome in Outcome
            if (count := sum(1 for line in lines if line.outcome is outcome))
        ]
        text = ", ".join(counts)
        if notes:
            text = "\n".join([*notes, text])
        self.query_one("#bulk-summary", Static).update(Text(visible_lines(text)))

    def _hint(self, hint: str) -> None:
        self.query_one("#bulk-hint", Static).update(Text(_(hint)))
