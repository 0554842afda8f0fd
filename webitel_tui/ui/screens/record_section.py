"""A section of CRM records as Creatio shows one: the caption, the section list, New
(n / Insert), Delete (confirmed; with ticks, the ticked records, each on its own) and Enter
to open the record's page. Space ticks, ctrl+a ticks the whole list.

A section subclasses `RecordSection` with its caption, columns, fetch, page and delete; the
Contacts and Accounts sections are two of them.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import ClassVar, Generic, TypeVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Label

from webitel_tui.domain.display import visible
from webitel_tui.domain.errors import DomainError
from webitel_tui.domain.paging import Page, PageRequest, read_all
from webitel_tui.domain.records import AuditedRecord
from webitel_tui.i18n import N_, _, number, tr
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
        """Records were deleted from the section (some perhaps refused, each with why, by
        record name): the grid reloads."""

        deleted: int = 1
        refused: list[tuple[str, str]] = field(default_factory=list)

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
            self.columns(),
            self._fetch,
            sort=self.SORT,
            ticks=True,
            profile=self.id,
            id=f"{self.id}-grid",
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
        if self.grid.ticked_count:
            self._delete_ticked()
            return
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

    def _delete_ticked(self) -> None:
        grid = self.grid
        question = tr(DELETE_MANY_COUNT, number(grid.ticked_count))

        def answered(yes: bool | None) -> None:
            if yes:
                everything = grid.request if grid.all_ticked else None
                self._delete_many(list(grid.selected.values()), everything)

        self.app.push_screen(ConfirmDialog(question), answered)

    @work(exclusive=True, exit_on_error=False, group="section-delete", description="delete")
    async def _delete_many(self, records: list[R], everything: PageRequest | None) -> None:
        """Each record in a unit of work of its own: one refused (a contact of a CRM user,
        a record changed meanwhile) stops neither the others nor what was deleted."""
        if everything is not None:  # ctrl+a: the list as it is now, page by page
            records = await read_all(self._fetch, everything, most=MAX_DELETED, too_many=_too_many)
        deleted, refused = 0, []
        for record in records:
            try:
                async with self.context.unit_of_work() as uow:
                    await self.delete(uow, record)
            except DomainError as problem:
                refused.append((getattr(record, "name", str(record.id)), str(problem)))
            else:
                deleted += 1
        self.post_message(self.Deleted(deleted, refused))

    @on(Deleted)
    def _deleted(self, event: Deleted) -> None:
        event.stop()
        if event.refused or event.deleted > 1:
            lines = [tr("Deleted: {0}. Not deleted: {1}.", event.deleted, len(event.refused))]
            # Names and reasons are data: shown, never obeyed (domain/display.py).
            lines += [visible(f"{name}: {why}") for name, why in event.refused[:BANNER_LINES]]
            if len(event.refused) > BANNER_LINES:
                lines.append(tr("... and {0} more", len(event.refused) - BANNER_LINES))
            self.notify(
                "\n".join(lines),
                title=_("Delete"),
                severity="warning" if event.refused else "information",
                markup=False,
            )
            self.grid.clear_ticks()  # what was ticked is deleted, or said why not
        self.grid.reload()


MAX_DELETED = 5000
"""Records one Delete of ticked takes (ctrl+a over a longer list is refused, saying so)."""
BANNER_LINES = 3
"""Refused records listed by name after a Delete of ticked."""
DELETE_MANY_COUNT = N_("Delete the selected records ({0})?")


def _too_many(count: int) -> DomainError:
    return DomainError(
        tr(
            "One Delete takes up to {0} records; the list has {1}. Narrow it with a search.",
            number(MAX_DELETED),
            number(count),
        )
    )
