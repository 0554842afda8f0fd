"""Toasts: short (errors ~6 s, others ~3 s), just above the footer, each kept for the session
and listed newest first by ctrl+n (shown, never obeyed); a log out starts the list anew."""

from __future__ import annotations

import io
from datetime import datetime

from rich.console import Console
from textual.message import Message
from textual.notifications import Notify
from textual.widgets import Static

from tests.ui.conftest import fill_login, make_app, wait_for
from tests.ui.test_designer import log_in_as
from webitel_tui.ui.screens.login import LoginScreen
from webitel_tui.ui.screens.notifications import NotificationsScreen
from webitel_tui.ui.screens.shell import ShellScreen
from webitel_tui.ui.widgets.keys_footer import KeysFooter

SECRET = "Supervisor"  # the password typed at the login: never in a notification


def shown_text(static: Static) -> str:
    """What the list shows, as plain text."""
    console = Console(width=120, file=io.StringIO(), color_system=None)
    console.print(static.content)
    output = console.file
    assert isinstance(output, io.StringIO)
    return output.getvalue()


async def test_ctrl_n_lists_every_notification_newest_first(demo_url: str) -> None:
    messages: list[Message] = []
    app = make_app(demo_url)
    async with app.run_test(size=(80, 24), message_hook=messages.append) as pilot:
        await log_in_as(pilot, app, "Supervisor")
        times = iter([datetime(2026, 1, 2, 10, 0, second) for second in range(3)])
        app.clock = lambda: next(times)
        app.notify("Saved.", title="Record")
        app.notify("The name [b]x[/b] is \x1b[2Jtaken", severity="warning", markup=False)
        app.notify("Cannot reach the server", title="Error", severity="error")
        await pilot.pause()
        timeouts = [m.notification.timeout for m in messages if isinstance(m, Notify)]
        assert timeouts[-3:] == [3, 3, 6]
        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: isinstance(app.screen, NotificationsScreen), "the list")
        screen = app.screen
        assert isinstance(screen, NotificationsScreen)
        rows = [(n.time.second, n.severity, n.title, n.message) for n in screen.notifications]
        assert rows[:3] == [
            (2, "error", "Error", "Cannot reach the server"),
            (1, "warning", "", "The name [b]x[/b] is ␛[2Jtaken"),
            (0, "information", "Record", "Saved."),
        ]
        text = shown_text(screen.query_one("#notifications-list", Static))
        assert "10:00:02" in text and "Cannot reach the server" in text
        assert text.index("Cannot reach") < text.index("Saved.")
        assert "\x1b" not in text and SECRET not in text
        assert screen.query_one(KeysFooter).shown_keys[0] == "f1"
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ShellScreen), "closed")


async def test_a_log_out_starts_the_list_anew(demo_url: str) -> None:
    app = make_app(demo_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in_as(pilot, app, "Supervisor")
        app.notify("Something of the first admin", markup=False)
        assert app.notification_log
        await pilot.press("ctrl+l")
        await wait_for(pilot, lambda: isinstance(app.screen, LoginScreen), "the login")
        assert app.notification_log == []
        await fill_login(pilot, "Supervisor", "Supervisor")
        await wait_for(pilot, lambda: isinstance(app.screen, ShellScreen), "the shell")
        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: isinstance(app.screen, NotificationsScreen), "the list")
        text = shown_text(app.screen.query_one("#notifications-list", Static))
        assert "first admin" not in text


async def test_a_toast_sits_above_the_footer(demo_url: str) -> None:
    app = make_app(demo_url)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await log_in_as(pilot, app, "Supervisor")
        app.notify("Webitel refused the change: the extension is taken.", severity="error")
        await wait_for(pilot, lambda: bool(app.screen.query("Toast")), "the toast")
        await pilot.pause()
        toast = app.screen.query_one("Toast")
        footer = app.screen.query_one(KeysFooter)
        assert toast.region.bottom <= footer.region.y
        assert toast.region.width <= 48
        assert toast.region.height <= 3  # no blank lines around its two lines
