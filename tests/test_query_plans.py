"""Queries whose speed depends on SQLite choosing an index: their plans, on an SQLite CRM."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from sqlalchemy import event

from tests.change_log import change_log
from tests.factories import make_user
from webitel_tui.db.engine import Database
from webitel_tui.db.migrate import upgrade
from webitel_tui.repositories import UnitOfWork, unit_of_work


async def plans_of(db: Database, work: Callable[[UnitOfWork], Awaitable[Any]]) -> list[str]:
    """The query plan of every SELECT `work` runs (a plan's steps joined with " | ")."""
    ran: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            ran.append((statement, parameters))

    event.listen(db.engine.sync_engine, "before_cursor_execute", record)
    try:
        async with unit_of_work(db) as uow:
            await work(uow)
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", record)
    plans = []
    async with db.engine.connect() as connection:
        for statement, parameters in ran:
            rows = await connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
            plans.append(" | ".join(str(row[-1]) for row in rows))
    return plans


async def test_a_records_history_is_read_from_its_index(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path}/crm.db")
    try:
        await upgrade(db)
        async with unit_of_work(db) as uow:
            user = await make_user(uow, "jdoe")
        [plan] = await plans_of(db, lambda uow: change_log(uow, user.id))
    finally:
        await db.dispose()
    assert "USING INDEX IX_SysChangeLog_RecordId_CreatedOn (RecordId=?)" in plan, plan
