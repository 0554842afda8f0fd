"""The text field for data: its value is the true value (what is saved), and it is drawn
with the stand-ins of domain/display.py, so that a name holding "\\x1b[2J" shows as "␛[2J"
rather than clearing the terminal.

Textual's Input draws `Text(value)` passed through its `highlighter`, a public hook (Rich's
Highlighter) meant to restyle that text. Rich's Text drops some control characters (BEL,
BS, VT, FF, CR) as it is made and keeps the others, ESC among them; so the highlighter
draws the field's own value, one character for each (the cursor and the selection are
positions in the value), with `visible_in_place`.
"""

from __future__ import annotations

from typing import Any

from rich.highlighter import Highlighter
from rich.text import Text
from textual.widgets import Input

from webitel_tui.domain.display import visible_in_place
from webitel_tui.ui.widgets.keys_in_order import KeysInOrder


class ShownValue(Highlighter):
    """Draws an Input's value with stand-ins for what a terminal would obey."""

    def __init__(self, field: Input) -> None:
        self._field = field

    def highlight(self, text: Text) -> None:
        shown = visible_in_place(self._field.value)
        if text.plain != shown:
            text.plain = shown


class DataInput(KeysInOrder, Input):
    """An Input whose value may come from data (or be pasted): shown, never obeyed."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.highlighter = ShownValue(self)
