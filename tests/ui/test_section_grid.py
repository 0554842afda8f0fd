"""The section grid over a real repository: pages as the cursor goes, search, sort, empties."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from rich.text import Text
from textual.app import App, ComposeResult
from textual.containers import Horizontal
from textual.pilot import Pilot
from textual.widgets import DataTable, Static

from tests.cancelled_queries import SLOW_QUERY, others_end
from tests.ui.conftest import type_ahead, wait_for
from webitel_tui.db.engine import Database
from webitel_tui.db.migrate import upgrade
from webitel_tui.domain.contacts import Contact, NewContact
from webitel_tui.domain.paging import Page, PageRequest
from webitel_tui.repositories import unit_of_work
from webitel_tui.ui.widgets import section_grid
from webitel_tui.ui.widgets.section_grid import (
    NO_MATCHES,
    NO_RECORDS,
    GridColumn,
    GridCount,
    GridTable,
    SectionGrid,
    column_widths,
)

COLUMNS = [
    GridColumn[Contact]("name", "Full name", lambda c: c.name),
    GridColumn[Contact]("email", "Email", lambda c: c.email),
]


class GridApp(App[None]):
    def __init__(self, db: Database) -> None:
        super().__init__()
        self.db = db
        self.fetches: list[PageRequest] = []

    async def fetch(self, request: PageRequest) -> Page[Contact]:
        self.fetches.append(request)
        async with unit_of_work(self.db) as uow:
            return await uow.contacts.page_contacts(request)

    def compose(self) -> ComposeResult:
        yield SectionGrid(COLUMNS, self.fetch, sort="name", id="grid")

    @property
    def grid(self) -> SectionGrid[Contact]:
        return self.query_one(SectionGrid)


async def make_db(tmp_path: Path, count: int) -> Database:
    db = Database(f"sqlite:///{tmp_path / 'crm.db'}")
    await upgrade(db)
    async with unit_of_work(db) as uow:
        for number in range(count):
            await uow.contacts.create(
                NewContact(name=f"Contact {number:03d}", email=f"c{number}@example.com")
            )
    return db


def rows_are(grid: SectionGrid[Contact], count: int) -> Callable[[], bool]:
    return lambda: grid.table.row_count == count


def empty_text(app: GridApp) -> str:
    label = app.grid.query_one("#grid-empty", Static)
    return str(label.render()) if label.display else ""


async def test_pages_load_ahead_of_the_cursor(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = await make_db(tmp_path, 700)
    # Rows out of the cursor's reach wait for a key that moves down (not for a timer here).
    monkeypatch.setattr(section_grid, "APPEND_DELAY", 60.0)
    app = GridApp(db)
    async with app.run_test(size=(80, 24)) as pilot:
        grid = app.grid
        table = grid.table
        # The grid's first frame already shows the first page (it waits a moment for it);
        # the pages after it, loaded at once, may be there too by now.
        assert table.row_count >= 50
        assert [c.name for c in grid.records[:2]] == ["Contact 000", "Contact 001"]
        # The pages after it load at once, each twice the rows loaded, until LOAD_AHEAD
        # screens are loaded below the cursor (no key moves: each is added at once).
        await wait_for(pilot, lambda: table.row_count == 450, "the pages after the first")
        await pilot.pause()
        assert [request.limit for request in app.fetches] == [50, 100, 300]
        table.focus()
        # Within LOAD_AHEAD screens of the end the last page is loaded; while keys move
        # down it waits below the table for the next key (the cursor is far from the end).
        for _ in range(40):
            if len(app.fetches) == 4:
                break
            await pilot.press("pagedown")
        await wait_for(pilot, lambda: table.loaded_count == 700, "the last page")
        assert table.row_count == 450
        assert [c.name for c in grid.records] == [f"Contact {n:03d}" for n in range(700)]
        cursor = table.cursor_row
        await pilot.press("down")
        assert table.row_count == 700 and table.cursor_row == cursor + 1
        assert table.virtual_size.height == 700 + table.header_height
        await pilot.press("end")
        await wait_for(pilot, lambda: table.cursor_row == 699, "the last record")
        await pilot.press("end")
        await pilot.pause()
        # No page fetched twice, none after the last; follow-up pages grow to MORE_PAGE_SIZE.
        assert [request.limit for request in app.fetches] == [50, 100, 300, 500]
    await db.dispose()


async def test_rows_waiting_for_a_key_are_added_when_none_comes(tmp_path: Path) -> None:
    db = await make_db(tmp_path, 700)
    app = GridApp(db)
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.grid.table
        await wait_for(pilot, lambda: table.row_count == 450, "the pages after the first")
        table.focus()
        for _ in range(40):
            if len(app.fetches) == 4:
                break
            await pilot.press("pagedown")
        await wait_for(pilot, lambda: table.row_count == 700, "the last page, after a moment")
        assert table.loaded_count == 700
    await db.dispose()


async def test_the_app_closes_while_the_grid_reads_a_page(tmp_path: Path) -> None:
    """Quitting cancels the grid's load in the middle of its query: SQLAlchemy closes that
    connection, and the app, every task and the database still come to an end."""
    db = await make_db(tmp_path, 60)
    reading = asyncio.Event()

    class SlowPages(GridApp):
        async def fetch(self, request: PageRequest) -> Page[Contact]:
            if not self.fetches:
                return await super().fetch(request)
            self.fetches.append(request)
            async with unit_of_work(self.db) as uow:  # the follow-up page: a long query
                reading.set()
                await uow.session.execute(SLOW_QUERY)
            raise AssertionError("the query ended before the app was closed")

    async def quit_while_reading() -> None:
        app = SlowPages(db)
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_for(pilot, reading.is_set, "the follow-up page's query")
            await asyncio.sleep(0.05)  # the query is running in the connection's thread

    await asyncio.wait_for(quit_while_reading(), 30)
    assert await others_end(20), "a task of the closed app never ended"
    await asyncio.wait_for(db.dispose(), 20)


def test_a_fixed_width_table_is_sized_like_a_data_table() -> None:
    """GridTable skips DataTable's cell measuring for fixed widths: same size without it."""

    class Tables(App[None]):
        def compose(self) -> ComposeResult:
            yield GridTable(id="grid")
            yield DataTable[Text](id="plain")

        def on_mount(self) -> None:
            for table in self.query(DataTable):
                table.add_column(Text("Name"), key="name", width=12)
                table.add_column(Text("Extension"), key="ext", width=6)
                for number in range(40):
                    table.add_row(Text(f"User {number}" * 3), Text(str(number)), key=str(number))

    async def sizes() -> tuple[object, object]:
        app = Tables()
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            grid = app.query_one("#grid", DataTable)
            plain = app.query_one("#plain", DataTable)
            return grid.virtual_size, plain.virtual_size

    grid_size, plain_size = asyncio.run(sizes())
    assert grid_size == plain_size


