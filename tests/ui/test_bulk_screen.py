"""Ticking in the Webitel users section and a bulk action through its screens: Space ticks
(Enter still opens), ctrl+a ticks the whole list, Actions offers the bulk actions for the
ticked, the preview says who will be refused, ctrl+s runs, and the server and the CRM agree."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable, Static

from tests.ui import test_webitel_users
from tests.ui.conftest import wait_for
from tests.ui.test_card_layout import _webitel_users as webitel_users
from tests.ui.test_webitel_users import SIZE_BIG, app_for, open_section
from webitel_tui.db.engine import Database
from webitel_tui.processes import bulk
from webitel_tui.repositories import unit_of_work
from webitel_tui.simulator import RunningSimulator
from webitel_tui.ui.screens.bulk import BulkScreen
from webitel_tui.ui.screens.dialogs import ActionsMenu
from webitel_tui.ui.screens.lookup import LookupDialog

sim = test_webitel_users.sim

PEOPLE = (("amelnyk", "7002"), ("jsmith", "7003"), ("okovalenko", "7001"))


async def test_tick_two_grant_a_license_one_refused(demo_url: str, sim: RunningSimulator) -> None:
    await webitel_users(demo_url, sim, *PEOPLE)
    operator = sim.state.license_by_product("OPERATOR")
    operator.limit = operator.used + 1  # one grant left for two ticked users
    app = app_for(demo_url, sim)
    async with app.run_test(size=SIZE_BIG) as pilot:
        section = await open_section(pilot, app)
        grid = section.grid
        await wait_for(pilot, lambda: grid.table.row_count == 3, "the rows")
        grid.table.focus()
        await pilot.press("space", "down", "space")  # amelnyk, jsmith
        assert [r.name for r in grid.selected.values()] == ["amelnyk", "jsmith"]
        count = section.query_one("#ticked-count", Static)
        assert count.display and "Records selected: 2" in str(count.render())

        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, ActionsMenu), "Actions")
        menu = app.screen
        assert isinstance(menu, ActionsMenu)
        keys = [key for key, _caption in menu.items]
        assert "bulk:grant-license" in keys
        menu.dismiss("bulk:grant-license")
        await wait_for(pilot, lambda: isinstance(app.screen, LookupDialog), "the licenses")
        lookup = app.screen
        assert isinstance(lookup, LookupDialog)
        await wait_for(pilot, lambda: lookup.grid.table.row_count > 0, "the licenses")
        lookup.grid.table.move_cursor(
            row=[lic.product for lic in lookup.grid.records].index("OPERATOR")
        )
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, BulkScreen), "the preview")
        screen = app.screen
        assert isinstance(screen, BulkScreen)
        await wait_for(pilot, lambda: screen.stage == "previewed", "the plan")
        summary = str(screen.query_one("#bulk-summary", Static).render())
        assert "No grants left of OPERATOR: 1 of 2 will not get it." in summary
        assert not sim.state.user_by_username("amelnyk").licenses  # type: ignore[union-attr]

        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: screen.stage == "done", "the run")
        table = screen.query_one("#bulk-lines", DataTable)
        outcomes = [str(table.get_row_at(i)[1]) for i in range(table.row_count)]
        assert outcomes == ["Changed", "Refused"]
        assert sim.state.user_by_username("amelnyk").licenses  # type: ignore[union-attr]
        assert not sim.state.user_by_username("jsmith").licenses  # type: ignore[union-attr]
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, BulkScreen), "closed")

        # ctrl+a: the whole list (here 3), ctrl+a again: none.
        grid.table.focus()
        await pilot.press("ctrl+a")
        await wait_for(pilot, lambda: grid.ticked_count == 3, "all ticked")
        await pilot.press("ctrl+a")
        await wait_for(pilot, lambda: grid.ticked_count == 0, "none ticked")
        await pilot.press("enter")  # Enter still opens the card
        await wait_for(pilot, lambda: type(app.screen).__name__ == "WebitelUserCard", "the card")


async def test_ctrl_a_over_too_long_a_list_says_so_on_the_screen(
    demo_url: str, sim: RunningSimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The bulk screen's refusal path: nothing planned, nothing run, the reason shown."""
    await webitel_users(demo_url, sim, *PEOPLE)
    monkeypatch.setattr(bulk, "MAX_USERS", 2)
    app = app_for(demo_url, sim)
    async with app.run_test(size=SIZE_BIG) as pilot:
        section = await open_section(pilot, app)
        grid = section.grid
        await wait_for(pilot, lambda: grid.table.row_count == 3, "the rows")
        grid.table.focus()
        await pilot.press("ctrl+a")
        await wait_for(pilot, lambda: grid.ticked_count == 3, "all ticked")
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, ActionsMenu), "Actions")
        app.screen.dismiss("bulk:stun-on")
        await wait_for(pilot, lambda: isinstance(app.screen, BulkScreen), "the screen")
        screen = app.screen
        assert isinstance(screen, BulkScreen)
        await wait_for(pilot, lambda: screen.stage == "failed", "the refusal")
        hint = str(screen.query_one("#bulk-hint", Static).render())
        assert "takes up to 2 users; the list has 3" in hint
        await pilot.press("ctrl+s")  # no plan: nothing runs
        assert screen.stage == "failed"
    db = Database(demo_url)
    try:
        async with unit_of_work(db) as uow:
            for login, _extension in PEOPLE:
                record = await uow.webitel_users.find_by_name(login)
                assert record is not None and not record.enable_stun
    finally:
        await db.dispose()
