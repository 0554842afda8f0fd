"""A throwaway PostgreSQL server that the test run starts and stops itself.

Load it as a pytest plugin from ``tests/conftest.py``::

    pytest_plugins = ["tests.postgres_server"]

Fixtures:

``postgres_server`` (session)
    The running :class:`PostgresServer`; use its ``create_database()`` /
    ``drop_database()`` or ``fresh_database()`` to make databases of your own
    (for example in a module-scoped fixture).
``postgres_url`` (session)
    ``postgresql://postgres@127.0.0.1:PORT/webitel_tui_test``, a database that
    lives for the whole run.
``fresh_postgres_url`` (function)
    The URL of a new empty database ``test_<uuid hex>``, dropped after the test.

A database built once can be copied per test: ``make_template(name)`` freezes it and
``fresh_database(template=name)`` (``CREATE DATABASE ... TEMPLATE``) copies it, which is
far quicker than building each copy again.

The URLs are plain libpq URLs: asyncpg takes them as they are; SQLAlchemy wants
the driver in the scheme (``postgresql+asyncpg://...``).

Tests that use these fixtures get the ``postgres`` marker, so
``pytest -m "not postgres"`` leaves them out. Without the server binaries the
fixtures skip with a reason (shown in the run's summary); under ``CI=true``
they fail instead, so a CI run can't go green with the PostgreSQL half skipped.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import glob
import os
import pwd
import re
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

__all__ = [
    "DEFAULT_DATABASE",
    "PostgresServer",
    "PostgresUnavailable",
    "find_bindir",
    "fresh_postgres_url",
    "postgres_server",
    "postgres_url",
    "start_postgres",
]

DEFAULT_DATABASE = "webitel_tui_test"
SUPERUSER = "postgres"
START_TIMEOUT = 30.0
TEMPLATE_BUSY_SECONDS = 10.0
NOT_FOUND_REASON = (
    "PostgreSQL server binaries not found (initdb); "
    "install postgresql to run the PostgreSQL half of the tests"
)
POSTGRES_FIXTURES = frozenset({"postgres_server", "postgres_url", "fresh_postgres_url"})
_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]{0,62}")
# Linux: the sun_path of a unix socket holds 107 bytes plus the terminating NUL.
_MAX_SOCKET_PATH = 107


class PostgresUnavailable(RuntimeError):
    """The server binaries are missing: a reason to skip, not an error."""


# ---------------------------------------------------------------------------
# Locating the binaries and the user to run them as


def _has_server(bindir: Path) -> bool:
    return all(os.access(bindir / name, os.X_OK) for name in ("initdb", "postgres"))


def _version_key(path: str) -> tuple[int, ...]:
    version = Path(path).parent.name  # /usr/lib/postgresql/<version>/bin
    return tuple(int(part) for part in re.findall(r"\d+", version)) or (0,)


def find_bindir() -> Path | None:
    """Where initdb and postgres live: pg_config, Debian's layout, then PATH."""
    pg_config = shutil.which("pg_config")
    if pg_config is not None:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            out = subprocess.run(
                [pg_config, "--bindir"], capture_output=True, text=True, timeout=10, check=True
            ).stdout.strip()
            if out and _has_server(Path(out)):
                return Path(out)
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_version_key, reverse=True):
        if _has_server(Path(candidate)):
            return Path(candidate)
    initdb = shutil.which("initdb")
    if initdb is not None:
        bindir = Path(initdb).resolve().parent
        if _has_server(bindir):
            return bindir
    return None


@dataclass(frozen=True)
class _RunAs:
    """Who runs initdb and the server: ourselves, or an unprivileged user when we are root."""

    name: str | None = None
    uid: int | None = None
    gid: int | None = None

    @classmethod
    def choose(cls) -> _RunAs:
        if os.geteuid() != 0:
            return cls()
        for name in ("postgres", "nobody"):
            try:
                entry = pwd.getpwnam(name)
            except KeyError:
                continue
            return cls(name=name, uid=entry.pw_uid, gid=entry.pw_gid)
        raise PostgresUnavailable(
            "running as root and neither a 'postgres' nor a 'nobody' user exists "
            "to run the PostgreSQL server as (initdb refuses to run as root)"
        )

    def popen_kwargs(self) -> dict[str, Any]:
        if self.uid is None:
            return {}
        return {"user": self.uid, "group": self.gid, "extra_groups": []}

    def chown(self, path: Path) -> None:
        if self.uid is not None and self.gid is not None:
            os.chown(path, self.uid, self.gid)


