"""The bulk actions as pictures at 80x24: the ticked grid and a bulk action's preview."""

from __future__ import annotations

import asyncio

import pytest
from textual.pilot import Pilot

from tests.ui.conftest import make_app, wait_for
from tests.ui.test_screen_snapshots import Navigate, SnapCompare, app_of, steady
from tests.ui.test_webitel_snapshots import _with_users, section, settings_for, sim
from webitel_tui.simulator import SimulatorThread
from webitel_tui.ui.screens.bulk import BulkScreen
from webitel_tui.ui.screens.dialogs import ActionsMenu
from webitel_tui.ui.screens.webitel_users import WebitelUsersSection

__all__ = ["sim"]  # the fixture, shared

PEOPLE = [("amelnyk", "7002"), ("jsmith", "7003"), ("okovalenko", "7001")]


async def ticked(pilot: Pilot[None]) -> None:
    app = app_of(pilot)
    await section(pilot)
    grid = app.screen.query_one(WebitelUsersSection).grid
    await wait_for(pilot, lambda: grid.table.row_count == 3, "the rows")
    grid.table.focus()
    await pilot.press("space", "down", "down", "space")
    await wait_for(pilot, lambda: len(grid.selected) == 2, "two ticks")


async def preview(pilot: Pilot[None]) -> None:
    app = app_of(pilot)
    await ticked(pilot)
    await pilot.press("a")
    await wait_for(pilot, lambda: isinstance(app.screen, ActionsMenu), "Actions")
    menu = app.screen
    assert isinstance(menu, ActionsMenu)
    menu.dismiss("bulk:stun-on")  # as Enter on its item
    await wait_for(pilot, lambda: isinstance(app.screen, BulkScreen), "the preview")
    screen = app.screen
    assert isinstance(screen, BulkScreen)
    await wait_for(pilot, lambda: screen.stage == "previewed", "the plan")


CASES: list[tuple[str, Navigate]] = [("ticked_grid", ticked), ("bulk_preview", preview)]


@pytest.mark.parametrize(("name", "navigate"), CASES, ids=[n for n, _ in CASES])
def test_bulk(
    snap_compare: SnapCompare,
    demo_url: str,
    sim: SimulatorThread,
    name: str,
    navigate: Navigate,
) -> None:
    webitel = settings_for(sim)
    asyncio.run(_with_users(demo_url, webitel, PEOPLE))
    app = make_app(demo_url, webitel=webitel)
    assert snap_compare(app, terminal_size=(80, 24), run_before=steady(navigate))
