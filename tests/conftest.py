from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import pytest

from webitel_tui.db.engine import Database
from webitel_tui.db.migrate import upgrade
from webitel_tui.domain import passwords
from webitel_tui.processes.setup import prepare

if TYPE_CHECKING:
    from tests.postgres_server import PostgresServer

pytest_plugins = ["tests.postgres_server"]

# scrypt's smallest N: the demo data and every login would otherwise spend seconds per test.
TEST_PASSWORD_COST = 2**4


@pytest.fixture(scope="session", autouse=True)
def no_log_file() -> Iterator[None]:
    """Tests never write into the platform's log folder of the one who runs them (the
    commands they start inherit this; tests/test_log_file.py names a file of its own)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("WEBITEL_TUI_LOG__FILE", "")
        yield


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

Seed = Literal["migrated", "seeded", "demo"]
"""What a template holds: the schema only; plus the base seed (`prepare`); plus the demo data
(`prepare(demo=True)`)."""


async def _build(url: str, seed: Seed) -> None:
    database = Database(url)
    try:
        if seed == "migrated":
            await upgrade(database)
        else:
            await prepare(database, demo=seed == "demo")
    finally:
        await database.dispose()


def _run_apart(work: Coroutine[Any, Any, None]) -> None:
    """Run `work` on a loop of its own in another thread: the fixture asking for a template
    may itself run inside a test's event loop."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, work).result()


class Templates:
    """Databases built once per run, on first use, and copied for each test that needs one:
    migrating and seeding per test cost more than the tests themselves."""

    def __init__(self, tmp_path_factory: pytest.TempPathFactory) -> None:
        self._tmp_path_factory = tmp_path_factory
        self._sqlite: dict[Seed, Path] = {}
        self._postgres: set[Seed] = set()

    def sqlite(self, seed: Seed) -> Path:
        if seed not in self._sqlite:
            path = self._tmp_path_factory.mktemp(f"template-{seed}") / "crm.db"
            _run_apart(_build(f"sqlite:///{path}", seed))
            # The WAL is folded into the file when the last connection closes; a leftover
            # would mean the file alone is not the whole database.
            assert not path.with_name(f"{path.name}-wal").exists(), "the template kept a WAL"
            self._sqlite[seed] = path
        return self._sqlite[seed]

    def sqlite_copy(self, seed: Seed, directory: Path) -> str:
        """The URL of a copy of the `seed` template in `directory`, for one test."""
        target = directory / "crm.db"
        shutil.copyfile(self.sqlite(seed), target)
        return f"sqlite:///{target}"

    def postgres(self, server: PostgresServer, seed: Seed) -> str:
        """The name of the `seed` template database on `server`."""
        name = f"template_{seed}"
        if seed not in self._postgres:
            _run_apart(_build(server.create_database(name), seed))
            server.make_template(name)
            self._postgres.add(seed)
        return name


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory) -> Templates:
    return Templates(tmp_path_factory)


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database URL: an SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/crm.db"
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    with server.fresh_database() as url:
        yield url


def _copy(request: pytest.FixtureRequest, tmp_path: Path, seed: Seed) -> Iterator[str]:
    templates: Templates = request.getfixturevalue("templates")
    if request.param == "sqlite":
        yield templates.sqlite_copy(seed, tmp_path)
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    with server.fresh_database(template=templates.postgres(server, seed)) as url:
        yield url


@pytest.fixture(params=BACKENDS)
def migrated_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, unseeded database of the test's own, on each backend."""
    yield from _copy(request, tmp_path, "migrated")


@pytest.fixture(params=BACKENDS)
def seeded_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database after `prepare()`: the base seed, no users or contacts; the test's own."""
    yield from _copy(request, tmp_path, "seeded")


@pytest.fixture(params=BACKENDS)
def demo_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database after `prepare(demo=True)`, the test's own, on each backend."""
    yield from _copy(request, tmp_path, "demo")


@pytest.fixture
async def db(migrated_database_url: str) -> AsyncIterator[Database]:
    """A migrated (unseeded) CRM database on each backend."""
    database = Database(migrated_database_url)
    try:
        yield database
    finally:
        await database.dispose()