def _traversable_by_others(directory: Path) -> bool:
    """Whether every directory from / down to ``directory`` lets others through."""
    path = directory.resolve()
    for part in (path, *path.parents):
        try:
            if not os.stat(part).st_mode & stat.S_IXOTH:
                return False
        except OSError:
            return False
    return True


_PREFIX = "webitel-tui-pg-"
_STALE_AFTER = 3600.0


def _postmaster_alive(base: Path) -> bool:
    try:
        pid = int((base / "data" / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remove_stale_dirs(parent: Path) -> None:
    """Remove what a killed run left behind (its server died with it: see _die_with_parent)."""
    now = time.time()
    for base in parent.glob(f"{_PREFIX}*"):
        with contextlib.suppress(OSError):
            if now - base.stat().st_mtime > _STALE_AFTER and not _postmaster_alive(base):
                shutil.rmtree(base, ignore_errors=True)


# The cluster's data need not outlive the run: kept in RAM when there is room, each
# CREATE DATABASE (a template copied per test) is an order of magnitude quicker than on a disk
# file system, where creating a few hundred files per copy goes through its journal.
RAM_DIR = "/dev/shm"
RAM_MIN_FREE = 1 << 30  # bytes; a container's default /dev/shm (64 MiB) is too small


def _has_room(directory: str, needed: int) -> bool:
    try:
        stats = os.statvfs(directory)
    except OSError:
        return False
    return os.access(directory, os.W_OK) and stats.f_bavail * stats.f_frsize >= needed


def _make_base_dir(run_as: _RunAs) -> Path:
    """A fresh temp dir that the server's user can reach and own: in RAM if there is room."""
    candidates = [RAM_DIR] if _has_room(RAM_DIR, RAM_MIN_FREE) else []
    candidates.append(tempfile.gettempdir())
    if run_as.uid is not None:
        # TMPDIR may point somewhere under /root that the server's user can't traverse.
        candidates += ["/tmp", "/var/tmp", RAM_DIR]
    for parent in dict.fromkeys(candidates):
        parent_path = Path(parent)
        if not parent_path.is_dir():
            continue
        if run_as.uid is not None and not _traversable_by_others(parent_path):
            continue
        _remove_stale_dirs(parent_path)
        base = Path(tempfile.mkdtemp(prefix=_PREFIX, dir=parent_path))
        # The socket lives here: keep its path short enough for sun_path.
        if len(str(base / ".s.PGSQL.65535")) > _MAX_SOCKET_PATH:
            base.rmdir()
            continue
        run_as.chown(base)
        return base
    raise RuntimeError(
        f"no temp dir for the PostgreSQL server that its user ({run_as.name}) can reach "
        f"with a short enough socket path; tried {candidates}"
    )


# ---------------------------------------------------------------------------
# Running the server


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _die_with_parent() -> Callable[[], None] | None:
    """A preexec_fn that has Linux stop the server (immediately) if pytest dies."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    pr_set_pdeathsig = 1

    def preexec() -> None:
        # SIGQUIT is PostgreSQL's "immediate shutdown": it takes its backends with it.
        prctl(pr_set_pdeathsig, int(signal.SIGQUIT), 0, 0, 0)

    return preexec


def _tail(path: Path, lines: int = 40) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError as exc:
        return f"(no server log: {exc})"
    return "\n".join(text.splitlines()[-lines:]) or "(the server log is empty)"


@dataclass
class PostgresServer:
    """A running PostgreSQL server in a temp dir; ``stop()`` ends it and removes the dir."""

    bindir: Path
    base_dir: Path
    port: int
    process: subprocess.Popen[bytes]
    run_as: _RunAs
    startup_seconds: float = 0.0
    host: str = "127.0.0.1"
    user: str = SUPERUSER
    _stopped: bool = field(default=False, repr=False)

    @property
    def data_dir(self) -> Path:
        return self.base_dir / "data"

    @property
    def log_path(self) -> Path:
        return self.base_dir / "server.log"

    @functools.cached_property
    def version_num(self) -> int:
        """The server's version as a number: 150004 for 15.4."""
        return int(self.psql("SHOW server_version_num"))

    def url(self, database: str = DEFAULT_DATABASE) -> str:
        return f"postgresql://{self.user}@{self.host}:{self.port}/{database}"

    def psql(self, sql: str, database: str = "postgres", timeout: float = 30.0) -> str:
        """Run SQL through psql as the superuser; return its unaligned output."""
        result = subprocess.run(
            [
                _psql_path(self.bindir),
                "-X",  # no ~/.psqlrc
                "-q",
                "-A",
                "-t",
                "-v",
                "ON_ERROR_STOP=1",
                "-h",
                self.host,
                "-p",
                str(self.port),
                "-U",
                self.user,
                "-d",
                database,
                "-c",
                sql,
            ],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=_client_env(),
            stdin=subprocess.DEVNULL,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"psql failed ({result.returncode}) on {sql!r}: {result.stderr}")
        return result.stdout.strip()

    def create_database(self, name: str | None = None, *, template: str | None = None) -> str:
        """Create a database (``test_<uuid hex>`` by default), empty or a copy of `template`;
        return its URL."""
        name = name or f"test_{uuid.uuid4().hex}"
        _check_identifier(name)
        if template is None:
            self.psql(f'CREATE DATABASE "{name}"')
            return self.url(name)
        _check_identifier(template)
        # PostgreSQL 15 copies through the WAL by default: made for big templates, slower
        # for small ones than copying the files (the only way before 15).
        strategy = " STRATEGY FILE_COPY" if self.version_num >= 150000 else ""
        deadline = time.monotonic() + TEMPLATE_BUSY_SECONDS
        while True:
            try:
                self.psql(f'CREATE DATABASE "{name}" TEMPLATE "{template}"{strategy}')
                return self.url(name)
            except RuntimeError as exc:
                # The template's last session may still be ending on the server after its
                # client closed it; a copy needs the template without sessions.
                if "is being accessed by other users" not in str(exc):
                    raise
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def make_template(self, name: str) -> None:
        """Freeze database `name` as a template: no new sessions, and only copies of it change
        (a test that connected to it by mistake would change every later copy)."""
        _check_identifier(name)
        self.psql(f'ALTER DATABASE "{name}" WITH IS_TEMPLATE true ALLOW_CONNECTIONS false')

    def drop_database(self, name: str) -> None:
        _check_identifier(name)
        # FORCE ends sessions a test may have left open (PostgreSQL 13+).
        self.psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    @contextlib.contextmanager
    def fresh_database(self, template: str | None = None) -> Iterator[str]:
        """A new database, empty or a copy of `template`, for a ``with`` block (or a fixture
        of any scope)."""
        name = f"test_{uuid.uuid4().hex}"
        url = self.create_database(name, template=template)
        try:
            yield url
        finally:
            if self.process.poll() is None:
                self.drop_database(name)

    def stop(self) -> None:
        """End the server (immediate shutdown, then SIGKILL) and remove its temp dir."""
        if self._stopped:
            return
        self._stopped = True
        try:
            _stop_process(self.process)
        finally:
            shutil.rmtree(self.base_dir, ignore_errors=True)


def _psql_path(bindir: Path) -> str:
    beside = bindir / "psql"
    if os.access(beside, os.X_OK):
        return str(beside)
    return shutil.which("psql") or str(beside)


def _check_identifier(name: str) -> None:
    if not _IDENTIFIER.fullmatch(name):
        raise ValueError(f"not a plain lower-case identifier: {name!r}")


def _client_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env["PGCONNECT_TIMEOUT"] = "5"
    return env


def _server_env() -> dict[str, str]:
    env = _client_env()
    env.update(LC_ALL="C", LANG="C")
    return env


def _stop_process(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        process.send_signal(signal.SIGQUIT)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        process.wait(timeout=15)


def _run_initdb(bindir: Path, data_dir: Path, run_as: _RunAs, log_path: Path) -> None:
    result = subprocess.run(
        [
            str(bindir / "initdb"),
            "-D",
            str(data_dir),
            "-A",
            "trust",
            "-U",
            SUPERUSER,
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
            "--no-instructions",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=data_dir.parent,
        env=_server_env(),
        stdin=subprocess.DEVNULL,
        check=False,
        **run_as.popen_kwargs(),
    )
    log_path.write_text(result.stdout + result.stderr)
    if result.returncode != 0:
        raise RuntimeError(
            f"initdb failed ({result.returncode}) as user {run_as.name or os.getuid()}:\n"
            f"{result.stdout}{result.stderr}"
        )


def _spawn(bindir: Path, base_dir: Path, port: int, run_as: _RunAs) -> subprocess.Popen[bytes]:
    settings: Mapping[str, str] = {
        "listen_addresses": "127.0.0.1",
        "port": str(port),
        "unix_socket_directories": str(base_dir),
        "fsync": "off",
        "synchronous_commit": "off",
        "full_page_writes": "off",
        "logging_collector": "off",
        "max_connections": "200",
        # Checkpoints sooner, so the WAL (in RAM when RAM_DIR is used) stays small through
        # the bulk inserts of the 100,000-row paging test.
        "max_wal_size": "128MB",
    }
    args = [str(bindir / "postgres"), "-D", str(base_dir / "data")]
    for key, value in settings.items():
        args += ["-c", f"{key}={value}"]
    with open(base_dir / "server.log", "ab") as log:
        return subprocess.Popen(
            args,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=base_dir / "data",
            env=_server_env(),
            start_new_session=True,  # a Ctrl-C in the terminal is pytest's to handle
            preexec_fn=_die_with_parent(),
            **run_as.popen_kwargs(),
        )


def _wait_until_ready(server: PostgresServer, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    last_error = ""
    while True:
        code = server.process.poll()
        if code is not None:
            raise RuntimeError(
                f"the PostgreSQL server exited with code {code} while starting; "
                f"server log tail:\n{_tail(server.log_path)}"
            )
        try:
            if server.psql("SELECT 1", timeout=10) == "1":
                return
        except (RuntimeError, subprocess.TimeoutExpired) as exc:
            last_error = str(exc)
        if time.monotonic() > deadline:
            raise RuntimeError(
                f"the PostgreSQL server did not accept connections within {timeout:.0f} s "
                f"(last error: {last_error.strip()}); server log tail:\n"
                f"{_tail(server.log_path)}"
            )
        time.sleep(0.1)


def start_postgres(timeout: float = START_TIMEOUT) -> PostgresServer:
    """initdb a temp cluster, start it on a free loopback port and create DEFAULT_DATABASE.

    Raises :class:`PostgresUnavailable` if there are no server binaries.
    """
    started = time.monotonic()
    bindir = find_bindir()
    if bindir is None:
        raise PostgresUnavailable(NOT_FOUND_REASON)
    run_as = _RunAs.choose()
    base_dir = _make_base_dir(run_as)
    server: PostgresServer | None = None
    try:
        _run_initdb(bindir, base_dir / "data", run_as, base_dir / "server.log")
        for attempt in range(3):
            port = _free_port()
            server = PostgresServer(
                bindir=bindir,
                base_dir=base_dir,
                port=port,
                process=_spawn(bindir, base_dir, port, run_as),
                run_as=run_as,
            )
            try:
                _wait_until_ready(server, timeout)
                break
            except RuntimeError:
                # Someone may have taken the port between our probe and the server's bind.
                lost_port = "could not bind" in _tail(server.log_path, 10)
                _stop_process(server.process)
                if not lost_port or attempt == 2:
                    raise
        assert server is not None
        server.create_database(DEFAULT_DATABASE)
        server.startup_seconds = time.monotonic() - started
        return server
    except BaseException:
        if server is not None:
            server.stop()
        else:
            shutil.rmtree(base_dir, ignore_errors=True)
        raise


# ---------------------------------------------------------------------------
# The pytest side

_summary: list[str] = []


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    try:
        server = start_postgres()
    except PostgresUnavailable as exc:
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(f"{exc} (CI=true: not skipping)", pytrace=False)
        _summary.append(f"PostgreSQL tests skipped: {exc}")
        pytest.skip(str(exc))
    _summary.append(
        f"PostgreSQL {server.bindir} started in {server.startup_seconds:.2f} s "
        f"on port {server.port} (as {server.run_as.name or 'the current user'})"
    )
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def postgres_url(postgres_server: PostgresServer) -> str:
    """The URL of ``webitel_tui_test``, one database for the whole run."""
    return postgres_server.url(DEFAULT_DATABASE)


@pytest.fixture
def fresh_postgres_url(postgres_server: PostgresServer) -> Iterator[str]:
    """The URL of a new empty database, dropped after the test."""
    with postgres_server.fresh_database() as url:
        yield url


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if POSTGRES_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.postgres)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    for line in _summary:
        terminalreporter.write_line(line, yellow="skipped" in line)
