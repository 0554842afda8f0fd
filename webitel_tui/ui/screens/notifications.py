"""ctrl+n: every notification of the session, newest first (a toast is gone in seconds)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.notifications import SeverityLevel
from textual.screen import ModalScreen
from textual.widgets import Static

from webitel_tui.domain.display import visible, visible_lines
from webitel_tui.i18n import N_, _
from webitel_tui.ui.screens.base import ScreenMixin
from webitel_tui.ui.widgets.keys_footer import KeysFooter

SEVERITY: dict[str, str] = {
    "information": N_("Information"),
    "warning": N_("Warning"),
    "error": N_("Error"),
}
SEVERITY_STYLE: dict[str, str] = {"information": "", "warning": "bold", "error": "bold reverse"}
"""Told apart by shape, not only by colour (256-colour terminals over SSH)."""
NONE_YET = N_("No notifications yet.")


@dataclass(frozen=True)
class LoggedNotification:
    """A notification as it was shown: its text already made safe to show (App.notify)."""

    time: datetime
    severity: SeverityLevel
    title: str
    message: str


class NotificationsScreen(ScreenMixin, ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,ctrl+n,q", "close", "Close", id="notifications.close"),
    ]

    def __init__(self, notifications: list[LoggedNotification]) -> None:
        super().__init__()
        self.notifications = list(reversed(notifications))
        """Newest first."""

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="notifications-body", classes="modal-body") as body:
            body.border_title = _("Notifications")
            body.border_subtitle = _("Esc to close")
            yield Static(self._table(), id="notifications-list")
        yield KeysFooter()

    def _table(self) -> Table | Text:
        if not self.notifications:
            return Text(_(NONE_YET))
        table = Table.grid(padding=(0, 1))
        table.add_column(no_wrap=True)
        table.add_column(no_wrap=True)
        table.add_column(ratio=1)
        for shown in self.notifications:
            severity = Text(_(SEVERITY.get(shown.severity, shown.severity)))
            severity.stylize(SEVERITY_STYLE.get(shown.severity, ""))
            # Shown as it was (App.notify made it safe), and never obeyed by the terminal.
            text = Text(visible(shown.title), style="bold") if shown.title else Text()
            if shown.title:
                text.append("\n")
            text.append(visible_lines(shown.message))
            table.add_row(Text(shown.time.strftime("%H:%M:%S")), severity, text)
        return table

    def action_close(self) -> None:
        self.dismiss()
