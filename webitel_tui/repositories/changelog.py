"""Reading the change log (the repositories write it as they change records)."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from webitel_tui.db.tables import SysChangeLog
from webitel_tui.domain.changelog import ChangeLogEntry, Operation
from webitel_tui.repositories.base import Repository


class ChangeLogRepository(Repository):
    async def for_record(self, record_id: uuid.UUID, limit: int = 100) -> list[ChangeLogEntry]:
        rows = await self.session.scalars(
            select(SysChangeLog)
            .where(SysChangeLog.RecordId == record_id)
            .order_by(SysChangeLog.CreatedOn.desc(), SysChangeLog.Id)
            .limit(limit)
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
