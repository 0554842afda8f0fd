"""Bursts of keys with no pause between them (a fast typist, auto-type, a laggy SSH link):
the search box, a lookup and a record page end in exactly the state the keys describe.

Each burst is sent two ways: `pilot.press(*keys)` in one call, and all the keys posted before
the app handles the first (`type_ahead`)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.widgets import Input, Static

from tests.ui.conftest import type_ahead, wait_for
from tests.ui.test_section_grid import COLUMNS, GridApp, make_db
from tests.ui.test_shell import _move_webitel_users_into_contact_center
from tests.ui.test_webitel_users import app_for, open_section
from webitel_tui.db.engine import Database
from webitel_tui.domain.contacts import Contact
from webitel_tui.domain.paging import Page, PageRequest
from webitel_tui.repositories import unit_of_work
from webitel_tui.simulator import RunningSimulator, start_simulator
from webitel_tui.ui.screens.lookup import LookupDialog
from webitel_tui.ui.screens.webitel_users import WebitelUserCard

Send = Callable[[Pilot[None], tuple[str, ...]], Awaitable[None]]


async def pressed(pilot: Pilot[None], keys: tuple[str, ...]) -> None:
    await pilot.press(*keys)


async def typed_ahead(pilot: Pilot[None], keys: tuple[str, ...]) -> None:
    type_ahead(pilot.app, *keys)


@pytest.fixture
async def sim() -> AsyncIterator[RunningSimulator]:
    running = await start_simulator(users=20)
    try:
        yield running
    finally:
        await running.stop()


SENDS = pytest.mark.parametrize("send", [pressed, typed_ahead], ids=["press", "type_ahead"])


@asynccontextmanager
async def grid_app(tmp_path: Path) -> AsyncIterator[tuple[GridApp, Pilot[None]]]:
    db = await make_db(tmp_path, 30)
    app = GridApp(db)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_for(pilot, lambda: app.grid.table.row_count == 30, "the rows")
            app.grid.table.focus()
            await pilot.pause()
            yield app, pilot
    finally:
        await db.dispose()


def names(app: GridApp) -> list[str]:
    return [c.name for c in app.grid.records]


@SENDS
async def test_ctrl_u_then_a_term_searches_for_the_term(tmp_path: Path, send: Send) -> None:
    async with grid_app(tmp_path) as (app, pilot):
        await pilot.press("slash", *"Contact")
        await send(pilot, ("ctrl+u", *"029"))
        await wait_for(pilot, lambda: app.grid.search_input.value == "029", "the term")
        await wait_for(pilot, lambda: len(names(app)) == 1, "the search result")
        assert names(app) == ["Contact 029"]
        assert app.grid.request.search == "029"


@SENDS
async def test_backspace_then_a_character(tmp_path: Path, send: Send) -> None:
    async with grid_app(tmp_path) as (app, pilot):
        await send(pilot, ("slash", *"abc", "backspace", "z"))
        await wait_for(pilot, lambda: app.grid.search_input.value == "abz", "abz")
        await pilot.pause(0.4)
        assert app.grid.search_input.value == "abz"
        assert app.grid.request.search == "abz"


class LookupHost(App[None]):
    """An empty screen that opens a lookup of contacts and keeps what it returns."""

    def __init__(self, db: Database, *, multi_select: bool) -> None:
        super().__init__()
        self.db = db
        self.multi_select = multi_select
        self.chosen: list[Contact] | None = None
        self.closed = False

    async def fetch(self, request: PageRequest) -> Page[Contact]:
        async with unit_of_work(self.db) as uow:
            return await uow.contacts.page_contacts(request)

    def compose(self) -> ComposeResult:
        yield Static("host", id="host")

    def on_mount(self) -> None:
        dialog: LookupDialog[Contact] = LookupDialog(
            "Contacts", COLUMNS, self.fetch, sort="name", multi_select=self.multi_select
        )
        self.push_screen(dialog, self._chosen)

    def _chosen(self, records: list[Contact] | None) -> None:
        self.chosen, self.closed = records, True


@asynccontextmanager
async def lookup_app(
    tmp_path: Path, *, multi_select: bool
) -> AsyncIterator[tuple[LookupHost, LookupDialog[Contact], Pilot[None]]]:
    db = await make_db(tmp_path, 30)
    app = LookupHost(db, multi_select=multi_select)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_for(pilot, lambda: isinstance(app.screen, LookupDialog), "the lookup")
            lookup = app.screen
            assert isinstance(lookup, LookupDialog)
            await wait_for(pilot, lambda: lookup.grid.table.row_count == 30, "the rows")
            await wait_for(pilot, lambda: app.focused is lookup.grid.table, "the list focused")
            yield app, lookup, pilot
    finally:
        await db.dispose()


def chosen(app: LookupHost) -> list[str] | None:
    return None if app.chosen is None else [c.name for c in app.chosen]


@SENDS
async def test_space_then_ctrl_s_chooses_the_ticked_record(tmp_path: Path, send: Send) -> None:
    async with lookup_app(tmp_path, multi_select=True) as (app, _lookup, pilot):
        await send(pilot, ("down", "space", "ctrl+s"))
        await wait_for(pilot, lambda: app.closed, "the lookup closed")
        assert chosen(app) == ["Contact 001"]


@SENDS
async def test_a_search_and_one_enter_chooses_the_first_match(tmp_path: Path, send: Send) -> None:
    async with lookup_app(tmp_path, multi_select=False) as (app, _lookup, pilot):
        await send(pilot, ("slash", *"ct 02", "enter"))
        await wait_for(pilot, lambda: app.closed, "the lookup closed")
        assert chosen(app) == ["Contact 020"]


@SENDS
async def test_keys_after_the_searched_enter_wait_for_the_choice(
    tmp_path: Path, send: Send
) -> None:
    """The Enter of the search chooses once the page comes: the keys typed meanwhile never go
    to the lookup's list (an Enter there would choose the old first row)."""
    async with lookup_app(tmp_path, multi_select=False) as (app, _lookup, pilot):
        await send(pilot, ("slash", *"ct 02", "enter", "down", "enter"))
        await wait_for(pilot, lambda: app.closed, "the lookup closed")
        assert chosen(app) == ["Contact 020"]


@SENDS
async def test_a_burst_across_fields_keeps_each_character_in_its_field(
    demo_url: str, sim: RunningSimulator, send: Send
) -> None:
    await _move_webitel_users_into_contact_center(demo_url)
    app = app_for(demo_url, sim)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_section(pilot, app)
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, WebitelUserCard), "the card")
        card = app.screen
        name = card.query_one("#webitel-name", Input)
        extension = card.query_one("#extension", Input)
        name.focus()
        await wait_for(pilot, lambda: app.focused is name, "the name focused")
        # "a" is refused by the extension (digits only); shift+tab selects the name: replaced.
        await send(pilot, (*"agent", "tab", *"12a3", "shift+tab", "backspace", "7"))
        await wait_for(pilot, lambda: name.value == "7", "the name")
        assert extension.value == "123"
        assert app.focused is name
