"""A section of CRM records as Creatio shows one: the caption, the section list, New
(n / Insert), Delete (confirmed) and Enter to open the record's page.

A section subclasses `RecordSection` with its caption, columns, fetch, page and delete; the
Contacts and Accounts sections are two of them.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar, Generic, TypeVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Label

from webitel_tui.domain.paging import Page, PageRequest
from webitel_tui.domain.records import AuditedRecord
from webitel_tui.i18n import _
from webitel_tui.repositories import UnitOfWork
from webitel_tui.ui.screens.base import ForwardWorkerErrors, ShellContext
from webitel_tui.ui.screens.dialogs import DELETE_ONE, ConfirmDialog
from webitel_tui.ui.screens.record_page import RecordPage
from webitel_tui.ui.widgets.section_grid import GridColumn, SectionGrid

R = TypeVar("R", bound=AuditedRecord)


class RecordSection(ForwardWorkerErrors, Vertical, Generic[R]):
    """The section in the shell's main area; the page it opens reloads it when it saved."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n,insert", "new", "New", id="section.new"),
        Binding("delete", "delete", "Delete", id="section.delete"),
    ]
    CAPTION: ClassVar[str]
    """English, marked for translation."""
    SORT: ClassVar[str] = "name"

    @dataclass
    class Deleted(Message):
        """A record was deleted from the section: the grid reloads."""

    def __init__(self, context: ShellContext, *, id: str) -> None:  # noqa: A002 (Textual's name)
        super().__init__(id=id, classes="section")
        self.context = context

    # What a section provides -----------------------------------------------------------------

    def columns(self) -> Sequence[GridColumn[R]]:
        raise NotImplementedError

    async def fetch(self, uow: UnitOfWork, request: PageRequest) -> Page[R]:
        raise NotImplementedError

    def page(self, record_id: uuid.UUID | None) -> RecordPage:
        """The record's page (None: a new record's)."""
        raise NotImplementedError

    async def delete(self, uow: UnitOfWork, record: R) -> None:
        """Delete the record; raise DomainError to refuse (the app shows why)."""
        raise NotImplementedError

    # The section -----------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Label(_(self.CAPTION), classes="page-caption")
        yield SectionGrid(
            self.columns(), self._fetch, sort=self.SORT, profile=self.id, id=f"{self.id}-grid"
        )

    @property
    def grid(self) -> SectionGrid[R]:
        return self.query_one(SectionGrid)

    async def _fetch(self, request: PageRequest) -> Page[R]:
        async with self.context.unit_of_work() as uow:
            return await self.fetch(uow, request)

    def on_mount(self) -> None:
        self.grid.table.focus()

    def action_new(self) -> None:
        self.app.push_screen(self.page(None), self._page_closed)

    @on(SectionGrid.Opened)
    def _open(self, event: SectionGrid.Opened) -> None:
        event.stop()
        record: R = event.record
        self.app.push_screen(self.page(record.id), self._page_closed)

    def _page_closed(self, saved: bool | None) -> None:
        if saved:
            self.grid.reload()

    def action_delete(self) -> None:
        record = self.grid.current
        if record is None:
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self._delete(record)

        self.app.push_screen(ConfirmDialog(DELETE_ONE), answered)

    @work(exclusive=True, exit_on_error=False, group="section-delete", description="delete")
    async def _delete(self, record: R) -> None:
        async with self.context.unit_of_work() as uow:
            await self.delete(uow, record)
        self.post_message(self.Deleted())

    @on(Deleted)
    def _deleted(self, event: Deleted) -> None:
        event.stop()
        self.grid.reload()
