"""The hostile-string corpus (issue 13) through the other record pages and their search
boxes, on SQLite and on PostgreSQL (tests/ui/test_hostile_fields.py: the System users page):
the Workplace page's name (and its Sections lookup's search), the System settings' STUN/TURN
list, the System user page's password fields, the Webitel user card's user name and
extension (against the simulator) and the search boxes of the Webitel users section and of
the card's licenses lookup.

Each string is pasted into the field and saved. It is either stored, read back exactly from
the database and shown with stand-ins (domain/display.py), or refused with a one-line message
naming the field, the input kept in the field and nothing written: not in the CRM, not on the
Webitel server. (The extension field takes digits only and does not take such a paste at all;
set in it as a program might, the value is refused by the save.) Searching finds literally
what holds the text (no `%` or `_` wildcard), or nothing. No worker fails ("The action failed
unexpectedly"), and no screen draws a character a terminal would obey: every cell of it, as
the app would write it (`assert_screen_shown`), after every step.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass
from typing import Any

import pytest
from textual import events
from textual.pilot import Pilot
from textual.widgets import Input, Static

from tests.hostile import HOSTILE
from tests.ui.conftest import make_app, wait_for
from tests.ui.pasting import Toasts, assert_screen_shown, assert_shown, drawn, paste
from tests.ui.test_designer import log_in_as
from tests.ui.test_shell import _move_webitel_users_into_contact_center, workplace_shown
from tests.ui.test_system_users import open_system_users
from tests.ui.test_webitel_users import app_for, fill_new_card, open_section
from tests.webitel.conftest import fast_options
from webitel_tui.db.engine import Database
from webitel_tui.domain import known
from webitel_tui.domain.display import visible, visible_in_place
from webitel_tui.domain.paging import PageRequest
from webitel_tui.domain.passwords import verify_password
from webitel_tui.domain.records import Actor
from webitel_tui.domain.text import finds_nothing, fold, search_text
from webitel_tui.domain.workplaces import Workplace
from webitel_tui.processes import provisioning
from webitel_tui.processes.provisioning import WebitelUserForm
from webitel_tui.repositories import unit_of_work
from webitel_tui.simulator import RunningSimulator, start_simulator
from webitel_tui.ui.app import WebitelTuiApp
from webitel_tui.ui.screens.dialogs import ConfirmDialog
from webitel_tui.ui.screens.lookup import LookupDialog
from webitel_tui.ui.screens.record_page import SAVED, RecordPage
from webitel_tui.ui.screens.system_settings import SystemSettingsPage
from webitel_tui.ui.screens.system_users import SystemUsersScreen, UserPage
from webitel_tui.ui.screens.webitel_users import WebitelUserCard, WebitelUsersSection
from webitel_tui.ui.screens.workplaces import WorkplacePage, WorkplaceSetupScreen
from webitel_tui.ui.widgets.section_grid import SectionGrid
from webitel_tui.webitel import WebitelClient

SIZE = (120, 40)
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


# What every page shares ----------------------------------------------------------------------


@dataclass
class Run:
    """One app session of a test: its pilot, the database it writes, the toasts it showed."""

    pilot: Pilot[None]
    app: WebitelTuiApp
    db: Database
    toasts: Toasts

    async def wait(self, condition: Callable[[], bool], what: str) -> None:
        """`wait_for`, failing at once, with the toast, when a worker fails."""
        await wait_for(self.pilot, lambda: condition() or bool(self.toasts.errors()), what)
        self.toasts.assert_no_error(what)


def message_of(page: RecordPage) -> str:
    label = page.query_one("#record-message", Static)
    return str(label.render()) if label.display else ""


async def save(run: Run, page: RecordPage, saved: Callable[[], bool], case: str) -> bool:
    """Ctrl+S on `page`; True once it is saved and read again (`saved` holds), False once
    it is refused."""
    label = page.query_one("#record-message", Static)
    page.show_message("", error=False)  # the last case's message is not this one's
    await run.pilot.press("ctrl+s")
    await run.wait(
        lambda: label.has_class("-error") or (message_of(page).startswith(SAVED) and saved()),
        f"{case}: saved or refused",
    )
    return not label.has_class("-error")


def check_refusal(page: RecordPage, field: str, case: str) -> None:
    """One line, naming the field, shown with stand-ins."""
    message = message_of(page)
    assert "\n" not in message and field in message, f"{case}: {message!r}"
    assert_shown(message, raw=message)


def check_field(field: Input, value: str, case: str) -> None:
    """The field holds `value` (the true value) and draws it with stand-ins."""
    assert field.value == value, case
    assert_shown(drawn(field), raw=value)
    if value and not field.password:
        assert drawn(field) in visible_in_place(value) + " ", case


async def leave(run: Run, back_to: object, case: str) -> None:
    """Close the page, leaving unsaved (refused) changes."""
    app = run.app
    await run.pilot.press("escape")
    await run.wait(lambda: app.screen is back_to or isinstance(app.screen, ConfirmDialog), case)
    if isinstance(app.screen, ConfirmDialog):
        await run.pilot.press("y")
    await run.wait(lambda: app.screen is back_to, f"{case}: the page closed")


def finds(term: str, parts: Iterable[str | None]) -> bool:
    """What a quick search for `term` finds: records holding it literally (case and runs of
    white space aside; `%` and `_` are characters like any other)."""
    return not finds_nothing(term) and fold(term) in search_text(parts)


def _shown(grid: SectionGrid[Any]) -> set[str]:
    return {str(record.id) for record in grid.records}


async def search_one(
    run: Run,
    grid: SectionGrid[Any],
    text: str,
    wanted: Callable[[str], set[str]],
    cells: Callable[[str], list[str]] | None,
) -> set[str]:
    """`text` pasted into the grid's search box; returns the keys of the records found, once
    they are the `wanted` ones (of the search box's value), their rows showing `cells`."""
    what = f"{text[:20]!r} searched"
    every = _shown(grid)
    field = grid.search_input
    found = wanted(await paste(run.pilot, field, text))
    assert_shown(drawn(field), raw=text)
    # Else a search that finds what the last one found would pass before it ran.
    assert found != every, f"{what}: the search would not be seen to run"
    empty = grid.query_one("#grid-empty", Static)
    await run.wait(lambda: _shown(grid) == found and (bool(found) or empty.display), what)
    for key in found if cells is not None else ():
        assert cells is not None
        values = cells(key)
        row = grid.table.get_row(key)[1 if grid.ticks else 0 :]  # past the tick column
        shown = [str(cell) for cell in row[: len(values)]]
        assert shown == [visible(value) for value in values], what
    assert_screen_shown(run.app, what)
    field.value = ""  # the whole list again, for the next search
    await run.wait(lambda: _shown(grid) == every, f"{what}: the whole list")
    return found


async def search_each(
    run: Run,
    grid: SectionGrid[Any],
    parts: Callable[[Any], list[str | None]],
    cells: Callable[[Any], list[str]] | None = None,
) -> dict[str, int]:
    """Every string of the corpus pasted into the grid's search box: the records holding it
    found (their first cells showing `cells` with stand-ins), the others not. Returns how
    many each found."""
    every = {str(r.id): r for r in grid.records}
    assert every, "records to search"

    def wanted(term: str) -> set[str]:
        return {key for key, record in every.items() if finds(term, parts(record))}

    def row(key: str) -> list[str]:
        assert cells is not None
        return cells(every[key])

    found = {
        case: len(await search_one(run, grid, text, wanted, row if cells else None))
        for case, text in HOSTILE.items()
    }
    grid.table.focus()
    return found


# The Workplace page --------------------------------------------------------------------------


async def _rename_workplace(
    run: Run, setup: WorkplaceSetupScreen, workplace: Workplace, case: str
) -> Workplace:
    """The corpus' string pasted as the workplace's name and saved, from Workplace setup
    and back; returns the workplace as stored."""
    app = run.app
    await run.pilot.press("enter")  # the cursor stays on the workplace's row
    await run.wait(lambda: isinstance(app.screen, WorkplacePage), case)
    page = app.screen
    assert isinstance(page, WorkplacePage)
    field = page.name_input
    await run.wait(lambda: field.value == workplace.name, f"{case}: the page")
    value = await paste(run.pilot, field, HOSTILE[case])
    if await save(run, page, lambda: page.workplace.name == value, case):
        caption = str(page.query_one("#record-caption", Static).render())
        assert caption == visible(f"User's workplace: {value}"), case
    else:
        check_refusal(page, "Name", case)
    check_field(field, value, case)
    assert_screen_shown(app, case)
    async with unit_of_work(run.db) as uow:
        stored = await uow.workplaces.get(workplace.id)
    assert stored.name == page.workplace.name, case  # read back exactly
    await leave(run, setup, case)
    key = str(workplace.id)
    await run.wait(
        lambda: str(setup.table.get_row(key)[0]) == visible(stored.name),
        f"{case}: the row in Workplace setup",
    )
    assert_screen_shown(app, f"{case} in Workplace setup")
    return stored


async def test_hostile_strings_through_the_workplace_page_and_its_lookup(
    demo_database_url: str,
) -> None:
    """The workplace's name: stored as pasted and shown with stand-ins on the page, in Workplace
    setup and in the side panel, or refused when no database keeps it. (Section captions are
    not editable.) The Sections lookup's search box finds nothing of the corpus."""
    toasts = Toasts()
    app = make_app(demo_database_url)
    db = Database(demo_database_url)
    stored: list[str] = []
    try:
        async with app.run_test(size=SIZE, message_hook=toasts.hook) as pilot:
            run = Run(pilot, app, db, toasts)
            await log_in_as(pilot, app, "Supervisor")
            await pilot.press("ctrl+g", "enter")  # Workplace setup is the designer's first tile
            await run.wait(lambda: isinstance(app.screen, WorkplaceSetupScreen), "setup")
            setup = app.screen
            assert isinstance(setup, WorkplaceSetupScreen)
            await run.wait(lambda: setup.table.row_count == 2, "the workplaces")
            workplace = setup.workplaces[0]
            assert workplace.name == "General"
            for case in HOSTILE:
                renamed = await _rename_workplace(run, setup, workplace, case)
                if renamed.name != workplace.name:
                    stored.append(case)
                workplace = renamed
            # The page's Sections lookup: its search box.
            await pilot.press("enter")
            await run.wait(lambda: isinstance(app.screen, WorkplacePage), "the page")
            page = app.screen
            assert isinstance(page, WorkplacePage)
            await run.wait(lambda: page.table.row_count == 2, "the sections")
            page.table.focus()
            await pilot.press("plus")
            await run.wait(lambda: isinstance(app.screen, LookupDialog), "the lookup")
            lookup = app.screen
            assert isinstance(lookup, LookupDialog)
            await run.wait(lambda: lookup.grid.table.row_count > 0, "the sections")
            found = await search_each(run, lookup.grid, lambda s: [s.caption])
            assert set(found.values()) == {0}, found
            await pilot.press("escape", "escape")  # the lookup, the page
            await run.wait(lambda: app.screen is setup, "Workplace setup")
            await pilot.press("escape", "escape")  # setup, the designer
            # The side panel of the shell: the renamed first workplace.
            shown = visible(workplace.name)
            await run.wait(lambda: workplace_shown(app) == shown, "the side panel")
            assert_screen_shown(app, "the shell")
    finally:
        await db.dispose()
    toasts.assert_no_error("the workplace page")
    assert set(HOSTILE) - set(stored) == {"nul", "surrogate", "long"}, stored


# System settings -----------------------------------------------------------------------------


def _servers(text: str) -> list[str]:
    return [part for part in re.split(r"[\s,]+", text) if part]


async def _stun_servers(db: Database) -> str:
    async with unit_of_work(db) as uow:
        return await uow.settings.value(known.STUN_SERVERS_SETTING)


async def _set_stun_servers(run: Run, page: SystemSettingsPage, text: str) -> bool:
    """`text` pasted as the STUN/TURN list and saved; True: stored."""
    what = repr(text[:12])
    field = page.query_one("#stun-servers", Input)
    value = await paste(run.pilot, field, text)
    before = await _stun_servers(run.db)
    saved = await save(run, page, lambda: True, what)
    setting = await _stun_servers(run.db)
    if saved:
        assert setting.split(" ") == _servers(value), what  # as pasted, one space between
        await run.wait(lambda: field.value == setting, f"{what}: read again")
        check_field(field, setting, what)
    else:
        check_refusal(page, "STUN", what)
        check_field(field, value, what)
        assert setting == before, what  # nothing written
    assert_screen_shown(run.app, what)
    return saved


async def test_hostile_strings_through_system_settings(demo_database_url: str) -> None:
    """The STUN/TURN list, the page's one editable text setting (the password policy is not
    on the page): each string as it is, and as the host of a "stun:" address."""
    toasts = Toasts()
    app = make_app(demo_database_url)
    db = Database(demo_database_url)
    stored: list[str] = []
    try:
        async with app.run_test(size=SIZE, message_hook=toasts.hook) as pilot:
            run = Run(pilot, app, db, toasts)
            await log_in_as(pilot, app, "Supervisor")
            await pilot.press("ctrl+g", "down", "down", "enter")
            await run.wait(lambda: isinstance(app.screen, SystemSettingsPage), "settings")
            page = app.screen
            assert isinstance(page, SystemSettingsPage)
            await run.wait(lambda: page.stun is not None, "loaded")
            for case, text in HOSTILE.items():
                if await _set_stun_servers(run, page, text):
                    stored.append(case)
                if await _set_stun_servers(run, page, f"stun:{text}"):
                    stored.append(f"stun:{case}")
    finally:
        await db.dispose()
    toasts.assert_no_error("System settings")
    # Stored: only a "stun:" address whose host is a host name (the pasted first line of
    # "two\nlines" and of "line\u2028para" is one); refused: everything else.
    assert stored == ["stun:newline-tab", "stun:separators"], stored


# The System user page: the password fields ---------------------------------------------------

PASSWORD_PREFIX = "Pw9-"
"""Before each string of the corpus: the policy's letter and digit, so that what follows is
what the page and the hashing see (most of the corpus alone breaks the policy)."""


async def _set_password(
    run: Run, users: SystemUsersScreen, user_id: uuid.UUID, case: str
) -> str | None:
    """The corpus' string (after PASSWORD_PREFIX) pasted as the user's password and its
    confirmation and saved, from System users and back; returns it once stored."""
    app = run.app
    users.grid.table.move_cursor(row=[u.id for u in users.grid.records].index(user_id))
    await run.pilot.press("enter")
    await run.wait(lambda: isinstance(app.screen, UserPage), case)
    page = app.screen
    assert isinstance(page, UserPage)
    await run.wait(lambda: page.user is not None, f"{case}: the user")
    fields = [page.query_one("#password", Input), page.query_one("#confirmation", Input)]
    text = PASSWORD_PREFIX + HOSTILE[case]
    value = await paste(run.pilot, fields[0], text)
    await paste(run.pilot, fields[1], text)
    version = page.user.version if page.user else 0
    saved = await save(
        run, page, lambda: page.user is not None and page.user.version > version, case
    )
    if saved:
        for field in fields:
            check_field(field, "", case)  # never kept around
    else:
        check_refusal(page, "assword", case)  # 'The "Password" field...', "The password must..."
        for field in fields:
            check_field(field, value, case)
            assert set(drawn(field)) <= {"•"}, case  # bullets only
    assert_screen_shown(app, case)
    await leave(run, users, case)
    return value if saved else None


async def test_hostile_passwords_through_the_system_user_page(demo_database_url: str) -> None:
    """A user's password and its confirmation, the page's text fields besides the user name
    and the new contact (tests/ui/test_hostile_fields.py; the page has no email or job title):
    drawn as bullets; stored as a hash the pasted password verifies, or refused with the input
    kept and the old password still the one that verifies."""
    toasts = Toasts()
    app = make_app(demo_database_url)
    db = Database(demo_database_url)
    stored: list[str] = []
    try:
        async with unit_of_work(db) as uow:
            user = await uow.users.get_by_name("okovalenko")
        assert user is not None
        password = "okovalenko"  # the demo's
        async with app.run_test(size=SIZE, message_hook=toasts.hook) as pilot:
            run = Run(pilot, app, db, toasts)
            users = await open_system_users(pilot, app)
            for case in HOSTILE:
                new = await _set_password(run, users, user.id, case)
                if new is not None:
                    password = new
                    stored.append(case)
                async with unit_of_work(db) as uow:
                    hashed = await uow.users.password_hash(user.id)
                assert verify_password(password, hashed), case
    finally:
        await db.dispose()
    toasts.assert_no_error("the system user page")
    # Refused: under 8 characters once pasted ("Pw9-two", "Pw9-a_b"), and what cannot be
    # hashed or typed at the login.
    assert set(HOSTILE) - set(stored) == {"newline-tab", "underscore", "nul", "surrogate"}


# The Webitel user card, its lookup and the Webitel users section ---------------------------


@pytest.fixture
async def sim() -> AsyncIterator[RunningSimulator]:
    running = await start_simulator(users=5)
    try:
        yield running
    finally:
        await running.stop()


OTHER = ("jsmith", "axb", "1000")
"""A second Webitel user (CRM user, user name, extension): what "a_b" and "100%" would find
if `_` and `%` were wildcards."""


async def _another_webitel_user(url: str, sim: RunningSimulator) -> None:
    db = Database(url)
    try:
        async with unit_of_work(db) as uow:
            user = await uow.users.get_by_name(OTHER[0])
        assert user is not None
        async with WebitelClient(fast_options(sim)) as client:
            form = WebitelUserForm(
                user_id=user.id, contact_id=user.contact_id, name=OTHER[1], extension=OTHER[2]
            )
            await provisioning.create_webitel_user(db, Actor(), client, form)
    finally:
        await db.dispose()


def server_writes(sim: RunningSimulator) -> list[tuple[str, str]]:
    return [(method, path) for method, path in sim.app.log if method in WRITES]


def server_users(sim: RunningSimulator) -> dict[str, str | None]:
    """Login -> extension, of every user on the server."""
    return {user.username: user.extension for user in sim.state.users.values()}


async def crm_records(db: Database) -> dict[str, str | None]:
    """Webitel user name -> extension, of every CRM record."""
    async with unit_of_work(db) as uow:
        page = await uow.webitel_users.page(PageRequest(limit=100))
    return {record.name: record.extension for record in page.items}


class Unchanged:
    """What the server and the CRM hold before a save: a refused one changes none of it and
    sends nothing to the server."""

    @classmethod
    async def of(cls, sim: RunningSimulator, db: Database) -> Unchanged:
        return cls(sim, db, await crm_records(db))

    def __init__(self, sim: RunningSimulator, db: Database, crm: dict[str, str | None]) -> None:
        self.sim, self.db, self.crm = sim, db, crm
        self.writes = server_writes(sim)
        self.server = server_users(sim)

    async def check(self, case: str) -> None:
        assert server_writes(self.sim) == self.writes, f"{case}: sent to the server"
        assert server_users(self.sim) == self.server, case
        assert await crm_records(self.db) == self.crm, case


async def _name_on_the_card(
    run: Run, sim: RunningSimulator, card: WebitelUserCard, case: str
) -> bool:
    """The corpus' string pasted as the card's Webitel user name and saved; True: stored."""
    field = card.query_one("#webitel-name", Input)
    value = await paste(run.pilot, field, HOSTILE[case])
    before = await Unchanged.of(sim, run.db)
    saved = await save(
        run, card, lambda: card.record is not None and card.record.name == value, case
    )
    if saved:
        assert server_users(sim).get(value) == "7001", case
        assert (await crm_records(run.db)).get(value) == "7001", case
        caption = str(card.query_one("#record-caption", Static).render())
        assert caption == visible(f"Webitel user: {value}"), case
    else:
        check_refusal(card, "Webitel user name", case)
        await before.check(case)
    check_field(field, value, case)
    assert_screen_shown(run.app, case)
    return saved


async def _extension_on_the_card(
    run: Run, sim: RunningSimulator, card: WebitelUserCard, case: str
) -> None:
    """The corpus' string pasted into the saved card's extension: the field (digits only)
    does not take it. Set as a program might, it is refused by the save, before the server
    is called."""
    text = HOSTILE[case]
    field = card.query_one("#extension", Input)
    field.focus()
    field.cursor_position = len(field.value)
    field.post_message(events.Paste(text))
    field.post_message(events.Paste("9"))  # taken: once it is there, the paste was handled
    await run.wait(lambda: field.value.endswith("9"), f"{case}: the pastes")
    assert field.value == "70019", f"{case}: the paste was taken"
    field.value = text
    before = await Unchanged.of(sim, run.db)
    assert before.crm[OTHER[1]] == OTHER[2] and "7001" in before.crm.values()
    assert not await save(run, card, lambda: False, case), case
    check_refusal(card, "Extension", case)
    check_field(field, text, case)
    await before.check(case)
    assert_screen_shown(run.app, f"{case} as the extension")
    field.value = "7001"


async def test_hostile_strings_through_the_webitel_user_card_and_section(
    demo_database_url: str, sim: RunningSimulator
) -> None:
    """The card's Webitel user name (Webitel's login rules refuse most of the corpus) on a new
    card and then on the saved one, and its extension (digits only); whatever is refused never
    reaches the server. Then the search boxes of the licenses lookup and of the section."""
    await _move_webitel_users_into_contact_center(demo_database_url)
    await _another_webitel_user(demo_database_url, sim)
    toasts = Toasts()
    app = app_for(demo_database_url, sim)
    db = Database(demo_database_url)
    stored: list[str] = []
    try:
        async with app.run_test(size=SIZE, message_hook=toasts.hook) as pilot:
            run = Run(pilot, app, db, toasts)
            section = await open_section(pilot, app)
            shell = app.screen
            await run.wait(lambda: section.grid.table.row_count == 1, "the other user")
            await fill_new_card(pilot, app, "okovalenko", "7001")
            card = app.screen
            assert isinstance(card, WebitelUserCard)
            for case in HOSTILE:
                if await _name_on_the_card(run, sim, card, case):
                    stored.append(case)
            assert card.record is not None and card.record.name == "a_b"
            await pilot.press("ctrl+z")  # Cancel: the refused name goes, the saved one is back
            name = card.query_one("#webitel-name", Input)
            await run.wait(lambda: name.value == "a_b", "the saved name")
            for case in HOSTILE:
                await _extension_on_the_card(run, sim, card, case)
            # The licenses lookup (searched in memory, in the server's list).
            card.query_one("#licenses-detail").focus()
            await pilot.press("plus")
            await run.wait(lambda: isinstance(app.screen, LookupDialog), "the licenses")
            lookup = app.screen
            assert isinstance(lookup, LookupDialog)
            await run.wait(lambda: lookup.grid.table.row_count > 0, "the licenses")
            found = await search_each(run, lookup.grid, lambda i: [f"{i.product} {i.name}"])
            assert set(found.values()) == {0}, found
            await pilot.press("escape")
            await run.wait(lambda: app.screen is card, "the card")
            await leave(run, shell, "the card")
            section = app.screen.query_one(WebitelUsersSection)
            await run.wait(lambda: section.grid.table.row_count == 2, "both users")
            found = await search_each(
                run,
                section.grid,
                lambda u: [u.name, u.contact_name, u.extension],
                lambda u: [u.name, u.contact_name, u.extension or ""],
            )
            assert {case for case, count in found.items() if count} == {"underscore"}, found
        assert (await crm_records(db)).keys() == {"a_b", OTHER[1]}
    finally:
        await db.dispose()
    toasts.assert_no_error("the Webitel user card")
    assert stored == ["newline-tab", "separators", "underscore"], stored
