"""Command palette (every action with its key), the remembered theme, the Run process entry."""

from __future__ import annotations

from pathlib import Path

from textual.app import SystemCommand

from tests.ui.conftest import SIZE, make_settings, wait_for
from tests.ui.pasting import Toasts
from tests.ui.test_designer import log_in_as
from webitel_tui.config import load_settings
from webitel_tui.db.engine import Database
from webitel_tui.domain import known
from webitel_tui.domain.records import Actor
from webitel_tui.domain.rights import RUN_GET_WEBITEL_USERS
from webitel_tui.processes import system_users
from webitel_tui.repositories import unit_of_work
from webitel_tui.ui.app import WebitelTuiApp, create_app
from webitel_tui.ui.screens.lookup import LookupDialog
from webitel_tui.ui.screens.shell import ShellScreen


def titles(app: WebitelTuiApp) -> list[str]:
    commands: list[SystemCommand] = list(app.get_system_commands(app.screen))
    return [command.title for command in commands]


async def test_palette_lists_the_screens_actions_with_keys(demo_url: str) -> None:
    app = create_app(make_settings(demo_url))
    async with app.run_test(size=SIZE) as pilot:
        await log_in_as(pilot, app, "Supervisor")
        shown = titles(app)
        assert "Designer (^g)" in shown
        assert "Run process (f9)" in shown
        assert "Quit (^q)" in shown
        # The app's Tab / shift+Tab (system bindings) move between fields: no commands.
        assert not [title for title in shown if "focus" in title or "tab" in title]
        run = next(c for c in app.get_system_commands(app.screen) if c.title == "Designer (^g)")
        await run.callback()
        await wait_for(pilot, lambda: type(app.screen).__name__ == "SystemDesignerScreen", "open")


async def test_m2_palette_has_no_designer_for_a_non_admin(demo_url: str) -> None:
    app = create_app(make_settings(demo_url))
    async with app.run_test(size=SIZE) as pilot:
        await log_in_as(pilot, app, "okovalenko")
        assert isinstance(app.screen, ShellScreen)
        assert not [t for t in titles(app) if "Designer" in t]


async def test_the_chosen_theme_is_remembered_in_the_config(demo_url: str, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('language = "en"\n\n[webitel]\nurl = "http://127.0.0.1:1/api"\n')
    app = create_app(make_settings(demo_url), config)
    async with app.run_test(size=SIZE) as pilot:
        app.theme = "creatio-dark"
        await wait_for(pilot, lambda: 'theme = "creatio-dark"' in config.read_text(), "saved")
    settings = load_settings(config).settings
    assert settings.theme == "creatio-dark"
    assert settings.webitel.url == "http://127.0.0.1:1/api"  # the rest is kept


async def test_a_theme_not_saved_is_one_warning_and_the_file_is_untouched(
    demo_url: str, tmp_path: Path
) -> None:
    """The file was broken after the app started (a duplicate key): it is left as it is and
    the admin is told in one line; the app goes on."""
    config = tmp_path / "config.toml"
    broken = b'"theme" = "creatio-classic"  # mine\ntheme = "creatio-dark"\n'
    config.write_bytes(broken)
    toasts = Toasts()
    app = create_app(make_settings(demo_url), config)
    async with app.run_test(size=SIZE, message_hook=toasts.hook) as pilot:
        app.theme = "creatio-dark"
        await wait_for(pilot, lambda: bool(toasts.seen), "the warning")
        [toast] = toasts.seen
        assert toast.severity == "warning"
        assert toast.message == (
            f"The theme could not be remembered in {config}: not valid TOML: "
            "Cannot overwrite a value (at line 2, column 23); correct that line"
        )
        assert app.theme == "creatio-dark"  # in use all the same
    assert config.read_bytes() == broken


async def test_run_process_offers_get_webitel_users(demo_url: str) -> None:
    app = create_app(make_settings(demo_url))
    async with app.run_test(size=SIZE) as pilot:
        await log_in_as(pilot, app, "Supervisor")
        await pilot.press("f9")
        await wait_for(pilot, lambda: isinstance(app.screen, LookupDialog), "Process start")
        dialog = app.screen
        assert isinstance(dialog, LookupDialog)
        assert dialog.query_one("#lookup-select").label.plain == "Run"  # type: ignore[attr-defined]
        await wait_for(pilot, lambda: dialog.grid.table.row_count == 2, "the processes")
        codes = [p.code for p in dialog.grid.records]
        assert codes == ["GetWebitelUsers", "ImportWebitelUsersFromCsv"]
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ShellScreen), "closed")


async def test_without_the_right_neither_f9_nor_the_palette_offers_run_process(
    demo_url: str,
) -> None:
    app = create_app(make_settings(demo_url))
    async with app.run_test(size=SIZE) as pilot:
        await log_in_as(pilot, app, "okovalenko")
        shell = app.screen
        assert isinstance(shell, ShellScreen)
        assert not [t for t in titles(app) if "Run process" in t]
        await pilot.press("f9", "ctrl+r")
        await pilot.pause()
        assert isinstance(app.screen, ShellScreen)
        shell.action_run_process()  # the action itself, as a stray call would reach it
        await pilot.pause()
        assert app.screen is shell


async def test_granting_run_get_webitel_users_to_a_role_offers_the_process(
    demo_url: str,
) -> None:
    db = Database(demo_url)
    try:
        [operation] = [
            o for o in await system_users.list_operations(db) if o.code == RUN_GET_WEBITEL_USERS
        ]
        async with unit_of_work(db) as uow:
            roles = [r for r in await uow.users.list_roles() if r.id == known.ALL_EMPLOYEES]
        await system_users.grant_operation(db, Actor(), operation.id, roles)
    finally:
        await db.dispose()
    app = create_app(make_settings(demo_url))
    async with app.run_test(size=SIZE) as pilot:
        await log_in_as(pilot, app, "okovalenko")
        assert "Run process (f9)" in titles(app)
        await pilot.press("f9")
        await wait_for(pilot, lambda: isinstance(app.screen, LookupDialog), "Process start")
        dialog = app.screen
        assert isinstance(dialog, LookupDialog)
        await wait_for(pilot, lambda: dialog.grid.table.row_count == 1, "the processes")
        assert [p.code for p in dialog.grid.records] == ["GetWebitelUsers"]
