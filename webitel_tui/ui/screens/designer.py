"""The System designer (admins only): the entry to workplace setup, system users, settings."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from webitel_tui.i18n import N_, _
from webitel_tui.ui.screens.designer_page import DesignerPage

# (id, caption, block) in Creatio's order.
TILES = (
    ("workplace_setup", N_("Workplace setup"), N_("Set up view")),
    ("system_users", N_("System users"), N_("Users and administration")),
    ("system_settings", N_("System settings"), N_("System setup")),
)


class SystemDesignerScreen(DesignerPage):
    CAPTION = N_("System designer")
    AUTO_FOCUS = "#designer-tiles"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", id="designer.close"),
    ]

    def body(self) -> ComposeResult:
        tiles = [Option(Text(f"{_(caption)}  ·  {_(block)}"), id=t) for t, caption, block in TILES]
        yield OptionList(*tiles, id="designer-tiles")

    @on(OptionList.OptionSelected, "#designer-tiles")
    def _open(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.open_tile(event.option.id or "")

    def open_tile(self, tile: str) -> None:
        if tile == "workplace_setup":
            from webitel_tui.ui.screens.workplaces import WorkplaceSetupScreen

            self.app.push_screen(WorkplaceSetupScreen(self.context))
        elif tile == "system_users":
            from webitel_tui.ui.screens.system_users import SystemUsersScreen

            self.app.push_screen(SystemUsersScreen(self.context))
        elif tile == "system_settings":
            from webitel_tui.ui.screens.system_settings import SystemSettingsPage

            self.app.push_screen(SystemSettingsPage(self.context))

    def action_close(self) -> None:
        self.dismiss()
