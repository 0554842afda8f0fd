"""ctrl+o: the details of the last unexpected error (its traceback), for a bug report.

The toast says only the error's kind; this dialog shows where it happened, with every secret
of the settings redacted (webitel_tui.redaction), and `c` copies it (OSC 52, which reaches
the admin's own terminal over SSH).
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from webitel_tui.domain.display import visible_lines
from webitel_tui.i18n import N_, _
from webitel_tui.ui.screens.base import ScreenMixin
from webitel_tui.ui.widgets.keys_footer import KeysFooter

NO_ERROR = N_("No unexpected error in this session.")
COPIED = N_("Copied to the clipboard.")


class ErrorDetailsScreen(ScreenMixin, ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "copy", "Copy", id="error_details.copy", tooltip="Copy the details"),
        Binding("escape,ctrl+o,q", "close", "Close", id="error_details.close"),
    ]

    def __init__(self, details: str) -> None:
        super().__init__()
        self.details = details
        """Redacted already (App._worker_failed)."""

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="error-details-body", classes="modal-body") as body:
            body.border_title = _("Error details")
            body.border_subtitle = _("c to copy · Esc to close")
            shown = visible_lines(self.details) if self.details else _(NO_ERROR)
            yield Static(Text(shown), id="error-details")
        yield KeysFooter()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return bool(self.details) if action == "copy" else True

    def action_copy(self) -> None:
        self.app.copy_to_clipboard(self.details)
        self.notify(_(COPIED), title=_("Error details"))

    def action_close(self) -> None:
        self.dismiss()
