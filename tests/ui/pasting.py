"""What the hostile-string tests (issue 13) share: a text pasted into a field (a pasted text
is how control characters reach a field: a terminal sends ESC as a key), what a field and the
whole screen draw, and the toasts the app showed."""

from __future__ import annotations

import re

from textual import events
from textual.message import Message
from textual.notifications import Notification, Notify
from textual.pilot import Pilot
from textual.widgets import Input

from tests.ui.conftest import wait_for
from webitel_tui.domain.display import HIDDEN
from webitel_tui.ui.app import WebitelTuiApp

UNEXPECTED = "failed unexpectedly"
"""In the toast of a worker's unexpected error (ui/app.py)."""


def pasted(field: Input, text: str) -> str:
    """What a field holds after `text` is pasted into it, empty (Textual's Input: the first
    line only, and nothing when that would exceed the field's max_length)."""
    line = text.splitlines()[0] if text else ""
    return "" if field.max_length and len(line) > field.max_length else line


async def paste(pilot: Pilot[None], field: Input, text: str) -> str:
    """`text` pasted into `field`, emptied first; returns what the field then holds."""
    field.focus()
    field.value = ""
    expected = pasted(field, text)
    field.post_message(events.Paste(text))
    await wait_for(pilot, lambda: field.value == expected, f"the paste into #{field.id}")
    return expected


def drawn(field: Input) -> str:
    """The field's line as drawn (no cursor: the text of the cells)."""
    return field.render_line(0).text.strip()


def assert_shown(text: str, *, raw: str) -> None:
    assert HIDDEN.search(text) is None, f"raw {raw!r} drawn as {text!r}"


_HIDDEN_BUT_NEWLINE = re.compile(HIDDEN.pattern.replace(r"\x00-\x1f", r"\x00-\x09\x0b-\x1f"))


def assert_screen_shown(app: WebitelTuiApp, what: str) -> None:
    """Everything on the screen, as the app would write it to a terminal (the cells of its
    every line, exported through Textual's public screenshot), holds no character a terminal
    obeys: the stand-ins only. (The export is SVG: its own line breaks are the only C0.)"""
    screen = app.export_screenshot()
    found = _HIDDEN_BUT_NEWLINE.search(screen)
    assert found is None, f"{what}: {found.group()!r} drawn on the screen"


class Toasts:
    """The app's notifications, seen as `run_test(message_hook=...)` sees its messages."""

    def __init__(self) -> None:
        self.seen: list[Notification] = []

    def hook(self, message: Message) -> None:
        if isinstance(message, Notify):
            self.seen.append(message.notification)

    def errors(self) -> list[str]:
        return [f"{n.title}: {n.message}" for n in self.seen if n.severity == "error"]

    def assert_no_error(self, what: str) -> None:
        """No worker failed (the app turns every failed worker into an error toast)."""
        assert self.errors() == [], f"{what}: {self.errors()}"
