"""Engine and session factory: plain database URLs in, the right async driver picked here.

SQLAlchemy is imported when a database is opened, not with this module: the CLI names
`DatabaseUrlError` on the way to the login screen, which shows before SQLAlchemy is loaded.

A database that cannot be used (a damaged file, a lock another program holds, a server that
does not answer) raises `DatabaseProblem`: one line saying what is wrong, where, and what to
do, with every password masked. `database_problem` is the one place that tells them apart;
the engine raises its answer for every statement, so the CLI, the TUI and the processes all
show the same line.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from webitel_tui.domain.errors import DomainError

if TYPE_CHECKING:
    import sqlite3

    from sqlalchemy.engine import URL, ExceptionContext
    from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

_ASYNC_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+asyncpg"}
_ALIASES = {"postgres": "postgresql"}

DEFAULT_LOCK_WAIT = 5.0
"""Seconds to wait for an SQLite database another program holds locked (the setting
`[database] lock_wait`)."""

# `scheme://user:password@host`: the password, whatever it holds, up to the last "@" of the
# word (an unescaped "@" in a password is common enough).
_URL_PASSWORD = re.compile(r"(://[^:/@\s]*:)\S*@")


class DatabaseUrlError(ValueError):
    """The configured database URL names no database this program can use; `str()` says
    why, `url` is the URL with its password masked."""

    def __init__(self, message: str, url: str) -> None:
        super().__init__(message)
        self.url = mask_url(url)


class DatabaseProblem(DomainError):
    """The database cannot be opened, read or prepared; `str()` is one line for the admin:
    what is wrong, which file or server, what to do (passwords masked)."""


def mask_url(text: str) -> str:
    """`text` with the password of every URL in it replaced by `***`."""
    return _URL_PASSWORD.sub(r"\1***@", text)


def async_url(url: str) -> URL:
    """Turn `sqlite:///path` or `postgresql://...` into the URL of the async driver.

    Admins write URLs as every tool prints them; which driver we run is our business.
    """
    from sqlalchemy.engine import make_url

    try:
        parsed = make_url(url)
    except Exception as exc:  # sqlalchemy raises ArgumentError with the URL in its text
        raise DatabaseUrlError(
            "it is not a valid URL; use sqlite:///PATH or postgresql://USER@HOST/DATABASE", url
        ) from exc
    backend = _ALIASES.get(parsed.get_backend_name(), parsed.get_backend_name())
    if backend not in _ASYNC_DRIVERS:
        raise DatabaseUrlError(
            f"database '{backend}' is not supported; use sqlite:///PATH or postgresql://...", url
        )
    return parsed.set(drivername=_ASYNC_DRIVERS[backend])


def sqlite_path(url: URL) -> Path | None:
    """The file of an SQLite URL, or None for other databases and in-memory SQLite."""
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database or "")


# What went wrong, in one line ------------------------------------------------------------------


def describe(url: str) -> str:
    """The database as the admin names it: the SQLite file, or the server URL (masked)."""
    try:
        parsed = async_url(url)
    except DatabaseUrlError:
        return mask_url(url)
    path = sqlite_path(parsed)
    if parsed.get_backend_name() == "sqlite":
        return str(path) if path is not None else "in memory"
    shown = parsed.set(drivername="postgresql")
    return shown.render_as_string(hide_password=True)


def _server(url: str) -> tuple[str, str, str, str]:
    """Host:port, database, user and the masked URL of a server database."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    host = parsed.host or "localhost"
    address = f"{host}:{parsed.port or 5432}"
    return address, parsed.database or "", parsed.username or "", describe(url)


def _causes(error: BaseException) -> list[BaseException]:
    """The error, and what it wraps or was raised from (the driver's own error first)."""
    seen: list[BaseException] = []
    todo: list[BaseException | None] = [error]
    while todo:
        item = todo.pop(0)
        if item is None or any(item is known for known in seen):
            continue
        seen.append(item)
        todo.extend([getattr(item, "orig", None), item.__cause__, item.__context__])
    return seen


def _one_line(text: object) -> str:
    return mask_url(" ".join(str(text).split()))


def _sqlite_problem(error: sqlite3.Error, url: str, lock_wait: float) -> str | None:
    from webitel_tui.db.sqlite_connection import lock_holders

    path = describe(url)
    detail = _one_line(error)
    text = detail.lower()
    if "file is not a database" in text or "malformed" in text or "encrypted" in text:
        return (
            f"The database file {path} is damaged or is not a webitel-tui database ({detail}); "
            "restore it from a backup, or move it away to start with a new one"
        )
    if "database is locked" in text:
        who = ", ".join(lock_holders(Path(path))) or "another program"
        return (
            f"The database file {path} is locked by {who}, still after {lock_wait:g} "
            "seconds; try again when it has finished"
        )
    if "readonly database" in text:
        return (
            f"The database file {path} is read-only ({detail}); let this user write to it "
            "and to its folder"
        )
    if "unable to open database file" in text:
        return (
            f"The database file {path} cannot be opened ({detail}); check that it is a file "
            "and that this user may write to it and to its folder"
        )
    if "disk i/o error" in text or "disk is full" in text:
        return f"The database file {path} cannot be written ({detail}); check the disk"
    return None


