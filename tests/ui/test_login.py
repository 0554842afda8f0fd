"""Logging in through the screen: success, refusals, the lock, what stays typed."""

from __future__ import annotations

import pytest
from textual.message import Message
from textual.notifications import Notify
from textual.widgets import Button, Input, Static

from tests.ui.conftest import SIZE, make_app, screen_name, type_login, wait_for
from webitel_tui.processes import auth
from webitel_tui.ui.screens.help import HelpScreen
from webitel_tui.ui.screens.login import LoginScreen


def message_of(app_screen: object) -> str:
    assert isinstance(app_screen, LoginScreen)
    return str(app_screen.query_one("#login-message", Static).render())


def login_settled(app_screen: object) -> bool:
    """The check has finished: the button is usable again, or the login screen is gone."""
    if not isinstance(app_screen, LoginScreen):
        return True
    return not app_screen.query_one("#log-in", Button).disabled


async def test_supervisor_logs_in(demo_url: str) -> None:
    app = make_app(demo_url)
    async with app.run_test(size=SIZE) as pilot:
        await type_login(pilot, "Supervisor", "Supervisor")
        await wait_for(pilot, lambda: screen_name(app) == "ShellScreen", "the shell")
        assert app.session is not None
        assert app.session.user.name == "Supervisor"
        assert app.session.is_admin
        title = str(app.screen.query_one("#title-user", Static).render())
        assert "Supervisor" in title


async def test_wrong_password_shows_why_and_keeps_the_user_name(demo_url: str) -> None:
    app = make_app(demo_url)
    async with app.run_test(size=SIZE) as pilot:
        await type_login(pilot, "Supervisor", "not-the-password")
        await wait_for(pilot, lambda: "Invalid" in message_of(app.screen), "the error message")
        screen = app.screen
        assert message_of(screen) == (
            "Invalid user name or password. Attempts left before the user is locked: 4."
        )
        assert screen.query_one("#user-name", Input).value == "Supervisor"
        password = screen.query_one("#password", Input)
        assert password.value == ""
        assert password.has_focus
        assert "not-the-password" not in message_of(screen)
        # Typing the right password now logs in.
        await pilot.press(*"Supervisor", "enter")
        await wait_for(pilot, lambda: screen_name(app) == "ShellScreen", "the shell")


async def test_five_failures_lock_the_user(demo_url: str) -> None:
    app = make_app(demo_url)
    async with app.run_test(size=SIZE) as pilot:
        for attempt in range(1, auth.LOCK_AFTER + 1):
            await type_login(pilot, "okovalenko", f"wrong-{attempt}")
            await wait_for(pilot, lambda: login_settled(app.screen), f"attempt {attempt}")
        assert message_of(app.screen) == "The user is locked. Try again in 15 minutes."
        # Now even the right password is refused.
        await type_login(pilot, "okovalenko", "okovalenko")
        await wait_for(pilot, lambda: login_settled(app.screen), "the check")
        assert screen_name(app) == "LoginScreen"
        assert message_of(app.screen).startswith("The user is locked.")
        assert app.screen.query_one("#user-name", Input).value == "okovalenko"


async def test_portal_user_is_refused(demo_url: str) -> None:
    app = make_app(demo_url)
    async with app.run_test(size=SIZE) as pilot:
        await type_login(pilot, "mtkachenko", "mtkachenko")
        await wait_for(pilot, lambda: login_settled(app.screen), "the check")
        assert screen_name(app) == "LoginScreen"
        assert message_of(app.screen) == "Portal users cannot log in to this application."
        assert app.screen.query_one("#user-name", Input).value == "mtkachenko"


async def test_enter_in_the_user_name_moves_to_an_empty_password(demo_url: str) -> None:
    app = make_app(demo_url)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: screen_name(app) == "LoginScreen", "the login screen")
        await pilot.press(*"Super?visor", "enter")
        screen = app.screen
        # "?" is typed into the field; it opens the help only where nobody types.
        assert screen.query_one("#user-name", Input).value == "Super?visor"
        assert screen.query_one("#password", Input).has_focus
        assert message_of(screen) == ""


async def test_empty_password_is_asked_for(demo_url: str) -> None:
    app = make_app(demo_url)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: screen_name(app) == "LoginScreen", "the login screen")
        await pilot.press(*"Supervisor", "tab", "enter")
        await wait_for(pilot, lambda: "Enter the password." in message_of(app.screen), "message")


async def test_f1_lists_the_keys_of_the_login_screen(demo_url: str) -> None:
    app = make_app(demo_url)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: screen_name(app) == "LoginScreen", "the login screen")
        await pilot.press("f1")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), "the help")
        help_screen = app.screen
        assert isinstance(help_screen, HelpScreen)
        rows = dict((text, keys) for keys, text in help_screen.rows)
        assert rows["Log in"] == "Enter"
        assert rows["Quit the app"] == "^q"
        # "?" is typed into the focused field, so the help does not offer it here.
        assert rows["Keys of this screen"] == "f1"
        await pilot.press("escape")
        await wait_for(pilot, lambda: screen_name(app) == "LoginScreen", "the login screen back")


async def test_unexpected_error_is_reported_and_the_app_carries_on(
    demo_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*_args: object, **_kwargs: object) -> auth.Session:
        raise RuntimeError("database went away")

    monkeypatch.setattr("webitel_tui.ui.screens.login.log_in", broken)
    seen: list[Message] = []
    app = make_app(demo_url)
    async with app.run_test(size=SIZE, message_hook=seen.append) as pilot:
        await type_login(pilot, "Supervisor", "Supervisor")
        await wait_for(
            pilot, lambda: any(isinstance(m, Notify) for m in seen), "an error notification"
        )
        await wait_for(pilot, lambda: login_settled(app.screen), "the form usable again")
        notes = [m.notification for m in seen if isinstance(m, Notify)]
        assert notes[-1].severity == "error"
        assert "RuntimeError" in notes[-1].message
        assert "database went away" not in notes[-1].message
        assert app.is_running
        assert app.screen.query_one("#user-name", Input).value == "Supervisor"
