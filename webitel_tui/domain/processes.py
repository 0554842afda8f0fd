"""The business-process catalogue and its run log."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import Field

from webitel_tui.domain.records import AuditedRecord


class ProcessStatus(StrEnum):
    RUNNING = "Running"
    COMPLETED = "Completed"
    FAILED = "Failed"
    CANCELLED = "Cancelled"


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
