"""GetWebitelUsers from the screens (M11): from the Process start launcher and from the
section's Actions menu; Preview, run, result, and the section refreshed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from textual.widgets import DataTable, Static

from tests.ui.conftest import wait_for
from tests.ui.test_designer import log_in_as
from tests.ui.test_shell import _move_webitel_users_into_contact_center
from tests.ui.test_webitel_users import app_for, open_section
from webitel_tui.domain.processes import ProcessStatus
from webitel_tui.simulator import RunningSimulator, start_simulator
from webitel_tui.ui.screens.dialogs import ActionsMenu
from webitel_tui.ui.screens.import_users import ImportScreen
from webitel_tui.ui.screens.lookup import LookupDialog
from webitel_tui.ui.screens.webitel_users import WebitelUsersSection


@pytest.fixture
async def sim() -> AsyncIterator[RunningSimulator]:
    running = await start_simulator(users=12)
    try:
        yield running
    finally:
        await running.stop()


def summary_of(screen: ImportScreen) -> str:
    return str(screen.query_one("#import-summary", Static).render())


async def run_from_the_launcher(pilot: Any, app: Any) -> ImportScreen:
    """F9, Run on the one process, and wait for the Preview: the import screen."""
    await pilot.press("f9")
    await wait_for(pilot, lambda: isinstance(app.screen, LookupDialog), "Process start")
    launcher = app.screen
    assert isinstance(launcher, LookupDialog)
    await wait_for(pilot, lambda: launcher.grid.table.row_count == 2, "the processes")
    await pilot.press("ctrl+s")  # Run
    await wait_for(pilot, lambda: isinstance(app.screen, ImportScreen), "the import")
    screen = app.screen
    assert isinstance(screen, ImportScreen)
    await wait_for(pilot, lambda: screen.stage == "previewed", "the preview")
    return screen


async def test_from_the_launcher_preview_then_run(demo_url: str, sim: RunningSimulator) -> None:
    app = app_for(demo_url, sim)
    async with app.run_test(size=(120, 40)) as pilot:
        await log_in_as(pilot, app, "Supervisor")
        screen = await run_from_the_launcher(pilot, app)
        preview = screen.report
        assert preview is not None and preview.dry_run
        # Preview wrote nothing; the demo's ambiguous and portal names are conflicts.
        conflicts = {c.name for c in preview.conflicts}
        assert {"oleksandr.shevchenko", "maria.tkachenko"} <= conflicts
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: screen.stage == "done", "the result")
        report = screen.report
        assert report is not None and not report.dry_run
        assert report.status is ProcessStatus.COMPLETED
        assert {"olena.kovalenko", "andrii.melnyk"} <= set(report.linked)
        assert "created" in summary_of(screen)
        assert screen.query_one("#import-details", DataTable).row_count > 0
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, ImportScreen), "closed")


async def test_from_the_section_actions_and_the_section_refreshes(
    demo_url: str, sim: RunningSimulator
) -> None:
    await _move_webitel_users_into_contact_center(demo_url)
    app = app_for(demo_url, sim)
    async with app.run_test(size=(120, 40)) as pilot:
        section = await open_section(pilot, app)
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, ActionsMenu), "Actions")
        await pilot.press("enter")  # "Load Webitel users" is the first action
        await wait_for(pilot, lambda: isinstance(app.screen, ImportScreen), "the import")
        screen = app.screen
        assert isinstance(screen, ImportScreen)
        await wait_for(pilot, lambda: screen.stage == "previewed", "the preview")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: screen.stage == "done", "the result")
        await pilot.press("escape")
        await wait_for(pilot, lambda: bool(app.screen.query(WebitelUsersSection)), "section")
        section = app.screen.query_one(WebitelUsersSection)
        # Every server user but the two conflicts and the connection's own account is in.
        await wait_for(pilot, lambda: section.grid.table.row_count == 9, "the imported rows")


async def test_from_the_launcher_over_an_open_section_the_section_refreshes(
    demo_url: str, sim: RunningSimulator
) -> None:
    """F9 while the Webitel users section is open: once the run has written users, the
    section shows them, as it does after Actions -> Load Webitel users."""
    await _move_webitel_users_into_contact_center(demo_url)
    app = app_for(demo_url, sim)
    async with app.run_test(size=(120, 40)) as pilot:
        section = await open_section(pilot, app)
        assert section.grid.table.row_count == 0
        screen = await run_from_the_launcher(pilot, app)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: screen.stage == "done", "the result")
        await pilot.press("escape")
        await wait_for(pilot, lambda: bool(app.screen.query(WebitelUsersSection)), "section")
        await wait_for(pilot, lambda: section.grid.table.row_count == 9, "the imported rows")
