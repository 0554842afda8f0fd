"""GetWebitelUsers as pictures, at 80x24 and 120x40: its launcher in the Webitel users
section's Actions menu ("Load Webitel users"; the other, the Process start lookup on F9, is
test_screen_snapshots' process_start), the preview (dry run done, waiting for Run), the run
held mid-way, and the result.

Against the simulator in a thread (snap_compare runs the app in its own event loop), seeded
and with 12 users in pages of 5, on a fresh demo database. The screens show no time and no run
id. Mid-run is real: the run has handled page 1 (5 users) and waits for page 2, which the
simulator holds back with a "slow" fault set through its admin route after the preview.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import httpx
import pytest
from textual.pilot import Pilot
from textual.widgets import Static

from tests.ui.conftest import make_app, wait_for
from tests.ui.test_screen_snapshots import (
    SIZES,
    Navigate,
    SnapCompare,
    app_of,
    process_start,
    steady,
)
from tests.ui.test_shell import _move_webitel_users_into_contact_center
from tests.ui.test_webitel_snapshots import section, settings_for
from webitel_tui.simulator import FaultConfig, FaultRule, SimulatorThread, start_simulator_thread
from webitel_tui.ui.screens.dialogs import ActionsMenu
from webitel_tui.ui.screens.import_users import ImportScreen

PAGE_SIZE = 5
HOLD_MS = 60_000.0
"""How long the simulator holds page 2 back: far longer than taking the picture."""


@pytest.fixture
def sim() -> Iterator[SimulatorThread]:
    with start_simulator_thread(users=12) as running:
        yield running


def import_screen(pilot: Pilot[None]) -> ImportScreen:
    screen = app_of(pilot).screen
    assert isinstance(screen, ImportScreen)
    return screen


async def preview(pilot: Pilot[None]) -> None:
    app = app_of(pilot)
    await process_start(pilot)
    await pilot.press("ctrl+s")  # Run, on the only process: GetWebitelUsers
    await wait_for(pilot, lambda: isinstance(app.screen, ImportScreen), "the import screen")
    screen = import_screen(pilot)
    await wait_for(pilot, lambda: screen.stage == "previewed", "the preview")


async def actions_menu(pilot: Pilot[None]) -> None:
    app = app_of(pilot)
    await section(pilot)
    await pilot.press("a")
    await wait_for(pilot, lambda: isinstance(app.screen, ActionsMenu), "the Actions menu")


async def result(pilot: Pilot[None]) -> None:
    await preview(pilot)
    screen = import_screen(pilot)
    await pilot.press("ctrl+s")
    await wait_for(pilot, lambda: screen.stage == "done", "the result")


def mid_run(sim: SimulatorThread) -> Navigate:
    """`run_before` (not `steady`: the run's worker is meant to be still going): the preview,
    then page 1 of the run answered at once and page 2 held back; the picture is taken once the
    screen shows page 1 handled and the simulator has the page 2 request in hand."""
    hold = FaultConfig(
        rules=[
            FaultRule(kind="slow", route="GET /api/users", count=1),
            FaultRule(kind="slow", route="GET /api/users", latency_ms=HOLD_MS),
        ]
    )
    faults_url = f"{sim.root_url}/__sim__/faults"

    async def fired(admin: httpx.AsyncClient) -> list[int]:
        answer = await admin.get(faults_url)
        answer.raise_for_status()
        return list(answer.json()["fired"])

    async def run_before(pilot: Pilot[None]) -> None:
        app = app_of(pilot)
        await preview(pilot)
        screen = import_screen(pilot)
        async with httpx.AsyncClient() as admin:
            (await admin.post(faults_url, json=hold.model_dump())).raise_for_status()
            await pilot.press("ctrl+s")
            summary = screen.query_one("#import-summary", Static)
            await wait_for(
                pilot, lambda: str(summary.render()).startswith("5 processed"), "page 1 handled"
            )
            while await fired(admin) != [1, 1]:
                await pilot.pause(0.02)
        assert screen.stage == "running"
        await wait_for(
            pilot,
            lambda: all(w.is_finished for w in app.workers if w.group != "import"),
            "every other worker",
        )
        await pilot.pause()

    return run_before


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize(
    "navigate",
    [
        pytest.param(preview, id="preview"),
        pytest.param(result, id="result"),
    ],
)
def test_import_screen(
    snap_compare: SnapCompare,
    demo_url: str,
    sim: SimulatorThread,
    navigate: Navigate,
    size: tuple[int, int],
) -> None:
    webitel = settings_for(sim).model_copy(update={"page_size": PAGE_SIZE})
    app = make_app(demo_url, webitel=webitel)
    assert snap_compare(app, terminal_size=size, run_before=steady(navigate))


@pytest.mark.parametrize("size", SIZES)
def test_import_mid_run(
    snap_compare: SnapCompare, demo_url: str, sim: SimulatorThread, size: tuple[int, int]
) -> None:
    webitel = settings_for(sim).model_copy(
        update={"page_size": PAGE_SIZE, "timeout": 2 * HOLD_MS / 1000}
    )
    app = make_app(demo_url, webitel=webitel)
    assert snap_compare(app, terminal_size=size, run_before=mid_run(sim))


@pytest.mark.parametrize("size", SIZES)
def test_import_from_the_actions_menu(
    snap_compare: SnapCompare, demo_url: str, sim: SimulatorThread, size: tuple[int, int]
) -> None:
    asyncio.run(_move_webitel_users_into_contact_center(demo_url))
    app = make_app(demo_url, webitel=settings_for(sim))
    assert snap_compare(app, terminal_size=size, run_before=steady(actions_menu))
