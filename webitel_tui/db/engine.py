"""Engine and session factory: plain database URLs in, the right async driver picked here.

SQLAlchemy is imported when a database is opened, not with this module: the CLI names
`DatabaseUrlError` on the way to the login screen, which shows before SQLAlchemy is loaded.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.engine import URL
    from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

_ASYNC_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+asyncpg"}
_ALIASES = {"postgres": "postgresql"}


class DatabaseUrlError(ValueError):
    """The configured database URL names no database this program can use."""


def async_url(url: str) -> URL:
    """Turn `sqlite:///path` or `postgresql://...` into the URL of the async driver.

    Admins write URLs as every tool prints them; which driver we run is our business.
    """
    from sqlalchemy.engine import make_url

    try:
        parsed = make_url(url)
    except Exception as exc:  # sqlalchemy raises ArgumentError with the URL in its text
        raise DatabaseUrlError("the database URL is not a valid URL") from exc
    backend = _ALIASES.get(parsed.get_backend_name(), parsed.get_backend_name())
    if backend not in _ASYNC_DRIVERS:
        raise DatabaseUrlError(
            f"database '{backend}' is not supported; use sqlite:///PATH or postgresql://..."
        )
    return parsed.set(drivername=_ASYNC_DRIVERS[backend])


def sqlite_path(url: URL) -> Path | None:
    """The file of an SQLite URL, or None for other databases and in-memory SQLite."""
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database or "")


def _enable_sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # Foreign keys are off by default in SQLite; WAL lets the TUI read while a worker writes.
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def create_engine(url: str, *, echo: bool = False) -> AsyncEngine:
    from sqlalchemy import event
    from sqlalchemy.ext.asyncio import create_async_engine

    resolved = async_url(url)
    path = sqlite_path(resolved)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    # A statement's values stay out of error texts (and so out of screens and logs): they may
    # be a password hash or anything an admin typed.
    if resolved.get_backend_name() != "sqlite":
        return create_async_engine(resolved, echo=echo, pool_pre_ping=True, hide_parameters=True)
    from webitel_tui.db import sqlite_connection

    engine = create_async_engine(
        resolved,
        echo=echo,
        hide_parameters=True,
        async_creator=sqlite_connection.connector(resolved),
    )
    event.listen(engine.sync_engine, "connect", _enable_sqlite_pragmas)
    return engine


class Database:
    """One engine and its session factory; the only handle the rest of the program gets."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        from sqlalchemy.ext.asyncio import async_sessionmaker

        self.url = url
        self.engine = create_engine(url, echo=echo)
        self.sessions: async_sessionmaker[AsyncSession] = async_sessionmaker(
            self.engine, expire_on_commit=False
        )

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def session(self) -> AsyncSession:
        return self.sessions()

    async def dispose(self) -> None:
        await self.engine.dispose()
