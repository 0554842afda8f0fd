"""The Process log's list: runs of every process, newest first, a keyset page at a time,
searched by the process, with the process's caption and who started each. SQLite and
PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import update

from tests.factories import make_user
from webitel_tui.db.engine import Database
from webitel_tui.db.tables import SysProcessLog
from webitel_tui.domain import known
from webitel_tui.domain.paging import PageRequest
from webitel_tui.domain.processes import ProcessRun, ProcessStatus
from webitel_tui.domain.records import Actor
from webitel_tui.processes.setup import prepare
from webitel_tui.repositories import unit_of_work


@pytest.fixture
async def prepared(database_url: str) -> AsyncIterator[Database]:
    db = Database(database_url)
    await prepare(db)
    try:
        yield db
    finally:
        await db.dispose()


async def read_all(db: Database, request: PageRequest) -> list[ProcessRun]:
    runs: list[ProcessRun] = []
    sent: PageRequest | None = request
    while sent is not None:
        async with unit_of_work(db) as uow:
            page = await uow.processes.page_runs(sent)
        runs += page.items
        sent = None if page.next_cursor is None else sent.next(page.next_cursor)
    return runs


async def test_runs_page_newest_first_named_and_searched(prepared: Database) -> None:
    async with unit_of_work(prepared) as uow:
        admin = await make_user(uow, "admin", "Ada Admin")
    actor = Actor(user_id=admin.id, contact_id=admin.contact_id)
    started = []
    for _ in range(5):
        async with unit_of_work(prepared, actor) as uow:
            process = await uow.processes.by_code(known.GET_WEBITEL_USERS_PROCESS_CODE)
            assert process is not None
            run = await uow.processes.start_run(process.id)
            await uow.processes.finish_run(run.id, ProcessStatus.COMPLETED, {"created": 1})
            started.append(run.id)
    async with unit_of_work(prepared) as uow:  # two at one moment: told apart by Id
        await uow.session.execute(
            update(SysProcessLog)
            .where(SysProcessLog.Id.in_(started[1:3]))
            .values(StartedOn=datetime(2030, 1, 1, tzinfo=UTC))
        )
    newest = await read_all(prepared, PageRequest(sort="started", descending=True, limit=2))
    assert len(newest) == 5 and len({run.id for run in newest}) == 5
    assert {run.id for run in newest[:2]} == set(started[1:3])
    keys = [(run.started_on, run.id) for run in newest]
    assert keys == sorted(keys, reverse=True)
    oldest = await read_all(prepared, PageRequest(sort="started", limit=2))
    assert [run.id for run in oldest] == [run.id for run in reversed(newest)]
    assert {run.process_caption for run in newest} == {"GetWebitelUsers"}
    assert {run.started_by_name for run in newest} == {"Ada Admin"}
    assert newest[0].counts == {"created": 1}

    found = await read_all(prepared, PageRequest(sort="started", search="webitelusers"))
    none = await read_all(prepared, PageRequest(sort="started", search="no such process"))
    nul = await read_all(prepared, PageRequest(sort="started", search="a\x00b"))
    assert (len(found), none, nul) == (5, [], [])
    async with unit_of_work(prepared) as uow:
        one = await uow.processes.get_run(started[0])
    assert one.started_by_name == "Ada Admin" and one.process_caption == "GetWebitelUsers"
