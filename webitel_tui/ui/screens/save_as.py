"""The "Save as" prompt: which file to write, the default filled in, keyboard only.

It only asks: the caller's `check` (a process function) says whether the typed path can be
written, and the caller writes. Nothing typed is lost: a path that cannot be written is
explained in one line under the field, and the prompt stays open with the text as typed.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from webitel_tui.domain.display import visible_lines
from webitel_tui.domain.errors import DomainError
from webitel_tui.i18n import N_, _, tr
from webitel_tui.ui.screens.base import ScreenMixin
from webitel_tui.ui.screens.dialogs import ConfirmDialog
from webitel_tui.ui.widgets.data_input import DataInput
from webitel_tui.ui.widgets.keys_footer import KeysFooter

REPLACE_FILE = N_("The file {0} already exists. Replace it?")


class SaveAsDialog(ScreenMixin, ModalScreen[Path | None]):
    """Asks for the file to write; dismissed with the checked path, or None on Esc.

    `check` turns the typed text into a path, or raises a `DomainError` whose message says
    why it cannot be written. A file that exists is replaced only after a Yes; a No returns
    to the prompt.
    """

    AUTO_FOCUS = "#save-as-path"
    BINDINGS: ClassVar[list[BindingType]] = [
        # Enter in the field saves too (the field's own key, so not listed here).
        Binding("ctrl+s", "save", "Save", id="save_as.save", priority=True),
        Binding("escape", "cancel", "Cancel", id="save_as.cancel"),
    ]

    def __init__(self, default: Path, check: Callable[[str], Path], *, title: str) -> None:
        super().__init__()
        self.default = default
        self.check = check
        self._title = _(title)

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-body dialog save-as") as body:
            body.border_title = self._title
            body.border_subtitle = _("Enter to save · Esc to cancel")
            yield Label(_("File"), classes="save-as-caption")
            yield DataInput(str(self.default), id="save-as-path", select_on_focus=False)
            yield Static("", id="save-as-message", classes="save-as-message")
        yield KeysFooter()

    @property
    def typed(self) -> str:
        return self.query_one("#save-as-path", Input).value

    @property
    def problem(self) -> str:
        """The line shown under the field ("" when there is none)."""
        message = self.query_one("#save-as-message", Static)
        return str(message.render()) if message.display else ""

    def _say(self, text: str) -> None:
        message = self.query_one("#save-as-message", Static)
        message.update(Text(visible_lines(text)))  # it may quote the path: shown, never obeyed
        message.display = bool(text)

    def on_mount(self) -> None:
        self._say("")
        self.call_after_refresh(self._show_the_file_name)

    def _show_the_file_name(self) -> None:
        """A long default path shows its end (the file name), with the cursor there: the
        field scrolls to its cursor only on a move, and there is no width before a layout."""
        field = self.query_one("#save-as-path", Input)
        field.action_home()
        field.action_end()

    @on(Input.Submitted, "#save-as-path")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()

    @on(Input.Changed, "#save-as-path")
    def _changed(self, event: Input.Changed) -> None:
        event.stop()
        self._say("")

    def action_save(self) -> None:
        try:
            path = self.check(self.typed)
        except DomainError as problem:
            self._say(str(problem))
            return
        if path.exists():
            question = ConfirmDialog(tr(REPLACE_FILE, path))
            self.app.push_screen(question, partial(self._replace, path))
        else:
            self.dismiss(path)

    def _replace(self, path: Path, replace: bool | None) -> None:
        if replace:
            self.dismiss(path)
        else:
            self.query_one("#save-as-path", Input).focus()

    def action_cancel(self) -> None:
        self.dismiss(None)
