"""The change log of rows inserted in bulk, made by the database (`log_inserted`), holds what
`loggable` makes in Python of the same rows, value for value, on each backend."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Table, insert, select
from sqlalchemy.dialects import sqlite

from tests.awkward_rows import ROWS, awkward_rows
from webitel_tui.db.engine import Database
from webitel_tui.db.ids import milliseconds, new_id
from webitel_tui.db.tables import (
    Contact,
    SysChangeLog,
)
from webitel_tui.domain.contacts import NewContact
from webitel_tui.domain.records import Actor
from webitel_tui.repositories import unit_of_work
from webitel_tui.repositories.bulk import prepare
from webitel_tui.repositories.contacts import contact_values
from webitel_tui.repositories.logged_values import loggable, logged_value
from webitel_tui.repositories.webitel_import import IMPORTED


async def test_the_database_logs_bulk_rows_as_loggable_does(db: Database) -> None:
    actor = Actor(user_id=new_id(), contact_id=new_id(), name="Supervisor")
    inserted: dict[str, list[uuid.UUID]] = {}
    expected: dict[uuid.UUID, tuple[str, dict[str, Any]]] = {}
    async with unit_of_work(db, actor) as uow:
        repo = uow.webitel_import
        await uow.session.execute(insert(Contact).values(Id=actor.contact_id, Name="Supervisor"))
        for entity in IMPORTED:
            table: Table = entity.__table__  # type: ignore[assignment]
            rows = awkward_rows(table, repo.new_row, inserted)
            prepared = repo.prepare_many(entity, rows)
            await repo.insert_many(prepared)
            await repo.log_inserted([prepared])
            inserted[table.name] = [row["Id"] for row in rows]
            for row in rows:
                expected[row["Id"]] = (entity.__name__, loggable(row))
    async with unit_of_work(db) as uow:
        logged = (await uow.session.execute(select(SysChangeLog))).scalars().all()
    assert len(logged) == len(expected) == ROWS * len(IMPORTED)
    for entry in logged:
        name, values = expected[entry.RecordId]
        assert (entry.EntitySchemaName, entry.Operation, entry.OldValues) == (name, "Insert", {})
        assert entry.NewValues == values, name
        assert entry.CreatedById == actor.contact_id
    assert "UserPassword" not in logged[0].NewValues and "SearchText" not in str(logged)


async def test_the_ids_the_database_makes_are_version_7_and_unique(db: Database) -> None:
    before = milliseconds()
    async with unit_of_work(db) as uow:
        repo = uow.webitel_import
        now = datetime.now(UTC)
        rows = [
            repo.new_row(now, **contact_values(NewContact(name=f"Contact {i}"))) for i in range(500)
        ]
        prepared = repo.prepare_many(Contact, rows)
        await repo.insert_many(prepared)
        await repo.log_inserted([prepared])
    after = milliseconds()
    async with unit_of_work(db) as uow:
        ids = (await uow.session.execute(select(SysChangeLog.Id))).scalars().all()
    assert len(set(ids)) == len(ids) == 500
    for made in ids:
        assert made.version == 7 and made.variant == uuid.RFC_4122
        assert before <= made.int >> 80 <= after


def test_a_column_type_without_a_change_log_form_is_refused() -> None:
    """A JSON column has no form here: refused when the statement is built, not logged wrong."""
    with pytest.raises(TypeError, match="no change-log form"):
        logged_value(SysChangeLog.__table__.c.NewValues, "sqlite")  # type: ignore[arg-type]


def test_rows_are_prepared_only_for_a_positional_paramstyle() -> None:
    rows = [{"Id": new_id(), "Name": "x"}]
    with pytest.raises(ValueError, match="positional paramstyle, not named"):
        prepare(sqlite.dialect(paramstyle="named"), Contact, rows)
