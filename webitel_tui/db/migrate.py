"""Alembic, run from the package: `webitel-tui db upgrade` and the automatic first start.

Every start checks the schema; a current database is recognised with one query, so Alembic
(and what it imports) is loaded only when there is something to migrate. A database of a
newer schema is refused with one line, before Alembic is asked.

Two programs that start at once on a new database do not both prepare it: `preparing` lets
one in and the other wait for it (a lock on the SQLite file's folder, a PostgreSQL advisory
lock), then find the work done.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from webitel_tui.db.engine import (
    Database,
    DatabaseProblem,
    async_url,
    describe,
    schema_problem,
    sqlite_path,
)

if TYPE_CHECKING:
    from alembic.config import Config

HEAD = "0012"
"""The newest migration shipped; a test checks it against the migrations folder."""


def alembic_config(connection: Connection | None = None) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", "webitel_tui.db:migrations")
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The head as Alembic reads it from the migrations folder."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "the package ships at least one migration"
    return head


def _upgrade(connection: Connection, revision: str) -> None:
    from alembic import command

    command.upgrade(alembic_config(connection), revision)


def _downgrade(connection: Connection, revision: str) -> None:
    from alembic import command

    command.downgrade(alembic_config(connection), revision)


def _current(connection: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()


async def current_revision(db: Database) -> str | None:
    async with db.engine.connect() as connection:
        return await connection.run_sync(_current)


async def stored_revision(db: Database) -> str | None:
    """The schema revision the database says it is at (None: a new database), without
    loading Alembic."""
    async with db.engine.connect() as connection:
        try:
            found = await connection.scalar(text("SELECT version_num FROM alembic_version"))
        except DBAPIError:
            return None  # no alembic_version table: a new database
    return None if found is None else str(found)


async def is_current(db: Database) -> bool:
    """Whether the database is at HEAD, without loading Alembic."""
    return await stored_revision(db) == HEAD


def _is_newer(revision: str) -> bool:
    return revision.isdigit() and int(revision) > int(HEAD)


async def upgrade(db: Database, revision: str = "head") -> None:
    """Migrate to `revision`; a database that cannot be used raises DatabaseProblem (one
    line), as does one of a newer schema."""
    try:
        if revision == "head" and await _head_or_newer(db):
            return
        async with preparing(db):
            if revision == "head" and await _head_or_newer(db):
                return  # another program did it while this one waited
            await _migrate(db, _upgrade, revision)
    except DatabaseProblem:
        raise
    except Exception as exc:
        problem = db.problem(exc)
        if problem is None:
            raise
        raise problem from exc


async def _head_or_newer(db: Database) -> bool:
    """Whether the database is at HEAD; one of a newer schema raises DatabaseProblem."""
    found = await stored_revision(db)
    if found is not None and _is_newer(found):
        raise DatabaseProblem(schema_problem(found, db.url))
    return found == HEAD


async def downgrade(db: Database, revision: str) -> None:
    await _migrate(db, _downgrade, revision)


async def _migrate(db: Database, step: Callable[[Connection, str], None], revision: str) -> None:
    if db.dialect != "sqlite":
        async with db.engine.begin() as connection:
            await connection.run_sync(step, revision)
        return
    # SQLite alters a table by copying it and dropping the old one; with foreign keys on,
    # the drop would delete (or refuse to delete) the rows that refer to it. SQLite's own
    # procedure turns them off around the migration (a PRAGMA outside a transaction) and
    # checks them before the commit.
    async with db.engine.connect() as connection:
        await connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        await connection.commit()
        try:
            async with connection.begin():
                await connection.run_sync(step, revision)
                broken = await connection.exec_driver_sql("PRAGMA foreign_key_check")
                if broken.first() is not None:
                    raise RuntimeError("the migration left a row referring to nothing")
        finally:
            await connection.exec_driver_sql("PRAGMA foreign_keys=ON")
            await connection.commit()


# One program prepares, the others wait ---------------------------------------------------------

PREPARE_WAIT = 300.0
"""Seconds a start waits for another program preparing the same database."""

_POLL = 0.1
PREPARE_LOCK_KEY = 0x5765626974656C
"""The PostgreSQL advisory lock of the preparation ("Webitel")."""


def sqlite_folder(url: str) -> Path | None:
    """The folder of an SQLite database file, the preparation lock's (None: not SQLite)."""
    path = sqlite_path(async_url(url))
    return None if path is None else path.resolve().parent


