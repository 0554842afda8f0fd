"""A detail's own keys: `+` (Add), Delete and `a` (the detail's actions menu, Creatio's ⋮),
shown in the footer while the detail has the focus, running the page's actions as its
`check_action` allows; F1 lists each key once."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator

import pytest
from textual.pilot import Pilot

from tests.ui.conftest import make_app, wait_for
from tests.ui.test_shell import _move_webitel_users_into_contact_center
from tests.ui.test_webitel_snapshots import _with_users
from tests.ui.test_webitel_users import _a_record_and_grants, app_for, open_section
from webitel_tui.simulator import RunningSimulator, start_simulator
from webitel_tui.ui.app import WebitelTuiApp
from webitel_tui.ui.screens.dialogs import ActionsMenu, ConfirmDialog
from webitel_tui.ui.screens.help import HelpScreen, help_rows
from webitel_tui.ui.screens.lookup import LookupDialog
from webitel_tui.ui.screens.webitel_users import WebitelUserCard
from webitel_tui.ui.widgets.detail_grid import DetailGrid
from webitel_tui.ui.widgets.keys_footer import KeysFooter

DETAIL_KEYS = {"detail.add", "detail.delete", "detail.actions"}


@pytest.fixture
async def sim() -> AsyncIterator[RunningSimulator]:
    running = await start_simulator(users=20)
    try:
        yield running
    finally:
        await running.stop()


def offered(app: WebitelTuiApp) -> set[str]:
    return {b.binding.id or "" for b in app.screen.active_bindings.values() if b.enabled}


def shown(app: WebitelTuiApp) -> set[str]:
    """The ids of the keys the footer shows (enabled or dimmed)."""
    return {b.binding.id or "" for b in app.screen.active_bindings.values() if b.binding.show}


async def card_of_amelnyk(pilot: Pilot[None], app: WebitelTuiApp, login: str) -> WebitelUserCard:
    section = await open_section(pilot, app, login)
    await wait_for(pilot, lambda: section.grid.table.row_count == 1, "the record")
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(app.screen, WebitelUserCard), "the card")
    card = app.screen
    assert isinstance(card, WebitelUserCard)
    await wait_for(pilot, lambda: card.record is not None, "the record loaded")
    return card


async def focus_detail(pilot: Pilot[None], card: WebitelUserCard, detail: str) -> DetailGrid:
    grid = card.query_one(f"#{detail}", DetailGrid)
    card.set_focus(grid)
    await wait_for(pilot, lambda: card.focused is grid, detail)
    return grid


def listed_twice(rows: list[tuple[str, str]]) -> list[str]:
    keys = Counter(
        key.strip().casefold() for shown_keys, _ in rows for key in shown_keys.split(" / ")
    )
    return sorted(key for key, count in keys.items() if count > 1)


async def test_detail_keys_show_only_while_a_detail_has_the_focus(
    demo_url: str, sim: RunningSimulator
) -> None:
    await _move_webitel_users_into_contact_center(demo_url)
    await _a_record_and_grants(demo_url)
    app = app_for(demo_url, sim)
    async with app.run_test(size=(80, 24)) as pilot:
        card = await card_of_amelnyk(pilot, app, "Supervisor")
        assert DETAIL_KEYS.isdisjoint(shown(app))  # the name field has the focus
        await focus_detail(pilot, card, "licenses-detail")
        footer = app.screen.query_one(KeysFooter)
        await wait_for(pilot, lambda: "plus" in footer.shown_keys, "+ in the footer")
        assert {"detail.add", "detail.actions"} <= offered(app)
        assert "detail.delete" in shown(app)  # dimmed: the detail has no row yet
        assert "detail.delete" not in offered(app)
        assert footer.shown_keys[:4] == ["f1", "plus", "delete", "a"]
        await pilot.press("plus")  # the page's own Add: the licenses lookup
        await wait_for(pilot, lambda: isinstance(app.screen, LookupDialog), "the licenses")
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is card, "the card again")


async def test_the_detail_actions_menu_runs_the_pages_actions(
    demo_url: str, sim: RunningSimulator
) -> None:
    app = app_for(demo_url, sim)
    await _with_users(demo_url, app.settings.webitel, [("amelnyk", "7002")])
    async with app.run_test(size=(80, 24)) as pilot:
        card = await card_of_amelnyk(pilot, app, "Supervisor")
        operator = sim.state.license_by_product("OPERATOR").id
        card._change_detail("licenses-detail", add=[operator])
        await wait_for(pilot, lambda: len(card.licenses) == 1, "a license")
        detail = await focus_detail(pilot, card, "licenses-detail")
        await wait_for(pilot, lambda: detail.row_count == 1, "its row")
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, ActionsMenu), "the menu")
        menu = app.screen
        assert isinstance(menu, ActionsMenu)
        assert menu.items == [("add_to_detail", "Add"), ("delete_from_detail", "Delete")]
        await pilot.press("down", "enter")  # Delete
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog), "the question")
        await pilot.press("y")
        await wait_for(pilot, lambda: card.licenses == [], "the license removed")
        assert app.screen is card
        assert card.focused is detail


async def test_a_read_only_card_offers_no_detail_key(demo_url: str) -> None:
    await _move_webitel_users_into_contact_center(demo_url)
    await _a_record_and_grants(demo_url)
    app = make_app(demo_url)
    async with app.run_test(size=(80, 24)) as pilot:
        card = await card_of_amelnyk(pilot, app, "okovalenko")
        assert card.read_only
        await focus_detail(pilot, card, "roles-detail")
        await pilot.pause()
        assert DETAIL_KEYS.isdisjoint(shown(app))
        await pilot.press("a", "plus")
        await pilot.pause()
        assert app.screen is card


async def test_f1_lists_each_key_once(demo_url: str, sim: RunningSimulator) -> None:
    """HELP_KEYS repeated keys the bindings list already ("F4", "+ / Delete", the lookup's
    Space): a line naming a key bound right now is left out."""
    await _move_webitel_users_into_contact_center(demo_url)
    await _a_record_and_grants(demo_url)
    app = app_for(demo_url, sim)
    async with app.run_test(size=(80, 24)) as pilot:
        card = await card_of_amelnyk(pilot, app, "Supervisor")
        assert listed_twice(help_rows(card)) == []
        await focus_detail(pilot, card, "roles-detail")
        rows = help_rows(card)
        assert listed_twice(rows) == []
        assert ("+ / insert", "Add to the detail") in rows
        await pilot.press("plus")
        await wait_for(pilot, lambda: isinstance(app.screen, LookupDialog), "the roles")
        lookup = app.screen
        assert isinstance(lookup, LookupDialog)
        await wait_for(pilot, lambda: lookup.grid.table.row_count > 0, "the roles listed")
        assert listed_twice(help_rows(lookup)) == []
        await pilot.press("f1")  # a priority key: also on a dialog
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), "the help")