def test_column_widths_fill_the_room_the_first_columns_first() -> None:
    def column(caption: str, width: int, least: int | None = None) -> GridColumn[Contact]:
        return GridColumn[Contact](caption.lower(), caption, lambda c: c.name, width, least)

    columns = [column("Name", 20, 10), column("Phone", 12, 8), column("Id", 6)]
    # Each column takes 2 more cells (padding 1 on either side): 30 at their least widths.
    assert column_widths(columns, 44, "", 1) == [20, 12, 6]  # all at their preferred
    assert column_widths(columns, 200, "", 1) == [72, 64, 58]  # and the rest by share
    assert column_widths(columns, 40, "", 1) == [20, 8, 6]  # the first grows first
    assert column_widths(columns, 25, "", 1) == [13, 8, 6]  # the third is past the edge
    assert column_widths(columns, 5, "", 1) == [10, 12, 6]  # one column at least
    # A caption widens the preferred width only; the sort arrow widens both.
    assert column_widths([column("Webitel user name", 14, 8)], 0, "", 1) == [8]
    assert column_widths([column("Webitel user name", 14, 8)], 19, "", 1) == [17]
    assert column_widths([column("Extension", 9, 7), column("Id", 6)], 17, "", 1) == [7, 6]
    by_extension = column_widths([column("Extension", 9, 7), column("Id", 6)], 17, "extension", 1)
    assert by_extension == [15, 6]  # the arrow shown: Id is past the edge


