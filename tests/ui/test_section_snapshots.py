"""The sections a workplace offers, as pictures (issue 15): Contacts, a contact's page,
Accounts and System users, at 80x24 and 120x40, in English and in Ukrainian.

The demo database gets an account, a Webitel user for Olena Kovalenko and the System users
section in "General" first (see tests/ui/test_sections.py), so every picture has data. The
side panel lists General's sections as Contacts, Accounts, System users: each case chooses
its own with the keys, whatever the language.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import Input

from tests.ui.conftest import make_app, wait_for
from tests.ui.test_screen_snapshots import (
    SIZES,
    Navigate,
    SnapCompare,
    app_of,
    rows,
    shell,
    steady,
)
from tests.ui.test_sections import add_to_general, with_account_and_webitel_user
from webitel_tui.i18n import set_language
from webitel_tui.ui.screens.accounts import AccountsSection
from webitel_tui.ui.screens.contacts import ContactPage, ContactsSection
from webitel_tui.ui.screens.system_users import SystemUsersSection
from webitel_tui.ui.widgets.section_grid import SectionGrid


def _grid_rows(pilot: Pilot[None], kind: type[Widget]) -> int:
    found = app_of(pilot).screen.query(kind)
    return found.first().query_one(SectionGrid).table.row_count if found else -1


async def _section(pilot: Pilot[None], downs: int, kind: type[Widget]) -> None:
    await shell(pilot)
    await pilot.press(*["down"] * downs, "enter")
    await wait_for(pilot, lambda: _grid_rows(pilot, kind) > 0, f"the {kind.__name__} rows")


async def contacts_section(pilot: Pilot[None]) -> None:
    await _section(pilot, 0, ContactsSection)


async def accounts_section(pilot: Pilot[None]) -> None:
    await _section(pilot, 1, AccountsSection)


async def system_users_section(pilot: Pilot[None]) -> None:
    await _section(pilot, 2, SystemUsersSection)


async def contact_page(pilot: Pilot[None]) -> None:
    """Olena Kovalenko's page: her CRM user and her Webitel user under her fields."""
    app = app_of(pilot)
    await contacts_section(pilot)
    section = app.screen.query_one(ContactsSection)
    names = [contact.name for contact in section.grid.records]
    section.grid.table.move_cursor(row=names.index("Olena Kovalenko"))
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(app.screen, ContactPage), "the contact page")
    await wait_for(pilot, lambda: rows(app, "#webitel-detail") == 1, "the Webitel user")
    await wait_for(
        pilot, lambda: app.screen.query_one("#contact-name", Input).value != "", "the fields"
    )


CASES: list[tuple[str, Navigate]] = [
    ("contacts_section", contacts_section),
    ("contact_page", contact_page),
    ("accounts_section", accounts_section),
    ("system_users_section", system_users_section),
]


@pytest.fixture
def sections_url(demo_url: str) -> str:
    asyncio.run(with_account_and_webitel_user(demo_url))
    asyncio.run(add_to_general(demo_url, ["SystemUsers"]))
    return demo_url


@pytest.fixture
def english_afterwards() -> Iterator[None]:
    """The language is process-wide: the tests after a Ukrainian picture expect English."""
    yield
    set_language("en")


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("navigate", [pytest.param(n, id=name) for name, n in CASES])
def test_section(
    snap_compare: SnapCompare, sections_url: str, navigate: Navigate, size: tuple[int, int]
) -> None:
    assert snap_compare(make_app(sections_url), terminal_size=size, run_before=steady(navigate))


@pytest.mark.usefixtures("english_afterwards")
@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("navigate", [pytest.param(n, id=name) for name, n in CASES])
def test_section_in_ukrainian(
    snap_compare: SnapCompare, sections_url: str, navigate: Navigate, size: tuple[int, int]
) -> None:
    app = make_app(sections_url, language="uk")
    assert snap_compare(app, terminal_size=size, run_before=steady(navigate))
