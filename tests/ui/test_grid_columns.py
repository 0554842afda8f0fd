"""The Webitel users grid in the shell: columns sized from the terminal's width, Left / Right
by whole columns, the "Row N of M" line, the column setup dialog (remembered per user) and
the numeric order of extensions."""

from __future__ import annotations

import asyncio
import random
import uuid
from typing import Any

from sqlalchemy import insert
from textual.pilot import Pilot
from textual.widgets import OptionList

from tests.ui.conftest import make_app, wait_for
from tests.ui.test_shell import _move_webitel_users_into_contact_center
from tests.ui.test_webitel_users import open_section
from webitel_tui.db.engine import Database
from webitel_tui.db.tables import WebitelUser, utcnow
from webitel_tui.domain.text import search_text
from webitel_tui.domain.webitel_users import WebitelUser as WebitelUserModel
from webitel_tui.ui.app import WebitelTuiApp
from webitel_tui.ui.screens.column_setup import ColumnSetupDialog
from webitel_tui.ui.widgets.section_grid import GridCount, SectionGrid

LONGEST = "anastasiia.bondarenko"  # 21 characters
USERS = 60
EXTENSIONS = ["1200", "12", "1199"]


def names() -> list[str]:
    return sorted([LONGEST, *(f"agent.{number:03d}" for number in range(USERS - 1))])


def user_rows() -> list[dict[str, Any]]:
    rng = random.Random(11)
    now = utcnow()
    rows = []
    for number, name in enumerate(names()):
        extension = EXTENSIONS[number] if number < len(EXTENSIONS) else str(2000 + number)
        contact = "Anastasiia Bondarenko" if name == LONGEST else "Taras Shevchenko"
        rows.append(
            {
                "Id": uuid.UUID(int=rng.getrandbits(128)),
                "Name": name,
                "Extension": extension,
                "WebitelId": number + 1,
                "ContactName": contact,
                "DefaultDeviceName": f"{name} phone",
                "LicensesText": "CALL_CENTER",
                "EnableStun": number % 2 == 0,
                "SearchText": search_text([name, contact, extension]),
                "CreatedOn": now,
                "ModifiedOn": now,
                "Version": 1,
            }
        )
    return rows


async def with_users(url: str) -> None:
    await _move_webitel_users_into_contact_center(url)
    db = Database(url)
    try:
        async with db.engine.begin() as connection:
            await connection.execute(insert(WebitelUser), user_rows())
    finally:
        await db.dispose()


async def open_grid(pilot: Pilot[None], app: WebitelTuiApp) -> SectionGrid[WebitelUserModel]:
    grid = (await open_section(pilot, app)).grid
    await wait_for(pilot, lambda: grid.table.row_count == USERS, "the users")
    grid.table.focus()
    await pilot.pause()
    return grid


def visible_columns(grid: SectionGrid[Any]) -> list[str]:
    """The columns wholly in view."""
    table = grid.table
    x = round(table.scroll_offset.x)
    right = x + table.scrollable_content_region.width
    return [
        str(column.key.value)
        for column, (start, end) in zip(table.ordered_columns, table.column_spans(), strict=True)
        if start >= x and end <= right and column.key.value != "__check__"  # the ticks
    ]


def width_of(grid: SectionGrid[Any], key: str) -> int:
    return next(c.width for c in grid.table.ordered_columns if c.key.value == key)


def count_text(grid: SectionGrid[Any]) -> str:
    return grid.query_one("#grid-count", GridCount).text


async def test_at_80_columns_the_columns_that_matter_first(demo_url: str) -> None:
    await with_users(demo_url)
    app = make_app(demo_url)
    async with app.run_test(size=(80, 24)) as pilot:
        grid = await open_grid(pilot, app)
        # Whole names and contacts first: licenses and the rest are a Right away.
        assert visible_columns(grid) == ["name", "contact", "extension"]
        # Right shows the next hidden column, a whole column a key.
        await pilot.press("right")
        await wait_for(pilot, lambda: "stun" in visible_columns(grid), "STUN")
        assert visible_columns(grid)[0] == "contact"
        await pilot.press("right")
        await wait_for(pilot, lambda: "webitel_id" in visible_columns(grid), "User id")
        await pilot.press("right", "right", "right")
        await wait_for(pilot, lambda: "default_device" in visible_columns(grid), "the last")
        await pilot.press("left")
        await wait_for(pilot, lambda: round(grid.table.scroll_offset.x) > 0, "a column back")
        for _ in range(6):
            await pilot.press("left")
        await wait_for(pilot, lambda: visible_columns(grid)[0] == "name", "the first column")


async def test_at_120_columns_all_seven_and_names_uncut(demo_url: str) -> None:
    await with_users(demo_url)
    app = make_app(demo_url)
    async with app.run_test(size=(120, 40)) as pilot:
        grid = await open_grid(pilot, app)
        assert len(visible_columns(grid)) == 7
        # The sort arrow takes 2 of the name column's cells.
        assert width_of(grid, "name") >= len(LONGEST) + 2
        assert width_of(grid, "contact") >= 12


