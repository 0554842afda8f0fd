"""Every section a workplace offers opens from the side panel with its records (issue 15):
Contacts and Accounts (list, page, New, Delete), System users (admins only), Webitel users,
and the Process log and Change log when their screens exist."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterable
from typing import Any, TypeVar

import pytest
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import DataTable, Input, OptionList, Static

from tests.ui.conftest import SIZE, fill_login, make_app, screen_name, wait_for
from tests.ui.pasting import Toasts
from tests.ui.test_shell import sections_shown, shell_of
from webitel_tui.db.engine import Database
from webitel_tui.db.seed_data import SECTIONS as SEEDED_SECTIONS
from webitel_tui.db.seed_data import WORKPLACES
from webitel_tui.domain import known
from webitel_tui.domain.contacts import NewAccount
from webitel_tui.domain.errors import RecordInUseError
from webitel_tui.domain.webitel_users import NewWebitelUser
from webitel_tui.repositories import unit_of_work
from webitel_tui.ui import sections
from webitel_tui.ui.app import WebitelTuiApp
from webitel_tui.ui.screens.accounts import AccountPage, AccountsSection
from webitel_tui.ui.screens.contacts import ContactPage, ContactsSection
from webitel_tui.ui.screens.dialogs import ConfirmDialog
from webitel_tui.ui.screens.system_users import SystemUsersSection, UserPage
from webitel_tui.ui.screens.webitel_users import WebitelUserCard, WebitelUsersSection
from webitel_tui.ui.widgets.section_grid import SectionGrid

CAPTIONS = dict(SEEDED_SECTIONS)
SECTION_WIDGETS: dict[str, tuple[str, str]] = {
    "ProcessLog": ("webitel_tui.ui.screens.process_log", "ProcessLogSection"),
    "ChangeLog": ("webitel_tui.ui.screens.change_log", "ChangeLogSection"),
}
"""Sections whose screens other work brings: tested once their modules exist."""


def test_every_section_the_seed_offers_has_a_screen() -> None:
    offered = {code for code, _caption in SEEDED_SECTIONS}
    assert offered - set(sections.SECTIONS) == set()
    placed = {code for _name, codes in WORKPLACES for code in codes}
    assert placed <= offered


async def add_to_general(url: str, codes: Iterable[str]) -> None:
    """Put the sections into the "General" workplace (the seed leaves some out)."""
    db = Database(url)
    try:
        async with unit_of_work(db) as uow:
            general = await uow.workplaces.get_by_name("General")
            assert general is not None
            shown = {s.code for s in await uow.workplaces.sections_of(general.id)}
            ids = []
            for code in codes:
                section = await uow.workplaces.section_by_code(code)
                assert section is not None, code
                if code not in shown:
                    ids.append(section.id)
            await uow.workplaces.add_sections(general.id, ids)
    finally:
        await db.dispose()


async def log_in(pilot: Pilot[None], app: WebitelTuiApp, login: str = "Supervisor") -> None:
    await fill_login(pilot, login, login)
    await wait_for(pilot, lambda: screen_name(app) == "ShellScreen", "the shell")
    await wait_for(pilot, lambda: bool(sections_shown(app)), "the sections")


async def open_section(pilot: Pilot[None], app: WebitelTuiApp, code: str) -> None:
    """Choose the section in the side panel with the keys, as an admin does."""
    await wait_for(pilot, lambda: CAPTIONS[code] in sections_shown(app), f"{code} offered")
    options = shell_of(app).query_one("#sections", OptionList)
    options.focus()
    options.highlighted = sections_shown(app).index(CAPTIONS[code])
    await pilot.press("enter")


def main_message(app: WebitelTuiApp) -> str:
    label = shell_of(app).query_one("#main-message", Static)
    return str(label.render()) if label.display else ""


W = TypeVar("W", bound=Widget)


def section_of(app: WebitelTuiApp, kind: type[W]) -> W | None:
    found = shell_of(app).query(kind)
    return found.first() if found else None


def names_in(grid: SectionGrid[Any]) -> list[str]:
    return [getattr(record, "name", "") for record in grid.records]


def rows_of(table: DataTable[object]) -> list[str]:
    return [str(table.get_row_at(i)[0]) for i in range(table.row_count)]


async def set_field(pilot: Pilot[None], app: WebitelTuiApp, field_id: str, value: str) -> None:
    app.screen.query_one(f"#{field_id}", Input).value = value
    await pilot.pause()


@pytest.mark.parametrize(
    ("code", "kind", "expected"),
    [
        ("Contacts", ContactsSection, "Olena Kovalenko"),
        ("Accounts", AccountsSection, "Acme"),
        ("SystemUsers", SystemUsersSection, "okovalenko"),
        (known.WEBITEL_USERS_SECTION_CODE, WebitelUsersSection, "olena.kovalenko"),
    ],
)
async def test_a_section_opens_from_the_side_panel_with_its_records(
    demo_url: str, code: str, kind: type[Widget], expected: str
) -> None:
    await with_account_and_webitel_user(demo_url)
    await add_to_general(demo_url, [code])
    app = make_app(demo_url)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, app)
        await open_section(pilot, app, code)
        await wait_for(pilot, lambda: section_of(app, kind) is not None, f"the {code} section")
        section = section_of(app, kind)
        assert section is not None
        grid = section.query_one(SectionGrid)
        await wait_for(pilot, lambda: expected in names_in(grid), f"{expected} in {code}")
        assert grid.table.has_focus
        assert main_message(app) == ""
        assert shell_of(app).open_section == code


@pytest.mark.parametrize("code", sorted(SECTION_WIDGETS))
async def test_the_log_sections_open_once_their_screens_exist(demo_url: str, code: str) -> None:
    module_name, class_name = SECTION_WIDGETS[code]
    if importlib.util.find_spec(module_name) is None:
        pytest.skip(f"{module_name} is not written yet")
    kind = getattr(importlib.import_module(module_name), class_name)
    await add_to_general(demo_url, [code])
    app = make_app(demo_url)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, app)
        await open_section(pilot, app, code)
        await wait_for(pilot, lambda: section_of(app, kind) is not None, f"the {code} section")
        assert main_message(app) == ""


async def with_account_and_webitel_user(url: str) -> None:
    """An account, and a Webitel user for Olena Kovalenko (the demo has neither)."""
    db = Database(url)
    try:
        async with unit_of_work(db) as uow:
            await uow.accounts.create(NewAccount(name="Acme", phone="+380 44 000 00 00"))
            user = await uow.users.get_by_name("okovalenko")
            assert user is not None
            await uow.webitel_users.create(
                NewWebitelUser(
                    user_id=user.id,
                    contact_id=user.contact_id,
                    name="olena.kovalenko",
                    extension="1001",
                )
            )
    finally:
        await db.dispose()


async def test_a_contact_page_shows_its_users_and_webitel_user(demo_url: str) -> None:
    await with_account_and_webitel_user(demo_url)
    app = make_app(demo_url)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, app)
        await open_section(pilot, app, "Contacts")
        await wait_for(pilot, lambda: section_of(app, ContactsSection) is not None, "Contacts")
        section = section_of(app, ContactsSection)
        assert section is not None
        await wait_for(pilot, lambda: "Olena Kovalenko" in names_in(section.grid), "Olena")
        section.grid.table.move_cursor(row=names_in(section.grid).index("Olena Kovalenko"))
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ContactPage), "the contact page")
        page = app.screen
        assert isinstance(page, ContactPage)
        await wait_for(pilot, lambda: page.contact is not None, "the contact")
        await wait_for(
            pilot, lambda: page.query_one("#contact-name", Input).value != "", "its fields"
        )
        assert page.query_one("#job-title", Input).value == "Contact center operator"
        assert rows_of(page.query_one("#users-detail", DataTable)) == ["okovalenko"]
        assert rows_of(page.query_one("#webitel-detail", DataTable)) == ["olena.kovalenko"]
        assert page.query_one("#contact-tabs").display
        # Enter on the Webitel user opens its card; Esc comes back to the contact.
        page.query_one("#webitel-detail", DataTable).focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, WebitelUserCard), "the card")
        card = app.screen
        assert isinstance(card, WebitelUserCard)
        await wait_for(pilot, lambda: card.record is not None, "the Webitel user")
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is page, "the contact page again")
        page.query_one("#contact-name", Input).focus()
        # F4: the account, chosen in its lookup and saved with the contact.
        await pilot.press("f4")
        await wait_for(pilot, lambda: screen_name(app) == "LookupDialog", "the accounts lookup")
        await wait_for(pilot, lambda: app.screen.query_one(DataTable).row_count == 1, "Acme")
        await pilot.press("enter")
        await wait_for(pilot, lambda: page.account_name == "Acme", "the account chosen")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: page.saved_any and not page.dirty, "saved")
        await pilot.press("escape")
        await wait_for(pilot, lambda: screen_name(app) == "ShellScreen", "back in the section")
    db = Database(demo_url)
    try:
        async with unit_of_work(db) as uow:
            olena = (await uow.contacts.find_by_name("Olena Kovalenko"))[0]
            assert olena.account_id is not None
            assert (await uow.accounts.get(olena.account_id)).name == "Acme"
    finally:
        await db.dispose()


async def test_new_contact_is_saved_and_listed_then_deleted(demo_url: str) -> None:
    app = make_app(demo_url)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, app)
        await open_section(pilot, app, "Contacts")
        await wait_for(pilot, lambda: section_of(app, ContactsSection) is not None, "Contacts")
        section = section_of(app, ContactsSection)
        assert section is not None
        await wait_for(pilot, lambda: section.grid.table.row_count > 0, "the contacts")
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, ContactPage), "a new contact")
        page = app.screen
        assert isinstance(page, ContactPage)
        assert not page.query_one("#contact-tabs").display  # details after saving
        await pilot.press("ctrl+s")  # the full name is required
        await wait_for(pilot, lambda: "Full name" in page_message(app), "the refusal")
        await set_field(pilot, app, "contact-name", "Anna Lysenko")
        await set_field(pilot, app, "job-title", "Supervisor")
        await set_field(pilot, app, "email", "anna@example.com")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: page.saved_any and not page.dirty, "saved")
        assert page.contact is not None and page.contact.email == "anna@example.com"
        assert page.query_one("#contact-tabs").display
        await pilot.press("escape")
        await wait_for(pilot, lambda: "Anna Lysenko" in names_in(section.grid), "listed")
        # Delete, confirmed: gone from the list.
        section.grid.table.move_cursor(row=names_in(section.grid).index("Anna Lysenko"))
        await pilot.press("delete")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog), "the question")
        await pilot.press("y")
        await wait_for(pilot, lambda: "Anna Lysenko" not in names_in(section.grid), "deleted")


def page_message(app: WebitelTuiApp) -> str:
    label = app.screen.query_one("#record-message", Static)
    return str(label.render()) if label.display else ""


async def test_a_contact_of_a_user_is_not_deleted(demo_url: str) -> None:
    toasts = Toasts()
    app = make_app(demo_url)
    async with app.run_test(size=SIZE, message_hook=toasts.hook) as pilot:
        await log_in(pilot, app)
        await open_section(pilot, app, "Contacts")
        await wait_for(pilot, lambda: section_of(app, ContactsSection) is not None, "Contacts")
        section = section_of(app, ContactsSection)
        assert section is not None
        await wait_for(pilot, lambda: "Olena Kovalenko" in names_in(section.grid), "Olena")
        section.grid.table.move_cursor(row=names_in(section.grid).index("Olena Kovalenko"))
        await pilot.press("delete", "y")
        await wait_for(pilot, lambda: bool(toasts.errors()), "the refusal")
        assert toasts.errors() == [f"Error: {RecordInUseError()}"]
        assert "Olena Kovalenko" in names_in(section.grid)
    toasts.seen.clear()


async def test_new_account_is_saved_listed_reopened_and_deleted(demo_url: str) -> None:
    app = make_app(demo_url)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, app)
        await open_section(pilot, app, "Accounts")
        await wait_for(pilot, lambda: section_of(app, AccountsSection) is not None, "Accounts")
        section = section_of(app, AccountsSection)
        assert section is not None
        await wait_for(pilot, lambda: section.grid.total == 0, "no accounts yet")
        await pilot.press("insert")
        await wait_for(pilot, lambda: isinstance(app.screen, AccountPage), "a new account")
        page = app.screen
        assert isinstance(page, AccountPage)
        await set_field(pilot, app, "account-name", "Acme")
        await set_field(pilot, app, "account-web", "acme.example.com")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: page.saved_any and not page.dirty, "saved")
        await pilot.press("escape")
        await wait_for(pilot, lambda: names_in(section.grid) == ["Acme"], "listed")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, AccountPage), "the account")
        again = app.screen
        assert isinstance(again, AccountPage)
        await wait_for(
            pilot,
            lambda: again.query_one("#account-web", Input).value == "acme.example.com",
            "its fields",
        )
        await pilot.press("escape")
        await wait_for(pilot, lambda: screen_name(app) == "ShellScreen", "the section")
        await pilot.press("delete", "y")
        await wait_for(pilot, lambda: names_in(section.grid) == [], "deleted")


async def test_system_users_section_opens_the_user_page_for_an_admin(demo_url: str) -> None:
    await add_to_general(demo_url, ["SystemUsers"])
    app = make_app(demo_url)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, app)
        await open_section(pilot, app, "SystemUsers")
        await wait_for(pilot, lambda: section_of(app, SystemUsersSection) is not None, "users")
        section = section_of(app, SystemUsersSection)
        assert section is not None
        await wait_for(pilot, lambda: "okovalenko" in names_in(section.grid), "the users")
        section.grid.table.move_cursor(row=names_in(section.grid).index("okovalenko"))
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, UserPage), "the user page")


async def test_system_users_section_is_refused_to_a_non_admin(demo_url: str) -> None:
    await add_to_general(demo_url, ["SystemUsers"])
    app = make_app(demo_url)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, app, "okovalenko")
        await open_section(pilot, app, "SystemUsers")
        await wait_for(pilot, lambda: "permission" in main_message(app), "the refusal")
        assert main_message(app) == (
            'You do not have permission to open the "System users" section.'
        )
        assert section_of(app, SystemUsersSection) is None
        assert shell_of(app).open_section is None
        # Contacts still opens for them.
        await open_section(pilot, app, "Contacts")
        await wait_for(pilot, lambda: section_of(app, ContactsSection) is not None, "Contacts")
        assert main_message(app) == ""


async def test_a_section_this_program_does_not_know_is_not_available_yet(demo_url: str) -> None:
    db = Database(demo_url)
    try:
        async with unit_of_work(db) as uow:
            general = await uow.workplaces.get_by_name("General")
            assert general is not None
            unknown = await uow.workplaces.ensure_section("Projects", "Projects")
            await uow.workplaces.add_sections(general.id, [unknown.id])
    finally:
        await db.dispose()
    CAPTIONS["Projects"] = "Projects"
    app = make_app(demo_url)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await log_in(pilot, app)
            await open_section(pilot, app, "Projects")
            await wait_for(pilot, lambda: bool(main_message(app)), "the message")
            assert main_message(app) == 'The "Projects" section is not available yet.'
            assert shell_of(app).open_section is None
    finally:
        del CAPTIONS["Projects"]
