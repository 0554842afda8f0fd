"""An unexpected error: a short toast, and ctrl+o shows where it happened (secrets redacted),
`c` copying it for a bug report."""

from __future__ import annotations

from pydantic import SecretStr

from tests.ui.conftest import make_app, wait_for
from webitel_tui.config import WebitelSettings
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
