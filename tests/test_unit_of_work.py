"""`unit_of_work`: commit on a normal end, roll back on any error, and the connection back in
the pool however the unit ends (cancelled in the middle of a query included)."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import pytest
from sqlalchemy import text

from tests.cancelled_queries import SLOW_QUERY, others_end
from webitel_tui.db.engine import Database
from webitel_tui.repositories import unit_of_work


async def test_a_unit_commits_or_rolls_back_and_gives_its_connection_back(
    tmp_path: Path,
) -> None:
    db = Database(f"sqlite:///{tmp_path / 'crm.db'}")
    pool = db.engine.pool
    try:
        async with unit_of_work(db) as uow:
            await uow.session.execute(text("CREATE TABLE t (a INTEGER)"))
            await uow.session.execute(text("INSERT INTO t VALUES (1)"))
        assert pool.checkedout() == 0  # type: ignore[attr-defined]

        with pytest.raises(RuntimeError):
            async with unit_of_work(db) as uow:
                await uow.session.execute(text("INSERT INTO t VALUES (2)"))
                raise RuntimeError
        assert pool.checkedout() == 0  # type: ignore[attr-defined]

        running = asyncio.Event()

        async def cancelled_in_a_query() -> None:
            async with unit_of_work(db) as uow:
                await uow.session.execute(text("INSERT INTO t VALUES (3)"))
                running.set()
                await uow.session.execute(SLOW_QUERY)

        task = asyncio.ensure_future(cancelled_in_a_query())
        await running.wait()
        await asyncio.sleep(0.05)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        assert await others_end(20), "closing the cancelled unit never ended"
        assert pool.checkedout() == 0  # type: ignore[attr-defined]

        async with unit_of_work(db) as uow:
            kept = (await uow.session.execute(text("SELECT a FROM t"))).scalars().all()
        assert kept == [1]
    finally:
        await asyncio.wait_for(db.dispose(), 20)
