"""UI test support: a demo database per test (copied from one prepared file), the app factory,
and condition waits instead of pause counts."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import Input

from tests.conftest import Templates
from webitel_tui.config import DatabaseSettings, Settings
from webitel_tui.ui.app import WebitelTuiApp, create_app

SIZE = (80, 24)


@pytest.fixture
def demo_url(templates: Templates, tmp_path: Path) -> str:
    """A copy of the demo database (tests/conftest.py builds it once) for one test."""
    return templates.sqlite_copy("demo", tmp_path)


def make_settings(url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "database": DatabaseSettings(url=url),
        "theme": "creatio-classic",
        "keymap": {},
        **overrides,
    }
    return Settings(**values)  # type: ignore[arg-type]


def make_app(url: str, **overrides: object) -> WebitelTuiApp:
    return create_app(make_settings(url, **overrides))


async def wait_for(
    pilot: Pilot[None], condition: Callable[[], bool], what: str, seconds: float = 15.0
) -> None:
    """Pump the app until `condition` holds; fail naming `what` after `seconds`."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for: {what}")
        await pilot.pause(0.02)


def no_blink(app: WebitelTuiApp) -> None:
    for field in app.screen.query(Input):
        field.cursor_blink = False


async def stop_blinking(pilot: Pilot[None]) -> None:
    """`run_before` for snapshots: a steady cursor, so the picture is the same every time."""
    await wait_for(pilot, lambda: bool(pilot.app.screen.query(Input)), "the login form")
    for field in pilot.app.screen.query(Input):
        field.cursor_blink = False


def screen_name(app: WebitelTuiApp) -> str:
    return type(app.screen).__name__


async def fill_login(pilot: Pilot[None], user_name: str, password: str) -> None:
    """Fill the login form and press Enter in the password, for the tests that only need to
    be logged in: the values are set, not typed, as a pilot's key press is slow and a login
    is twenty of them."""
    app = pilot.app
    await wait_for(
        pilot,
        lambda: screen_name(app) == "LoginScreen" and bool(app.screen.query("#password")),  # type: ignore[arg-type]
        "the login form",
    )
    app.screen.query_one("#user-name", Input).value = user_name
    field = app.screen.query_one("#password", Input)
    field.value = password
    field.focus()
    await pilot.press("enter")


async def type_login(pilot: Pilot[None], user_name: str, password: str) -> None:
    """Fill the login form as a person would, and press Enter (the login tests: `fill_login`
    is quicker where the typing is not what is tested)."""
    app = pilot.app
    await wait_for(pilot, lambda: screen_name(app) == "LoginScreen", "the login screen")  # type: ignore[arg-type]
    user_field = app.screen.query_one("#user-name", Input)
    user_field.value = ""
    user_field.focus()
    await pilot.press(*user_name, "tab", *password, "enter")


async def search_for(pilot: Pilot[None], term: str) -> None:
    """Press "/" to reach the grid's search box and set `term` there, not typed (the grid's
    own tests type it)."""
    await pilot.press("slash")
    field = pilot.app.focused
    assert isinstance(field, Input) and field.id == "grid-search", field
    field.value = term


RunBefore = Callable[[Pilot[None]], Awaitable[None]]


_CHARACTERS = {"tab": "\t", "enter": "\r", "slash": "/", "space": " "}


def type_ahead(app: App[Any], *keys: str) -> None:
    """Keys as a fast typist, a password manager's auto-type or a laggy SSH link deliver
    them: all at once, before the app has handled the first (`pilot.press` waits after each)."""
    from textual import events

    for key in keys:
        character = key if len(key) == 1 else _CHARACTERS.get(key)
        app.post_message(events.Key(key, character).set_sender(app))
