"""Reading the change log (SysChangeLog): every record's entries, or one record's history.

Both are keyset pages newest first, read from an index: the whole log by (CreatedOn, Id)
(migration 0011), one record's by (RecordId, CreatedOn) (migration 0004). Who made a change
and the name of the record changed are looked up once per page, for the page's entries only.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select

from webitel_tui.db.tables import Contact, SysChangeLog
from webitel_tui.domain.changelog import ChangeLogEntry, Operation, record_name
from webitel_tui.domain.errors import RecordNotFoundError, ValidationError
from webitel_tui.domain.paging import Page, PageRequest
from webitel_tui.i18n import N_
from webitel_tui.repositories.base import Repository
from webitel_tui.repositories.paging import fetch_page

CHANGE_LOG_SORT_COLUMNS = {"when": SysChangeLog.CreatedOn}
"""The log is read in time order only: the one order its size can be paged in."""


def _entry(row: SysChangeLog) -> ChangeLogEntry:
    old, new = dict(row.OldValues or {}), dict(row.NewValues or {})
    return ChangeLogEntry(
        id=row.Id,
        created_on=row.CreatedOn,
        created_by=row.CreatedById,
        entity=row.EntitySchemaName,
        record_id=row.RecordId,
        operation=Operation(row.Operation),
        old_values=old,
        new_values=new,
        record_name=record_name(new) or record_name(old),
    )


class ChangeLogRepository(Repository):
    async def page(
        self, request: PageRequest, *, record_id: uuid.UUID | None = None
    ) -> Page[ChangeLogEntry]:
        """A page of the log, by time (newest first with `descending`): every entry, or
        only those of the record `record_id`. The log has no quick search."""
        if request.filter:
            raise ValidationError(f'The list has no filter "{request.filter}".')
        query = select(SysChangeLog)
        if record_id is not None:
            query = query.where(SysChangeLog.RecordId == record_id)
        page = await fetch_page(
            self.session,
            query,
            request=request.model_copy(update={"search": ""}),
            sort_columns=CHANGE_LOG_SORT_COLUMNS,
            id_column=SysChangeLog.Id,
            search_column=None,
            to_model=_entry,
        )
        return page.model_copy(update={"items": await self._named(page.items)})

    async def get(self, entry_id: uuid.UUID) -> ChangeLogEntry:
        row = await self.session.get(SysChangeLog, entry_id)
        if row is None:
            raise RecordNotFoundError(N_("change log entry"), entry_id)
        [entry] = await self._named([_entry(row)])
        return entry

    async def _named(self, entries: list[ChangeLogEntry]) -> list[ChangeLogEntry]:
        """The entries with who made them and, where their own values do not name the
        record, the name the record was added with."""
        who = await self._contact_names(e.created_by for e in entries if e.created_by)
        unnamed = {e.record_id for e in entries if not e.record_name}
        added = await self._added_names(unnamed)
        return [
            entry.model_copy(
                update={
                    "created_by_name": who.get(entry.created_by, "") if entry.created_by else "",
                    "record_name": entry.record_name or added.get(entry.record_id, ""),
                }
            )
            for entry in entries
        ]

    async def _contact_names(self, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, str]:
        wanted = set(ids)
        if not wanted:
            return {}
        rows = await self.session.execute(
            select(Contact.Id, Contact.Name).where(Contact.Id.in_(wanted))
        )
        return {row.Id: row.Name for row in rows}

    async def _added_names(self, record_ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
        """The names the records' "Insert" entries give them (by the RecordId index)."""
        if not record_ids:
            return {}
        rows = await self.session.execute(
            select(SysChangeLog.RecordId, SysChangeLog.NewValues).where(
                SysChangeLog.RecordId.in_(record_ids),
                SysChangeLog.Operation == Operation.INSERT.value,
            )
        )
        names: dict[uuid.UUID, str] = {}
        for row in rows:
            values: dict[str, Any] = dict(row.NewValues or {})
            name = record_name(values)
            if name:
                names[row.RecordId] = name
        return names
