"""The password field: typed keys kept in order (keys_in_order.py), the value shown as dots.

Not a DataInput: a password is never data to show, so it needs no stand-ins."""

from __future__ import annotations

from typing import Any

from textual.widgets import Input

from webitel_tui.ui.widgets.keys_in_order import KeysInOrder


class PasswordInput(KeysInOrder, Input):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(password=True, **kwargs)