async def test_widths_follow_a_resize_and_not_the_rows_loaded(demo_url: str) -> None:
    await with_users(demo_url)
    app = make_app(demo_url)
    async with app.run_test(size=(80, 24)) as pilot:
        grid = await open_grid(pilot, app)
        narrow = [column.width for column in grid.table.ordered_columns]
        await pilot.press("down", "down", "down")
        await pilot.resize_terminal(120, 40)
        await wait_for(pilot, lambda: len(visible_columns(grid)) == 7, "all seven columns")
        # The rows stay, the cursor on the same record.
        assert grid.table.row_count == USERS and grid.table.cursor_row == 3
        await pilot.resize_terminal(80, 24)
        await wait_for(
            pilot,
            lambda: [column.width for column in grid.table.ordered_columns] == narrow,
            "the 80-column widths again",
        )


async def test_the_count_says_which_row_of_how_many(demo_url: str) -> None:
    await with_users(demo_url)
    app = make_app(demo_url)
    async with app.run_test(size=(80, 24)) as pilot:
        grid = await open_grid(pilot, app)
        assert count_text(grid) == "Row 1 of 60"
        await pilot.press("down", "down")
        await wait_for(pilot, lambda: count_text(grid) == "Row 3 of 60", "row 3")
        await pilot.press("end")
        await wait_for(pilot, lambda: count_text(grid) == "Row 60 of 60", "the last row")


async def test_extensions_in_numeric_order(demo_url: str) -> None:
    await with_users(demo_url)
    app = make_app(demo_url)
    async with app.run_test(size=(120, 40)) as pilot:
        grid = await open_grid(pilot, app)
        grid.sort_by("extension")

        def first_three() -> list[str]:
            return [user.extension or "" for user in grid.records[:3]]

        await wait_for(pilot, lambda: first_three() == ["12", "1199", "1200"], "12, 1199, 1200")
        grid.sort_by("extension")  # again: descending
        await wait_for(pilot, lambda: first_three()[:1] == [str(2000 + USERS - 1)], "descending")


async def choose_columns(pilot: Pilot[None], app: WebitelTuiApp) -> None:
    """Hide Contact and put STUN right after the name, then Save."""
    await pilot.press("v")
    await wait_for(pilot, lambda: isinstance(app.screen, ColumnSetupDialog), "the dialog")
    dialog = app.screen
    assert isinstance(dialog, ColumnSetupDialog)
    columns = dialog.query_one(OptionList)
    await wait_for(pilot, lambda: columns.highlighted == 0, "the first column highlighted")
    await pilot.press("down", "space")  # Contact: hidden
    await pilot.press("down", "down", "down")  # STUN
    await pilot.press("shift+up", "shift+up", "shift+up")
    await wait_for(pilot, lambda: dialog.items[1][0] == "stun", "STUN second")
    await pilot.press("ctrl+s")
    await wait_for(pilot, lambda: not isinstance(app.screen, ColumnSetupDialog), "saved")


CHOSEN = ["name", "stun", "extension", "licenses", "webitel_id", "default_device"]


async def test_the_column_setup_is_remembered_per_user(demo_url: str) -> None:
    await with_users(demo_url)
    app = make_app(demo_url)
    async with app.run_test(size=(120, 40)) as pilot:
        grid = await open_grid(pilot, app)
        await choose_columns(pilot, app)
        await wait_for(pilot, lambda: [c.key for c in grid.columns] == CHOSEN, "the choice")
        assert [str(c.key.value) for c in grid.table.ordered_columns][1:] == CHOSEN  # ticks
        assert grid.table.row_count == USERS  # the rows stay
        await wait_for(pilot, lambda: not grid.workers, "the choice saved")
    # The app started again: the same user sees the same columns.
    app = make_app(demo_url)
    async with app.run_test(size=(120, 40)) as pilot:
        grid = await open_grid(pilot, app)
        assert [str(c.key.value) for c in grid.table.ordered_columns][1:] == CHOSEN  # ticks
        # Cancel changes nothing.
        await pilot.press("v")
        await wait_for(pilot, lambda: isinstance(app.screen, ColumnSetupDialog), "the dialog")
        await pilot.press("space", "escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, ColumnSetupDialog), "closed")
        assert [c.key for c in grid.columns] == CHOSEN
    # Another user has the declared columns.
    app = make_app(demo_url)
    async with app.run_test(size=(120, 40)) as pilot:
        grid = (await open_section(pilot, app, "okovalenko")).grid
        await wait_for(pilot, lambda: grid.table.row_count == USERS, "the users")
        assert [c.key for c in grid.columns][:3] == ["name", "contact", "extension"]


def test_no_column_left_is_refused() -> None:
    async def run() -> list[str] | None:
        from textual.app import App

        dialog = ColumnSetupDialog([("name", "Name", True)])
        results: list[list[str] | None] = []

        class Host(App[None]):
            def on_mount(self) -> None:
                self.push_screen(dialog, results.append)

        app = Host()
        async with app.run_test() as pilot:
            await wait_for(pilot, lambda: app.screen is dialog, "the dialog")
            await pilot.press("space", "ctrl+s")
            await pilot.pause()
            assert app.screen is dialog  # still open: one column at least
            await pilot.press("space", "ctrl+s")
            await wait_for(pilot, lambda: bool(results), "saved")
        return results[0]

    assert asyncio.run(run()) == ["name"]
