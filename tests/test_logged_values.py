"""The change log of the rows an import inserts holds what `loggable` makes of the same rows,
stored and read back value for value on each backend: what the ORM path (`column_values`)
logs of the same records once stored."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Table, insert, select

from tests.awkward_rows import ROWS, awkward_rows
from webitel_tui.db.engine import Database
from webitel_tui.db.ids import milliseconds, new_id
from webitel_tui.db.tables import BaseEntity, Contact, SysChangeLog
from webitel_tui.domain.records import Actor
from webitel_tui.repositories import unit_of_work
from webitel_tui.repositories.base import column_values
from webitel_tui.repositories.logged_values import loggable
from webitel_tui.repositories.webitel_import import IMPORTED, NewRows


async def test_the_import_logs_its_rows_as_loggable_does(db: Database) -> None:
    actor = Actor(user_id=new_id(), contact_id=new_id(), name="Supervisor")
    inserted: dict[str, list[uuid.UUID]] = {}
    expected: dict[uuid.UUID, tuple[str, dict[str, Any]]] = {}
    before = milliseconds()
    async with unit_of_work(db, actor) as uow:
        repo = uow.webitel_import
        await uow.session.execute(insert(Contact).values(Id=actor.contact_id, Name="Supervisor"))
        tables = []
        for entity in IMPORTED:  # NewRows lists its tables in this order
            table: Table = entity.__table__  # type: ignore[assignment]
            rows = awkward_rows(table, repo.new_row, inserted)
            inserted[table.name] = [row["Id"] for row in rows]
            for row in rows:
                expected[row["Id"]] = (entity.__name__, loggable(row))
            tables.append(rows)
        await repo.insert(NewRows(*tables))
    after = milliseconds()
    async with unit_of_work(db) as uow:
        logged = (await uow.session.execute(select(SysChangeLog))).scalars().all()
        stored: dict[uuid.UUID, dict[str, Any]] = {}
        for entity in IMPORTED:
            for record in (await uow.session.execute(select(entity))).scalars():
                assert isinstance(record, BaseEntity)
                stored[record.Id] = column_values(record)  # what the ORM path would log
    assert len(logged) == len(expected) == ROWS * len(IMPORTED)
    for entry in logged:
        name, values = expected[entry.RecordId]
        assert (entry.EntitySchemaName, entry.Operation, entry.OldValues) == (name, "Insert", {})
        assert entry.NewValues == values == stored[entry.RecordId], name
        assert entry.CreatedById == actor.contact_id
    assert "UserPassword" not in logged[0].NewValues and "SearchText" not in str(logged)
    ids = [entry.Id for entry in logged]
    assert len(set(ids)) == len(ids)
    assert all(i.version == 7 and before <= i.int >> 80 <= after for i in ids)


async def test_a_changed_secret_setting_is_logged_masked(db: Database) -> None:
    """Masked, the old and the new value read the same: the entry is written all the same
    (a new password leaves a trace of when and by whom), and never the value itself."""
    async with unit_of_work(db) as uow:
        setting = await uow.settings.ensure("ApiToken", "API token", "first-secret", secret=True)
        setting = await uow.settings.set_value(setting, "second-secret")
        await uow.settings.set_value(setting, "second-secret")  # unchanged: no entry
    async with unit_of_work(db) as uow:
        entries = (
            await uow.session.scalars(
                select(SysChangeLog).where(SysChangeLog.RecordId == setting.id)
            )
        ).all()
    updates = [entry for entry in entries if entry.Operation == "Update"]
    assert [(e.OldValues, e.NewValues) for e in updates] == [
        ({"Value": "********"}, {"Value": "********"})
    ]
    assert "secret" not in repr([(e.OldValues, e.NewValues) for e in entries])
