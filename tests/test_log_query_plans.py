"""The Change log and Process log pages read from their indexes (SQLite's query plans; see
tests/test_query_plans.py): the whole log by (CreatedOn, Id), a record's history by
(RecordId, CreatedOn), the runs by (StartedOn, Id); a cursor is a seek, never a sort."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from functools import partial

import pytest

from tests.factories import make_user
from tests.test_query_plans import plans_of
from webitel_tui.db.engine import Database
from webitel_tui.db.migrate import upgrade
from webitel_tui.domain.changelog import ChangeLogEntry
from webitel_tui.domain.paging import Cursor, Page, PageRequest
from webitel_tui.domain.processes import ProcessRun
from webitel_tui.repositories import UnitOfWork, unit_of_work


@pytest.fixture
async def sqlite_db(tmp_path: object) -> AsyncIterator[Database]:
    db = Database(f"sqlite:///{tmp_path}/crm.db")
    try:
        await upgrade(db)
        async with unit_of_work(db) as uow:
            await make_user(uow, "jdoe")
        yield db
    finally:
        await db.dispose()


def requests(sort: str) -> list[PageRequest]:
    """A list's first page and a page after a cursor, newest first and (End) oldest first."""
    cursor = Cursor(values=("2026-01-01 00:00:00+00:00",), id=uuid.uuid4())
    sent = []
    for descending in (True, False):
        request = PageRequest(sort=sort, descending=descending)
        sent += [request, request.next(cursor)]
    return sent


async def change_log_page(
    request: PageRequest, record_id: uuid.UUID | None, uow: UnitOfWork
) -> Page[ChangeLogEntry]:
    return await uow.change_log.page(request, record_id=record_id)


async def runs_page(request: PageRequest, uow: UnitOfWork) -> Page[ProcessRun]:
    return await uow.processes.page_runs(request)


async def test_the_change_log_pages_by_its_date_index(sqlite_db: Database) -> None:
    for request in requests("when"):
        [page, *_] = await plans_of(sqlite_db, partial(change_log_page, request, None))
        assert "USING INDEX IX_SysChangeLog_CreatedOn_Id" in page, (request, page)
        assert "TEMP B-TREE" not in page, (request, page)
        if request.after is not None:
            seek = f"((CreatedOn,Id){'<' if request.descending else '>'}(?,?))"
            assert page.startswith("SEARCH") and seek in page, (request, page)


async def test_a_records_history_pages_by_its_record_index(sqlite_db: Database) -> None:
    record = uuid.uuid4()
    for request in requests("when"):
        [page, *_] = await plans_of(sqlite_db, partial(change_log_page, request, record))
        assert "USING INDEX IX_SysChangeLog_RecordId_CreatedOn (RecordId=?" in page, page


async def test_the_process_log_pages_by_its_start_index(sqlite_db: Database) -> None:
    for request in requests("started"):
        [page, *_] = await plans_of(sqlite_db, partial(runs_page, request))
        assert "USING INDEX IX_SysProcessLog_StartedOn_Id" in page, (request, page)
        assert "TEMP B-TREE" not in page, (request, page)
