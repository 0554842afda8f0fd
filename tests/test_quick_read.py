"""`quick_read.fetch_all` gives the rows SQLAlchemy gives for the same query, value for value,
on each backend (on SQLite it converts them itself, after one trip to the database)."""

from __future__ import annotations

import uuid
from datetime import UTC
from typing import Any

import pytest
from sqlalchemy import Integer, Table, bindparam, select

from tests.awkward_rows import ROWS, awkward_rows
from webitel_tui.db.engine import Database
from webitel_tui.db.tables import Contact, utcnow
from webitel_tui.domain.contacts import NewContact
from webitel_tui.domain.records import Actor
from webitel_tui.repositories import unit_of_work
from webitel_tui.repositories.base import new_row
from webitel_tui.repositories.bulk import insert_committed, prepare
from webitel_tui.repositories.contacts import contact_values
from webitel_tui.repositories.quick_read import fetch_all
from webitel_tui.repositories.webitel_import import IMPORTED


def _queries() -> dict[str, Any]:
    """Per table, all its columns (one labelled) of the rows from a version on: built once."""
    queries = {}
    for entity in IMPORTED:
        table: Table = entity.__table__  # type: ignore[assignment]
        queries[table.name] = select(*table.c, table.c.Id.label("SameId")).where(
            table.c.Version >= bindparam("version", type_=Integer())
        )
    return queries


QUERIES = _queries()


async def test_rows_are_the_rows_sqlalchemy_gives(db: Database) -> None:
    actor = Actor()
    inserted: dict[str, list[uuid.UUID]] = {}
    async with unit_of_work(db, actor) as uow:
        repo = uow.webitel_import
        for entity in IMPORTED:
            table: Table = entity.__table__  # type: ignore[assignment]
            rows = awkward_rows(table, repo.new_row, inserted)
            await repo.insert_many(repo.prepare_many(entity, rows))
            inserted[table.name] = [row["Id"] for row in rows]
    for name, query in QUERIES.items():
        async with unit_of_work(db) as uow:
            expected = (await uow.session.execute(query, {"version": 1})).all()
        quick = await fetch_all(db.engine, query, {"version": 1})
        assert len(quick) == len(expected) == ROWS, name
        by_id = {row.Id: row for row in quick}
        for row in expected:
            got = by_id[row.Id]
            assert tuple(got) == tuple(row), name
            assert got.SameId == row.Id and isinstance(got.SameId, uuid.UUID)
            assert got.CreatedOn == row.CreatedOn and got.CreatedOn.tzinfo == UTC
    assert await fetch_all(db.engine, QUERIES["Contact"], {"version": 2}) == []


@pytest.mark.parametrize("migrated_database_url", ["sqlite"], indirect=True)
async def test_on_sqlite_a_read_is_one_trip(db: Database, sqlite_trips: list[str]) -> None:
    query = QUERIES["Contact"]
    await fetch_all(db.engine, query, {"version": 1})  # a connection in the pool
    sqlite_trips.clear()
    assert await fetch_all(db.engine, query, {"version": 1}) == []
    assert sqlite_trips == ["_run_statement"]


@pytest.mark.parametrize("migrated_database_url", ["sqlite"], indirect=True)
async def test_a_query_with_an_expanding_parameter_is_refused(db: Database) -> None:
    table: Table = IMPORTED[0].__table__  # type: ignore[assignment]
    query = select(table.c.Id).where(table.c.Id.in_(bindparam("ids", expanding=True)))
    with pytest.raises(ValueError, match="plain positional parameters"):
        await fetch_all(db.engine, query, {"ids": [uuid.uuid4()]})


async def test_values_held_by_the_query_are_bound_and_a_missing_one_is_refused(
    db: Database,
) -> None:
    """A literal in the query (an anonymous parameter) is bound as SQLAlchemy binds it; a
    named parameter the caller does not give is refused, never read as NULL."""
    row = new_row(Actor(), utcnow(), **contact_values(NewContact(name="Kept")))
    await insert_committed(db.engine, [prepare(db.engine.dialect, Contact, [row])])
    table = Contact.__table__
    query = select(table.c.Id).where(
        table.c.Version == 1, table.c.Name != bindparam("name", type_=table.c.Name.type)
    )
    assert [found.Id for found in await fetch_all(db.engine, query, {"name": "x"})] == [row["Id"]]
    assert await fetch_all(db.engine, query, {"name": "Kept"}) == []
    if db.dialect == "sqlite":
        with pytest.raises(ValueError, match="no value for the parameter 'name'"):
            await fetch_all(db.engine, query, {})


async def test_a_failing_read_is_sqlalchemys_error(tmp_path: Any) -> None:
    """On SQLite the read bypasses SQLAlchemy's execute; its failure is still SQLAlchemy's
    exception (here: a database with no tables), as from a session, and the connection goes
    back to the pool."""
    from sqlalchemy.exc import OperationalError

    db = Database(f"sqlite:///{tmp_path / 'empty.db'}")
    try:
        with pytest.raises(OperationalError, match="no such table"):
            await fetch_all(db.engine, QUERIES["Contact"], {"version": 1})
        assert db.engine.sync_engine.pool.checkedout() == 0  # type: ignore[attr-defined]
    finally:
        await db.dispose()
