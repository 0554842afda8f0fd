from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING, Any

import pytest

from webitel_tui.db.engine import Database
from webitel_tui.db.migrate import upgrade
from webitel_tui.domain import passwords

if TYPE_CHECKING:
    from tests.postgres_server import PostgresServer

pytest_plugins = ["tests.postgres_server"]

# scrypt's smallest N: the demo data and every login would otherwise spend seconds per test.
TEST_PASSWORD_COST = 2**4


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashing() -> Iterator[None]:
    """Every hash the run makes costs N=TEST_PASSWORD_COST (tests/test_passwords.py checks the
    real default with this lifted)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(passwords.COST_CEILING_ENV, str(TEST_PASSWORD_COST))
        yield


BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
]


@pytest.fixture(params=BACKENDS)
async def database_url(request: pytest.FixtureRequest, tmp_path: object) -> AsyncIterator[str]:
    """A fresh, empty database URL: an SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/crm.db"
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    with server.fresh_database() as url:
        yield url


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    """A migrated (unseeded) CRM database on each backend."""
    database = Database(database_url)
    await upgrade(database)
    try:
        yield database
    finally:
        await database.dispose()


@pytest.fixture
def sqlite_trips(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The functions sent to an SQLite connection's thread from now on, by name: each is one
    trip there and back (see db/aiosqlite_driver.py)."""
    from webitel_tui.db.aiosqlite_driver import StopOnceConnection

    trips: list[str] = []
    real = StopOnceConnection._execute

    async def counted(self: StopOnceConnection, fn: Any, *args: Any, **kwargs: Any) -> Any:
        trips.append(getattr(fn, "__name__", str(fn)))
        return await real(self, fn, *args, **kwargs)  # type: ignore[no-untyped-call]

    monkeypatch.setattr(StopOnceConnection, "_execute", counted)
    return trips
