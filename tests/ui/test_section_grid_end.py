"""End and Home in a long section list: the list's true last and first records, and the rows
before a list's end read backwards as the cursor moves up (Webitel users, real repository)."""

from __future__ import annotations

import random
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import insert
from textual.app import App, ComposeResult
from textual.pilot import Pilot

from tests.conftest import Templates
from tests.ui.conftest import wait_for
from webitel_tui.db.engine import Database
from webitel_tui.db.tables import WebitelUser, utcnow
from webitel_tui.domain.paging import Page, PageRequest
from webitel_tui.domain.text import search_text
from webitel_tui.domain.webitel_users import WebitelUser as WebitelUserModel
from webitel_tui.repositories import unit_of_work
from webitel_tui.ui.screens.webitel_users import WEBITEL_USER_COLUMNS
from webitel_tui.ui.widgets.section_grid import SEARCH_DELAY, GridCount, GridTable, SectionGrid

USERS = 600
"""More than the grid loads ahead of a cursor at the top at 80x24 (450): End must read the
list's end."""
NAMES = [f"agent.{number:04d}" for number in range(USERS)]
SEARCH = "shevchenko"
MATCHES = [name for number, name in enumerate(NAMES) if number % 6 != 5]
"""The users the search finds: more than the grid loads ahead, and not the last user."""


def contact(number: int) -> str:
    return "Olena Kovalenko" if number % 6 == 5 else "Taras Shevchenko"


def user_rows() -> list[dict[str, Any]]:
    rng = random.Random(17)
    numbers = list(range(USERS))
    rng.shuffle(numbers)  # inserted out of order: the order is the query's
    now = utcnow()
    return [
        {
            "Id": uuid.UUID(int=rng.getrandbits(128)),
            "Name": NAMES[number],
            "Extension": str(100_000 + number),
            "WebitelId": number + 1,
            "ContactName": contact(number),
            "SearchText": search_text([NAMES[number], contact(number), str(100_000 + number)]),
            "CreatedOn": now,
            "ModifiedOn": now,
            "Version": 1,
        }
        for number in numbers
    ]


class UsersApp(App[None]):
    def __init__(self, db: Database) -> None:
        super().__init__()
        self.db = db
        self.fetches: list[PageRequest] = []

    async def fetch(self, request: PageRequest) -> Page[WebitelUserModel]:
        self.fetches.append(request)
        async with unit_of_work(self.db) as uow:
            return await uow.webitel_users.page(request)

    def compose(self) -> ComposeResult:
        yield SectionGrid(WEBITEL_USER_COLUMNS, self.fetch, sort="name", id="grid")

    @property
    def grid(self) -> SectionGrid[WebitelUserModel]:
        return self.query_one(SectionGrid)

    @property
    def table(self) -> GridTable:
        return self.grid.table

    def current(self) -> str | None:
        record = self.grid.current
        return None if record is None else record.name

    def names(self) -> list[str]:
        return [user.name for user in self.grid.records]

    def cursor_in_view(self) -> bool:
        table = self.table
        top = round(table.scroll_offset.y)
        rows = table.scrollable_content_region.height - table.header_height
        return top <= table.cursor_row < top + rows


@asynccontextmanager
async def users_grid(
    templates: Templates, tmp_path: Path
) -> AsyncIterator[tuple[UsersApp, Pilot[None]]]:
    """The grid over USERS Webitel users at 80x24, its first pages shown, the list focused."""
    db = Database(templates.sqlite_copy("migrated", tmp_path))
    try:
        async with db.engine.begin() as connection:
            await connection.execute(insert(WebitelUser), user_rows())
        app = UsersApp(db)
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_for(pilot, lambda: app.names()[:1] == NAMES[:1], "the first page")
            await wait_for(pilot, lambda: not app.grid.loading_page, "the pages after it")
            # Not everything is loaded: End has a list's end to read.
            assert not app.grid.shows_last and app.table.loaded_count < USERS
            app.table.focus()
            await pilot.pause()
            yield app, pilot
    finally:
        await db.dispose()


async def press_end(app: UsersApp, pilot: Pilot[None], last: str) -> None:
    await pilot.press("end")
    await wait_for(pilot, lambda: app.current() == last, f"End to {last}")
    await wait_for(pilot, app.cursor_in_view, "the view on the cursor")


async def test_end_shows_the_last_user_with_the_cursor_on_it(
    templates: Templates, tmp_path: Path
) -> None:
    async with users_grid(templates, tmp_path) as (app, pilot):
        await press_end(app, pilot, NAMES[-1])
        table = app.table
        assert table.cursor_row == table.row_count - 1
        # The list's end was read backwards, not every page before it.
        assert PageRequest(sort="name", descending=True) in app.fetches
        assert table.row_count < USERS and app.grid.shows_last
        shown = app.names()
        assert shown == NAMES[-len(shown) :]
        # End again stays there; down has nowhere to go.
        await pilot.press("end", "down")
        await pilot.pause()
        assert app.current() == NAMES[-1] and table.cursor_row == table.row_count - 1


