"""Pictures of the feedback and the keys, English and Ukrainian at 80x24: the notifications
list (ctrl+n), a detail's actions menu (`a`), the footer of the shell and of the Webitel
users section at 80 columns (F1 first, F9 there)."""

from __future__ import annotations

import asyncio
from datetime import datetime

import pytest
from textual.pilot import Pilot
from textual.widgets import Static

from tests.ui.conftest import make_app, wait_for
from tests.ui.test_screen_snapshots import (  # noqa: F401 (a fixture)
    Navigate,
    SnapCompare,
    app_of,
    english_afterwards,
    shell,
    steady,
)
from tests.ui.test_shell import sections_shown, workplace_shown
from tests.ui.test_webitel_snapshots import _with_users, settings_for, sim  # noqa: F401
from webitel_tui.simulator import SimulatorThread
from webitel_tui.ui.screens.dialogs import ActionsMenu
from webitel_tui.ui.screens.notifications import NotificationsScreen
from webitel_tui.ui.screens.webitel_users import WebitelUserCard, WebitelUsersSection
from webitel_tui.ui.widgets.detail_grid import DetailGrid

LANGUAGES = [pytest.param("en", id="en"), pytest.param("uk", id="uk")]
SIZE = (80, 24)
NOON = datetime(2026, 1, 2, 12, 0, 0)


async def section(pilot: Pilot[None]) -> None:
    """The Webitel users section (the first of the second workplace), in any language."""
    app = app_of(pilot)
    await shell(pilot)
    first = workplace_shown(app)
    await pilot.press("w")
    await wait_for(pilot, lambda: workplace_shown(app) != first, "the next workplace")
    await wait_for(pilot, lambda: bool(sections_shown(app)), "its sections")
    await pilot.pause()
    await pilot.press("enter")
    await wait_for(pilot, lambda: bool(app.screen.query(WebitelUsersSection)), "the section")
    grid = app.screen.query_one(WebitelUsersSection).grid
    await wait_for(
        pilot,
        lambda: grid.table.row_count > 0 or grid.query_one("#grid-empty", Static).display,
        "the rows",
    )


async def notifications(pilot: Pilot[None]) -> None:
    app = app_of(pilot)
    await shell(pilot)
    app.clock = lambda: NOON
    app.notify("The record has been saved.", title="Webitel user")
    app.notify("Extension 1002 -> 1999 from the server", title="Refresh from Webitel")
    app.notify(
        "Cannot reach the Webitel server at http://127.0.0.1:1", title="Error", severity="error"
    )
    await pilot.pause()
    app.clear_notifications()  # the toasts: their timing is no part of the picture
    await pilot.press("ctrl+n")
    await wait_for(pilot, lambda: isinstance(app.screen, NotificationsScreen), "the list")


async def detail_actions(pilot: Pilot[None]) -> None:
    app = app_of(pilot)
    await section(pilot)
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(app.screen, WebitelUserCard), "the card")
    card = app.screen
    assert isinstance(card, WebitelUserCard)
    await wait_for(pilot, lambda: card.record is not None, "the record")
    card.set_focus(card.query_one("#roles-detail", DetailGrid))
    await pilot.pause()
    await pilot.press("a")
    await wait_for(pilot, lambda: isinstance(app.screen, ActionsMenu), "the detail's menu")


CASES: list[tuple[str, Navigate]] = [
    ("shell_footer", shell),
    ("section_footer", section),
    ("notifications", notifications),
    ("detail_actions", detail_actions),
]


@pytest.mark.usefixtures("english_afterwards")
@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(("name", "navigate"), CASES, ids=[n for n, _ in CASES])
def test_feedback_screen(
    snap_compare: SnapCompare,
    demo_url: str,
    sim: SimulatorThread,  # noqa: F811
    name: str,
    navigate: Navigate,
    language: str,
) -> None:
    webitel = settings_for(sim)
    asyncio.run(_with_users(demo_url, webitel, [("okovalenko", "7001")]))
    app = make_app(demo_url, webitel=webitel, language=language)
    assert snap_compare(app, terminal_size=SIZE, run_before=steady(navigate))
