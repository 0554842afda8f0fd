"""The "History" detail of a card: the change log of one record, newest first.

A read-only grid (When / Who / Operation / Changes) paged from SQL like a section list, by the
(RecordId, CreatedOn) index; Enter opens an entry with every old and new value.
"""

from __future__ import annotations

import uuid
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical

from webitel_tui.domain.changelog import ChangeLogEntry
from webitel_tui.domain.paging import Page, PageRequest
from webitel_tui.i18n import N_
from webitel_tui.ui.screens.base import ShellContext
from webitel_tui.ui.screens.change_log import (
    CHANGES_COLUMN,
    OPERATION_COLUMN,
    WHEN_COLUMN,
    WHO_COLUMN,
    ChangeEntryDialog,
)
from webitel_tui.ui.widgets.section_grid import SectionGrid

NO_HISTORY = N_("No changes of this record are logged.")


class HistoryGrid(SectionGrid[ChangeLogEntry]):
    """A section grid without quick search: a record's history is read by time only."""

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "search":
            return False
        return super().check_action(action, parameters)


class HistoryDetail(Vertical):
    """The change log of the record `record_id` for a card's "History" tab.

    `context` gives the database and who is acting; `record_id` None (a card of a record
    not saved yet) shows no entries until `show_record` names the saved record. `reload()`
    reads the history again (after the card saved a change). Enter on an entry opens it.
    """

    DEFAULT_CSS: ClassVar[str] = """
    HistoryDetail {
        height: 1fr;
        min-height: 6;
        & > .section-grid > .grid-search {
            display: none;
        }
    }
    """

    def __init__(
        self,
        context: ShellContext,
        record_id: uuid.UUID | None,
        *,
        id: str | None = "history-detail",  # noqa: A002 (Textual's name)
    ) -> None:
        super().__init__(id=id, classes="history-detail")
        self.context = context
        self.record_id = record_id

    def compose(self) -> ComposeResult:
        yield HistoryGrid(
            [WHEN_COLUMN, WHO_COLUMN, OPERATION_COLUMN, CHANGES_COLUMN],
            self._fetch,
            sort="when",
            descending=True,
            empty_text=NO_HISTORY,
            profile="history",
            id="history-grid",
        )

    @property
    def grid(self) -> HistoryGrid:
        return self.query_one("#history-grid", HistoryGrid)

    def reload(self) -> None:
        """Read the record's history again, from its newest entry."""
        self.grid.reload()

    def show_record(self, record_id: uuid.UUID) -> None:
        """Show the history of `record_id` (a new record, once saved)."""
        self.record_id = record_id
        self.reload()

    async def _fetch(self, request: PageRequest) -> Page[ChangeLogEntry]:
        if self.record_id is None:
            return Page[ChangeLogEntry](items=[], total=0)
        async with self.context.unit_of_work() as uow:
            return await uow.change_log.page(request, record_id=self.record_id)

    @on(SectionGrid.Opened)
    def _open(self, event: SectionGrid.Opened) -> None:
        event.stop()  # the card's own grids are not concerned
        self.app.push_screen(ChangeEntryDialog(event.record))
