"""An unexpected error: a short toast, and ctrl+o shows where it happened (secrets redacted),
`c` copying it for a bug report."""

from __future__ import annotations

from pydantic import SecretStr
from textual.pilot import Pilot

from tests.ui.conftest import make_app, wait_for
from tests.ui.test_screen_snapshots import SnapCompare, steady
from webitel_tui.config import WebitelSettings
from webitel_tui.ui.app import WebitelTuiApp
from webitel_tui.ui.screens.error_details import ErrorDetailsScreen

SECRET = "Webitel-s3cret-pw"


async def _broken() -> None:
    raise RuntimeError(f"the server said no to {SECRET}")


async def test_ctrl_e_shows_the_last_unexpected_error_without_its_secrets(demo_url: str) -> None:
    webitel = WebitelSettings(url="http://127.0.0.1:9/api", password=SecretStr(SECRET))
    app = make_app(demo_url, webitel=webitel)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+o")  # nothing went wrong yet
        await wait_for(pilot, lambda: isinstance(app.screen, ErrorDetailsScreen), "the dialog")
        assert app.screen.details == ""  # type: ignore[attr-defined]
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, ErrorDetailsScreen), "closed")

        app.run_worker(_broken(), name="broken", exit_on_error=False)
        await wait_for(pilot, lambda: bool(app.error_details), "the failure")
        [toast] = [n for n in app.notification_log if n.severity == "error"]
        assert "failed unexpectedly (RuntimeError)" in toast.message
        assert "ctrl+o" in toast.message and SECRET not in toast.message

        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: isinstance(app.screen, ErrorDetailsScreen), "the dialog")
        details = app.screen.details  # type: ignore[attr-defined]
        assert "Traceback" in details and "in _broken" in details
        assert "RuntimeError: the server said no to ***" in details
        assert SECRET not in details
        await pilot.press("c")
        assert app.clipboard == details
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, ErrorDetailsScreen), "closed")


def test_error_details_picture(snap_compare: SnapCompare, demo_url: str) -> None:
    """At 80x24; the traceback's own lines (paths, line numbers) are replaced by a fixed
    text so that the picture does not change with the code."""

    async def navigate(pilot: Pilot[None]) -> None:
        app = pilot.app
        assert isinstance(app, WebitelTuiApp)
        app.run_worker(_broken(), name="broken", exit_on_error=False)
        await wait_for(pilot, lambda: bool(app.error_details), "the failure")
        app.error_details = (
            "Traceback (most recent call last):\n"
            '  File "webitel_tui/ui/screens/webitel_users.py", line 1, in _save\n'
            "RuntimeError: the server said no to ***\n"
        )
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: isinstance(app.screen, ErrorDetailsScreen), "the dialog")

    app = make_app(demo_url)
    assert snap_compare(app, terminal_size=(80, 24), run_before=steady(navigate))