def test_rows_added_later_are_painted_like_a_data_tables() -> None:
    """Rows GridTable adds page by page paint as a DataTable given every row at once."""
    rows = [(str(n), [Text(f"User {n}"), Text(str(n))]) for n in range(60)]

    class Tables(App[None]):
        AUTO_FOCUS = None
        CSS = "DataTable { height: 1fr; width: 1fr; }"

        def compose(self) -> ComposeResult:
            with Horizontal():
                yield GridTable(id="grid", zebra_stripes=True)
                yield DataTable[Text](id="plain", zebra_stripes=True)

        def on_mount(self) -> None:
            for table in self.query(DataTable):
                table.add_column(Text("Name"), key="name", width=12)
                table.add_column(Text("Ext"), key="ext", width=4)
            self.query_one("#plain", DataTable).add_rows([cells for _key, cells in rows])
            self.query_one(GridTable).append_rows(rows[:20])

    def lines(table: DataTable[Text]) -> list[str]:
        return [table.render_line(y).text for y in range(table.size.height)]

    async def compare() -> None:
        app = Tables()
        async with app.run_test(size=(80, 24)) as pilot:
            grid, plain = app.query_one(GridTable), app.query_one("#plain", DataTable)
            await pilot.pause()
            assert grid.row_count == 20 and lines(grid)[-1].strip() == ""
            grid.append_rows(rows[20:40])
            grid.flush_rows()
            grid.append_rows(rows[40:])
            grid.flush_rows()
            for table in (grid, plain):
                table.move_cursor(row=30)
            await pilot.pause()
            assert grid.row_count == 60 and grid.virtual_size == plain.virtual_size
            assert lines(grid) == lines(plain)
            for table in (grid, plain):
                table.move_cursor(row=59)
            await pilot.pause()
            assert lines(grid) == lines(plain)

    asyncio.run(compare())


@asynccontextmanager
async def grid_of_contacts(
    tmp_path: Path, count: int
) -> AsyncIterator[tuple[GridApp, Pilot[None]]]:
    """A grid app over `count` contacts, its rows shown and its list focused."""
    db = await make_db(tmp_path, count)
    app = GridApp(db)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_for(pilot, lambda: app.grid.table.row_count == count, "the rows")
            app.grid.table.focus()
            await pilot.pause()
            yield app, pilot
    finally:
        await db.dispose()


async def test_search_sort_and_empty_states(tmp_path: Path) -> None:
    async with grid_of_contacts(tmp_path, 30) as (app, pilot):
        grid = app.grid
        await pilot.press("slash", *"CONTACT 01")
        await wait_for(pilot, lambda: grid.table.row_count == 10, "the search result")
        # Typing ran one search after the pause, not one per key.
        assert [r.search for r in app.fetches[1:]] == ["CONTACT 01"]
        await pilot.press("x")
        await wait_for(pilot, lambda: empty_text(app) == NO_MATCHES, "no matches")
        await pilot.press(*["backspace"] * 10)
        await wait_for(pilot, lambda: grid.table.row_count == 30, "all rows again")
        grid.sort_by("name")  # the sort column again: descending
        await wait_for(
            pilot, lambda: [c.name for c in grid.records[:1]] == ["Contact 029"], "descending"
        )
        header = grid.table.columns[grid.table.ordered_columns[0].key].label
        assert isinstance(header, Text) and header.plain == "Full name ▼"


async def test_a_search_typed_ahead_lands_in_the_search_box(tmp_path: Path) -> None:
    """The "/" and the term in one burst (a laggy SSH link): the term goes to the search box,
    not to the list the app has not yet moved away from; "/" typed in the box is a character."""
    async with grid_of_contacts(tmp_path, 30) as (app, pilot):
        type_ahead(app, "slash", *"CONTACT 01", "slash")
        await wait_for(pilot, lambda: app.grid.search_input.value == "CONTACT 01/", "the term")


