"""M1 and M2 end to end: the System designer, Workplace setup and its Sections detail."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable, OptionList

from tests.ui.conftest import SIZE, fill_login, make_app, screen_name, search_for, wait_for
from tests.ui.test_shell import sections_shown, shell_of, workplace_shown
from webitel_tui.db.engine import Database
from webitel_tui.repositories import unit_of_work
from webitel_tui.ui.app import WebitelTuiApp
from webitel_tui.ui.screens.base import ShellContext
from webitel_tui.ui.screens.designer import SystemDesignerScreen
from webitel_tui.ui.screens.designer_page import NOT_AN_ADMIN, NotAnAdminError
from webitel_tui.ui.screens.dialogs import ConfirmDialog
from webitel_tui.ui.screens.lookup import LookupDialog
from webitel_tui.ui.screens.workplaces import WorkplacePage, WorkplaceSetupScreen


def rows_of(app: WebitelTuiApp, selector: str) -> list[str]:
    table = app.screen.query_one(selector, DataTable)
    return [str(table.get_row_at(i)[0]) for i in range(table.row_count)]


async def log_in_as(pilot: object, app: WebitelTuiApp, login: str) -> None:
    await fill_login(pilot, login, login)  # type: ignore[arg-type]
    await wait_for(pilot, lambda: screen_name(app) == "ShellScreen", "the shell")  # type: ignore[arg-type]
    await wait_for(pilot, lambda: workplace_shown(app) == "General", "the workplace")  # type: ignore[arg-type]


async def test_m1_add_webitel_users_to_contact_center_and_open_it(demo_url: str) -> None:
    app = make_app(demo_url)
    async with app.run_test(size=SIZE) as pilot:
        await log_in_as(pilot, app, "Supervisor")
        await pilot.press("ctrl+g")
        await wait_for(pilot, lambda: screen_name(app) == "SystemDesignerScreen", "designer")
        await pilot.press("enter")  # Workplace setup is the first tile
        await wait_for(pilot, lambda: screen_name(app) == "WorkplaceSetupScreen", "setup")
        await wait_for(pilot, lambda: len(rows_of(app, "#workplaces")) == 2, "workplaces")
        assert rows_of(app, "#workplaces") == ["General", "Contact center"]
        await pilot.press("down", "enter")
        await wait_for(pilot, lambda: screen_name(app) == "WorkplacePage", "the workplace page")
        await wait_for(pilot, lambda: len(rows_of(app, "#sections-detail")) == 3, "sections")
        await pilot.press("plus")
        await wait_for(pilot, lambda: isinstance(app.screen, LookupDialog), "the lookup")
        lookup = app.screen
        assert isinstance(lookup, LookupDialog)
        await wait_for(pilot, lambda: lookup.grid.table.row_count > 0, "available sections")
        offered = [s.caption for s in lookup.grid.records]
        assert "Webitel users" in offered and "Contacts" not in offered
        await search_for(pilot, "webitel")
        await wait_for(
            pilot,
            lambda: [s.caption for s in lookup.grid.records] == ["Webitel users"],
            "the search result",
        )
        await pilot.press("enter", "space")  # back to the list, tick the row
        await wait_for(pilot, lambda: len(lookup.grid.selected) == 1, "one ticked")
        await pilot.press("ctrl+s")
        await wait_for(
            pilot, lambda: "Webitel users" in rows_of(app, "#sections-detail"), "added section"
        )
        assert rows_of(app, "#sections-detail")[-1] == "Webitel users"
        await pilot.press("escape")  # the page
        await wait_for(pilot, lambda: screen_name(app) == "WorkplaceSetupScreen", "setup")
        await pilot.press("escape", "escape")  # setup, designer
        await wait_for(pilot, lambda: screen_name(app) == "ShellScreen", "the shell")
        await pilot.press("w")
        await wait_for(pilot, lambda: workplace_shown(app) == "Contact center", "Contact center")
        await wait_for(pilot, lambda: "Webitel users" in sections_shown(app), "the new section")
        options = shell_of(app).query_one("#sections", OptionList)
        options.highlighted = sections_shown(app).index("Webitel users")
        await pilot.press("enter")
        await wait_for(
            pilot,
            lambda: bool(shell_of(app).query("#webitel-users-section")),
            "the section opened",
        )


async def test_m1_remove_and_reorder_sections(demo_url: str) -> None:
    app = make_app(demo_url)
    async with app.run_test(size=SIZE) as pilot:
        await log_in_as(pilot, app, "Supervisor")
        context = ShellContext(app.db, shell_of(app).logged_in)
        await pilot.press("ctrl+g", "enter")
        await wait_for(pilot, lambda: len(rows_of(app, "#workplaces")) == 2, "workplaces")
        await pilot.press("shift+down")  # General below Contact center
        await wait_for(
            pilot,
            lambda: rows_of(app, "#workplaces") == ["Contact center", "General"],
            "the new order",
        )
        await pilot.press("enter")  # the cursor followed General
        await wait_for(pilot, lambda: isinstance(app.screen, WorkplacePage), "the page")
        page = app.screen
        assert isinstance(page, WorkplacePage) and page.workplace.name == "General"
        await wait_for(pilot, lambda: len(rows_of(app, "#sections-detail")) == 2, "sections")
        await pilot.press("down", "u")  # Accounts up
        await wait_for(
            pilot,
            lambda: rows_of(app, "#sections-detail") == ["Accounts", "Contacts"],
            "reordered",
        )
        await pilot.press("delete")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog), "confirmation")
        assert app.screen.message == "Are you sure that you want to delete the selected record?"  # type: ignore[attr-defined]
        await pilot.press("n")  # No: nothing changes
        await wait_for(pilot, lambda: isinstance(app.screen, WorkplacePage), "the page again")
        assert rows_of(app, "#sections-detail") == ["Accounts", "Contacts"]
        await pilot.press("delete", "y")
        await wait_for(
            pilot,
            lambda: rows_of(app, "#sections-detail") == ["Contacts"],
            "deleted",
        )
    async with unit_of_work(Database(demo_url)) as uow:
        general = await uow.workplaces.get_by_name("General")
        assert general is not None
        assert [s.caption for s in await uow.workplaces.sections_of(general.id)] == ["Contacts"]
    assert context.logged_in.is_admin


async def test_renaming_with_unsaved_changes_asks_first(demo_url: str) -> None:
    app = make_app(demo_url)
    async with app.run_test(size=SIZE) as pilot:
        await log_in_as(pilot, app, "Supervisor")
        await pilot.press("ctrl+g", "enter")
        await wait_for(pilot, lambda: len(rows_of(app, "#workplaces")) == 2, "workplaces")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, WorkplacePage), "the page")
        await pilot.press("shift+tab", "end")  # to the name (focus selects it all)
        await pilot.press(*" 2")
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog), "the prompt")
        assert app.screen.message == "You have unsaved changes that will be lost. Continue?"  # type: ignore[attr-defined]
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, WorkplacePage), "kept")
        page = app.screen
        assert isinstance(page, WorkplacePage)
        assert page.name_input.value == "General 2"  # the input is not lost
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: page.workplace.name == "General 2", "saved")
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, WorkplaceSetupScreen), "closed")
        await wait_for(pilot, lambda: rows_of(app, "#workplaces")[0] == "General 2", "renamed")


async def test_m2_a_non_admin_finds_no_way_into_the_designer(demo_url: str) -> None:
    app = make_app(demo_url)
    async with app.run_test(size=SIZE) as pilot:
        await log_in_as(pilot, app, "okovalenko")
        shell = shell_of(app)
        assert not shell.logged_in.is_admin
        await pilot.press("ctrl+g")
        await pilot.pause()
        assert screen_name(app) == "ShellScreen"
        assert "shell.system_designer" not in {
            b.binding.id for b in shell.active_bindings.values() if b.enabled
        }
        context = ShellContext(app.db, shell.logged_in)
        for screen_class in (SystemDesignerScreen, WorkplaceSetupScreen):
            with pytest.raises(NotAnAdminError, match=NOT_AN_ADMIN):
                screen_class(context)
