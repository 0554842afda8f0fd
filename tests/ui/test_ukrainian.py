"""Ukrainian everywhere (issue 15): F1 has no English line, and the seeded names show in
Ukrainian while nobody renamed them; showing them never rewrites them."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from textual.pilot import Pilot
from textual.screen import Screen

from tests.ui.conftest import SIZE, fill_login, make_app, wait_for
from tests.ui.test_designer import rows_of
from tests.ui.test_shell import sections_shown, workplace_shown
from webitel_tui.db.engine import Database
from webitel_tui.domain import known
from webitel_tui.i18n import set_language
from webitel_tui.repositories import unit_of_work
from webitel_tui.ui.app import WebitelTuiApp
from webitel_tui.ui.screens.help import help_rows
from webitel_tui.ui.screens.login import LoginScreen
from webitel_tui.ui.screens.lookup import LookupDialog
from webitel_tui.ui.screens.shell import ShellScreen
from webitel_tui.ui.screens.system_users import SystemUsersScreen, UserPage
from webitel_tui.ui.screens.workplaces import WorkplacePage, WorkplaceSetupScreen

UKRAINIAN = re.compile("[а-яіїєґ]", re.IGNORECASE)


@pytest.fixture(autouse=True)
def english_afterwards() -> Iterator[None]:
    """The language is process-wide: the tests after these expect English."""
    yield
    set_language("en")


def english_help(screen: Screen[object]) -> list[str]:
    """The F1 lines of `screen` with no Ukrainian word in them."""
    return [text for _keys, text in help_rows(screen) if not UKRAINIAN.search(text)]


async def log_in(pilot: Pilot[None], app: WebitelTuiApp) -> None:
    await fill_login(pilot, "Supervisor", "Supervisor")
    await wait_for(pilot, lambda: isinstance(app.screen, ShellScreen), "the shell")
    await wait_for(pilot, lambda: workplace_shown(app) == "Загальне", "the first workplace")


async def test_f1_has_no_english_line(demo_url: str) -> None:
    app = make_app(demo_url, language="uk")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, LoginScreen), "the login screen")
        assert english_help(app.screen) == []
        await log_in(pilot, app)
        assert english_help(app.screen) == []
        await pilot.press("ctrl+g", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, WorkplaceSetupScreen), "the setup")
        assert english_help(app.screen) == []
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, WorkplacePage), "a workplace")
        assert english_help(app.screen) == []
        await pilot.press("plus")
        await wait_for(pilot, lambda: isinstance(app.screen, LookupDialog), "the lookup")
        assert english_help(app.screen) == []


async def test_seeded_names_show_in_ukrainian_and_stay_as_stored(demo_url: str) -> None:
    app = make_app(demo_url, language="uk")
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, app)
        assert sections_shown(app) == ["Контакти", "Контрагенти"]
        await pilot.press("ctrl+g", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, WorkplaceSetupScreen), "the setup")
        await wait_for(pilot, lambda: len(rows_of(app, "#workplaces")) == 2, "the workplaces")
        assert rows_of(app, "#workplaces") == ["Загальне", "Контакт центр"]
        await pilot.press("down", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, WorkplacePage), "Contact center")
        page = app.screen
        assert isinstance(page, WorkplacePage)
        await wait_for(pilot, lambda: page.name_input.value == "Контакт центр", "its name")
        assert rows_of(app, "#sections-detail") == ["Контакти", "Контрагенти", "Журнал процесів"]
        assert not page.dirty
        await pilot.press("ctrl+s")  # saved as shown: the stored name does not change
        await wait_for(pilot, lambda: page.saved_any and not page.dirty, "saved")
    db = Database(demo_url)
    try:
        async with unit_of_work(db) as uow:
            names = [w.name for w in await uow.workplaces.list_workplaces()]
    finally:
        await db.dispose()
    assert names == ["General", known.CONTACT_CENTER_WORKPLACE]


async def test_seeded_roles_show_in_ukrainian(demo_url: str) -> None:
    app = make_app(demo_url, language="uk")
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, app)
        await pilot.press("ctrl+g", "down", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, SystemUsersScreen), "System users")
        users = app.screen
        assert isinstance(users, SystemUsersScreen)
        await wait_for(pilot, lambda: bool(users.grid.records), "the users")
        names = [user.name for user in users.grid.records]
        users.grid.table.move_cursor(row=names.index("Supervisor"))
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, UserPage), "the user page")
        await wait_for(pilot, lambda: len(rows_of(app, "#roles-detail")) == 2, "the roles")
        roles = sorted(rows_of(app, "#roles-detail"))
        assert roles == ["Всі працівники", "Системні адміністратори"]
