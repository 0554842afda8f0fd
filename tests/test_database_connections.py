"""Database connections close, whatever cancelled the work on them (see db/aiosqlite_stop.py)."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

from sqlalchemy import text

from webitel_tui.db.engine import Database

# Counting to a few million in SQLite keeps the connection's thread busy long enough to cancel
# the query, and then the close SQLAlchemy queues behind it, while they wait.
SLOW_QUERY = text(
    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000000) "
    "SELECT count(*) FROM n"
)


async def _leftovers_end(seconds: float) -> bool:
    """Whether every other task ends within `seconds`; the stuck ones are cancelled (twice:
    a task can swallow one cancel in a `finally`) so that a failure does not hang the run."""
    others = asyncio.all_tasks() - {asyncio.current_task()}
    if not others:
        return True
    _done, pending = await asyncio.wait(others, timeout=seconds)
    for _ in range(2):
        for task in pending:
            task.cancel()
        await asyncio.sleep(0)
    return not pending


async def test_a_query_cancelled_twice_while_running_leaves_connections_that_close(
    tmp_path: Path,
) -> None:
    """A worker cancelled mid-query (its screen closes), and again while SQLAlchemy closes
    the connection (the app closes): the close and the engine's disposal end."""
    db = Database(f"sqlite:///{tmp_path / 'crm.db'}")
    running = asyncio.Event()

    async def slow_query() -> None:
        async with db.engine.connect() as connection:
            running.set()
            await connection.execute(SLOW_QUERY)

    task = asyncio.ensure_future(slow_query())
    await running.wait()
    await asyncio.sleep(0.05)
    task.cancel()  # SQLAlchemy closes the connection gracefully, queued behind the query
    await asyncio.sleep(0.05)
    task.cancel()  # and now force-closes it while that close still waits
    with contextlib.suppress(asyncio.CancelledError):
        await task
    assert await _leftovers_end(20), "closing the cancelled connection never ended"
    await asyncio.wait_for(db.dispose(), 20)


async def test_a_connection_told_to_stop_while_it_closes_ends(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'crm.db'}")
    async with db.engine.connect() as connection:
        driver = (await connection.get_raw_connection()).driver_connection
        assert driver is not None
        closing = asyncio.ensure_future(driver.close())
        stopped = driver.stop()  # what SQLAlchemy's force close does
        await asyncio.wait_for(closing, 20)
        assert stopped is not None
        await asyncio.wait_for(stopped, 20)
    await asyncio.wait_for(db.dispose(), 20)
