"""`bulk.insert_committed`: prepared rows of several tables in a transaction of their own, on
each backend; all of them or none, and on SQLite one trip to the connection's thread."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from webitel_tui.db.engine import Database
from webitel_tui.db.tables import Contact, SysChangeLog, utcnow
from webitel_tui.domain.changelog import Operation
from webitel_tui.domain.contacts import NewContact
from webitel_tui.domain.records import Actor
from webitel_tui.repositories import unit_of_work
from webitel_tui.repositories.base import change_entry, new_row
from webitel_tui.repositories.bulk import Prepared, insert_committed, prepare, replaced
from webitel_tui.repositories.contacts import contact_values

ACTOR = Actor()
SECRET = "do-not-show-me"


def _contact(name: str) -> dict[str, Any]:
    return new_row(ACTOR, utcnow(), **contact_values(NewContact(name=name)))


def _rows(db: Database, contact: dict[str, Any], *, entry_id: Any = None) -> list[Prepared]:
    entry = change_entry(ACTOR, "Contact", contact["Id"], Operation.INSERT, {}, {"x": SECRET})
    if entry_id is not None:
        entry["Id"] = entry_id
    dialect = db.engine.dialect
    return [prepare(dialect, Contact, [contact]), prepare(dialect, SysChangeLog, [entry])]


async def _count(db: Database, entity: type[Contact] | type[SysChangeLog]) -> int:
    async with unit_of_work(db) as uow:
        return int(await uow.session.scalar(select(func.count()).select_from(entity)) or 0)


async def test_rows_of_two_tables_are_committed_together(db: Database) -> None:
    contact = _contact("Olena Kovalenko")
    await insert_committed(db.engine, _rows(db, contact))
    async with unit_of_work(db) as uow:
        stored = await uow.session.get(Contact, contact["Id"])
        logged = (await uow.session.scalars(select(SysChangeLog))).one()
    assert stored is not None and stored.Name == "Olena Kovalenko"
    assert (logged.RecordId, logged.NewValues) == (contact["Id"], {"x": SECRET})


async def test_a_refused_row_leaves_nothing_written_and_the_connection_usable(
    db: Database,
) -> None:
    """The second table's row repeats a key: SQLAlchemy's IntegrityError, as from a unit of
    work, without the rows' values in its text; the first table's row is not kept."""
    first = _contact("First")
    await insert_committed(db.engine, _rows(db, first))
    (entry_id,) = [e.Id for e in await _entries(db)]
    second = _contact("Second")
    with pytest.raises(IntegrityError) as refused:
        await insert_committed(db.engine, _rows(db, second, entry_id=entry_id))
    assert SECRET not in str(refused.value) and "Second" not in str(refused.value)
    assert (await _count(db, Contact), await _count(db, SysChangeLog)) == (1, 1)
    for _ in range(3):  # every pooled connection ended its transaction
        await insert_committed(db.engine, _rows(db, _contact("Later")))
    assert (await _count(db, Contact), await _count(db, SysChangeLog)) == (4, 4)


async def _entries(db: Database) -> list[SysChangeLog]:
    async with unit_of_work(db) as uow:
        return list(await uow.session.scalars(select(SysChangeLog)))


@pytest.mark.parametrize("migrated_database_url", ["sqlite"], indirect=True)
async def test_on_sqlite_the_inserts_and_the_commit_are_one_trip(
    db: Database, sqlite_trips: list[str]
) -> None:
    await _count(db, Contact)  # a connection in the pool, made before counting
    sqlite_trips.clear()
    await insert_committed(db.engine, _rows(db, _contact("One trip")))
    assert sqlite_trips == ["_insert_committed"]
    assert (await _count(db, Contact), await _count(db, SysChangeLog)) == (1, 1)


def test_replaced_values_are_converted_as_prepare_converts_them(db: Database) -> None:
    dialect = db.engine.dialect
    contact = _contact("Before")
    later = {"Name": "After", "AccountId": uuid.uuid4(), "ModifiedOn": utcnow()}
    ready = prepare(dialect, Contact, [contact])
    assert replaced(ready, dialect, later) == prepare(dialect, Contact, [{**contact, **later}])
    for wrong in ({"Id": contact["Id"]}, {"NoSuchColumn": 1}):
        with pytest.raises(ValueError, match="only other columns of Contact"):
            replaced(ready, dialect, wrong)
