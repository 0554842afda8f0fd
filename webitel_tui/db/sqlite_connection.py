"""The SQLite connections SQLAlchemy gets: aiosqlite's, with a `stop()` that can be called
twice, handed over through SQLAlchemy's public seam (`async_creator`).

aiosqlite 0.22 queues a request that ends the connection's thread on every `stop()`, but the
thread ends at the first: a later call's future is never completed. SQLAlchemy calls `stop()`
when it force-closes a connection whose query was cancelled (a worker cancelled as a screen
or the app closes) while its graceful close of it still runs; that close calls `stop()` again
and waited for ever: the app hung at exit with no CPU (tests/test_database_connections.py).
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Awaitable, Callable
from functools import partial
from typing import TYPE_CHECKING, Any

import aiosqlite

if TYPE_CHECKING:
    from sqlalchemy.engine import URL


class StopOnceConnection(aiosqlite.Connection):
    """An aiosqlite connection whose thread is asked to stop once, however often it is told."""

    _stop_asked = False
    _stop_future: asyncio.Future[Any] | None = None

    def stop(self) -> asyncio.Future[Any] | None:
        if not self._stop_asked:
            self._stop_asked = True
            self._stop_future = super().stop()
        return self._stop_future


def _built_in_a_daemon_thread(connector: Callable[[], sqlite3.Connection]) -> StopOnceConnection:
    """A connection whose thread is a daemon: one left open cannot hold the process at exit
    (what SQLAlchemy's own aiosqlite connect sees to). A thread is a daemon when the thread
    that creates it is one, so it is created in a short-lived daemon thread."""
    built: list[StopOnceConnection] = []
    builder = threading.Thread(
        target=lambda: built.append(StopOnceConnection(connector, iter_chunk_size=64)),
        daemon=True,
    )
    builder.start()
    builder.join()
    return built[0]


def connector(url: URL) -> Callable[[], Awaitable[aiosqlite.Connection]]:
    """The `async_creator` for `url`: the file and options SQLAlchemy's own connect uses."""
    from sqlalchemy.dialects.sqlite.aiosqlite import dialect

    args, kwargs = dialect().create_connect_args(url)
    sqlite_connect = partial(sqlite3.connect, *args, **kwargs)

    async def connect() -> aiosqlite.Connection:
        return await _built_in_a_daemon_thread(sqlite_connect)

    return connect
