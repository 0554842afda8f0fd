"""Import from CSV in the TUI (issue 16): Actions -> Import from CSV, the file, the preview
grid, Run (F5), the per-row report, and the section reloaded; a file that cannot be read
is said under the field and the prompt stays."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, OptionList, Static

from tests.ui.conftest import make_app, wait_for
from tests.ui.test_screen_snapshots import SIZES, SnapCompare, app_of, steady
from tests.ui.test_shell import _move_webitel_users_into_contact_center
from tests.ui.test_webitel_snapshots import section, settings_for
from tests.ui.test_webitel_users import app_for, open_section
from webitel_tui.domain.processes import ProcessStatus
from webitel_tui.processes.csv_import import Outcome
from webitel_tui.simulator import (
    FaultConfig,
    FaultRule,
    RunningSimulator,
    start_simulator,
    start_simulator_thread,
)
from webitel_tui.ui.app import WebitelTuiApp
from webitel_tui.ui.screens.csv_import import CsvImportScreen
from webitel_tui.ui.screens.dialogs import ActionsMenu


@pytest.fixture
async def sim() -> AsyncIterator[RunningSimulator]:
    running = await start_simulator(users=12)
    try:
        yield running
    finally:
        await running.stop()


async def open_import(pilot: Pilot[None], app: WebitelTuiApp) -> CsvImportScreen:
    await pilot.press("a")
    await wait_for(pilot, lambda: isinstance(app.screen, ActionsMenu), "Actions")
    menu = app.screen
    assert isinstance(menu, ActionsMenu)
    actions = [action for action, _caption in menu.items]
    menu.query_one(OptionList).highlighted = actions.index("import-csv")
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(app.screen, CsvImportScreen), "the import")
    screen = app.screen
    assert isinstance(screen, CsvImportScreen)
    return screen


def summary_of(screen: CsvImportScreen) -> str:
    return str(screen.query_one("#csv-import-summary", Static).render())


async def give_file(pilot: Any, screen: CsvImportScreen, path: Path) -> None:
    screen.query_one("#csv-import-path", Input).value = str(path)
    screen.query_one("#csv-import-path", Input).focus()
    await pilot.press("enter")


async def test_preview_run_and_report(demo_url: str, sim: RunningSimulator, tmp_path: Path) -> None:
    await _move_webitel_users_into_contact_center(demo_url)
    path = tmp_path / "users.csv"
    path.write_text(
        "Webitel user name;Extension;Licenses;Roles;STUN\n"
        "okovalenko;7001;OPERATOR;agents;Yes\n"
        "amelnyk;70x2;;;No\n",
        encoding="utf-8",
    )
    app = app_for(demo_url, sim)
    async with app.run_test(size=(120, 40)) as pilot:
        section = await open_section(pilot, app)
        screen = await open_import(pilot, app)
        assert screen.stage == "file"
        await give_file(pilot, screen, path)
        await wait_for(pilot, lambda: screen.stage == "previewed", "the preview")
        assert [(r.row, r.outcome) for r in screen.listed] == [
            (2, Outcome.CREATED),
            (3, Outcome.ERROR),
        ]
        assert screen.query_one("#csv-import-rows", DataTable).row_count == 2
        assert "1 created" in summary_of(screen) and "1 errors" in summary_of(screen)
        assert sim.state.user_by_username("okovalenko") is None  # a preview changes nothing
        await pilot.press("f5")
        await wait_for(pilot, lambda: screen.stage == "done", "the result")
        assert [(r.row, r.outcome) for r in screen.listed] == [
            (2, Outcome.CREATED),
            (3, Outcome.ERROR),
        ]
        created = sim.state.user_by_username("okovalenko")
        assert created is not None and created.extension == "7001" and created.licenses
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, CsvImportScreen), "closed")
        await wait_for(pilot, lambda: section.grid.table.row_count == 1, "the new row")


async def test_a_file_that_cannot_be_read_is_said_and_the_prompt_stays(
    demo_url: str, sim: RunningSimulator, tmp_path: Path
) -> None:
    await _move_webitel_users_into_contact_center(demo_url)
    app = app_for(demo_url, sim)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_section(pilot, app)
        screen = await open_import(pilot, app)
        missing = tmp_path / "missing.csv"
        await give_file(pilot, screen, missing)
        await wait_for(pilot, lambda: "Could not read" in summary_of(screen), "the reason")
        assert screen.stage == "file"
        assert screen.query_one("#csv-import-path", Input).value == str(missing)
        await pilot.press("f5")  # nothing to run yet
        assert screen.stage == "file"
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, CsvImportScreen), "closed")


async def test_esc_stops_the_run_between_rows(
    demo_url: str, sim: RunningSimulator, tmp_path: Path
) -> None:
    """Each create is held 0.5 s by the server: Esc during the first row lets that row
    finish, and no later row starts."""
    await _move_webitel_users_into_contact_center(demo_url)
    path = tmp_path / "users.csv"
    path.write_text(
        "Webitel user name,Extension\nokovalenko,7001\namelnyk,7002\nibondarenko,7003\n",
        encoding="utf-8",
    )
    app = app_for(demo_url, sim)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_section(pilot, app)
        screen = await open_import(pilot, app)
        await give_file(pilot, screen, path)
        await wait_for(pilot, lambda: screen.stage == "previewed", "the preview")
        sim.app.set_faults(
            FaultConfig(rules=[FaultRule(kind="slow", route="POST /api/users", latency_ms=500)])
        )
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: screen.stage == "running", "the run")
        await pilot.press("escape")
        await wait_for(pilot, lambda: screen.stage == "done", "the stop")
        report = screen.report
        assert report is not None and report.status is ProcessStatus.CANCELLED
        assert [r.outcome for r in report.rows] == [Outcome.CREATED]
        assert sim.state.user_by_username("amelnyk") is None
        assert "Cancelled." in str(screen.query_one("#csv-import-state", Static).render())


SNAPSHOT_FILE = Path("/tmp/webitel-tui-csv-snapshot/users.csv")
"""A fixed path: the prompt shows it in the picture."""


@pytest.mark.parametrize("size", SIZES)
def test_preview_picture(snap_compare: SnapCompare, demo_url: str, size: tuple[int, int]) -> None:
    SNAPSHOT_FILE.parent.mkdir(parents=True, exist_ok=True)
    SNAPSHOT_FILE.write_text(
        "Webitel user name;Contact;Extension;Licenses;Roles;STUN\n"
        "okovalenko;;7001;OPERATOR;agents;Yes\n"
        "amelnyk;;70x2;;;No\n"
        "ibondarenko;Nobody Here;7003;;;No\n"
        "okovalenko;;7004;;;No\n",
        encoding="utf-8",
    )
    asyncio.run(_move_webitel_users_into_contact_center(demo_url))
    with start_simulator_thread(users=12) as running:

        async def preview(pilot: Pilot[None]) -> None:
            app = app_of(pilot)
            await section(pilot)
            screen = await open_import(pilot, app)
            await give_file(pilot, screen, SNAPSHOT_FILE)
            await wait_for(pilot, lambda: screen.stage == "previewed", "the preview")

        app = make_app(demo_url, webitel=settings_for(running))
        assert snap_compare(app, terminal_size=size, run_before=steady(preview))
