"""SQLite connections as db/aiosqlite_driver.py drives them: one trip to the thread per
statement, no trip to end a transaction that is not open, closed whatever cancelled them."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import pytest
from sqlalchemy import text

from tests.cancelled_queries import SLOW_QUERY, others_end
from webitel_tui.db.engine import Database


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
    assert await others_end(20), "closing the cancelled connection never ended"
    await asyncio.wait_for(db.dispose(), 20)


async def test_a_connection_told_to_stop_while_it_closes_ends(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'crm.db'}")
    async with db.engine.connect() as connection:
        driver = (await connection.get_raw_connection()).driver_connection
        assert driver is not None
        closing = asyncio.ensure_future(driver.close())
        stopped = driver.stop()  # what SQLAlchemy's force close does
        with contextlib.suppress(ValueError):  # aiosqlite's "Connection closed": it ends
            await asyncio.wait_for(closing, 20)
        assert stopped is not None
        await asyncio.wait_for(stopped, 20)
    await asyncio.wait_for(db.dispose(), 20)


async def test_a_statement_is_one_trip_to_the_connections_thread(
    tmp_path: Path, sqlite_trips: list[str]
) -> None:
    """A read is one trip (no rollback to end it: nothing to roll back); a write of two rows
    three (two statements and the commit; no rollback when the connection goes back to the
    pool)."""
    db = Database(f"sqlite:///{tmp_path / 'crm.db'}")
    async with db.engine.begin() as connection:
        await connection.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT)"))
    trips = sqlite_trips
    trips.clear()
    async with db.engine.connect() as connection:
        rows = (await connection.execute(text("SELECT a FROM t"))).all()
    assert (rows, trips) == ([], ["_run_statement"])
    trips.clear()
    async with db.engine.begin() as connection:
        await connection.execute(text("INSERT INTO t (a) VALUES (:a)"), {"a": "x"})
        result = await connection.execute(text("UPDATE t SET a = 'y' WHERE a = 'x'"))
        assert result.rowcount == 1
    assert trips == ["_run_statement", "_run_statement", "commit"]
    await db.dispose()


async def test_a_connection_back_in_the_pool_with_a_transaction_open_is_rolled_back(
    tmp_path: Path,
) -> None:
    db = Database(f"sqlite:///{tmp_path / 'crm.db'}")
    async with db.engine.begin() as connection:
        await connection.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT)"))
    async with db.engine.connect() as connection:
        driver = (await connection.get_raw_connection()).driver_connection
        assert driver is not None
        # Behind SQLAlchemy's back, so only the pool's reset can end this transaction.
        await driver.execute("INSERT INTO t (a) VALUES ('left open')")
        assert driver.in_transaction
    async with db.engine.connect() as connection:
        assert (await connection.execute(text("SELECT count(*) FROM t"))).scalar() == 0
        driver = (await connection.get_raw_connection()).driver_connection
        assert driver is not None and not driver.in_transaction
    await db.dispose()


async def test_commit_and_rollback_on_a_closed_connection_do_what_sqlalchemys_adapter_does(
    tmp_path: Path,
) -> None:
    """sqlite3 cannot say whether a closed connection has a transaction open: the shortcut
    then leaves it to SQLAlchemy's adapter, which ends nothing on a closed connection."""
    db = Database(f"sqlite:///{tmp_path / 'crm.db'}")
    async with db.engine.connect() as connection:
        raw = await connection.get_raw_connection()
        adapted, driver = raw.dbapi_connection, raw.driver_connection
        assert adapted is not None and driver is not None
        await driver.close()
        with pytest.raises(ValueError, match="no active connection"):
            _ = driver.in_transaction
        await connection.run_sync(lambda _sync: adapted.commit())
        await connection.run_sync(lambda _sync: adapted.rollback())
        await connection.invalidate()
    await db.dispose()
