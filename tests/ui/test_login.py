"""Logging in through the screen: success, refusals, the lock, what stays typed."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from textual.message import Message
from textual.notifications import Notify
from textual.widgets import Button, Input, Static

from tests.factories import ended_pid, make_run
from tests.ui.conftest import (
    SIZE,
    fill_login,
    make_app,
    make_settings,
    screen_name,
    type_ahead,
    type_login,
    wait_for,
)
from webitel_tui.db.engine import Database
from webitel_tui.db.migrate import HEAD, current_revision
from webitel_tui.domain import known
from webitel_tui.domain.processes import ProcessStatus, RunOwner
from webitel_tui.processes import auth
from webitel_tui.processes.setup import prepare
from webitel_tui.repositories import unit_of_work
from webitel_tui.ui.app import WebitelTuiApp, create_app
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
        assert app.logged_in is not None
        assert app.logged_in.user.name == "Supervisor"
        assert app.logged_in.is_admin
        title = str(app.screen.query_one("#title-user", Static).render())
        assert "Supervisor" in title


async def test_wrong_password_shows_why_and_keeps_the_user_name(demo_url: str) -> None:
    app = make_app(demo_url)
    async with app.run_test(size=SIZE) as pilot:
        await fill_login(pilot, "Supervisor", "not-the-password")
        await wait_for(pilot, lambda: "Invalid" in message_of(app.screen), "the error message")
        screen = app.screen
        assert message_of(screen) == "Invalid user name or password."
        assert screen.query_one("#user-name", Input).value == "Supervisor"
        password = screen.query_one("#password", Input)
        assert password.value == ""
        assert password.has_focus
        assert "not-the-password" not in message_of(screen)
        # Typing the right password now logs in.
        await pilot.press(*"Supervisor", "enter")
        await wait_for(pilot, lambda: screen_name(app) == "ShellScreen", "the shell")


async def test_five_failures_lock_the_user_and_only_the_right_password_is_told(
    demo_url: str,
) -> None:
    """As Creatio: every failure says the same, the fifth too (it locks the user); only the
    right password learns of the lock."""
    app = make_app(demo_url)
    async with app.run_test(size=SIZE) as pilot:
        for attempt in range(1, auth.LOCK_AFTER + 2):
            await fill_login(pilot, "okovalenko", f"wrong-{attempt}")
            await wait_for(pilot, lambda: login_settled(app.screen), f"attempt {attempt}")
            assert message_of(app.screen) == "Invalid user name or password."
        # Now even the right password is refused, and this one is told why.
        await fill_login(pilot, "okovalenko", "okovalenko")
        await wait_for(pilot, lambda: login_settled(app.screen), "the check")
        assert screen_name(app) == "LoginScreen"
        assert message_of(app.screen) == "The user is locked. Try again in 15 minutes."
        assert app.screen.query_one("#user-name", Input).value == "okovalenko"


async def test_an_unknown_user_name_gets_the_same_message(demo_url: str) -> None:
    app = make_app(demo_url)
    async with app.run_test(size=SIZE) as pilot:
        messages = []
        for user_name in ("nobody-by-this-name", "Supervisor"):
            await fill_login(pilot, user_name, "not-the-password")
            await wait_for(pilot, lambda: login_settled(app.screen), user_name)
            messages.append(message_of(app.screen))
        assert messages == ["Invalid user name or password."] * 2


async def test_portal_user_is_refused(demo_url: str) -> None:
    app = make_app(demo_url)
    async with app.run_test(size=SIZE) as pilot:
        await fill_login(pilot, "mtkachenko", "mtkachenko")
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
    async def broken(*_args: object, **_kwargs: object) -> auth.LoggedIn:
        raise RuntimeError("database went away")

    monkeypatch.setattr("webitel_tui.processes.auth.log_in", broken)
    seen: list[Message] = []
    app = make_app(demo_url)
    async with app.run_test(size=SIZE, message_hook=seen.append) as pilot:
        await fill_login(pilot, "Supervisor", "Supervisor")
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


async def test_log_in_waits_for_the_database_and_says_so(
    demo_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    gate = asyncio.Event()
    opened = WebitelTuiApp._open_backend

    async def slow(self: WebitelTuiApp) -> Database:
        await gate.wait()
        return await opened(self)

    monkeypatch.setattr(WebitelTuiApp, "_open_backend", slow)
    app = make_app(demo_url)
    async with app.run_test(size=SIZE) as pilot:
        await fill_login(pilot, "Supervisor", "Supervisor")
        await wait_for(pilot, lambda: "Preparing" in message_of(app.screen), "the wait")
        assert message_of(app.screen) == "Preparing the database…"
        assert app.screen.query_one("#log-in", Button).disabled
        assert not app.backend_ready
        gate.set()
        await wait_for(pilot, lambda: screen_name(app) == "ShellScreen", "the shell")


async def test_a_database_that_cannot_be_prepared_is_said_and_log_in_tries_again(
    demo_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = True
    opened = WebitelTuiApp._open_backend

    async def failing(self: WebitelTuiApp) -> Database:
        if broken:
            raise OSError("disk I/O error in /srv/secret-place/crm.db")
        return await opened(self)

    monkeypatch.setattr(WebitelTuiApp, "_open_backend", failing)
    seen: list[Message] = []
    app = make_app(demo_url)
    async with app.run_test(size=SIZE, message_hook=seen.append) as pilot:
        expected = (
            "The database could not be prepared (OSError). "
            "Check the database settings and try again."
        )
        # Said as soon as it fails, before anyone presses "Log in".
        await wait_for(
            pilot, lambda: any(isinstance(m, Notify) for m in seen), "an error notification"
        )
        note = next(m.notification for m in seen if isinstance(m, Notify))
        assert note.severity == "error" and note.message == expected
        await fill_login(pilot, "Supervisor", "Supervisor")
        await wait_for(pilot, lambda: login_settled(app.screen), "the attempt")
        assert message_of(app.screen) == expected
        assert "secret-place" not in message_of(app.screen)
        assert app.is_running and screen_name(app) == "LoginScreen"
        # Nothing was checked: both fields keep what was typed.
        assert app.screen.query_one("#user-name", Input).value == "Supervisor"
        assert app.screen.query_one("#password", Input).value == "Supervisor"
        broken = False  # the admin fixed it: "Log in" again opens the database this time
        await pilot.click("#log-in")
        await wait_for(pilot, lambda: screen_name(app) == "ShellScreen", "the shell")


async def test_a_database_url_problem_found_in_the_background_is_shown() -> None:
    app = make_app("mysql://crm@db/crm")
    async with app.run_test(size=SIZE) as pilot:
        await fill_login(pilot, "Supervisor", "Supervisor")
        await wait_for(pilot, lambda: login_settled(app.screen), "the attempt")
        assert message_of(app.screen) == (
            "The database cannot be used: database 'mysql' is not supported; "
            "use sqlite:///PATH or postgresql://..."
        )
        assert app.is_running


async def test_the_settings_warnings_are_shown_as_the_app_starts(demo_url: str) -> None:
    warning = "/etc/c.toml holds a Webitel password or token but other users can read it"
    seen: list[Message] = []
    app = create_app(make_settings(demo_url), warnings=[warning])
    async with app.run_test(size=SIZE, message_hook=seen.append) as pilot:
        await wait_for(pilot, lambda: any(isinstance(m, Notify) for m in seen), "the warning")
        [note] = [m.notification for m in seen if isinstance(m, Notify)]
        assert (note.severity, note.message) == ("warning", warning)


async def test_the_cli_start_prepares_the_database_behind_the_login(tmp_path: Path) -> None:
    """`prepare` migrates and seeds in the background; with no administrator yet it
    leaves for the CLI to ask for one."""
    url = f"sqlite:///{tmp_path / 'new.db'}"
    app = create_app(make_settings(url), prepare=True)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.needs_admin, "the check for an administrator")
    assert (tmp_path / "new.db").exists()
    db = Database(url)
    try:
        assert await current_revision(db) == HEAD
    finally:
        await db.dispose()


async def test_the_app_start_interrupts_the_runs_a_killed_process_left_running(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'crm.db'}"
    db = Database(url)
    try:
        await prepare(db)
        async with unit_of_work(db) as uow:
            run = await make_run(uow, RunOwner(RunOwner.current().host, ended_pid()))
        app = create_app(make_settings(url), prepare=True)
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: app.needs_admin, "the database prepared")
        async with unit_of_work(db) as uow:
            process = await uow.processes.by_code(known.GET_WEBITEL_USERS_PROCESS_CODE)
            assert process is not None
            [logged] = await uow.processes.recent_runs(process.id)
    finally:
        await db.dispose()
    assert (logged.id, logged.status) == (run, ProcessStatus.INTERRUPTED)


@pytest.mark.parametrize("next_field", ["tab", "enter"])
async def test_a_login_typed_ahead_lands_in_its_fields(demo_url: str, next_field: str) -> None:
    """ "Supervisor<Tab>Supervisor<Enter>" in one burst: the key after Tab (or Enter) goes to
    the password, not to the user name the app has not yet moved away from."""
    app = make_app(demo_url)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: screen_name(app) == "LoginScreen", "the login screen")
        await wait_for(pilot, lambda: app.focused is not None, "the user name focused")
        type_ahead(app, *"Supervisor", next_field, *"Supervisor", "enter")
        await wait_for(pilot, lambda: screen_name(app) == "ShellScreen", "the shell")
        assert app.logged_in is not None and app.logged_in.user.name == "Supervisor"
