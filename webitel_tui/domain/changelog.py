"""Change log entries: who changed which record, when, from what to what."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from webitel_tui.domain.records import Record


class Operation(StrEnum):
    INSERT = "Insert"
    UPDATE = "Update"
    DELETE = "Delete"


class ChangeLogEntry(Record):
    id: uuid.UUID
    created_on: datetime
    created_by: uuid.UUID | None
    entity: str
    record_id: uuid.UUID
    operation: Operation
    old_values: dict[str, Any]
    new_values: dict[str, Any]
