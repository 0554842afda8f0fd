"""The change log of rows inserted in bulk, made by the database (`log_inserted`), holds what
`loggable` makes in Python of the same rows, value for value, on each backend."""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import BigInteger, Boolean, Integer, String, Table, Text, Uuid, insert, select
from sqlalchemy.dialects import sqlite

from webitel_tui.db.engine import Database
from webitel_tui.db.ids import milliseconds, new_id
from webitel_tui.db.tables import (
    Contact,
    SysChangeLog,
    UtcDateTime,
)
from webitel_tui.domain.contacts import NewContact
from webitel_tui.domain.records import Actor
from webitel_tui.repositories import unit_of_work
from webitel_tui.repositories.bulk import prepare
from webitel_tui.repositories.contacts import contact_values
from webitel_tui.repositories.logged_values import loggable, logged_value
from webitel_tui.repositories.webitel_import import IMPORTED

# What an import inserts, in the order foreign keys need.
BASE_COLUMNS = {"Id", "CreatedOn", "CreatedById", "ModifiedOn", "ModifiedById", "Version"}
ROWS = 40

AWKWARD_TEXT = [
    "",
    "plain",
    'quo"te',
    "back\\slash",
    "line\nbreak\ttab",
    "\x01control",
    "Олена Коваленко",
    "emoji 😀 and combining é",
    "[red]markup[/red]",
    "  spaced  ",
]
MOMENTS = [
    datetime(2026, 11, 27, 19, 25, 1, 0, tzinfo=UTC),  # isoformat leaves the fraction out
    datetime(2026, 11, 27, 19, 25, 1, 120, tzinfo=UTC),
    datetime(2026, 11, 27, 19, 25, 1, 999999, tzinfo=UTC),
    datetime(1999, 1, 2, 3, 4, 5, 600000, tzinfo=UTC),
    datetime(2030, 6, 1, 23, 59, 59, 5, tzinfo=timezone(timedelta(hours=3))),
]


def _value(kind: Any, length: int | None, rng: random.Random, i: int, unique: bool) -> Any:
    if isinstance(kind, UtcDateTime):
        return rng.choice([*MOMENTS, None])
    if isinstance(kind, Boolean):
        return rng.choice([True, False])
    if isinstance(kind, BigInteger):
        return i if unique else rng.choice([0, -1, 2**53 + 1, 2**63 - 1, rng.randrange(2**40)])
    if isinstance(kind, Integer):
        return rng.choice([0, 1, -7, 2**31 - 1])
    if isinstance(kind, Uuid):
        return new_id()
    if isinstance(kind, String | Text):
        text = rng.choice(AWKWARD_TEXT)
        text = f"{text} {i}" if unique else text
        return text[:length] if length else text
    raise AssertionError(f"no test value for {kind}")


def _rows(
    table: Table, make_row: Callable[..., dict[str, Any]], inserted: dict[str, list[uuid.UUID]]
) -> list[dict[str, Any]]:
    """ROWS rows of every column but the base ones: awkward values, valid foreign keys, each
    unique column unique; `Description` (where there is one) is one string every row shares."""
    rng = random.Random(f"{table.name}")
    now = datetime.now(UTC)
    shared_text = "the same for every row"
    rows = []
    for i in range(ROWS):
        values: dict[str, Any] = {}
        for column in table.columns:
            if column.key in BASE_COLUMNS:
                continue
            targets = [fk.column.table.name for fk in column.foreign_keys]
            if targets:
                ids = inserted.get(targets[0], [])
                values[column.key] = ids[i % len(ids)] if ids else None
                continue
            unique = bool(column.unique) or column.key in {"NameKey", "Name"}
            length = getattr(column.type, "length", None)
            values[column.key] = _value(column.type, length, rng, i, unique)
            if not column.nullable and values[column.key] is None:
                values[column.key] = MOMENTS[0]
        if "Description" in values:
            values["Description"] = shared_text
        if table.name == "WebitelUser":  # unique, one CRM user each
            values["Extension"] = f"{1000 + i}" if i % 3 else None
        rows.append(make_row(now, **values))
    return rows


async def test_the_database_logs_bulk_rows_as_loggable_does(db: Database) -> None:
    actor = Actor(user_id=new_id(), contact_id=new_id(), name="Supervisor")
    inserted: dict[str, list[uuid.UUID]] = {}
    expected: dict[uuid.UUID, tuple[str, dict[str, Any]]] = {}
    async with unit_of_work(db, actor) as uow:
        repo = uow.webitel_import
        await uow.session.execute(insert(Contact).values(Id=actor.contact_id, Name="Supervisor"))
        for entity in IMPORTED:
            table: Table = entity.__table__  # type: ignore[assignment]
            rows = _rows(table, repo.new_row, inserted)
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
