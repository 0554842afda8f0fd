"""Queries whose speed depends on SQLite choosing an index: their plans, on an SQLite CRM."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import event

from tests.change_log import change_log
from tests.factories import make_user
from webitel_tui.db.engine import Database
from webitel_tui.db.migrate import upgrade
from webitel_tui.domain.paging import Cursor, PageRequest, SortValue
from webitel_tui.repositories import UnitOfWork, unit_of_work
from webitel_tui.repositories.webitel_users import WEBITEL_USER_SORT_COLUMNS


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


async def test_every_webitel_users_sort_seeks_its_index_both_ways(tmp_path: Path) -> None:
    """A page of the Webitel users section, in either order (End reads the list's end in
    the opposite one), from the start or after a cursor: read from the sort column's (column,
    Id) index, never sorted afterwards, with a cursor a seek in it rather than a scan."""
    db = Database(f"sqlite:///{tmp_path}/crm.db")
    try:
        await upgrade(db)
        for sort, column in WEBITEL_USER_SORT_COLUMNS.items():
            if isinstance(column, tuple):
                continue  # an expression key: tests/test_numeric_sort.py
            value: SortValue = 1 if sort in ("webitel_id", "stun") else "m"
            cursor = Cursor(values=(value,), id=uuid.uuid4())
            for descending in (False, True):
                request = PageRequest(sort=sort, descending=descending)
                for sent in (request, request.next(cursor), request.backwards(None),
                             request.backwards(cursor)):  # fmt: skip
                    [plan] = await plans_of(db, partial(webitel_users_page, sent))
                    name = getattr(column, "name", sort)
                    assert f"USING INDEX IX_WebitelUser_{name}_Id" in plan, (sent, plan)
                    assert "TEMP B-TREE" not in plan, (sent, plan)
                    if sent.after is not None:
                        seek = f"(({name},Id){'<' if sent.descending else '>'}(?,?))"
                        assert plan.startswith("SEARCH") and seek in plan, (sent, plan)
    finally:
        await db.dispose()


async def webitel_users_page(request: PageRequest, uow: UnitOfWork) -> object:
    return await uow.webitel_users.page(request)
