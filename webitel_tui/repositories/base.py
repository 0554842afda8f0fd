"""What every repository shares: the session, the actor, audit columns, change log, errors."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Row, Table, insert, inspect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from webitel_tui.db.ids import new_id
from webitel_tui.db.tables import Base, BaseEntity, SysChangeLog, utcnow
from webitel_tui.domain.changelog import Operation
from webitel_tui.domain.errors import RecordConflictError, RecordNotFoundError
from webitel_tui.domain.records import Actor
from webitel_tui.repositories.logged_values import loggable

E = TypeVar("E", bound=BaseEntity)


def column_values(entity: BaseEntity, *, secret_columns: Iterable[str] = ()) -> dict[str, Any]:
    """The entity's loggable column values, JSON-safe, secrets masked."""
    columns = inspect(entity).mapper.column_attrs
    values = {attr.key: getattr(entity, attr.key) for attr in columns}
    return loggable(values, secret_columns=secret_columns)


def audit_fields(row: BaseEntity | Row[Any]) -> dict[str, Any]:
    """The AuditedRecord fields of a domain model, from the row's BaseEntity columns (an ORM
    row, or a Core row with them by their names)."""
    return {
        "id": row.Id,
        "version": row.Version,
        "created_on": row.CreatedOn,
        "modified_on": row.ModifiedOn,
    }


def new_row(actor: Actor, now: datetime, **values: Any) -> dict[str, Any]:
    """A row to insert as plain values (see `Repository.insert_many`) with its BaseEntity
    columns; rows made together share `now`."""
    return {
        "Id": new_id(),
        "CreatedOn": now,
        "CreatedById": actor.contact_id,
        "ModifiedOn": now,
        "ModifiedById": actor.contact_id,
        "Version": 1,
        **values,
    }


def change_entry(
    actor: Actor,
    entity: str,
    record_id: uuid.UUID,
    operation: Operation,
    old_values: dict[str, Any],
    new_values: dict[str, Any],
) -> dict[str, Any]:
    """The SysChangeLog row of a change, by column: `log_change` adds it to the session, a
    plain INSERT may write it."""
    return {
        "Id": new_id(),
        "CreatedOn": utcnow(),
        "CreatedById": actor.contact_id,
        "EntitySchemaName": entity,
        "RecordId": record_id,
        "Operation": operation.value,
        "OldValues": old_values,
        "NewValues": new_values,
    }


class Repository:
    """Base of the repositories: one session (one transaction) and the acting user."""

    def __init__(self, session: AsyncSession, actor: Actor) -> None:
        self.session = session
        self.actor = actor

    def stamp_new(self, entity: BaseEntity) -> None:
        now = utcnow()
        entity.Id = entity.Id or new_id()
        entity.CreatedOn = now
        entity.ModifiedOn = now
        entity.CreatedById = self.actor.contact_id
        entity.ModifiedById = self.actor.contact_id

    def stamp_modified(self, entity: BaseEntity) -> None:
        entity.ModifiedOn = utcnow()
        entity.ModifiedById = self.actor.contact_id

    async def load_for_update(
        self, table: type[E], record_id: uuid.UUID, version: int, entity: str
    ) -> E:
        """The row to change, refused if someone saved it since `version` was read."""
        row = await self.session.get(table, record_id)
        if row is None:
            raise RecordConflictError(entity, record_id)
        if row.Version != version:
            raise RecordConflictError(entity, record_id)
        return row

    async def get_or_missing(self, table: type[E], record_id: uuid.UUID, entity: str) -> E:
        row = await self.session.get(table, record_id)
        if row is None:
            raise RecordNotFoundError(entity, record_id)
        return row

    async def flush(self, entity: str, record_id: uuid.UUID | None = None) -> None:
        """Flush, turning a lost optimistic-lock race into the conflict error."""
        try:
            await self.session.flush()
        except StaleDataError as exc:
            raise RecordConflictError(entity, record_id or uuid.UUID(int=0)) from exc

    async def flush_unique(
        self, on_duplicate: Exception, entity: str, record_id: uuid.UUID | None = None
    ) -> None:
        """Flush; a unique-index violation becomes `on_duplicate`.

        The repositories check uniqueness first for a precise message; this catches the race
        where two admins save the same value at once. The failed statement spoils the
        transaction (PostgreSQL aborts it), which is fine: the error ends the unit of work and
        it rolls back; nobody carries on in it.
        """
        try:
            await self.session.flush()
        except IntegrityError as exc:
            raise on_duplicate from exc
        except StaleDataError as exc:
            raise RecordConflictError(entity, record_id or uuid.UUID(int=0)) from exc

    def new_row(self, now: datetime, **values: Any) -> dict[str, Any]:
        """`new_row` by this repository's actor."""
        return new_row(self.actor, now, **values)

    async def insert_many(self, entity: type[Base], rows: Sequence[Mapping[str, Any]]) -> None:
        """Insert new rows (every column given, as `new_row` makes them) in one executemany,
        without an ORM object per row. Their change-log entries are not written here: the
        caller inserts `inserted_entries` of them (into SysChangeLog, by this same method)."""
        if not rows:  # an empty list would be executed as one INSERT of the defaults
            return
        # A Core INSERT does not flush the session: rows added the ORM way go first (foreign
        # keys).
        await self.session.flush()
        table: Table = entity.metadata.tables[entity.__tablename__]
        await self.session.execute(insert(table), rows)

    def inserted_entries(
        self, entity: type[Base], rows: Iterable[Mapping[str, Any]]
    ) -> list[dict[str, Any]]:
        """The change-log entries ("Insert", the new values) of rows `insert_many` inserts:
        what `log_change` makes of a record added the ORM way."""
        name = entity.__name__
        return [
            change_entry(self.actor, name, row["Id"], Operation.INSERT, {}, loggable(row))
            for row in rows
        ]

    def log_change(
        self,
        entity: str,
        record_id: uuid.UUID,
        operation: Operation,
        old: Mapping[str, Any] | None,
        new: Mapping[str, Any] | None,
        *,
        secrets_changed: Iterable[str] = (),
    ) -> None:
        """An entry of the change log; an update only with the columns that changed.
        `secrets_changed`: masked columns whose values changed (masked, both sides read
        the same: without it a new password would leave no trace)."""
        old_values = dict(old or {})
        new_values = dict(new or {})
        if operation is Operation.UPDATE:
            changed = {k for k in new_values if old_values.get(k) != new_values.get(k)}
            changed |= set(secrets_changed) & set(new_values)
            if not changed:
                return
            old_values = {k: old_values.get(k) for k in sorted(changed)}
            new_values = {k: new_values[k] for k in sorted(changed)}
        entry = change_entry(self.actor, entity, record_id, operation, old_values, new_values)
        self.session.add(SysChangeLog(**entry))
