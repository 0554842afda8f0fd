"""How SQLAlchemy drives aiosqlite here: fewer trips to the connection's thread, and a
`stop()` that can be called twice.

aiosqlite runs each SQLite connection in a thread fed by a queue: every call is a trip there
and back (a queue, a thread switch, a wake-up of the event loop). SQLAlchemy's adapter makes
3-4 trips per statement (make a cursor, execute, fetch the rows, close the cursor) and one more
to end every read and every return of a connection to the pool (a rollback, even after a
commit): a one-query read cost 5 trips and a save of two rows 8. Here a statement is one trip
(the thread makes the cursor, executes, fetches everything, closes it, and sends back rows,
description, row count and last row id), and a commit or rollback is a trip only if a
transaction is open (sqlite3 says so without one): 1 and 3 trips.

`stop()`: aiosqlite 0.22 queues a request that ends the thread on every call, but the thread
ends at the first: a later call's future is never completed. SQLAlchemy calls `stop()` when it
force-closes a connection whose query was cancelled (a worker cancelled as a screen or the
app closes) while its graceful close of it still runs; that close calls `stop()` again and
waited for ever: the app hung at exit with no CPU. Every call after the first returns the
first call's future.

Both reach into aiosqlite's queue (`_execute`) and connection (`_conn`), as SQLAlchemy's own
adapter does, and subclass that adapter: aiosqlite is pinned to 0.22.x and SQLAlchemy to
2.1.x for it (tests/test_database_connections.py).
"""

from __future__ import annotations

import asyncio
import collections
import sqlite3
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import aiosqlite
from sqlalchemy.connectors.asyncio import AsyncAdapt_dbapi_connection
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
)
from sqlalchemy.util import EMPTY_DICT

T = TypeVar("T")


class StopOnceConnection(aiosqlite.Connection):
    """An aiosqlite connection whose thread is asked to stop once, however often it is told."""

    _stop_asked = False
    _stop_future: asyncio.Future[Any] | None = None

    def stop(self) -> asyncio.Future[Any] | None:
        if not self._stop_asked:
            self._stop_asked = True
            self._stop_future = super().stop()
        return self._stop_future


class _Finished:
    """What SQLAlchemy reads of a cursor after it executed, kept once the cursor is closed."""

    __slots__ = ("arraysize", "description", "lastrowid", "rowcount")

    def __init__(self, description: Any = None, rowcount: int = -1, lastrowid: Any = None):
        self.description = description
        self.rowcount = rowcount
        self.lastrowid = lastrowid
        self.arraysize = 1

    def close(self) -> None:
        """Already closed, in the connection's thread."""


def _run_statement(
    connection: sqlite3.Connection, operation: str, parameters: Any
) -> tuple[_Finished, list[Any]]:
    """In the connection's thread: the statement run to the end, its cursor closed."""
    cursor = connection.cursor()
    try:
        if parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        description = cursor.description
        rows = cursor.fetchall() if description else []
        return _Finished(description, cursor.rowcount, cursor.lastrowid), rows
    finally:
        cursor.close()


def _run_statements(
    connection: sqlite3.Connection, operation: str, parameters: Sequence[Any]
) -> _Finished:
    cursor = connection.cursor()
    try:
        cursor.executemany(operation, parameters)
        return _Finished(None, cursor.rowcount, cursor.lastrowid)
    finally:
        cursor.close()


async def in_thread(
    connection: AsyncAdapt_dbapi_connection, function: Callable[..., T], *args: Any
) -> T:
    """`function(sqlite3_connection, *args)` run in the connection's thread: one trip, taken
    in turn with SQLAlchemy's own (its lock)."""
    driver: aiosqlite.Connection = connection._connection  # type: ignore[assignment]
    async with connection._execute_mutex:
        result: T = await driver._execute(function, driver._conn, *args)  # type: ignore[no-untyped-call]
    return result


class OneTripCursor(AsyncAdapt_aiosqlite_cursor):
    """SQLAlchemy's aiosqlite cursor, with each statement one trip to the thread."""

    __slots__ = ()
    _awaitable_cursor_close = False  # closed in the thread already

    def __init__(self, adapt_connection: AsyncAdapt_dbapi_connection) -> None:
        # No trip: the cursor is made in the thread when a statement runs.
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = _Finished()  # type: ignore[assignment]
        self._soft_closed_memoized = EMPTY_DICT
        self._rows = collections.deque()

    async def _execute_async(self, operation: Any, parameters: Any) -> None:
        finished, rows = await in_thread(
            self._adapt_connection, _run_statement, operation, parameters
        )
        self._cursor = finished  # type: ignore[assignment]
        self._rows = collections.deque(rows)

    async def _executemany_async(self, operation: Any, seq_of_parameters: Any) -> None:
        finished = await in_thread(
            self._adapt_connection, _run_statements, operation, seq_of_parameters
        )
        self._cursor = finished  # type: ignore[assignment]


class OneTripConnection(AsyncAdapt_aiosqlite_connection):
    """SQLAlchemy's aiosqlite connection with `OneTripCursor`s, and no trip for a commit or
    rollback with no transaction open: sqlite3 would do nothing (it says so without a trip,
    `in_transaction`), and SQLAlchemy ends every read and every return to the pool so."""

    __slots__ = ()
    _cursor_cls = OneTripCursor

    def _transaction_open(self) -> bool:
        try:
            return bool(self._connection.in_transaction)
        except Exception:  # closed: SQLAlchemy's adapter decides, as it did without this
            return True

    def rollback(self) -> None:
        if self._transaction_open():
            super().rollback()

    def commit(self) -> None:
        if self._transaction_open():
            super().commit()


def on_connect(dbapi_connection: Any, _record: Any) -> None:
    """SQLAlchemy "connect" listener: the new connection (not used yet) gets the classes
    above; they change behaviour only, not state."""
    if type(dbapi_connection) is AsyncAdapt_aiosqlite_connection:
        dbapi_connection.__class__ = OneTripConnection
    driver = dbapi_connection.driver_connection
    if type(driver) is aiosqlite.Connection:
        driver.__class__ = StopOnceConnection
