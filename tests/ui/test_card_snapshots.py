"""The Webitel user card as pictures (issue 15, "A card that fits 80x24"): each of its tabs at
80x24 and 120x40, and the forms whose save was refused with the message under the bad field
(the card's duplicate name, the system user's mismatched passwords), in English and Ukrainian.

The simulator runs in a thread (snap_compare runs the app in its own event loop); its data is
seeded, so user ids, device names and licenses are the same on every run.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy import update
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, TabbedContent

from tests.ui.conftest import make_app, wait_for
from tests.ui.test_screen_snapshots import (
    SIZES,
    Navigate,
    SnapCompare,
    app_of,
    english_afterwards,
    new_employee,
    shell,
    steady,
)
from tests.ui.test_shell import sections_shown
from tests.ui.test_webitel_snapshots import _with_users, settings_for, sim
from webitel_tui.config import WebitelSettings
from webitel_tui.db.engine import Database
from webitel_tui.db.tables import SysChangeLog
from webitel_tui.domain.records import Actor
from webitel_tui.i18n import _
from webitel_tui.processes import provisioning
from webitel_tui.processes.webitel_connection import client_options
from webitel_tui.repositories import unit_of_work
from webitel_tui.simulator import SimulatorThread
from webitel_tui.ui.screens.system_users import UserPage
from webitel_tui.ui.screens.webitel_users import WebitelUserCard, WebitelUsersSection
from webitel_tui.webitel import WebitelClient

__all__ = ["english_afterwards", "sim"]  # fixtures, shared with the other pictures

LANGUAGES = [pytest.param("en", id="en"), pytest.param("uk", id="uk")]


async def _okovalenko_with_details(url: str, webitel: WebitelSettings) -> None:
    """okovalenko (with a license and a role, so that the tabs show rows) and amelnyk."""
    await _with_users(url, webitel, [("okovalenko", "7001"), ("amelnyk", "7002")])
    db = Database(url)
    client = WebitelClient(client_options(webitel))
    try:
        async with unit_of_work(db) as uow:
            record = await uow.webitel_users.find_by_name("okovalenko")
        assert record is not None
        licenses = await provisioning.available_licenses(client)
        operator = next(each.id for each in licenses if each.product == "OPERATOR")
        await provisioning.change_licenses(db, Actor(), client, record.id, add=[operator])
        roles = await provisioning.assignable_roles(client)
        agents = next(role.id for role in roles if role.name == "agents")
        await provisioning.change_roles(db, Actor(), client, record.id, add=[agents])
        # The History tab shows when: the same moment on every run (newest first by Id).
        async with db.engine.begin() as connection:
            await connection.execute(
                update(SysChangeLog).values(CreatedOn=datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
            )
    finally:
        await client.aclose()
        await db.dispose()


async def card(pilot: Pilot[None]) -> WebitelUserCard:
    """okovalenko's card, opened from the section (Contact center's first), loaded."""
    app = app_of(pilot)
    await shell(pilot)
    await pilot.press("w")
    section = _("Webitel users")  # in the admin's language
    await wait_for(pilot, lambda: sections_shown(app)[:1] == [section], "Contact center")
    await pilot.pause()
    await pilot.press("enter")
    await wait_for(pilot, lambda: bool(app.screen.query(WebitelUsersSection)), "the section")
    grid = app.screen.query_one(WebitelUsersSection).grid
    await wait_for(pilot, lambda: grid.table.row_count == 2, "the rows")
    grid.table.move_cursor(row=[r.name for r in grid.records].index("okovalenko"))
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(app.screen, WebitelUserCard), "the card")
    opened = app.screen
    assert isinstance(opened, WebitelUserCard)
    await wait_for(pilot, lambda: opened.record is not None, "the record")
    details = opened.query_one("#licenses-detail", DataTable)
    await wait_for(pilot, lambda: details.row_count == 1, "its license")
    return opened


def card_tab(number: int, pane: str) -> Navigate:
    """The card with its tab `pane` shown, by its key (alt+number)."""

    async def navigate(pilot: Pilot[None]) -> None:
        opened = await card(pilot)
        await pilot.press(f"alt+{number}")
        tabs = opened.query_one("#card-tabs", TabbedContent)
        await wait_for(pilot, lambda: tabs.active == pane, pane)

    return navigate


async def card_with_a_taken_name(pilot: Pilot[None]) -> None:
    opened = await card(pilot)
    opened.query_one("#webitel-name", Input).value = "amelnyk"
    await pilot.press("ctrl+s")
    await wait_for(pilot, lambda: bool(opened.query(".field-error")), "the refusal")


async def user_with_mismatched_passwords(pilot: Pilot[None]) -> None:
    app = app_of(pilot)
    await new_employee(pilot)
    page = app.screen
    assert isinstance(page, UserPage)
    page.query_one("#new-contact", Input).value = "Taras Shevchuk"
    page.query_one("#user-name", Input).value = "tshevchuk"
    page.query_one("#password", Input).value = "Secret-12345-x"
    page.query_one("#confirmation", Input).value = "Secret-12345-y"
    await pilot.press("ctrl+s")
    await wait_for(pilot, lambda: bool(page.query(".field-error")), "the refusal")


CASES: list[tuple[str, Navigate]] = [
    ("licenses_tab", card_tab(1, "tab-licenses")),
    ("roles_tab", card_tab(2, "tab-roles")),
    ("devices_tab", card_tab(3, "tab-devices")),
    ("history_tab", card_tab(4, "tab-history")),
    ("card_with_a_taken_name", card_with_a_taken_name),
    ("user_with_mismatched_passwords", user_with_mismatched_passwords),
]


@pytest.mark.usefixtures("english_afterwards")
@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize(("name", "navigate"), CASES, ids=[n for n, _n in CASES])
def test_card(
    snap_compare: SnapCompare,
    demo_url: str,
    sim: SimulatorThread,
    name: str,
    navigate: Navigate,
    size: tuple[int, int],
    language: str,
) -> None:
    webitel = settings_for(sim)
    asyncio.run(_okovalenko_with_details(demo_url, webitel))
    app = make_app(demo_url, webitel=webitel, language=language)
    assert snap_compare(app, terminal_size=size, run_before=steady(navigate))
