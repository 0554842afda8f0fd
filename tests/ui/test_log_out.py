"""Log out (ctrl+l): back to the login; the next admin logs in without a restart, and nothing
of the previous session is left (its screens, its workers, its Webitel client); a record page
with unsaved changes asks first."""

from __future__ import annotations

from unittest.mock import AsyncMock

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Static

from tests.ui.conftest import SIZE, fill_login, make_app, wait_for
from webitel_tui.config import WebitelSettings
from webitel_tui.i18n import set_language
from webitel_tui.ui.app import WebitelTuiApp
from webitel_tui.ui.commands import screen_commands
from webitel_tui.ui.screens.designer import SystemDesignerScreen
from webitel_tui.ui.screens.dialogs import UNSAVED_CHANGES, ConfirmDialog
from webitel_tui.ui.screens.help import help_rows
from webitel_tui.ui.screens.login import LoginScreen
from webitel_tui.ui.screens.lookup import LookupDialog
from webitel_tui.ui.screens.shell import ShellScreen
from webitel_tui.ui.screens.system_settings import SystemSettingsPage
from webitel_tui.ui.screens.workplaces import WorkplacePage, WorkplaceSetupScreen

LOG_OUT = "Log out and return to the login"


async def log_in(pilot: Pilot[None], app: WebitelTuiApp, name: str) -> ShellScreen:
    await fill_login(pilot, name, name)  # demo users' passwords are their names
    await wait_for(pilot, lambda: isinstance(app.screen, ShellScreen), f"{name}'s shell")
    shell = app.screen
    assert isinstance(shell, ShellScreen)
    return shell


async def logged_out(pilot: Pilot[None], app: WebitelTuiApp) -> None:
    await wait_for(pilot, lambda: isinstance(app.screen, LoginScreen), "the login screen")
    await app.workers.wait_for_complete()
    # Only the login is left over Textual's own default screen.
    assert [screen_name_of(s) for s in app.screen_stack] == ["Screen", "LoginScreen"]
    assert app.logged_in is None
    login = app.screen
    assert login.query_one("#user-name", Input).value == ""
    assert login.query_one("#password", Input).value == ""


def screen_name_of(screen: object) -> str:
    return type(screen).__name__


async def test_log_out_from_a_lookup_over_a_page_and_the_next_admin_logs_in(
    demo_url: str,
) -> None:
    app = make_app(demo_url)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, app, "Supervisor")
        await pilot.press("ctrl+g")
        await wait_for(pilot, lambda: isinstance(app.screen, SystemDesignerScreen), "designer")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, WorkplaceSetupScreen), "setup")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, WorkplacePage), "a workplace")
        page = app.screen
        assert isinstance(page, WorkplacePage)
        await wait_for(pilot, lambda: page.name_input.value == "General", "its name")
        await pilot.press("plus")
        await wait_for(pilot, lambda: isinstance(app.screen, LookupDialog), "the lookup")

        await pilot.press("ctrl+l")  # nothing unsaved: no question
        await logged_out(pilot, app)

        shell = await log_in(pilot, app, "okovalenko")
        assert app.logged_in is not None and app.logged_in.user.name == "okovalenko"
        title = str(shell.query_one("#title-user", Static).render())
        assert "Supervisor" not in title and "System administrator" not in title
        assert [screen_name_of(s) for s in app.screen_stack] == ["Screen", "ShellScreen"]
        await pilot.press("ctrl+g")  # not an administrator: the designer has no key
        await pilot.pause()
        assert isinstance(app.screen, ShellScreen)


async def test_unsaved_changes_ask_first(demo_url: str) -> None:
    app = make_app(demo_url)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, app, "Supervisor")
        await pilot.press("ctrl+g", "down", "down", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, SystemSettingsPage), "settings")
        page = app.screen
        assert isinstance(page, SystemSettingsPage)
        field = page.query_one("#stun-servers", Input)
        await wait_for(pilot, lambda: bool(field.value), "the settings loaded")
        field.value = "stun:stun.example.org:3478"
        assert page.dirty

        await pilot.press("ctrl+l")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog), "the question")
        question = app.screen
        assert isinstance(question, ConfirmDialog)
        assert UNSAVED_CHANGES in str(question.query_one(".dialog-message", Static).render())
        await pilot.press("n")  # stay: the page is as it was, changes and all
        await wait_for(pilot, lambda: app.screen is page, "back on the page")
        assert field.value == "stun:stun.example.org:3478"
        assert app.logged_in is not None

        await pilot.press("ctrl+l")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog), "asked again")
        await pilot.press("y")
        await logged_out(pilot, app)


async def test_the_session_s_webitel_client_is_closed(
    demo_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Configured but never reached: the client makes no request until it is used.
    webitel = WebitelSettings(
        url="http://127.0.0.1:9", domain="example", username="admin", password="admin"
    )
    app = make_app(demo_url, webitel=webitel)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, app, "Supervisor")
        first = app.webitel()
        closed = AsyncMock(wraps=first.aclose)
        monkeypatch.setattr(first, "aclose", closed)
        await pilot.press("ctrl+l")
        await logged_out(pilot, app)
        closed.assert_awaited_once()
        await log_in(pilot, app, "Supervisor")
        assert app.webitel() is not first  # the next session's own


async def test_ctrl_l_is_listed_and_remappable(demo_url: str) -> None:
    app = make_app(demo_url, keymap={"app.log_out": "f12"})
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, LoginScreen), "the login screen")
        # On the login there is nobody to log out.
        assert LOG_OUT not in dict((text, keys) for keys, text in help_rows(app.screen))
        await log_in(pilot, app, "Supervisor")
        rows = {text: keys for keys, text in help_rows(app.screen)}
        assert rows[LOG_OUT] == "f12"
        titles = [command.title for command in screen_commands(app.screen)]
        assert "Log out (f12)" in titles
        await pilot.press("ctrl+l")  # remapped away
        await pilot.pause()
        assert isinstance(app.screen, ShellScreen)
        await pilot.press("f12")
        await logged_out(pilot, app)


async def test_ctrl_l_by_default_in_ukrainian_help(demo_url: str) -> None:
    app = make_app(demo_url, language="uk")
    try:
        async with app.run_test(size=SIZE) as pilot:
            await log_in(pilot, app, "Supervisor")
            rows = {text: keys for keys, text in help_rows(app.screen)}
            assert rows["Завершити сеанс і повернутися до входу"] == "^l"
    finally:
        set_language("en")  # the language is process-wide
