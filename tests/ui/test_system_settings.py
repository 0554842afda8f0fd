"""System settings: STUN/TURN servers saved in the CRM; the Webitel connection masked and
tested against the simulator over loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from textual.widgets import Input, Static

from tests.ui.conftest import SIZE, make_app, wait_for
from tests.ui.test_designer import log_in_as
from webitel_tui.config import WebitelSettings
from webitel_tui.db.engine import Database
from webitel_tui.domain import known
from webitel_tui.domain.settings import MASK
from webitel_tui.repositories import unit_of_work
from webitel_tui.simulator import RunningSimulator, start_simulator
from webitel_tui.ui.app import WebitelTuiApp
from webitel_tui.ui.screens.system_settings import SystemSettingsPage


@pytest.fixture
async def sim() -> AsyncIterator[RunningSimulator]:
    running = await start_simulator(users=5, password="S3cret-pw")
    try:
        yield running
    finally:
        await running.stop()


def text_of(app: WebitelTuiApp, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


async def open_settings(pilot: object, app: WebitelTuiApp) -> SystemSettingsPage:
    await log_in_as(pilot, app, "Supervisor")
    await pilot.press("ctrl+g", "down", "down", "enter")  # type: ignore[attr-defined]
    await wait_for(pilot, lambda: isinstance(app.screen, SystemSettingsPage), "settings")  # type: ignore[arg-type]
    page = app.screen
    assert isinstance(page, SystemSettingsPage)
    await wait_for(pilot, lambda: page.stun is not None, "loaded")  # type: ignore[arg-type]
    return page


async def test_stun_servers_are_checked_and_saved(demo_url: str) -> None:
    app = make_app(demo_url)
    async with app.run_test(size=SIZE) as pilot:
        page = await open_settings(pilot, app)
        field = page.query_one("#stun-servers", Input)
        assert field.value == "stun:stun.l.google.com:19302"
        field.value = "stun:stun.example.org:3478, http://nope"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "http://nope" in text_of(app, "#record-message"), "refusal")
        assert field.value == "stun:stun.example.org:3478, http://nope"  # kept as typed
        field.value = "stun:stun.example.org:3478, turn:turn.example.org:3478"
        await pilot.press("ctrl+s")
        await wait_for(
            pilot, lambda: text_of(app, "#record-message") == "The record has been saved.", "saved"
        )
    async with unit_of_work(Database(demo_url)) as uow:
        value = await uow.settings.value(known.STUN_SERVERS_SETTING)
    assert value == "stun:stun.example.org:3478 turn:turn.example.org:3478"


async def test_connection_is_masked_and_tested(demo_url: str, sim: RunningSimulator) -> None:
    webitel = WebitelSettings(
        url=sim.base_url, domain=sim.domain, username=sim.username, password=sim.password
    )
    app = make_app(demo_url, webitel=webitel)
    async with app.run_test(size=SIZE) as pilot:
        page = await open_settings(pilot, app)
        shown = " ".join(str(s.render()) for s in page.query(".setting-row"))
        assert "S3cret-pw" not in shown
        assert f"Password: {MASK}" in shown and f"URL: {sim.base_url}" in shown
        await pilot.press("ctrl+t")
        await wait_for(
            pilot,
            lambda: (
                text_of(app, "#connection-result")
                == f'Connected to the Webitel domain "{sim.domain}" as {sim.username}.'
            ),
            "connected",
        )


async def test_a_refused_connection_says_why(demo_url: str, sim: RunningSimulator) -> None:
    webitel = WebitelSettings(
        url=sim.base_url, domain=sim.domain, username=sim.username, password="wrong"
    )
    app = make_app(demo_url, webitel=webitel)
    async with app.run_test(size=SIZE) as pilot:
        await open_settings(pilot, app)
        await pilot.press("ctrl+t")
        await wait_for(
            pilot,
            lambda: text_of(app, "#connection-result").startswith("The connection failed:"),
            "the refusal",
        )
        assert "wrong" not in text_of(app, "#connection-result")


async def test_no_connection_configured(demo_url: str) -> None:
    app = make_app(demo_url)
    async with app.run_test(size=SIZE) as pilot:
        await open_settings(pilot, app)
        await pilot.press("ctrl+t")
        await wait_for(
            pilot,
            lambda: text_of(app, "#connection-result").startswith(
                "The Webitel connection is not set up"
            ),
            "not configured",
        )
