"""Workplace setup (M1): the workplaces in switcher order, and a workplace's Sections detail."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import DataTable, Input, Label, Static

from webitel_tui.domain.paging import Page, PageRequest
from webitel_tui.domain.workplaces import Section, SectionInWorkplace, Workplace
from webitel_tui.i18n import N_, _, tr
from webitel_tui.repositories import UnitOfWork
from webitel_tui.ui.screens.base import ShellContext
from webitel_tui.ui.screens.designer_page import DesignerPage, require_admin
from webitel_tui.ui.screens.dialogs import DELETE_ONE, ConfirmDialog
from webitel_tui.ui.screens.lookup import LookupDialog
from webitel_tui.ui.screens.record_page import RecordPage
from webitel_tui.ui.seeded import section_caption, shown_section_captions, workplace_name
from webitel_tui.ui.widgets.data_input import DataInput
from webitel_tui.ui.widgets.detail_grid import DetailGrid, Row
from webitel_tui.ui.widgets.section_grid import GridColumn

Change = Callable[[UnitOfWork], Awaitable[object]]
"""One change of the workplace page, run in its own unit of work."""

# Kept off the footer (it must fit 80 columns); F1 and the palette list them.
MOVE_UP = Binding("shift+up,u", "move(-1)", "Up", id="order.up", tooltip="Move up", show=False)
MOVE_DOWN = Binding(
    "shift+down,d", "move(1)", "Down", id="order.down", tooltip="Move down", show=False
)


class WorkplaceSetupScreen(DesignerPage):
    CAPTION = N_("Workplace setup")
    AUTO_FOCUS = "#workplaces"
    BINDINGS: ClassVar[list[BindingType]] = [
        MOVE_UP,
        MOVE_DOWN,
        Binding("escape", "close", "Close", id="workplaces.close"),
    ]
    HELP_KEYS: ClassVar[list[tuple[str, str]]] = [("Enter", N_("Open the workplace"))]

    @dataclass
    class Loaded(Message):
        workplaces: list[Workplace]
        keep: str | None

    def __init__(self, context: ShellContext) -> None:
        super().__init__(context)
        self.workplaces: list[Workplace] = []

    def body(self) -> ComposeResult:
        yield DetailGrid(_("Name"), id="workplaces", add=None, delete=None)

    @property
    def table(self) -> DetailGrid:
        return self.query_one("#workplaces", DetailGrid)

    def on_screen_resume(self) -> None:
        self._load(None, self.table.current_key)

    @work(exclusive=True, exit_on_error=False, group="workplaces", description="workplaces")
    async def _load(self, move: tuple[uuid.UUID, int] | None, keep: str | None) -> None:
        async with self.context.unit_of_work() as uow:
            if move is not None:
                await uow.workplaces.move_workplace(*move)
            workplaces = await uow.workplaces.list_workplaces()
        self.post_message(self.Loaded(workplaces, keep))

    @on(Loaded)
    def _show(self, event: Loaded) -> None:
        event.stop()
        self.workplaces = event.workplaces
        rows = ((str(w.id), [workplace_name(w.name)]) for w in event.workplaces)
        self.table.fill(rows, event.keep)

    def action_move(self, offset: int) -> None:
        key = self.table.current_key
        if key is not None:
            self._load((uuid.UUID(key), offset), key)

    @on(DataTable.RowSelected, "#workplaces")
    def _open(self, event: DataTable.RowSelected) -> None:
        event.stop()
        chosen = next((w for w in self.workplaces if str(w.id) == event.row_key.value), None)
        if chosen is not None:
            self.app.push_screen(WorkplacePage(self.context, chosen))

    def action_close(self) -> None:
        self.dismiss()


SECTION_COLUMNS = [
    GridColumn[Section]("caption", N_("Section"), lambda s: section_caption(s.code, s.caption))
]


def _rows(sections: list[SectionInWorkplace]) -> list[Row]:
    return [(str(s.id), [section_caption(s.code, s.caption)]) for s in sections]


class WorkplacePage(RecordPage):
    """ "User's workplace": its name, and the Sections detail (saved as each change is made)."""

    AUTO_FOCUS = "#sections-detail"
    REQUIRED: ClassVar[dict[str, str]] = {"workplace-name": "Name"}
    BINDINGS: ClassVar[list[BindingType]] = [
        MOVE_UP,
        MOVE_DOWN,
    ]
    HELP_KEYS: ClassVar[list[tuple[str, str]]] = [("Tab", N_("Between the name and the detail"))]

    def __init__(self, context: ShellContext, workplace: Workplace) -> None:
        require_admin(context)
        super().__init__(context, tr("User's workplace: {0}", workplace_name(workplace.name)))
        self.workplace = workplace
        self.sections: list[SectionInWorkplace] = []
        self._keep: str | None = None

    def compose_fields(self) -> ComposeResult:
        yield Label(_("Name") + " *", classes="field-caption")
        yield DataInput(self.workplace.name, id="workplace-name", max_length=250)
        yield Static(Text(_("Sections")), classes="detail-caption")
        yield DetailGrid(
            _("Section"), id="sections-detail", add="add_sections", delete="delete_section"
        )

    @property
    def table(self) -> DetailGrid:
        return self.query_one("#sections-detail", DetailGrid)

    @property
    def name_input(self) -> Input:
        return self.query_one("#workplace-name", Input)

    async def load(self) -> None:
        async with self.context.unit_of_work() as uow:
            self.workplace = await uow.workplaces.get(self.workplace.id)
            self.sections = await uow.workplaces.sections_of(self.workplace.id)

    def on_loaded(self) -> None:
        self.set_caption(tr("User's workplace: {0}", workplace_name(self.workplace.name)))
        # A seeded name shows in the admin's language; saved unchanged, it stays as stored.
        self.name_input.value = workplace_name(self.workplace.name)
        self.table.fill(_rows(self.sections), self._keep)

    async def save(self) -> None:
        name = self.name_input.value
        if name == workplace_name(self.workplace.name):
            name = self.workplace.name
        renamed = self.workplace.model_copy(update={"name": name})
        async with self.context.unit_of_work() as uow:
            await uow.workplaces.rename(renamed)

    # The Sections detail ----------------------------------------------------------------------

    @work(exclusive=True, exit_on_error=False, group="sections", description="change sections")
    async def _change(self, change: Change, keep: str | None) -> None:
        """Run one change of the detail in its own transaction, then show the detail again."""
        async with self.context.unit_of_work() as uow:
            await change(uow)
            sections = await uow.workplaces.sections_of(self.workplace.id)
        self.post_message(self.DetailChanged(sections, keep))

    @dataclass
    class DetailChanged(Message):
        sections: list[SectionInWorkplace]
        keep: str | None

    @on(DetailChanged)
    def _detail_changed(self, event: DetailChanged) -> None:
        event.stop()
        self.sections = event.sections
        self.table.fill(_rows(event.sections), event.keep)

    def action_add_sections(self) -> None:
        async def available(request: PageRequest) -> Page[Section]:
            async with self.context.unit_of_work() as uow:
                return await uow.workplaces.available_sections(
                    self.workplace.id, request, shown_section_captions()
                )

        dialog: LookupDialog[Section] = LookupDialog(
            "Select: Sections",
            SECTION_COLUMNS,
            available,
            sort="caption",
            multi_select=True,
        )
        self.app.push_screen(dialog, self._sections_chosen)

    def _sections_chosen(self, chosen: list[Section] | None) -> None:
        if chosen:
            ids = [section.id for section in chosen]
            self._change(lambda uow: uow.workplaces.add_sections(self.workplace.id, ids), None)

    def _current(self) -> SectionInWorkplace | None:
        key = self.table.current_key
        return next((s for s in self.sections if str(s.id) == key), None)

    def action_delete_section(self) -> None:
        link = self._current()
        if link is None:
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self._change(lambda uow: uow.workplaces.remove_section(link.id, link.version), None)

        self.app.push_screen(ConfirmDialog(DELETE_ONE), answered)

    def action_move(self, offset: int) -> None:
        link = self._current()
        if link is not None:
            self._change(lambda uow: uow.workplaces.move_section(link.id, offset), str(link.id))
