"""Reading the change log in tests: the program writes it (an entry for every change of a
record) and nothing in it reads it back yet."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from webitel_tui.db.tables import SysChangeLog
from webitel_tui.domain.changelog import Operation
from webitel_tui.repositories import UnitOfWork


@dataclass(frozen=True)
class ChangeLogEntry:
    id: uuid.UUID
    created_on: datetime
    created_by: uuid.UUID | None
    entity: str
    record_id: uuid.UUID
    operation: Operation
    old_values: dict[str, Any]
    new_values: dict[str, Any]


async def change_log(uow: UnitOfWork, record_id: uuid.UUID) -> list[ChangeLogEntry]:
    """A record's entries, the newest first."""
    rows = await uow.session.scalars(
        select(SysChangeLog)
        .where(SysChangeLog.RecordId == record_id)
        .order_by(SysChangeLog.CreatedOn.desc(), SysChangeLog.Id)
        .limit(100)
    )
    return [
        ChangeLogEntry(
            id=row.Id,
            created_on=row.CreatedOn,
            created_by=row.CreatedById,
            entity=row.EntitySchemaName,
            record_id=row.RecordId,
            operation=Operation(row.Operation),
            old_values=dict(row.OldValues),
            new_values=dict(row.NewValues),
        )
        for row in rows
    ]