def _server_problem(error: BaseException, url: str) -> str | None:
    import socket

    address, name, user, where = _server(url)
    sqlstate = str(getattr(error, "sqlstate", "") or "")
    if sqlstate == "3D000":
        return (
            f"The PostgreSQL server {address} has no database {name!r}; create it "
            f"(createdb {name}) or correct the database URL {where}"
        )
    if sqlstate.startswith("28"):
        return (
            f"The PostgreSQL server {address} refused user {user!r} ({_one_line(error)}); "
            f"check the user and password of the database URL {where}"
        )
    if isinstance(error, socket.gaierror):
        return (
            f"The database host of {where} is not known ({error.strerror}); "
            "correct the database URL"
        )
    if isinstance(error, ConnectionRefusedError):
        return (
            f"The PostgreSQL server {address} refuses connections; check that it runs and "
            f"that the database URL {where} names it"
        )
    if isinstance(error, TimeoutError):
        return (
            f"The PostgreSQL server {address} did not answer in time; check that it runs and "
            f"that the database URL {where} names it"
        )
    if isinstance(error, OSError) and error.strerror:
        return (
            f"The PostgreSQL server {address} cannot be reached ({error.strerror}); check the "
            f"network and the database URL {where}"
        )
    return None


def _newer_schema(error: BaseException, url: str) -> str | None:
    found = re.search(r"Can't locate revision identified by '([^']*)'", str(error))
    if found is None:
        return None
    return schema_problem(found.group(1), url)


def schema_problem(revision: str, url: str) -> str:
    """The line for a database at a schema revision this program does not ship."""
    from webitel_tui.db.migrate import HEAD

    if revision.isdigit() and HEAD.isdigit() and int(revision) > int(HEAD):
        return (
            f"The database {describe(url)} was written by a newer webitel-tui "
            f"(schema {revision}; this one knows up to {HEAD}); upgrade webitel-tui"
        )
    return (
        f"The database {describe(url)} has a schema this webitel-tui does not know "
        f"({revision}); is it a webitel-tui database? Restore it from a backup"
    )


def database_problem(
    error: BaseException, url: str, *, lock_wait: float = DEFAULT_LOCK_WAIT
) -> DatabaseProblem | None:
    """The `DatabaseProblem` that `error` (raised opening, migrating or using the database of
    `url`) is, or None when it is none of the known ones."""
    import sqlite3

    if isinstance(error, DatabaseProblem):
        return error
    server = not url.startswith("sqlite")
    for cause in _causes(error):
        line: str | None = None
        if isinstance(cause, DatabaseProblem):
            return cause
        if isinstance(cause, sqlite3.Error) and not server:
            line = _sqlite_problem(cause, url, lock_wait)
        elif isinstance(cause, ModuleNotFoundError) and cause.name == "asyncpg":
            line = (
                "PostgreSQL needs the asyncpg driver, which is not installed: "
                "pip install 'webitel-tui[postgres]'"
            )
        elif server and (isinstance(cause, OSError) or getattr(cause, "sqlstate", None)):
            line = _server_problem(cause, url)
        elif type(cause).__module__.startswith("alembic") and "Command" in type(cause).__name__:
            line = _newer_schema(cause, url)
        if line is None and server and getattr(cause, "connection_invalidated", False):
            line = (
                f"The connection to the PostgreSQL server {_server(url)[0]} was lost; "
                "try again when it answers"
            )
        if line is not None:
            return DatabaseProblem(line)
    return None


# The engine ------------------------------------------------------------------------------------


def _enable_sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # Foreign keys are off by default in SQLite; WAL lets the TUI read while a worker writes.
    # (How long a lock is waited for is the connection's timeout: sqlite_connection.py.)
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _make_folder(path: Path) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DatabaseProblem(
            f"The folder {path.parent} for the database file cannot be created "
            f"({exc.strerror}: {exc.filename}); create it, or set [database] url "
            "(or --database) to a place this user can write to"
        ) from exc


def create_engine(
    url: str, *, echo: bool = False, lock_wait: float = DEFAULT_LOCK_WAIT
) -> AsyncEngine:
    from sqlalchemy import event
    from sqlalchemy.ext.asyncio import create_async_engine

    resolved = async_url(url)
    path = sqlite_path(resolved)
    if path is not None:
        _make_folder(path)
    # A statement's values stay out of error texts (and so out of screens and logs): they may
    # be a password hash or anything an admin typed.
    if resolved.get_backend_name() != "sqlite":
        engine = create_async_engine(resolved, echo=echo, pool_pre_ping=True, hide_parameters=True)
    else:
        from webitel_tui.db import sqlite_connection

        engine = create_async_engine(
            resolved,
            echo=echo,
            hide_parameters=True,
            async_creator=sqlite_connection.connector(resolved, lock_wait=lock_wait),
        )
        event.listen(engine.sync_engine, "connect", _enable_sqlite_pragmas)

    def explain(context: ExceptionContext) -> BaseException | None:
        if context.is_pre_ping:  # a stale pooled connection: SQLAlchemy makes a new one
            return None
        return database_problem(context.original_exception, url, lock_wait=lock_wait)

    event.listen(engine.sync_engine, "handle_error", explain)
    return engine


class Database:
    """One engine and its session factory; the only handle the rest of the program gets."""

    def __init__(
        self, url: str, *, echo: bool = False, lock_wait: float = DEFAULT_LOCK_WAIT
    ) -> None:
        from sqlalchemy.ext.asyncio import async_sessionmaker

        self.url = url
        self.lock_wait = lock_wait
        self.engine = create_engine(url, echo=echo, lock_wait=lock_wait)
        self.sessions: async_sessionmaker[AsyncSession] = async_sessionmaker(
            self.engine, expire_on_commit=False
        )
        self.preparing = False
        """Whether this process holds the database's preparation lock (db/migrate.py)."""

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def session(self) -> AsyncSession:
        return self.sessions()

    async def dispose(self) -> None:
        await self.engine.dispose()

    def problem(self, error: BaseException) -> DatabaseProblem | None:
        """`database_problem` for this database."""
        return database_problem(error, self.url, lock_wait=self.lock_wait)
