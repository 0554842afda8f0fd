"""What every screen of the app shares.

`Worker.StateChanged` does not bubble: a screen's worker reports only to that screen. Screens
mix in `ForwardWorkerErrors` so that a failed worker reaches the App, whose one handler turns
it into a message for the admin.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual.message import Message
from textual.worker import Worker, WorkerState


@dataclass
class WorkerFailed(Message):
    """A worker of some screen ended with an error (posted to the App)."""

    worker: Worker[Any]


class ForwardWorkerErrors:
    """Mixin for Screen / ModalScreen subclasses (put it first in the bases)."""

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR:
            # `self.app` is there once the mixin sits on a Screen.
            self.app.post_message(WorkerFailed(event.worker))  # type: ignore[attr-defined]
