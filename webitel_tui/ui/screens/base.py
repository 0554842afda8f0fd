"""What every screen of the app shares.

`Worker.StateChanged` does not bubble: a screen's worker reports only to that screen. Screens
mix in `ScreenMixin` (and widgets that run workers `ForwardWorkerErrors`) so that a failed
worker reaches the App, whose one handler turns it into a message for the admin.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from textual.binding import ActiveBinding
from textual.message import Message
from textual.worker import Worker, WorkerState

from webitel_tui.i18n import _

if TYPE_CHECKING:  # the login screen uses this module before the database layers are loaded
    from webitel_tui.config import Settings
    from webitel_tui.db.engine import Database
    from webitel_tui.processes.auth import LoggedIn
    from webitel_tui.repositories import UnitOfWork
    from webitel_tui.webitel import WebitelClient


@dataclass
class WorkerFailed(Message):
    """A worker of some screen ended with an error (posted to the App)."""

    worker: Worker[Any]


class TranslatedBindings:
    """Mixin for screens: the key descriptions the footer, the help and the palette show, in
    the admin's language.

    Bindings are class attributes written in English (marked with `N_`); they are translated
    where Textual hands them out, the screen's `active_bindings`, which every one of those
    reads.
    """

    @property
    def active_bindings(self) -> dict[str, ActiveBinding]:
        active: dict[str, ActiveBinding] = super().active_bindings  # type: ignore[misc]
        return {key: _translated(entry) for key, entry in active.items()}


def _translated(entry: ActiveBinding) -> ActiveBinding:
    binding = entry.binding
    tooltip = _(binding.tooltip) if binding.tooltip else binding.tooltip
    binding = replace(binding, description=_(binding.description), tooltip=tooltip)
    return entry._replace(binding=binding, tooltip=tooltip)


class ForwardWorkerErrors:
    """Mixin for screens and for widgets that run workers (put it first in the bases)."""

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR:
            # `self.app` is there once the mixin sits on a mounted screen or widget.
            self.app.post_message(WorkerFailed(event.worker))  # type: ignore[attr-defined]


class ScreenMixin(ForwardWorkerErrors, TranslatedBindings):
    """What every screen of the app mixes in (put it first in the bases): failed workers
    reach the App, key descriptions show in the admin's language."""


class ShellContext:
    """What a screen of the logged-in shell needs: the database, who is acting, the
    configuration and the Webitel client (one per app, opened on first use)."""

    def __init__(
        self,
        db: Database,
        logged_in: LoggedIn,
        settings: Settings | None = None,
        webitel: Callable[[], WebitelClient] | None = None,
    ) -> None:
        from webitel_tui.config import Settings

        self.db = db
        self.logged_in = logged_in
        self.settings = settings or Settings()
        self._webitel = webitel

    def webitel(self) -> WebitelClient:
        """The Webitel client; raises the "not set up" message when there is no connection."""
        if self._webitel is None:
            from webitel_tui.processes.webitel_connection import NOT_CONFIGURED, ConnectionProblem

            raise ConnectionProblem(_(NOT_CONFIGURED))
        return self._webitel()

    def unit_of_work(self) -> AbstractAsyncContextManager[UnitOfWork]:
        """One transaction on behalf of the logged-in user (for CreatedBy and the change log)."""
        from webitel_tui.repositories import unit_of_work

        return unit_of_work(self.db, self.logged_in.actor)