async def test_empty_section_and_data_shown_as_typed(tmp_path: Path) -> None:
    db = await make_db(tmp_path, 0)
    app = GridApp(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: empty_text(app) == NO_RECORDS, "the empty state")
    async with unit_of_work(db) as uow:
        await uow.contacts.create(NewContact(name="[red]x[/red]"))
    app = GridApp(db)
    async with app.run_test(size=(80, 24)) as pilot:
        grid = app.grid
        await wait_for(pilot, lambda: grid.table.row_count == 1, "the row")
        cell = grid.table.get_row_at(0)[0]
        assert isinstance(cell, Text) and cell.plain == "[red]x[/red]" and not cell.spans
    await db.dispose()


async def test_end_shows_the_last_record_and_up_reads_the_rows_before_it(
    tmp_path: Path,
) -> None:
    db = await make_db(tmp_path, 900)
    app = GridApp(db)
    async with app.run_test(size=(80, 24)) as pilot:
        grid, table = app.grid, app.grid.table
        await wait_for(pilot, lambda: table.row_count >= 50, "the first page")
        table.focus()
        await pilot.press("end")
        await wait_for(
            pilot, lambda: grid.current is not None and grid.current.name == "Contact 899", "End"
        )
        assert table.cursor_row == table.row_count - 1
        assert table.row_count < 900  # the list's end was read, not everything before it
        # Up from there brings the rows before the loaded ones, in order, none twice.
        for _ in range(60):
            await pilot.press("pageup")
        await wait_for(pilot, lambda: not grid.loading_page, "the pages before")
        names = [c.name for c in grid.records]
        first = int(names[0].split()[1])
        assert names == [f"Contact {n:03d}" for n in range(first, 900)]
        assert first < 900 - 60 * 10 and grid.current is not None
        assert grid.current.name == f"Contact {first + table.cursor_row:03d}"
        # Home goes back to the first record of the list.
        await pilot.press("home")
        await wait_for(pilot, lambda: grid.records[0].name == "Contact 000", "Home")
        assert table.cursor_row == 0
        # End with a search goes to the last match.
        grid.search_input.value = "Contact 01"
        await wait_for(pilot, lambda: grid.records[0].name == "Contact 010", "the search")
        table.focus()
        await pilot.press("end")
        await wait_for(
            pilot, lambda: grid.current is not None and grid.current.name == "Contact 019", "End"
        )
    await db.dispose()


def count_text(app: GridApp) -> str:
    return app.grid.query_one("#grid-count", GridCount).text


async def test_the_record_count_follows_the_search_and_the_data(tmp_path: Path) -> None:
    """Every list says how many records its search and filter find (a COUNT with the same
    predicate, on the first page of a request), not how many rows are loaded."""
    db = await make_db(tmp_path, 120)
    app = GridApp(db)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            grid = app.grid
            await wait_for(pilot, lambda: count_text(app) == "Row 1 of 120", "the count")
            # The pages after the first are not counted again.
            await wait_for(pilot, lambda: grid.table.row_count == 120, "all rows")
            assert [r.after is None for r in app.fetches] == [True, False]
            grid.table.focus()
            await pilot.press("slash", *"contact 01")
            await wait_for(pilot, lambda: count_text(app) == "Row 1 of 10", "the matches")
            async with unit_of_work(db) as uow:
                first = grid.records[0]
                await uow.contacts.delete(first.id, first.version)
            grid.reload()
            await wait_for(pilot, lambda: count_text(app) == "Row 1 of 9", "after a delete")
    finally:
        await db.dispose()


async def test_a_large_count_is_grouped(tmp_path: Path) -> None:
    db = await make_db(tmp_path, 0)
    async with unit_of_work(db) as uow:
        for number in range(1234):
            await uow.contacts.create(NewContact(name=f"C {number}", email=""))
    app = GridApp(db)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_for(pilot, lambda: count_text(app) == "Row 1 of 1,234", "the count")
    finally:
        await db.dispose()
