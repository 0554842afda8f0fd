"""Every screen and dialog as a picture, at 80x24 and 120x40, in the default theme.

One table of cases: a name and the keys that lead there (`run_before`). Each case starts a
fresh app on a fresh copy of the demo database, waits for what the screen shows (rows loaded,
workers done), and steadies every Input cursor, so the picture is the same on every run.
`snap_compare` runs the app in its own event loop, so the tests are sync.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, OptionList

from tests.ui.conftest import fill_login, make_app, wait_for
from webitel_tui.i18n import set_language
from webitel_tui.ui.app import WebitelTuiApp
from webitel_tui.ui.screens.designer import SystemDesignerScreen
from webitel_tui.ui.screens.dialogs import ActionsMenu, ConfirmDialog
from webitel_tui.ui.screens.help import HelpScreen
from webitel_tui.ui.screens.login import LoginScreen
from webitel_tui.ui.screens.lookup import LookupDialog
from webitel_tui.ui.screens.shell import ShellScreen
from webitel_tui.ui.screens.system_settings import SystemSettingsPage
from webitel_tui.ui.screens.system_users import SystemUsersScreen, UserPage
from webitel_tui.ui.screens.workplaces import WorkplacePage, WorkplaceSetupScreen

SnapCompare = Callable[..., bool]
Navigate = Callable[[Pilot[None]], Awaitable[None]]

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]


def app_of(pilot: Pilot[None]) -> WebitelTuiApp:
    app = pilot.app
    assert isinstance(app, WebitelTuiApp)
    return app


def rows(app: WebitelTuiApp, selector: str) -> int:
    tables = app.screen.query(selector).results(DataTable)
    return next((table.row_count for table in tables), -1)


def grid_rows(app: WebitelTuiApp) -> int:
    screen = app.screen
    if isinstance(screen, SystemUsersScreen | LookupDialog):
        return screen.grid.table.row_count
    return -1


# The way to each screen ---------------------------------------------------------------------


async def login(pilot: Pilot[None]) -> None:
    app = app_of(pilot)
    await wait_for(pilot, lambda: isinstance(app.screen, LoginScreen), "the login screen")
    await wait_for(pilot, lambda: bool(app.screen.query(Input)), "the login form")


async def shell(pilot: Pilot[None]) -> None:
    app = app_of(pilot)
    await login(pilot)
    await fill_login(pilot, "Supervisor", "Supervisor")
    await wait_for(pilot, lambda: isinstance(app.screen, ShellScreen), "the shell")
    await wait_for(
        pilot, lambda: app.screen.query_one("#sections", OptionList).option_count > 0, "sections"
    )


async def help_over_shell(pilot: Pilot[None]) -> None:
    app = app_of(pilot)
    await shell(pilot)
    await pilot.press("f1")
    await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), "the help")


async def designer(pilot: Pilot[None]) -> None:
    app = app_of(pilot)
    await shell(pilot)
    await pilot.press("ctrl+g")
    await wait_for(pilot, lambda: isinstance(app.screen, SystemDesignerScreen), "the designer")


async def workplace_setup(pilot: Pilot[None]) -> None:
    app = app_of(pilot)
    await designer(pilot)
    await pilot.press("enter")  # the first tile
    await wait_for(pilot, lambda: isinstance(app.screen, WorkplaceSetupScreen), "the setup")
    await wait_for(pilot, lambda: rows(app, "#workplaces") == 2, "the workplaces")


async def contact_center(pilot: Pilot[None]) -> None:
    app = app_of(pilot)
    await workplace_setup(pilot)
    await pilot.press("down", "enter")  # General, Contact center
    await wait_for(pilot, lambda: isinstance(app.screen, WorkplacePage), "the workplace page")
    await wait_for(pilot, lambda: rows(app, "#sections-detail") == 3, "its sections")


async def sections_lookup(pilot: Pilot[None]) -> None:
    app = app_of(pilot)
    await contact_center(pilot)
    await pilot.press("plus")
    await wait_for(pilot, lambda: isinstance(app.screen, LookupDialog), "the sections lookup")
    await wait_for(pilot, lambda: grid_rows(app) > 0, "the available sections")


async def delete_confirmation(pilot: Pilot[None]) -> None:
    app = app_of(pilot)
    await contact_center(pilot)
    await pilot.press("delete")
    await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog), "the confirmation")


async def system_users(pilot: Pilot[None]) -> None:
    app = app_of(pilot)
    await designer(pilot)
    await pilot.press("down", "enter")
    await wait_for(pilot, lambda: isinstance(app.screen, SystemUsersScreen), "System users")
    await wait_for(pilot, lambda: grid_rows(app) > 0, "the users")


async def new_menu(pilot: Pilot[None]) -> None:
    app = app_of(pilot)
    await system_users(pilot)
    await pilot.press("n")
    await wait_for(pilot, lambda: isinstance(app.screen, ActionsMenu), "the New menu")


async def new_employee(pilot: Pilot[None]) -> None:
    app = app_of(pilot)
    await new_menu(pilot)
    await pilot.press("enter")  # Company employee
    await wait_for(pilot, lambda: isinstance(app.screen, UserPage), "the new user page")


async def okovalenko(pilot: Pilot[None]) -> None:
    app = app_of(pilot)
    await system_users(pilot)
    users = app.screen
    assert isinstance(users, SystemUsersScreen)
    users.grid.table.move_cursor(row=[u.name for u in users.grid.records].index("okovalenko"))
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(app.screen, UserPage), "the user page")
    await wait_for(pilot, lambda: rows(app, "#roles-detail") == 1, "the Roles detail")


async def okovalenko_roles(pilot: Pilot[None]) -> None:
    """The same page with Tab pressed down to the Roles detail (below the fold at 80x24)."""
    app = app_of(pilot)
    await okovalenko(pilot)
    for _ in range(10):
        if app.screen.focused is not None and app.screen.focused.id == "roles-detail":
            break
        await pilot.press("tab")
    await wait_for(pilot, lambda: rows(app, "#roles-detail:focus") == 1, "the focused detail")


async def system_settings(pilot: Pilot[None]) -> None:
    app = app_of(pilot)
    await designer(pilot)
    await pilot.press("down", "down", "enter")
    await wait_for(pilot, lambda: isinstance(app.screen, SystemSettingsPage), "System settings")
    await wait_for(
        pilot, lambda: bool(app.screen.query_one("#stun-servers", Input).value), "the settings"
    )


async def process_start(pilot: Pilot[None]) -> None:
    app = app_of(pilot)
    await shell(pilot)
    await pilot.press("f9")
    await wait_for(pilot, lambda: isinstance(app.screen, LookupDialog), "Process start")
    await wait_for(pilot, lambda: grid_rows(app) == 2, "the processes")


CASES: list[tuple[str, Navigate]] = [
    ("login", login),
    ("shell", shell),
    ("help", help_over_shell),
    ("system_designer", designer),
    ("workplace_setup", workplace_setup),
    ("workplace_contact_center", contact_center),
    ("sections_lookup", sections_lookup),
    ("delete_confirmation", delete_confirmation),
    ("system_users", system_users),
    ("new_user_menu", new_menu),
    ("new_employee_page", new_employee),
    ("user_page_okovalenko", okovalenko),
    ("user_page_okovalenko_roles", okovalenko_roles),
    ("system_settings", system_settings),
    ("process_start", process_start),
]
UKRAINIAN_CASES: list[tuple[str, Navigate]] = [("login", login), ("system_users", system_users)]


def steady(navigate: Navigate) -> Navigate:
    """`run_before`: go to the screen, let every worker finish, stop every cursor blinking
    (on each screen of the stack: a modal shows the one underneath)."""

    async def run_before(pilot: Pilot[None]) -> None:
        await navigate(pilot)
        await pilot.app.workers.wait_for_complete()
        for screen in pilot.app.screen_stack:
            for field in screen.query(Input):
                field.cursor_blink = False
        await pilot.pause()

    return run_before


@pytest.fixture
def english_afterwards() -> Iterator[None]:
    """The language is process-wide: the tests after a Ukrainian picture expect English."""
    yield
    set_language("en")


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("navigate", [pytest.param(n, id=name) for name, n in CASES])
def test_screen(
    snap_compare: SnapCompare, demo_url: str, navigate: Navigate, size: tuple[int, int]
) -> None:
    assert snap_compare(make_app(demo_url), terminal_size=size, run_before=steady(navigate))


@pytest.mark.usefixtures("english_afterwards")
@pytest.mark.parametrize("size", SIZES[:1])
@pytest.mark.parametrize("navigate", [pytest.param(n, id=name) for name, n in UKRAINIAN_CASES])
def test_screen_in_ukrainian(
    snap_compare: SnapCompare, demo_url: str, navigate: Navigate, size: tuple[int, int]
) -> None:
    app = make_app(demo_url, language="uk")
    assert snap_compare(app, terminal_size=size, run_before=steady(navigate))
