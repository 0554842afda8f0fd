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

from tests.ui.conftest import make_app, type_ahead, wait_for
from tests.ui.test_section_grid import COLUMNS, GridApp, make_db
from tests.ui.test_shell import _move_webitel_users_into_contact_center
from tests.ui.test_webitel_users import app_for, open_section
from webitel_tui.db.engine import Database
from webitel_tui.domain.contacts import Contact
from webitel_tui.domain.paging import Page, PageRequest
from webitel_tui.repositories import unit_of_work
from webitel_tui.simulator import RunningSimulator, start_simulator
from webitel_tui.ui.screens.login import LoginScreen
from webitel_tui.ui.screens.lookup import LookupDialog
from webitel_tui.ui.screens.webitel_users import WebitelUserCard
from webitel_tui.ui.widgets.data_input import DataInput
from webitel_tui.ui.widgets.keys_in_order import HoldsKeys
from webitel_tui.ui.widgets.password_input import PasswordInput

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


# Keys behind an Enter that moves the focus once a page comes (keys_in_order.HoldsKeys) --------


class HoldingGridApp(HoldsKeys, GridApp):
    """The section grid in an App that holds the keys behind the search's Enter."""


class CallerOfALookup(HoldsKeys, App[None]):
    """A field (as a card's) under a single-select lookup of contacts: the keys typed after
    the lookup closed must land in the field."""

    def __init__(self, db: Database) -> None:
        super().__init__()
        self.db = db
        self.chosen: list[Contact] | None = None
        self.closed = False

    async def fetch(self, request: PageRequest) -> Page[Contact]:
        async with unit_of_work(self.db) as uow:
            return await uow.contacts.page_contacts(request)

    def compose(self) -> ComposeResult:
        yield DataInput(id="after")

    def on_mount(self) -> None:
        self.query_one("#after").focus()
        dialog: LookupDialog[Contact] = LookupDialog("Contacts", COLUMNS, self.fetch, sort="name")
        self.push_screen(dialog, self._chosen)

    def _chosen(self, records: list[Contact] | None) -> None:
        self.chosen, self.closed = records, True


@SENDS
async def test_search_enter_enter_and_more_keys_go_to_the_caller(
    tmp_path: Path, send: Send
) -> None:
    """ "After a search, Enter, Enter and the next keys went into a lookup that was still
    open": one Enter chooses, the second and the keys after it reach the field underneath."""
    db = await make_db(tmp_path, 30)
    app = CallerOfALookup(db)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_for(pilot, lambda: isinstance(app.screen, LookupDialog), "the lookup")
            lookup = app.screen
            assert isinstance(lookup, LookupDialog)
            await wait_for(pilot, lambda: lookup.grid.table.row_count == 30, "the rows")
            await send(pilot, ("slash", *"ct 02", "enter", "enter", *"xy", "backspace", "z"))
            await wait_for(pilot, lambda: app.closed, "the lookup closed")
            field = app.query_one("#after", Input)
            await wait_for(pilot, lambda: field.value == "xz", "the keys after it")
            await pilot.pause(0.3)
            assert app.chosen is not None and [c.name for c in app.chosen] == ["Contact 020"]
            assert field.value == "xz"
            assert not app.holding_keys
    finally:
        await db.dispose()


@SENDS
async def test_arrows_after_the_searched_enter_move_in_the_found_rows(
    tmp_path: Path, send: Send
) -> None:
    """Enter in a section's search box, then Down: the cursor moves in the rows found, not
    in the rows shown before the search (nor in the search box)."""
    db = await make_db(tmp_path, 30)
    app = HoldingGridApp(db)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_for(pilot, lambda: app.grid.table.row_count == 30, "the rows")
            app.grid.table.focus()
            await pilot.pause()
            await send(pilot, ("slash", *"Contact 01", "enter", "down", "down"))
            await wait_for(pilot, lambda: app.grid.request.search == "Contact 01", "the search")
            await wait_for(pilot, lambda: app.grid.table.row_count == 10, "the rows found")
            await wait_for(pilot, lambda: app.focused is app.grid.table, "the list focused")
            await wait_for(pilot, lambda: not app.holding_keys, "the keys handed on")
            await pilot.pause(0.2)
            current = app.grid.current
            assert current is not None and current.name == "Contact 012"
            assert app.grid.search_input.value == "Contact 01"
    finally:
        await db.dispose()


@SENDS
async def test_a_record_page_burst_with_backspace_and_ctrl_u(
    demo_url: str, sim: RunningSimulator, send: Send
) -> None:
    """Type, Backspace, ctrl+u, type, Tab, type: each field ends as the keys say."""
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
        keys = (*"agentx", "backspace", "ctrl+u", *"olena", "tab", *"70", "backspace", *"12")
        await send(pilot, keys)
        await wait_for(pilot, lambda: extension.value == "712", "the extension")
        assert name.value == "olena"
        assert app.focused is extension


@SENDS
async def test_the_login_password_keeps_a_burst_in_order(demo_url: str, send: Send) -> None:
    """The password field is no plain Input: Backspace and ctrl+u in a burst take effect
    where they were typed (the password is never shown: only its value is checked)."""
    app = make_app(demo_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, LoginScreen), "the login")
        await wait_for(pilot, lambda: bool(app.screen.query("#password")), "the form")
        password = app.screen.query_one("#password", Input)
        assert isinstance(password, PasswordInput)
        password.focus()
        await wait_for(pilot, lambda: app.focused is password, "the password focused")
        await send(pilot, (*"wrong", "ctrl+u", *"Secrex", "backspace", "t"))
        await wait_for(pilot, lambda: password.value == "Secret", "the password")
        await pilot.pause(0.2)
        assert password.value == "Secret"
