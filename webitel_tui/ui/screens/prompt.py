"""A prompt for one line of text (a file to write, a folder's name, a value to filter by),
keyboard only.

It only asks: the caller's `check` (a process or domain function) turns the text into the
value, or refuses it with a `DomainError` whose message is shown in one line under the field;
the prompt then stays open with the text as typed: nothing typed is lost.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar, Generic, TypeVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from webitel_tui.domain.display import visible_lines
from webitel_tui.domain.errors import DomainError
from webitel_tui.i18n import N_, _
from webitel_tui.ui.screens.base import ScreenMixin
from webitel_tui.ui.widgets.data_input import DataInput
from webitel_tui.ui.widgets.keys_footer import KeysFooter

T = TypeVar("T")


class PromptDialog(ScreenMixin, ModalScreen[T | None], Generic[T]):
    """Dismissed with the checked value, or None on Esc."""

    AUTO_FOCUS = "#prompt-value"
    BINDINGS: ClassVar[list[BindingType]] = [
        # Enter in the field confirms too (the field's own key, so not listed here).
        Binding("ctrl+s", "save", "OK", id="prompt.ok", priority=True),
        Binding("escape", "cancel", "Cancel", id="prompt.cancel"),
    ]
    SUBTITLE = N_("Enter to confirm · Esc to cancel")

    def __init__(
        self, default: str, check: Callable[[str], T], *, title: str, caption: str
    ) -> None:
        super().__init__()
        self.default = default
        self.check = check
        self._title = _(title)
        self._caption = _(caption)

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-body dialog prompt") as body:
            body.border_title = self._title
            body.border_subtitle = _(self.SUBTITLE)
            yield Label(self._caption, classes="prompt-caption")
            yield DataInput(self.default, id="prompt-value", select_on_focus=False)
            yield Static("", id="prompt-message", classes="prompt-message")
        yield KeysFooter()

    @property
    def typed(self) -> str:
        return self.query_one("#prompt-value", Input).value

    @property
    def problem(self) -> str:
        """The line shown under the field ("" when there is none)."""
        message = self.query_one("#prompt-message", Static)
        return str(message.render()) if message.display else ""

    def say(self, text: str) -> None:
        message = self.query_one("#prompt-message", Static)
        message.update(Text(visible_lines(text)))  # it may quote the text: shown, never obeyed
        message.display = bool(text)

    def on_mount(self) -> None:
        self.say("")
        self.call_after_refresh(self._show_the_end)

    def _show_the_end(self) -> None:
        """A long default (a path) shows its end, with the cursor there: the field scrolls to
        its cursor only on a move, and there is no width before a layout."""
        field = self.query_one("#prompt-value", Input)
        field.action_home()
        field.action_end()

    @on(Input.Submitted, "#prompt-value")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()

    @on(Input.Changed, "#prompt-value")
    def _changed(self, event: Input.Changed) -> None:
        event.stop()
        self.say("")

    def action_save(self) -> None:
        try:
            value = self.check(self.typed)
        except DomainError as problem:
            self.say(str(problem))
            return
        self.accept(value)

    def accept(self, value: T) -> None:
        """The checked value: the prompt's answer (a subclass may ask something first)."""
        self.dismiss(value)

    def focus_field(self) -> None:
        self.query_one("#prompt-value", Input).focus()

    def action_cancel(self) -> None:
        self.dismiss(None)
