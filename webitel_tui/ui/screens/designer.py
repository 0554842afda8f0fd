"""The System designer (admins only): the entry to workplace setup, system users, settings."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Footer, Label, OptionList
from textual.widgets.option_list import Option

from webitel_tui.domain.errors import DomainError
from webitel_tui.i18n import N_, _
from webitel_tui.ui.screens.base import ScreenMixin, ShellContext
from webitel_tui.ui.widgets.title_bar import TitleBar

NOT_AN_ADMIN = N_("Only system administrators can open the System designer.")

# (id, caption, block) in Creatio's order.
TILES = (
    ("workplace_setup", N_("Workplace setup"), N_("Set up view")),
    ("system_users", N_("System users"), N_("Users and administration")),
    ("system_settings", N_("System settings"), N_("System setup")),
)


class NotAnAdminError(DomainError):
    def __init__(self) -> None:
        super().__init__(_(NOT_AN_ADMIN))


def require_admin(context: ShellContext) -> None:
    """The one check every designer route passes (the key, the palette, a direct push)."""
    if not context.logged_in.is_admin:
        raise NotAnAdminError()


class SystemDesignerScreen(ScreenMixin, Screen[None]):
    AUTO_FOCUS = "#designer-tiles"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", id="designer.close"),
    ]

    def __init__(self, context: ShellContext) -> None:
        require_admin(context)
        super().__init__()
        self.context = context

    def compose(self) -> ComposeResult:
        yield TitleBar(self.app.title, _("System designer"), id="title-bar")
        with Vertical(id="designer-body"):
            yield Label(_("System designer"), classes="page-caption")
            tiles = [
                Option(Text(f"{_(caption)}  ·  {_(block)}"), id=t) for t, caption, block in TILES
            ]
            yield OptionList(*tiles, id="designer-tiles")
        yield Footer()

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
