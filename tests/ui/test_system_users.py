"""M3 end to end: System users list, New -> Company employee / Portal user, the user page."""

from __future__ import annotations

from typing import Any

from textual.widgets import DataTable, Input, Static

from tests.ui.conftest import SIZE, make_app, screen_name, search_for, wait_for
from tests.ui.test_designer import log_in_as
from webitel_tui.db.engine import Database
from webitel_tui.domain import known, passwords
from webitel_tui.domain.rights import MANAGE_WEBITEL_USERS
from webitel_tui.domain.users import UserType
from webitel_tui.processes.auth import log_in
from webitel_tui.repositories import unit_of_work
from webitel_tui.ui.app import WebitelTuiApp
from webitel_tui.ui.screens.dialogs import ActionsMenu, ConfirmDialog
from webitel_tui.ui.screens.lookup import LookupDialog
from webitel_tui.ui.screens.system_users import (
    OperationPage,
    OperationPermissionsScreen,
    SystemUsersScreen,
    UserPage,
)


def message_of(app: WebitelTuiApp) -> str:
    label = app.screen.query_one("#record-message", Static)
    return str(label.render()) if label.display else ""


async def open_system_users(pilot: object, app: WebitelTuiApp) -> SystemUsersScreen:
    await log_in_as(pilot, app, "Supervisor")
    await pilot.press("ctrl+g", "down", "enter")  # type: ignore[attr-defined]
    await wait_for(pilot, lambda: isinstance(app.screen, SystemUsersScreen), "System users")  # type: ignore[arg-type]
    screen = app.screen
    assert isinstance(screen, SystemUsersScreen)
    await wait_for(pilot, lambda: screen.grid.table.row_count > 0, "the users")  # type: ignore[arg-type]
    return screen


async def fill(pilot: object, app: WebitelTuiApp, field_id: str, value: str) -> None:
    field = app.screen.query_one(f"#{field_id}", Input)
    field.focus()
    field.value = value
    await pilot.pause()  # type: ignore[attr-defined]


async def new_user(pilot: object, app: WebitelTuiApp, kind_down: int) -> UserPage:
    await pilot.press("n")  # type: ignore[attr-defined]
    await wait_for(pilot, lambda: isinstance(app.screen, ActionsMenu), "New menu")  # type: ignore[arg-type]
    await pilot.press(*["down"] * kind_down, "enter")  # type: ignore[attr-defined]
    await wait_for(pilot, lambda: isinstance(app.screen, UserPage), "the user page")  # type: ignore[arg-type]
    page = app.screen
    assert isinstance(page, UserPage)
    return page


async def test_m3_create_an_employee_with_a_new_contact(demo_url: str) -> None:
    app = make_app(demo_url)
    async with app.run_test(size=SIZE) as pilot:
        users = await open_system_users(pilot, app)
        page = await new_user(pilot, app, 0)
        assert page.user_type is UserType.EMPLOYEE
        await pilot.press("ctrl+s")
        await wait_for(
            pilot,
            lambda: message_of(app) == "Fill in the required Contact field to save the record.",
            "required contact",
        )
        await fill(pilot, app, "new-contact", "Nadiia Petrenko")
        await fill(pilot, app, "user-name", "npetrenko")
        await fill(pilot, app, "password", "Str0ng-one")
        await fill(pilot, app, "confirmation", "Str0ng-two")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: message_of(app) == "Passwords do not match", "mismatch")
        # Nothing typed is lost after a refusal.
        assert page.query_one("#user-name", Input).value == "npetrenko"
        await fill(pilot, app, "confirmation", "Str0ng-one")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: message_of(app) == "The record has been saved.", "saved")
        await wait_for(pilot, lambda: page.user is not None, "reloaded")
        assert page.query_one("#password", Input).value == ""  # never kept around
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is users, "the list")
        await wait_for(
            pilot, lambda: "npetrenko" in [u.name for u in users.grid.records], "in the list"
        )
    async with unit_of_work(Database(demo_url)) as uow:
        user = await uow.users.get_by_name("npetrenko")
        assert user is not None and user.contact_name == "Nadiia Petrenko"
        assert await uow.users.is_member(user.id, known.ALL_EMPLOYEES)
        assert passwords.verify_password("Str0ng-one", await uow.users.password_hash(user.id))


async def test_m3_create_a_portal_user_for_an_existing_contact(demo_url: str) -> None:
    app = make_app(demo_url)
    async with app.run_test(size=SIZE) as pilot:
        await open_system_users(pilot, app)
        page = await new_user(pilot, app, 1)
        assert page.user_type is UserType.PORTAL
        await pilot.press("f4")
        await wait_for(pilot, lambda: isinstance(app.screen, LookupDialog), "contacts lookup")
        lookup = app.screen
        assert isinstance(lookup, LookupDialog)
        await search_for(pilot, "petro sav")
        await wait_for(
            pilot,
            lambda: [c.name for c in lookup.grid.records] == ["Petro Savchenko"],
            "the contact",
        )
        await pilot.press("enter", "enter")  # leave the search box, choose the row
        await wait_for(pilot, lambda: app.screen is page, "back on the page")
        assert page.contact_name == "Petro Savchenko"
        await fill(pilot, app, "user-name", "psavchenko2")
        await fill(pilot, app, "password", "Portal-pass1")
        await fill(pilot, app, "confirmation", "Portal-pass1")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: message_of(app) == "The record has been saved.", "saved")
    async with unit_of_work(Database(demo_url)) as uow:
        user = await uow.users.get_by_name("psavchenko2")
        assert user is not None and user.user_type is UserType.PORTAL
        assert await uow.users.is_member(user.id, known.PORTAL_USERS)


