"""The SQLite connections SQLAlchemy gets: aiosqlite's, with a `stop()` that can be called
twice, handed over through SQLAlchemy's public seam (`async_creator`); and who holds a lock
on a database file, for the message that says it is locked.

aiosqlite 0.22 queues a request that ends the connection's thread on every `stop()`, but the
thread ends at the first: a later call's future is never completed. SQLAlchemy calls `stop()`
when it force-closes a connection whose query was cancelled (a worker cancelled as a screen
or the app closes) while its graceful close of it still runs; that close calls `stop()` again
and waited for ever: the app hung at exit with no CPU (tests/test_database_connections.py).
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import threading
from collections.abc import Awaitable, Callable, Iterable
from functools import partial
from pathlib import Path
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


def connector(url: URL, *, lock_wait: float) -> Callable[[], Awaitable[aiosqlite.Connection]]:
    """The `async_creator` for `url`: the file and options SQLAlchemy's own connect uses; a
    lock another connection holds is waited for `lock_wait` seconds (SQLite's busy timeout),
    unless the URL sets its own `timeout`."""
    from sqlalchemy.dialects.sqlite.aiosqlite import dialect

    args, kwargs = dialect().create_connect_args(url)
    kwargs.setdefault("timeout", lock_wait)
    sqlite_connect = partial(sqlite3.connect, *args, **kwargs)

    async def connect() -> aiosqlite.Connection:
        return await _built_in_a_daemon_thread(sqlite_connect)

    return connect


# Who holds a lock ------------------------------------------------------------------------------


def _file_ids(paths: Iterable[Path]) -> set[str]:
    """The files as /proc/locks names them: "MAJOR:MINOR:INODE" (device numbers in hex)."""
    ids: set[str] = set()
    for path in paths:
        try:
            found = os.stat(path)
        except OSError:
            continue
        ids.add(f"{os.major(found.st_dev):02x}:{os.minor(found.st_dev):02x}:{found.st_ino}")
    return ids


def describe_process(pid: int) -> str:
    """`process 1234 (webitel-tui)`: its id and, when it can be read, its program's name."""
    try:
        name = Path(f"/proc/{pid}/comm").read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return f"process {pid}"
    return f"process {pid} ({name})" if name else f"process {pid}"


def locking_processes(paths: Iterable[Path], *, kind: str = "POSIX") -> list[int]:
    """The other processes holding a write lock on one of `paths`, as Linux lists them in
    /proc/locks (`kind`: POSIX for fcntl locks, as SQLite takes them; FLOCK for flock's);
    empty where that is not known."""
    ids = _file_ids(paths)
    try:
        table = Path("/proc/locks").read_text(encoding="ascii", errors="replace")
    except OSError:
        return []
    pids: list[int] = []
    for line in table.splitlines():
        # "1: POSIX  ADVISORY  WRITE 6686 fe:00:2154763 120 120"; a waiter's line has "->".
        fields = line.split()
        if len(fields) < 6 or "->" in fields or fields[1] != kind or fields[3] != "WRITE":
            continue
        pid = int(fields[4]) if fields[4].isdigit() else 0
        if fields[5] in ids and pid > 0 and pid != os.getpid() and pid not in pids:
            pids.append(pid)
    return pids


def lock_holders(database: Path) -> list[str]:
    """Who holds a write lock on an SQLite database: the file, or (in WAL mode) its shared
    memory file; "process 1234 (webitel-tui)" each, or nothing where that is not known."""
    files = [database, database.with_name(database.name + "-shm")]
    return [describe_process(pid) for pid in locking_processes(files)]
