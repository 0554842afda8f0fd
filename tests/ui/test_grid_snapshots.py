"""The Webitel users grid as a picture: its columns at the terminal's width, the "Row N of M"
line under it, and the column setup dialog; in English and in Ukrainian, at 80x24 and
120x40. Sixty users, one with a login of 21 characters (tests/ui/test_grid_columns.py)."""

from __future__ import annotations

import asyncio

import pytest
from textual.pilot import Pilot
from textual.widgets import Static

from tests.ui.conftest import make_app, wait_for
from tests.ui.test_grid_columns import USERS, with_users
from tests.ui.test_screen_snapshots import SIZES, Navigate, SnapCompare, app_of, shell, steady
from tests.ui.test_shell import sections_shown
from webitel_tui.domain.column_filters import typed_filter
from webitel_tui.i18n import _, set_language
from webitel_tui.ui.screens.column_setup import ColumnSetupDialog
from webitel_tui.ui.screens.webitel_users import WebitelUsersSection


async def grid_with_count(pilot: Pilot[None]) -> None:
    app = app_of(pilot)
    await shell(pilot)
    await pilot.press("w")  # Contact center: Webitel users first (in the admin's language)
    first = [_("Webitel users")]
    await wait_for(pilot, lambda: sections_shown(app)[:1] == first, "Contact center")
    await pilot.pause()
    await pilot.press("enter")
    await wait_for(pilot, lambda: bool(app.screen.query(WebitelUsersSection)), "the section")
    grid = app.screen.query_one(WebitelUsersSection).grid
    await wait_for(pilot, lambda: grid.table.row_count == USERS, "the users")
    grid.table.focus()
    await pilot.press("down", "down", "down")
    await wait_for(pilot, lambda: grid.position == 4, "row 4")


async def column_setup(pilot: Pilot[None]) -> None:
    app = app_of(pilot)
    await grid_with_count(pilot)
    await pilot.press("v")
    await wait_for(pilot, lambda: isinstance(app.screen, ColumnSetupDialog), "the dialog")
    await pilot.press("down", "space")  # Contact: hidden (not saved: the picture only)


async def folder_panel(pilot: Pilot[None]) -> None:
    """The panel beside the grid, its cursor on "No license" and the grid showing it."""
    app = app_of(pilot)
    await grid_with_count(pilot)
    section = app.screen.query_one(WebitelUsersSection)
    await pilot.press("f")
    await wait_for(pilot, lambda: len(section.folder_panel.items) >= 5, "the folders")
    await pilot.press("down")
    await wait_for(pilot, lambda: section.grid.request.filter != "", "No license")
    # Every user of the picture has a license: the list reads as empty once read.
    empty = section.query_one("#grid-empty", Static)
    await wait_for(pilot, lambda: empty.display and section.grid.total == 0, "none")


async def filtered(pilot: Pilot[None]) -> None:
    """A condition on a column: the filter line above the list says what it is narrowed by."""
    app = app_of(pilot)
    await grid_with_count(pilot)
    section = app.screen.query_one(WebitelUsersSection)
    section.grid.set_where((typed_filter("extension", "12"),))
    await wait_for(pilot, lambda: section.grid.total is not None and section.grid.total < USERS, "")


CASES: list[tuple[str, Navigate]] = [
    ("webitel_users_grid", grid_with_count),
    ("column_setup", column_setup),
    ("folder_panel", folder_panel),
    ("filtered", filtered),
]


@pytest.fixture
def english_afterwards() -> object:
    yield
    set_language("en")


@pytest.mark.usefixtures("english_afterwards")
@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("language", ["en", "uk"])
@pytest.mark.parametrize("navigate", [pytest.param(n, id=name) for name, n in CASES])
def test_grid(
    snap_compare: SnapCompare,
    demo_url: str,
    navigate: Navigate,
    language: str,
    size: tuple[int, int],
) -> None:
    asyncio.run(with_users(demo_url))
    app = make_app(demo_url, language=language)
    assert snap_compare(app, terminal_size=size, run_before=steady(navigate))
