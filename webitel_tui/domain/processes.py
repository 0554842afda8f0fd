"""The business-process catalogue and its run log."""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import Field

from webitel_tui.domain.errors import DomainError
from webitel_tui.domain.records import AuditedRecord
from webitel_tui.i18n import tr


class ProcessStatus(StrEnum):
    RUNNING = "Running"
    COMPLETED = "Completed"
    FAILED = "Failed"
    CANCELLED = "Cancelled"
    INTERRUPTED = "Interrupted"
    """Left "Running" by a process that ended without recording the run's end (killed)."""


@dataclass(frozen=True)
class RunOwner:
    """The operating-system process that carries a run out: `pid` on `host`."""

    host: str
    pid: int

    @classmethod
    def current(cls) -> RunOwner:
        return cls(socket.gethostname(), os.getpid())


class Process(AuditedRecord):
    caption: str
    code: str
    description: str = ""
    enabled: bool = True


class ProcessRun(AuditedRecord):
    process_id: uuid.UUID
    started_on: datetime
    started_by: uuid.UUID | None = None
    completed_on: datetime | None = None
    status: ProcessStatus = ProcessStatus.RUNNING
    counts: dict[str, Any] = Field(default_factory=dict)
    message: str = ""
    owner: RunOwner | None = None
    """None for runs logged before owners were recorded."""
    process_caption: str = ""
    """The process's caption, where a list of runs of every process shows it."""
    started_by_name: str = ""
    """The name of the contact who started the run, where a list shows it ("" unknown)."""


class ProcessAlreadyRunningError(DomainError):
    """A run of the process is going on: a second one does not start beside it."""

    def __init__(self, code: str, since: str, started_by: str) -> None:
        super().__init__(
            tr("{0} is already running since {1}, started by {2}.", code, since, started_by)
        )
        self.code = code
        self.since = since
        self.started_by = started_by
