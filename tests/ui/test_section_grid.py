"""The section grid over a real repository: pages as the cursor goes, search, sort, empties."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from rich.text import Text
from textual.app import App, ComposeResult
from textual.widgets import Static

from tests.ui.conftest import wait_for
from webitel_tui.db.engine import Database
from webitel_tui.db.migrate import upgrade
from webitel_tui.domain.contacts import Contact, NewContact
from webitel_tui.domain.paging import Page, PageRequest
from webitel_tui.repositories import unit_of_work
from webitel_tui.ui.widgets.section_grid import (
    NO_MATCHES,
    NO_RECORDS,
    GridColumn,
    SectionGrid,
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


async def test_pages_load_as_the_cursor_nears_the_end(tmp_path: Path) -> None:
    db = await make_db(tmp_path, 230)
    app = GridApp(db)
    async with app.run_test(size=(80, 24)) as pilot:
        grid = app.grid
        await wait_for(pilot, lambda: grid.table.row_count == 50, "the first page")
        assert [c.name for c in grid.records[:2]] == ["Contact 000", "Contact 001"]
        grid.table.focus()
        await pilot.press("end")  # near the end: the next page, several screens long
        await wait_for(pilot, rows_are(grid, 200), "the second page")
        await pilot.press("end")
        await wait_for(pilot, rows_are(grid, 230), "the last page")
        await pilot.press("end")
        await pilot.pause()
        assert grid.table.row_count == 230
        # No page fetched twice, none after the last; follow-up pages are bigger.
        assert [request.limit for request in app.fetches] == [50, 150, 150]
        assert [c.name for c in grid.records] == [f"Contact {n:03d}" for n in range(230)]
    await db.dispose()


async def test_search_sort_and_empty_states(tmp_path: Path) -> None:
    db = await make_db(tmp_path, 30)
    app = GridApp(db)
    async with app.run_test(size=(80, 24)) as pilot:
        grid = app.grid
        await wait_for(pilot, lambda: grid.table.row_count == 30, "the rows")
        grid.table.focus()
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
    await db.dispose()


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
