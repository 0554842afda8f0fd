"""Screens as pictures at 80x24: fixed demo data, steady cursor, the default theme.

`snap_compare` runs the app in its own event loop, so these tests are sync and each gets a
fresh app.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.pilot import Pilot
from textual.widgets import OptionList

from tests.ui.conftest import SIZE, make_app, screen_name, stop_blinking, wait_for

SnapCompare = Callable[..., bool]


def test_login_screen(snap_compare: SnapCompare, demo_url: str) -> None:
    assert snap_compare(make_app(demo_url), terminal_size=SIZE, run_before=stop_blinking)


async def _log_in_and_wait(pilot: Pilot[None]) -> None:
    app = pilot.app
    await stop_blinking(pilot)
    await pilot.press(*"Supervisor", "tab", *"Supervisor", "enter")
    await wait_for(pilot, lambda: screen_name(app) == "ShellScreen", "the shell")  # type: ignore[arg-type]
    await wait_for(
        pilot, lambda: app.screen.query_one("#sections", OptionList).option_count > 0, "sections"
    )


def test_shell_after_login(snap_compare: SnapCompare, demo_url: str) -> None:
    assert snap_compare(make_app(demo_url), terminal_size=SIZE, run_before=_log_in_and_wait)