@contextlib.contextmanager
def folder_lock(folder: Path) -> Iterator[Callable[[], bool]]:
    """The preparation lock of the SQLite databases in `folder` (a flock on the folder: no
    file is made, and the lock goes with the process). Yields `take()`, which tries once."""
    if sys.platform == "win32":  # pragma: no cover - no flock; the first start is not guarded
        yield lambda: True
        return
    import fcntl

    try:
        handle = os.open(folder, os.O_RDONLY)
    except OSError:
        yield lambda: True  # a folder that cannot be opened: the database will say why
        return

    def take() -> bool:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        except OSError:
            return True  # a file system without flock: unguarded, as before
        return True

    try:
        yield take
    finally:
        os.close(handle)  # releases the lock


def _folder_holder(folder: Path) -> str:
    """Who prepares the SQLite databases in `folder`: "process 1234 (python)", if known."""
    from webitel_tui.db.sqlite_connection import describe_process, locking_processes

    pids = locking_processes([folder], kind="FLOCK")
    return ", ".join(describe_process(pid) for pid in pids)


@contextlib.asynccontextmanager
async def preparing(
    db: Database,
    *,
    on_wait: Callable[[str], None] | None = None,
    wait: float = PREPARE_WAIT,
) -> AsyncIterator[None]:
    """Hold the database's preparation lock while migrating and seeding it; a second
    program waits here (`on_wait` is told once, with a line to show) until the first is
    done, at most `wait` seconds. Held already by this `db`: nothing more to do."""
    if db.preparing:
        yield
        return
    folder = sqlite_folder(db.url)
    if folder is not None:
        with folder_lock(folder) as take_folder:

            async def take_it() -> bool:
                return take_folder()

            await _wait_for(db, take_it, on_wait, wait, lambda: _folder_holder(folder))
            db.preparing = True
            try:
                yield
            finally:
                db.preparing = False
        return
    if db.dialect != "postgresql":
        yield  # in-memory SQLite: one program only
        return
    async with db.engine.connect() as connection:
        await connection.execution_options(isolation_level="AUTOCOMMIT")
        key = {"key": PREPARE_LOCK_KEY}

        async def take() -> bool:
            query = text("SELECT pg_try_advisory_lock(:key)")
            return bool(await connection.scalar(query, key))

        await _wait_for(db, take, on_wait, wait, lambda: "")
        db.preparing = True
        try:
            yield
        finally:
            db.preparing = False
            with contextlib.suppress(Exception):  # a lost connection has let go of it
                await connection.execute(text("SELECT pg_advisory_unlock(:key)"), key)


async def _wait_for(
    db: Database,
    take: Callable[[], Awaitable[bool]],
    on_wait: Callable[[str], None] | None,
    wait: float,
    holder: Callable[[], str],
) -> None:
    deadline = time.monotonic() + wait
    told = False
    while True:
        if await take():
            return
        if not told and on_wait is not None:
            who = holder() or "another webitel-tui"
            on_wait(f"Waiting for {who}, which is preparing the database {describe(db.url)}")
            told = True
        if time.monotonic() >= deadline:
            who = holder() or "Another webitel-tui"
            raise DatabaseProblem(
                f"{who[0].upper()}{who[1:]} has been preparing the database "
                f"{describe(db.url)} for more than {wait:g} seconds; let it finish (or stop "
                "it), then try again"
            )
        await asyncio.sleep(_POLL)
