"""SQLite connections as db/sqlite_connection.py makes them: closed whatever cancelled them,
never holding the process at exit."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from pathlib import Path

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


async def test_a_connections_thread_does_not_hold_the_process_at_exit(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'crm.db'}")
    async with db.engine.connect() as connection:
        await connection.execute(text("SELECT 1"))
        workers = [t for t in threading.enumerate() if "_connection_worker_thread" in t.name]
        assert workers and all(t.daemon for t in workers)
    await db.dispose()


async def test_a_locked_database_is_waited_for_then_said_with_its_holder(tmp_path: Path) -> None:
    """The connection waits `lock_wait` seconds for another writer's lock, then the error is
    the one line that names who holds it (this process, here)."""
    import os
    import sqlite3
    import time

    import pytest

    from webitel_tui.db.engine import DatabaseProblem
    from webitel_tui.db.sqlite_connection import describe_process, lock_holders

    path = tmp_path / "crm.db"
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    db = Database(f"sqlite:///{path}", lock_wait=0.3)
    try:
        started = time.monotonic()
        with pytest.raises(DatabaseProblem) as caught:
            async with db.engine.connect() as connection:
                await connection.execute(text("CREATE TABLE t (id INTEGER)"))
        assert 0.3 <= time.monotonic() - started < 10
        assert lock_holders(path) == []  # held by this process: not "another program"
    finally:
        other.execute("ROLLBACK")
        other.close()
        await db.dispose()
    # Another process's lock is named (tests/test_startup_failures.py); this process's own
    # never is: one of its connections is not "another program".
    assert str(caught.value) == (
        f"The database file {path} is locked by another program, still after 0.3 seconds; "
        "try again when it has finished"
    )
    assert describe_process(os.getpid()).startswith(f"process {os.getpid()}")


async def test_a_damaged_file_is_one_line_from_any_statement(tmp_path: Path) -> None:
    import pytest

    from webitel_tui.db.engine import DatabaseProblem

    path = tmp_path / "crm.db"
    path.write_bytes(b"not a database" * 100)
    db = Database(f"sqlite:///{path}")
    try:
        with pytest.raises(DatabaseProblem, match="is damaged or is not a webitel-tui database"):
            async with db.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
    finally:
        await db.dispose()


def test_passwords_in_urls_are_masked() -> None:
    from webitel_tui.db.engine import describe, mask_url

    assert mask_url("at postgresql://crm:p@ss:w0rd@db:5432/crm, then") == (
        "at postgresql://crm:***@db:5432/crm, then"
    )
    assert mask_url("postgresql://crm@db/crm") == "postgresql://crm@db/crm"
    assert describe("postgres://crm:secret@db/crm") == "postgresql://crm:***@db/crm"
    assert describe("sqlite:////var/lib/crm.db") == "/var/lib/crm.db"
