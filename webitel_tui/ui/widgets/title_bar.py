"""The top line: the app's name on the left, the logged-in user on the right."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static

from webitel_tui.domain.display import visible


class TitleBar(Horizontal):
    def __init__(self, app_name: str, user: str, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self._app_name = app_name
        self._user = user

    def compose(self) -> ComposeResult:
        yield Static(Text(self._app_name), id="title-app-name")
        yield Static(Text(visible(self._user)), id="title-user")

    def show_user_part(self, text: str) -> None:
        """The right-hand text (who is logged in, or where the admin is): one line, which
        may quote data (a user's name), shown and never obeyed (domain/display.py)."""
        self._user = text
        self.query_one("#title-user", Static).update(Text(visible(text)))
