"""The shell after login: title bar, side panel (workplace + sections), main area, footer."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Static

from webitel_tui.db.engine import Database
from webitel_tui.domain import known
from webitel_tui.domain.display import visible_lines
from webitel_tui.domain.processes import Process
from webitel_tui.domain.rights import PROCESS_OPERATIONS, NoPermissionError
from webitel_tui.domain.workplaces import SectionInWorkplace, Workplace
from webitel_tui.i18n import N_, _, tr
from webitel_tui.processes.auth import LoggedIn
from webitel_tui.repositories import unit_of_work
from webitel_tui.ui.screens.base import ScreenMixin, ShellContext
from webitel_tui.ui.sections import SectionUnavailableError, open_section
from webitel_tui.ui.widgets.keys_footer import KeysFooter
from webitel_tui.ui.widgets.side_panel import SidePanel
from webitel_tui.ui.widgets.title_bar import TitleBar

CHOOSE_SECTION = N_("Choose a section in the side panel.")
NO_SECTIONS = N_("This workplace has no sections.")


class ShellScreen(ScreenMixin, Screen[None]):
    AUTO_FOCUS = "#sections"
    HELP_KEYS: ClassVar[list[tuple[str, str]]] = [
        ("↑ / ↓", N_("Move between sections")),
        ("Enter", N_("Open the section")),
    ]
    BINDINGS: ClassVar[list[BindingType]] = [
        # In the order the footer shows them at 80 columns (widgets/keys_footer.py).
        Binding(
            "f9,ctrl+r",
            "run_process",
            "Run process",
            id="shell.run_process",
            tooltip="Run process: choose a business process to start",
        ),
        Binding(
            "w",
            "switch_workplace(1)",
            "Workplace",
            id="shell.next_workplace",
            tooltip="Switch to the next workplace",
        ),
        Binding(
            "ctrl+g",
            "system_designer",
            "Designer",
            id="shell.system_designer",
            tooltip="System designer (system administrators only)",
        ),
        Binding(
            "W",
            "switch_workplace(-1)",
            "Previous workplace",
            id="shell.previous_workplace",
            show=False,
            tooltip="Switch to the previous workplace",
        ),
    ]

    @dataclass
    class WorkplaceLoaded(Message):
        workplaces: list[Workplace]
        current: Workplace | None
        sections: list[SectionInWorkplace]

    def __init__(self, db: Database, logged_in: LoggedIn) -> None:
        super().__init__()
        self._db = db
        self.logged_in = logged_in
        self.workplaces: list[Workplace] = []
        self.workplace: Workplace | None = None
        self.open_section: str | None = None
        """The code of the section shown in the main area, if any."""

    def compose(self) -> ComposeResult:
        user = self.logged_in.user
        shown = user.contact_name or user.name
        if self.logged_in.is_admin:
            shown += " · " + _("System administrator")
        yield TitleBar(self.app.title, shown, id="title-bar")
        with Horizontal(id="shell-body"):
            yield SidePanel(id="side-panel")
            with Vertical(id="main-area"):
                yield Static(Text(_(CHOOSE_SECTION)), id="main-message")
        yield KeysFooter()

    @property
    def context(self) -> ShellContext:
        from webitel_tui.ui.app import WebitelTuiApp

        app = self.app
        if isinstance(app, WebitelTuiApp):
            return app.context(self.logged_in)
        return ShellContext(self._db, self.logged_in)

    def on_mount(self) -> None:
        self._load(None)

    def on_screen_resume(self) -> None:
        # Back from the designer: the workplaces and their sections may have changed.
        if self.workplace is not None:
            self._load(self.workplace.id)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # M2: for anyone but a system administrator the designer has no key at all.
        if action == "system_designer":
            return self.logged_in.is_admin
        # Run process, for those who may run a process (the processes refuse the others).
        if action == "run_process":
            return any(self.logged_in.can(needed) for needed in PROCESS_OPERATIONS.values())
        return True

    def action_system_designer(self) -> None:
        from webitel_tui.ui.screens.designer import SystemDesignerScreen

        self.app.push_screen(SystemDesignerScreen(self.context))

    @work(exclusive=True, exit_on_error=False, group="shell-load", description="load workplace")
    async def _load(self, workplace_id: uuid.UUID | None) -> None:
        async with unit_of_work(self._db, self.logged_in.actor) as uow:
            workplaces = await uow.workplaces.workplaces_for_user(self.logged_in.user.id)
            current = next((w for w in workplaces if w.id == workplace_id), None)
            current = current or (workplaces[0] if workplaces else None)
            sections = await uow.workplaces.sections_of(current.id) if current else []
        self.post_message(self.WorkplaceLoaded(workplaces, current, sections))

    @on(WorkplaceLoaded)
    def _show_workplace(self, event: WorkplaceLoaded) -> None:
        event.stop()
        same_workplace = (
            self.workplace is not None
            and event.current is not None
            and self.workplace.id == event.current.id
        )
        self.workplaces = event.workplaces
        self.workplace = event.current
        self.query_one(SidePanel).show(event.current, event.sections)
        # Back from a card or the designer: the open section stays if it is still there.
        still_there = self.open_section in {section.code for section in event.sections}
        if not (same_workplace and still_there):
            self._show_main(CHOOSE_SECTION if event.sections else NO_SECTIONS)

    @on(SidePanel.SectionChosen)
    def _section_chosen(self, event: SidePanel.SectionChosen) -> None:
        event.stop()
        try:
            section = open_section(event.section, self.context)
        except SectionUnavailableError as refused:
            self._show_main(str(refused))
            return
        self._show_section(section)
        self.open_section = event.section.code

    def _show_section(self, section: Widget) -> None:
        """The section replaces whatever the main area showed (one section at a time)."""
        main = self.query_one("#main-area", Vertical)
        main.query(".section").remove()
        self.query_one("#main-message", Static).display = False
        main.mount(section)

    def action_run_process(self) -> None:
        if not self.check_action("run_process", ()):
            return
        from webitel_tui.ui.screens.processes import process_start_dialog

        self.app.push_screen(process_start_dialog(self.context), self._process_chosen)

    def _process_chosen(self, chosen: list[Process] | None) -> None:
        if not chosen:
            return
        needed = PROCESS_OPERATIONS.get(chosen[0].code)
        if needed is not None and not self.logged_in.can(needed):
            self.notify(
                str(NoPermissionError(needed)),
                title=_("Run process"),
                severity="error",
                markup=False,
            )
        elif chosen[0].code == known.GET_WEBITEL_USERS_PROCESS_CODE:
            from webitel_tui.ui.screens.import_users import ImportScreen

            self.app.push_screen(ImportScreen(self.context), self._import_closed)
        elif chosen[0].code == known.CSV_IMPORT_PROCESS_CODE:
            from webitel_tui.ui.screens.csv_import import CsvImportScreen

            self.app.push_screen(CsvImportScreen(self.context), self._import_closed)
        else:
            self.notify(
                tr('The process "{0}" cannot be run from here yet.', chosen[0].caption),
                title=_("Run process"),
                markup=False,
            )

    def _import_closed(self, wrote: bool | None) -> None:
        """A run that wrote users: the open section's list shows them (as after the
        section's own Actions -> Load Webitel users)."""
        if wrote:
            from webitel_tui.ui.widgets.section_grid import SectionGrid

            for grid in self.query_one("#main-area", Vertical).query(SectionGrid):
                grid.reload()

    def action_switch_workplace(self, step: int) -> None:
        if not self.workplaces:
            return
        index = self._index_of(self.workplaces, self.workplace)
        self._load(self.workplaces[(index + step) % len(self.workplaces)].id)

    @staticmethod
    def _index_of(workplaces: Sequence[Workplace], current: Workplace | None) -> int:
        ids = [w.id for w in workplaces]
        return ids.index(current.id) if current is not None and current.id in ids else 0

    def _show_main(self, message: str) -> None:
        self.open_section = None
        self.query_one("#main-area", Vertical).query(".section").remove()
        label = self.query_one("#main-message", Static)
        label.update(Text(visible_lines(_(message))))  # it may quote a section's caption
        label.display = True
