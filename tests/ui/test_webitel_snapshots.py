"""The Webitel users screens as pictures, at 80x24 and 120x40, against the simulator.

The simulator runs in a thread (snap_compare runs the app in its own event loop); its data is
seeded, so user ids and device names are the same on every run.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Static

from tests.ui.conftest import make_app, wait_for
from tests.ui.test_screen_snapshots import SIZES, Navigate, SnapCompare, app_of, shell, steady
from tests.ui.test_shell import _move_webitel_users_into_contact_center, sections_shown
from webitel_tui.config import WebitelSettings
from webitel_tui.db.engine import Database
from webitel_tui.domain.records import Actor
from webitel_tui.processes import provisioning
from webitel_tui.processes.provisioning import WebitelUserForm
from webitel_tui.processes.webitel_connection import client_options
from webitel_tui.repositories import unit_of_work
from webitel_tui.simulator import FaultConfig, FaultRule, SimulatorThread, start_simulator_thread
from webitel_tui.ui.screens.dialogs import ConfirmDialog
from webitel_tui.ui.screens.lookup import LookupDialog
from webitel_tui.ui.screens.webitel_users import WebitelUserCard, WebitelUsersSection
from webitel_tui.webitel import WebitelClient


@pytest.fixture
def sim() -> Iterator[SimulatorThread]:
    with start_simulator_thread(users=20) as running:
        yield running


def settings_for(sim: SimulatorThread) -> WebitelSettings:
    return WebitelSettings(
        url=sim.base_url,
        domain=sim.domain,
        username=sim.username,
        password=sim.password,
        retries=0,
    )


async def _with_users(url: str, webitel: WebitelSettings, logins: list[tuple[str, str]]) -> None:
    await _move_webitel_users_into_contact_center(url)
    db = Database(url)
    client = WebitelClient(client_options(webitel))
    try:
        async with unit_of_work(db) as uow:
            admin = await uow.users.get_by_name("Supervisor")
        assert admin is not None
        actor = Actor(user_id=admin.id, contact_id=admin.contact_id)
        for login, extension in logins:
            async with unit_of_work(db) as uow:
                user = await uow.users.get_by_name(login)
            assert user is not None
            form = WebitelUserForm(
                user_id=user.id, contact_id=user.contact_id, name=login, extension=extension
            )
            await provisioning.create_webitel_user(db, actor, client, form)
    finally:
        await client.aclose()
        await db.dispose()


async def section(pilot: Pilot[None]) -> None:
    app = app_of(pilot)
    await shell(pilot)
    await pilot.press("w")
    await wait_for(pilot, lambda: sections_shown(app)[:1] == ["Webitel users"], "Contact center")
    await pilot.pause()
    await pilot.press("enter")
    await wait_for(pilot, lambda: bool(app.screen.query(WebitelUsersSection)), "the section")
    grid = app.screen.query_one(WebitelUsersSection).grid
    await wait_for(
        pilot,
        lambda: grid.table.row_count > 0 or grid.query_one("#grid-empty", Static).display,
        "the rows",
    )


async def new_card(pilot: Pilot[None]) -> None:
    app = app_of(pilot)
    await section(pilot)
    await pilot.press("n")
    await wait_for(pilot, lambda: isinstance(app.screen, WebitelUserCard), "the card")


async def card_of_okovalenko(pilot: Pilot[None]) -> None:
    app = app_of(pilot)
    await section(pilot)
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(app.screen, WebitelUserCard), "the card")
    card = app.screen
    assert isinstance(card, WebitelUserCard)
    await wait_for(pilot, lambda: card.record is not None, "the record")


async def filled_card_after_save(pilot: Pilot[None]) -> None:
    app = app_of(pilot)
    await new_card(pilot)
    await pilot.press("f4")
    await wait_for(pilot, lambda: isinstance(app.screen, LookupDialog), "the user lookup")
    lookup = app.screen
    assert isinstance(lookup, LookupDialog)
    await wait_for(pilot, lambda: lookup.grid.table.row_count > 0, "the candidates")
    names = [user.name for user in lookup.grid.records]
    lookup.grid.table.move_cursor(row=names.index("ibondarenko"))
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(app.screen, WebitelUserCard), "the card")
    card = app.screen
    assert isinstance(card, WebitelUserCard)
    card.query_one("#extension", Input).value = "7003"
    await pilot.press("ctrl+s")
    await wait_for(pilot, lambda: card.record is not None, "saved")


async def card_with_an_error(pilot: Pilot[None]) -> None:
    app = app_of(pilot)
    await filled_card_after_save(pilot)
    card = app.screen
    assert isinstance(card, WebitelUserCard)
    card.query_one("#extension", Input).value = "1002"  # Olena's on the server
    await pilot.press("ctrl+s")
    await wait_for(
        pilot, lambda: card.query_one("#record-message", Static).has_class("-error"), "refusal"
    )


def detail_lookup(detail: str, rows: int) -> Navigate:
    """The card of okovalenko, `+` on a detail, and its lookup with all `rows` shown."""

    async def navigate(pilot: Pilot[None]) -> None:
        app = app_of(pilot)
        await card_of_okovalenko(pilot)
        app.screen.query_one(f"#{detail}-detail", DataTable).focus()
        await pilot.press("plus")
        await wait_for(pilot, lambda: isinstance(app.screen, LookupDialog), detail)
        lookup = app.screen
        assert isinstance(lookup, LookupDialog)
        await wait_for(pilot, lambda: lookup.grid.table.row_count == rows, f"the {detail}")

    return navigate


async def delete_confirmation(pilot: Pilot[None]) -> None:
    app = app_of(pilot)
    await section(pilot)
    await pilot.press("delete")
    await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog), "the confirmation")


WITH_USERS: list[tuple[str, Navigate]] = [
    ("section_list", section),
    ("new_card", new_card),
    ("filled_card_after_save", filled_card_after_save),
    ("card_with_an_error", card_with_an_error),
    ("licenses_lookup", detail_lookup("licenses", 5)),
    ("roles_lookup", detail_lookup("roles", 6)),
    ("delete_confirmation", delete_confirmation),
]


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize(("name", "navigate"), WITH_USERS, ids=[n for n, _ in WITH_USERS])
def test_webitel_screen(
    snap_compare: SnapCompare,
    demo_url: str,
    sim: SimulatorThread,
    name: str,
    navigate: Navigate,
    size: tuple[int, int],
) -> None:
    webitel = settings_for(sim)
    asyncio.run(_with_users(demo_url, webitel, [("okovalenko", "7001"), ("amelnyk", "7002")]))
    app = make_app(demo_url, webitel=webitel)
    assert snap_compare(app, terminal_size=size, run_before=steady(navigate))


@pytest.mark.parametrize("size", SIZES)
def test_empty_section(
    snap_compare: SnapCompare, demo_url: str, sim: SimulatorThread, size: tuple[int, int]
) -> None:
    asyncio.run(_move_webitel_users_into_contact_center(demo_url))
    app = make_app(demo_url, webitel=settings_for(sim))
    assert snap_compare(app, terminal_size=size, run_before=steady(section))


async def _with_a_reconcile_item(url: str, webitel: WebitelSettings) -> None:
    """okovalenko and amelnyk; okovalenko's change was taken by Webitel, not by the CRM."""
    await _with_users(url, webitel, [("okovalenko", "7001"), ("amelnyk", "7002")])
    db = Database(url)
    try:
        async with unit_of_work(db) as uow:
            record = await uow.webitel_users.find_by_name("okovalenko")
            assert record is not None
            await uow.reconcile.add(
                record.webitel_id,
                "okovalenko",
                'Webitel saved the user "okovalenko" but the CRM could not: disk full.',
            )
    finally:
        await db.dispose()


@pytest.mark.parametrize("size", SIZES)
def test_section_with_a_reconcile_item(
    snap_compare: SnapCompare, demo_url: str, sim: SimulatorThread, size: tuple[int, int]
) -> None:
    """The banner (how many, which, why, what to do) and the marker on the record's name.
    Webitel does not answer for the user, so the start's own Reconcile leaves the item."""
    webitel = settings_for(sim)
    asyncio.run(_with_a_reconcile_item(demo_url, webitel))
    sim.app.set_faults(
        FaultConfig(rules=[FaultRule(kind="status", status=503, route="GET /api/users/*")])
    )
    app = make_app(demo_url, webitel=webitel)
    assert snap_compare(app, terminal_size=size, run_before=steady(section))