async def test_up_and_page_up_from_the_end_read_the_users_before_it(
    templates: Templates, tmp_path: Path
) -> None:
    async with users_grid(templates, tmp_path) as (app, pilot):
        grid, table = app.grid, app.table
        await press_end(app, pilot, NAMES[-1])
        window = table.row_count
        # Up, one user at a time: near the top of the rows End read, the rows before them
        # come in front, and the cursor stays on its user, in view.
        for number in range(USERS - 2, USERS - 12, -1):
            await pilot.press("up")
            await wait_for(pilot, lambda: not grid.loading_page, "the rows before")
            assert app.current() == NAMES[number]
            assert app.cursor_in_view()
        assert table.row_count > window
        # Page up to the list's first user: each key a page of users, none skipped.
        position = NAMES.index(app.current() or "")
        step = None
        while position > 0:
            await pilot.press("pageup")
            await wait_for(pilot, lambda: not grid.loading_page, "the rows before")
            now = NAMES.index(app.current() or "")
            assert now < position and app.cursor_in_view()
            step = step or position - now
            assert position - now == min(step, position)
            position = now
        await wait_for(pilot, lambda: grid.shows_first, "the list's start")
        # Every user once, in order: no gap and no repeat where the pages met.
        assert app.names() == NAMES
        assert table.cursor_row == 0


async def test_home_goes_back_to_the_first_user(templates: Templates, tmp_path: Path) -> None:
    async with users_grid(templates, tmp_path) as (app, pilot):
        await press_end(app, pilot, NAMES[-1])
        await pilot.press("up", "up", "pageup")
        fetched = len(app.fetches)
        await pilot.press("home")
        await wait_for(pilot, lambda: app.current() == NAMES[0], "Home to the first user")
        assert app.table.cursor_row == 0 and app.names()[:50] == NAMES[:50]
        assert app.grid.shows_first and not app.grid.shows_last
        # Read from the top again, in the list's order.
        assert app.fetches[fetched] == PageRequest(sort="name")
        # And down from there as before: the pages after the first.
        await pilot.press("pagedown")
        assert app.current() == NAMES[app.table.cursor_row]
        await press_end(app, pilot, NAMES[-1])


async def test_end_with_a_search_goes_to_the_last_match(
    templates: Templates, tmp_path: Path
) -> None:
    async with users_grid(templates, tmp_path) as (app, pilot):
        grid = app.grid
        grid.search_input.value = SEARCH
        await wait_for(pilot, lambda: app.names()[:2] == MATCHES[:2], "the search")
        await wait_for(pilot, lambda: not grid.loading_page, "the pages after it")
        assert not grid.shows_last
        app.table.focus()
        # The last match, not the last user (who is not one).
        await press_end(app, pilot, MATCHES[-1])
        shown = app.names()
        assert shown == MATCHES[-len(shown) :]
        assert PageRequest(search=SEARCH, sort="name", descending=True) in app.fetches
        await pilot.press("home")
        await wait_for(pilot, lambda: app.current() == MATCHES[0], "Home to the first match")


async def test_end_before_a_new_search_came_goes_to_its_last_match(
    templates: Templates, tmp_path: Path
) -> None:
    """End pressed while the search typed a moment ago is still to come: the new list's end,
    not the end of the rows still shown."""
    async with users_grid(templates, tmp_path) as (app, pilot):
        await press_end(app, pilot, NAMES[-1])
        app.grid.search_input.value = SEARCH  # the search runs after a pause in typing
        await pilot.pause()
        assert app.names()[-1] == NAMES[-1]  # still the rows before the search
        await pilot.press("end")
        await wait_for(pilot, lambda: app.current() == MATCHES[-1], "End to the last match")
        await pilot.pause(SEARCH_DELAY + 0.1)  # the search's own page is not to come after it
        assert app.current() == MATCHES[-1] and app.names() == MATCHES[-len(app.names()) :]


async def test_end_in_descending_order_goes_to_the_first_name(
    templates: Templates, tmp_path: Path
) -> None:
    async with users_grid(templates, tmp_path) as (app, pilot):
        app.grid.sort_by("name")  # the sort column again: descending
        await wait_for(pilot, lambda: app.names()[:1] == NAMES[-1:], "descending")
        await wait_for(pilot, lambda: not app.grid.loading_page, "the pages after it")
        await press_end(app, pilot, NAMES[0])
        await pilot.press("pageup")
        assert app.names() == NAMES[::-1][-len(app.names()) :]


def count_of(app: UsersApp) -> str:
    return app.grid.query_one("#grid-count", GridCount).text


async def test_end_on_100000_users_reaches_the_last_one_and_counts_it(
    templates: Templates, tmp_path: Path
) -> None:
    """The whole list is 100,000 users: End shows the last of them (not the last loaded),
    the count says its place in the whole list, and up from there counts back from it."""
    from tests.test_paging_large import ROWS, generate_rows

    db = Database(templates.sqlite_copy("migrated", tmp_path))
    try:
        rows = generate_rows()
        async with db.engine.begin() as connection:
            await connection.execute(insert(WebitelUser), rows)
        last = max(row["Name"] for row in rows)
        app = UsersApp(db)
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_for(pilot, lambda: app.table.row_count > 0, "the first page")
            app.table.focus()
            await pilot.pause()
            assert count_of(app) == "Row 1 of 100,000"
            await press_end(app, pilot, last)
            assert app.table.loaded_count < ROWS  # read from the end, not every page
            await wait_for(pilot, lambda: count_of(app) == "Row 100,000 of 100,000", "the count")
            await pilot.press("up", "up")
            await wait_for(pilot, lambda: count_of(app) == "Row 99,998 of 100,000", "counted back")
            await pilot.press("ctrl+home")
            await wait_for(pilot, lambda: count_of(app) == "Row 1 of 100,000", "ctrl+Home")
            await pilot.press("ctrl+end")
            await wait_for(pilot, lambda: app.current() == last, "ctrl+End to the last user")
    finally:
        await db.dispose()