async def test_m3_duplicate_name_is_refused_and_roles_detail_works(demo_url: str) -> None:
    app = make_app(demo_url)
    async with app.run_test(size=SIZE) as pilot:
        await open_system_users(pilot, app)
        await new_user(pilot, app, 0)
        await fill(pilot, app, "new-contact", "Somebody Else")
        await fill(pilot, app, "user-name", "OKovalenko")
        await fill(pilot, app, "password", "Str0ng-one")
        await fill(pilot, app, "confirmation", "Str0ng-one")
        await pilot.press("ctrl+s")
        await wait_for(
            pilot,
            lambda: (
                message_of(app) == "Administration object with this name or email already exists."
            ),
            "duplicate",
        )
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog), "unsaved prompt")
        await pilot.press("y")
        await wait_for(pilot, lambda: isinstance(app.screen, SystemUsersScreen), "the list")
        users = app.screen
        assert isinstance(users, SystemUsersScreen)
        index = [u.name for u in users.grid.records].index("okovalenko")
        users.grid.table.move_cursor(row=index)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, UserPage), "the user page")
        page = app.screen
        assert isinstance(page, UserPage)
        detail = page.query_one("#roles-detail", DataTable)
        await wait_for(pilot, lambda: detail.row_count == 1, "All employees")
        detail.focus()  # the admin tabs down to the Roles detail; + in a field is typed
        await pilot.press("plus")
        await wait_for(pilot, lambda: isinstance(app.screen, LookupDialog), "roles lookup")
        lookup = app.screen
        assert isinstance(lookup, LookupDialog)
        await wait_for(pilot, lambda: lookup.grid.table.row_count == 3, "the roles")
        lookup.grid.table.move_cursor(
            row=[r.name for r in lookup.grid.records].index("System administrators")
        )
        await pilot.press("space", "ctrl+s")
        await wait_for(pilot, lambda: detail.row_count == 2, "role added")
        assert screen_name(app) == "UserPage"
    async with unit_of_work(Database(demo_url)) as uow:
        user = await uow.users.get_by_name("okovalenko")
        assert user is not None
        assert await uow.users.is_member(user.id, known.SYSTEM_ADMINISTRATORS)


async def test_a_password_that_breaks_the_policy_is_refused_and_kept(demo_url: str) -> None:
    app = make_app(demo_url)
    async with app.run_test(size=SIZE) as pilot:
        await open_system_users(pilot, app)
        page = await new_user(pilot, app, 0)
        await fill(pilot, app, "new-contact", "Nadiia Petrenko")
        await fill(pilot, app, "user-name", "npetrenko")
        await fill(pilot, app, "password", "abc")
        await fill(pilot, app, "confirmation", "abc")
        await pilot.press("ctrl+s")
        await wait_for(
            pilot,
            lambda: (
                message_of(app)
                == (
                    "The password must be at least 8 characters long and contain at least one "
                    "letter and one digit."
                )
            ),
            "the policy",
        )
        assert page.query_one("#user-name", Input).value == "npetrenko"  # nothing lost
        assert page.user is None
    async with unit_of_work(Database(demo_url)) as uow:
        assert await uow.users.get_by_name("npetrenko") is None


def rows(table: DataTable[Any]) -> list[str]:
    return [str(table.get_row_at(i)[0]) for i in range(table.row_count)]


async def test_operation_permissions_are_granted_to_roles_in_system_users(demo_url: str) -> None:
    app = make_app(demo_url)
    async with app.run_test(size=SIZE) as pilot:
        users = await open_system_users(pilot, app)
        await pilot.press("p")
        await wait_for(
            pilot, lambda: isinstance(app.screen, OperationPermissionsScreen), "the operations"
        )
        operations = app.screen.query_one("#operations", DataTable)
        await wait_for(pilot, lambda: operations.row_count == 2, "two operations")
        assert rows(operations) == ["Manage Webitel users", "Run GetWebitelUsers"]
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, OperationPage), "the operation")
        page = app.screen
        assert isinstance(page, OperationPage)
        assert page.operation.code == MANAGE_WEBITEL_USERS
        detail = page.detail
        await wait_for(pilot, lambda: rows(detail) == ["System administrators"], "its roles")
        await pilot.press("plus")
        await wait_for(pilot, lambda: isinstance(app.screen, LookupDialog), "roles lookup")
        lookup = app.screen
        assert isinstance(lookup, LookupDialog)
        await wait_for(pilot, lambda: lookup.grid.table.row_count == 3, "the roles")
        lookup.grid.table.move_cursor(
            row=[r.name for r in lookup.grid.records].index("All employees")
        )
        await pilot.press("space", "ctrl+s")
        await wait_for(
            pilot,
            lambda: rows(detail) == ["All employees", "System administrators"],
            "granted",
        )
        # System administrators keep it: the refusal is said, the grant stays.
        detail.move_cursor(row=1)
        await pilot.press("delete")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog), "delete?")
        await pilot.press("y")
        await wait_for(pilot, lambda: app.screen is page, "back")
        await pilot.pause()
        assert rows(detail) == ["All employees", "System administrators"]
        await pilot.press("escape", "escape")
        await wait_for(pilot, lambda: app.screen is users, "System users again")
    db = Database(demo_url)
    try:
        session = await log_in(db, "okovalenko", "okovalenko")
        assert session.operations == {MANAGE_WEBITEL_USERS}
    finally:
        await db.dispose()
