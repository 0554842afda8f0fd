"""What stops `webitel-tui` at start-up is one line on standard error, with the exit code
the README gives (1 a failure, 3 bad usage or configuration), never a traceback unless asked
for (`--debug`, WEBITEL_TUI_DEBUG=1), and never a password. Real subprocesses, as an admin or
a cron job runs the command; the TUI's own start-up shows the same lines."""

from __future__ import annotations

import argparse
import contextlib
import os
import pty
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from webitel_tui.db.migrate import HEAD

SECRET = "s3cr3t-Pa55"


def command(
    tmp_path: Path, *args: str, env: dict[str, str] | None = None
) -> tuple[list[str], dict[str, str]]:
    """The command line and environment of `webitel-tui ARGS` in a home of its own."""
    clean = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("WEBITEL_TUI_") or key == "WEBITEL_TUI_TEST_PASSWORD_COST"
    }
    clean["XDG_CONFIG_HOME"] = str(tmp_path / "config")
    clean["XDG_DATA_HOME"] = str(tmp_path / "data")
    clean["XDG_STATE_HOME"] = str(tmp_path / "state")
    clean.update(env or {})
    return [sys.executable, "-m", "webitel_tui", *args], clean


def run(
    tmp_path: Path, *args: str, stdin: str = "", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    argv, environment = command(tmp_path, *args, env=env)
    return subprocess.run(
        argv,
        input=stdin,
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
        check=False,
    )


def fails_with(result: subprocess.CompletedProcess[str], line: str, code: int) -> None:
    """Exactly one line on standard error, the exit code, no traceback, no secret."""
    assert result.stderr == f"webitel-tui: {line}\n", result.stderr
    assert result.returncode == code
    assert "Traceback" not in result.stdout + result.stderr
    assert SECRET not in result.stdout + result.stderr


def sqlite(path: Path) -> str:
    return f"sqlite:///{path}"


def migrated(tmp_path: Path, name: str = "crm.db") -> Path:
    """A database `db upgrade` made: the schema and the seed, no administrator."""
    path = tmp_path / name
    made = run(tmp_path, "--database", sqlite(path), "db", "upgrade")
    assert made.returncode == 0, made.stderr
    return path


def holder_of_our_locks() -> str:
    """How the message names this process as the holder of a lock."""
    if not Path("/proc/locks").exists():
        return "another program"
    name = Path("/proc/self/comm").read_text(encoding="utf-8").strip()
    return f"process {os.getpid()} ({name})"


# The database -----------------------------------------------------------------------------------

DAMAGED = (
    "The database file {path} is damaged or is not a webitel-tui database ({detail}); "
    "restore it from a backup, or move it away to start with a new one"
)


def test_a_file_that_is_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "crm.db"
    path.write_bytes(b"this is a text file, not an SQLite database\n" * 20)
    result = run(tmp_path, "--database", sqlite(path), "db", "upgrade")
    fails_with(result, DAMAGED.format(path=path, detail="file is not a database"), 1)


def test_a_truncated_database_file(tmp_path: Path) -> None:
    path = migrated(tmp_path)
    with path.open("r+b") as handle:  # what a full disk or a cut copy leaves
        handle.truncate(path.stat().st_size // 2)
    result = run(tmp_path, "--database", sqlite(path), "db", "upgrade")
    fails_with(result, DAMAGED.format(path=path, detail="database disk image is malformed"), 1)


def test_a_database_of_a_newer_schema(tmp_path: Path) -> None:
    path = migrated(tmp_path)
    with contextlib.closing(sqlite3.connect(path)) as connection, connection:
        connection.execute("UPDATE alembic_version SET version_num = '0099'")
    result = run(tmp_path, "--database", sqlite(path), "db", "upgrade")
    fails_with(
        result,
        f"The database {path} was written by a newer webitel-tui (schema 0099; this one knows "
        f"up to {HEAD}); upgrade webitel-tui",
        1,
    )


@contextlib.contextmanager
def refused_port() -> Iterator[int]:
    """A loopback port that refuses connections: bound, never listening."""
    with socket.socket() as bound:
        bound.bind(("127.0.0.1", 0))
        yield bound.getsockname()[1]


def test_an_unreachable_postgresql_server(tmp_path: Path) -> None:
    with refused_port() as port:
        url = f"postgresql://crm:{SECRET}@127.0.0.1:{port}/crm"
        result = run(tmp_path, "--database", url, "db", "upgrade")
    fails_with(
        result,
        f"The PostgreSQL server 127.0.0.1:{port} refuses connections; check that it runs and "
        f"that the database URL postgresql://crm:***@127.0.0.1:{port}/crm names it",
        1,
    )


def test_a_postgresql_database_that_does_not_exist(tmp_path: Path, postgres_url: str) -> None:
    server = postgres_url.rsplit("/", 1)[0]
    result = run(tmp_path, "--database", f"{server}/no_such_crm", "db", "upgrade")
    address = server.rsplit("@", 1)[1]
    fails_with(
        result,
        f"The PostgreSQL server {address} has no database 'no_such_crm'; create it "
        f"(createdb no_such_crm) or correct the database URL {server}/no_such_crm",
        1,
    )


def test_a_data_folder_that_cannot_be_created(tmp_path: Path) -> None:
    """The embedded database's folder (XDG_DATA_HOME/webitel-tui) under a file."""
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("", encoding="utf-8")
    result = run(tmp_path, "db", "upgrade", env={"XDG_DATA_HOME": str(blocker)})
    folder = blocker / "webitel-tui"
    fails_with(
        result,
        f"The folder {folder} for the database file cannot be created (Not a directory: "
        f"{folder}); create it, or set [database] url (or --database) to a place this user "
        "can write to",
        1,
    )


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """Another writer: an exclusive lock on the database, from this process."""
    with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as connection:
        connection.execute("BEGIN EXCLUSIVE")
        try:
            yield
        finally:
            connection.execute("ROLLBACK")


@pytest.mark.parametrize(
    ("new", "args"),
    [
        pytest.param(True, ("db", "upgrade"), id="a new database to prepare"),
        pytest.param(
            False, ("init", "--login", "boss", "--password-stdin"), id="a first administrator"
        ),
    ],
)
def test_a_database_another_writer_holds_locked(
    tmp_path: Path, new: bool, args: tuple[str, ...]
) -> None:
    """Waited for `[database] lock_wait` seconds (here half a second), then the one line
    names the process that holds the lock."""
    path = tmp_path / "crm.db"
    if new:
        sqlite3.connect(path).close()  # an empty file, in SQLite's default journal mode
    else:
        migrated(tmp_path)  # WAL: readers go on, a writer waits
    wait = {"WEBITEL_TUI_DATABASE__LOCK_WAIT": "0.5"}
    with locked(path):
        started = time.monotonic()
        result = run(tmp_path, "--database", sqlite(path), *args, stdin="Str0ng-pass\n", env=wait)
        took = time.monotonic() - started
    fails_with(
        result,
        f"The database file {path} is locked by {holder_of_our_locks()}, still after 0.5 "
        "seconds; try again when it has finished",
        1,
    )
    assert took < 60
    again = run(tmp_path, "--database", sqlite(path), *args, stdin="Str0ng-pass\n", env=wait)
    assert again.returncode == 0, again.stderr  # once it is let go, it works


def start(tmp_path: Path, *args: str, name: str) -> subprocess.Popen[str]:
    argv, environment = command(tmp_path, *args)
    with (tmp_path / f"{name}.err").open("w") as errors:
        return subprocess.Popen(
            argv, stdout=subprocess.PIPE, stderr=errors, text=True, env=environment
        )


def ends_well(process: subprocess.Popen[str], tmp_path: Path, name: str) -> str:
    """The process's standard error, once it has ended with 0 and said where it is."""
    output, _ = process.communicate(timeout=120)
    errors = (tmp_path / f"{name}.err").read_text(encoding="utf-8")
    assert process.returncode == 0, errors
    assert output == f"Database is at revision {HEAD}.\n"
    assert "Traceback" not in errors
    return errors


def test_two_first_starts_at_once_on_a_new_sqlite_database(tmp_path: Path) -> None:
    """Both end well: one prepares the database, the other waits for it, then finds it done."""
    for attempt in range(2):
        home = tmp_path / str(attempt)
        home.mkdir()
        url = sqlite(home / "crm.db")
        first, second = (start(home, "--database", url, "db", "upgrade", name=n) for n in "ab")
        ends_well(first, home, "a")
        ends_well(second, home, "b")
        with contextlib.closing(sqlite3.connect(home / "crm.db")) as connection:
            assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            roles = 'SELECT count(*) FROM "SysAdminUnit" GROUP BY "Id" HAVING count(*) > 1'
            assert connection.execute(roles).fetchall() == []


def test_a_start_waits_while_another_prepares_the_database(tmp_path: Path) -> None:
    """Held by another program (this test, as a first start would hold it): both starts wait,
    say for whom, then one prepares and the other waits for that one."""
    from webitel_tui.db.migrate import folder_lock

    url = sqlite(tmp_path / "crm.db")
    who = holder_of_our_locks()
    who = "another webitel-tui" if who == "another program" else who
    expected = (
        f"webitel-tui: Waiting for {who}, which is preparing the database {tmp_path / 'crm.db'}\n"
    )
    with folder_lock(tmp_path) as take:
        assert take()
        starts = [start(tmp_path, "--database", url, "db", "upgrade", name=n) for n in "ab"]
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not all(
            (tmp_path / f"{name}.err").read_text(encoding="utf-8") for name in "ab"
        ):
            time.sleep(0.05)
        assert all(process.poll() is None for process in starts)
    said = [ends_well(process, tmp_path, name) for process, name in zip(starts, "ab", strict=True)]
    assert said == [expected, expected]


def test_two_first_starts_at_once_on_a_new_postgresql_database(
    tmp_path: Path, fresh_postgres_url: str
) -> None:
    first, second = (
        start(tmp_path, "--database", fresh_postgres_url, "db", "upgrade", name=n) for n in "ab"
    )
    ends_well(first, tmp_path, "a")
    ends_well(second, tmp_path, "b")


def test_the_tui_launch_says_the_same_line(tmp_path: Path) -> None:
    """`webitel-tui` without a terminal (a new install's first start) meets a damaged file."""
    path = tmp_path / "crm.db"
    path.write_bytes(b"\x00garbage" * 100)
    result = run(tmp_path, "--database", sqlite(path))
    fails_with(result, DAMAGED.format(path=path, detail="file is not a database"), 1)


async def test_the_tuis_own_start_up_shows_the_same_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The TUI prepares an existing database behind its login screen: what it shows is the
    CLI's line (db/engine.py's DatabaseProblem), not an exception's name."""
    from webitel_tui.config import load_settings
    from webitel_tui.ui.app import create_app

    path = migrated(tmp_path)
    with contextlib.closing(sqlite3.connect(path)) as connection, connection:
        connection.execute("UPDATE alembic_version SET version_num = '0099'")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))  # no config file there
    monkeypatch.delenv("WEBITEL_TUI_CONFIG", raising=False)
    url = {"database": {"url": sqlite(path)}}
    app = create_app(load_settings(None, url).settings, prepare=True)
    async with app.run_test():
        with pytest.raises(Exception) as caught:
            await app.database()
    assert str(caught.value) == (
        f"The database {path} was written by a newer webitel-tui (schema 0099; this one knows "
        f"up to {HEAD}); upgrade webitel-tui"
    )


async def test_the_tuis_start_says_whom_it_waits_for_then_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The TUI prepares behind its login screen under the same lock as the commands: held by
    another start, it says so in a toast and goes on once the lock is free."""
    from webitel_tui.config import load_settings
    from webitel_tui.db.migrate import folder_lock
    from webitel_tui.ui.app import create_app

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv("WEBITEL_TUI_CONFIG", raising=False)
    path = tmp_path / "crm.db"
    url = {"database": {"url": sqlite(path)}}
    app = create_app(load_settings(None, url).settings, prepare=True)
    said: list[str] = []
    monkeypatch.setattr(app, "notify", lambda message, **kw: said.append(str(message)))
    # Held before the app starts: it opens its database as soon as it is mounted.
    with contextlib.ExitStack() as held:
        assert held.enter_context(folder_lock(tmp_path))()
        async with app.run_test() as pilot:
            app.start_backend()
            for _ in range(600):
                if said:
                    break
                await pilot.pause(0.05)
            assert said and said[0].startswith("Waiting for ")
            assert str(path) in said[0]
            assert not app.backend_ready
            held.close()  # the other start is done
            await app.database()  # the lock free: this start prepares
            assert app.backend_ready


def test_users_json_gets_the_line_as_json(tmp_path: Path) -> None:
    import json

    path = tmp_path / "crm.db"
    path.write_bytes(b"not a database" * 100)
    result = run(tmp_path, "--database", sqlite(path), "users", "list", "--json")
    line = DAMAGED.format(path=path, detail="file is not a database")
    fails_with(result, line, 1)
    assert json.loads(result.stdout.splitlines()[-1]) == {"ok": False, "error": line, "exit": 1}


# The configuration ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "line"),
    [
        pytest.param(
            b'theme = "caf\xe9"\n',
            "{path}: not UTF-8 text (byte 0xe9 on line 1); save the file as UTF-8",
            id="not UTF-8",
        ),
        pytest.param(
            b"[database\n",
            "{path}: not valid TOML: Expected ']' at the end of a table declaration "
            "(at line 1, column 10); correct that line",
            id="not TOML",
        ),
        pytest.param(b"[webitel]\nurll = 'x'\n", "{path}: webitel.urll: unknown key", id="key"),
        pytest.param(
            b"[webitel]\ntimeout = -1\n",
            "{path}: webitel.timeout: Input should be greater than 0",
            id="value",
        ),
        pytest.param(
            b"[database]\nlock_wait = 'long'\n",
            "{path}: database.lock_wait: Input should be a valid number, unable to parse "
            "string as a number",
            id="lock_wait",
        ),
    ],
)
def test_a_bad_configuration_file(tmp_path: Path, content: bytes, line: str) -> None:
    config = tmp_path / "config.toml"
    config.write_bytes(content)
    config.chmod(0o600)
    result = run(tmp_path, "--config", str(config), "db", "upgrade")
    fails_with(result, line.format(path=config), 3)


def test_a_configuration_path_that_is_a_folder(tmp_path: Path) -> None:
    result = run(tmp_path, "--config", str(tmp_path), "db", "upgrade")
    fails_with(
        result,
        f"{tmp_path}: is a folder, not a configuration file; name the file itself "
        "(e.g. config.toml in it)",
        3,
    )


@pytest.mark.parametrize(
    ("url", "line"),
    [
        (
            f"mysql://crm:{SECRET}@db/crm",
            "The database URL mysql://crm:***@db/crm cannot be used: database 'mysql' is not "
            "supported; use sqlite:///PATH or postgresql://...",
        ),
        (
            f"postgresql://crm:{SECRET}@db:port/crm",
            "The database URL postgresql://crm:***@db:port/crm cannot be used: it is not a "
            "valid URL; use sqlite:///PATH or postgresql://USER@HOST/DATABASE",
        ),
    ],
    ids=["unsupported", "not a URL"],
)
def test_a_database_url_that_cannot_be_used(tmp_path: Path, url: str, line: str) -> None:
    fails_with(run(tmp_path, "--database", url, "db", "upgrade"), line, 3)


def test_a_bad_command_line_exits_3(tmp_path: Path) -> None:
    result = run(tmp_path, "db", "downgrade")
    assert result.returncode == 3
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines()[-1].startswith("webitel-tui db: error: argument ACTION")


# --debug -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("flag", "env"),
    [(("--debug",), {}), ((), {"WEBITEL_TUI_DEBUG": "1"})],
    ids=["--debug", "WEBITEL_TUI_DEBUG"],
)
def test_debug_shows_the_traceback_then_the_line(
    tmp_path: Path, flag: tuple[str, ...], env: dict[str, str]
) -> None:
    path = tmp_path / "crm.db"
    path.write_bytes(b"not a database" * 100)
    result = run(tmp_path, *flag, "--database", sqlite(path), "db", "upgrade", env=env)
    assert result.returncode == 1
    assert result.stderr.startswith("Traceback (most recent call last):")
    assert "sqlite3.DatabaseError: file is not a database" in result.stderr
    line = DAMAGED.format(path=path, detail="file is not a database")
    assert result.stderr.endswith(f"\nwebitel-tui: {line}\n")


def test_an_unexpected_error_is_one_line_naming_its_type(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A bug: its type and text (secrets masked), and how to see where it happened."""
    from webitel_tui import cli
    from webitel_tui.cli_support import load

    def broken(args: argparse.Namespace) -> int:
        load(args)  # the settings: their secrets are known from here on
        raise KeyError(f"postgresql://crm:{SECRET}@db/crm refused token {SECRET}-token")

    for name in [name for name in os.environ if name.startswith("WEBITEL_TUI_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("WEBITEL_TUI_WEBITEL__TOKEN", f"{SECRET}-token")
    monkeypatch.setitem(cli.COMMANDS, "db", broken)
    assert cli.main(["db", "upgrade"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        "webitel-tui: Unexpected error (KeyError: 'postgresql://crm:***@db/crm refused token "
        "***'); run again with --debug (or WEBITEL_TUI_DEBUG=1) to see where it happened\n"
    )
    assert cli.main(["--debug", "db", "upgrade"]) == 1
    shown = capsys.readouterr().err
    assert "Traceback (most recent call last):" in shown and SECRET not in shown


# The demo ends cleanly -------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["SIGHUP", "SIGTERM"])
def test_the_demo_removes_its_database_when_killed(tmp_path: Path, how: str) -> None:
    """A dropped SSH connection (SIGHUP, the terminal gone) or a kill (SIGTERM) ends the demo
    as ctrl+q does: its temporary folder goes."""
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    argv, env = command(tmp_path, "demo", env={"TMPDIR": str(temporary), "TERM": "xterm"})
    terminal, its_end = pty.openpty()
    demo = subprocess.Popen(
        argv, stdin=its_end, stdout=its_end, stderr=its_end, env=env, start_new_session=True
    )
    os.close(its_end)
    screen = bytearray()

    def read() -> None:
        with contextlib.suppress(OSError):
            while chunk := os.read(terminal, 65536):
                screen.extend(chunk)

    threading.Thread(target=read, daemon=True).start()
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and b"Log in" not in screen:
            time.sleep(0.05)
        assert b"Log in" in screen, bytes(screen[-500:])
        assert len(list(temporary.glob("webitel-tui-demo-*/demo.db"))) == 1
        if how == "SIGHUP":
            os.close(terminal)  # the connection is gone before the signal comes
        demo.send_signal(getattr(signal, how))
        assert demo.wait(30) == 128 + getattr(signal, how)
    finally:
        if demo.poll() is None:
            demo.kill()
            demo.wait()
        with contextlib.suppress(OSError):
            os.close(terminal)
    assert list(temporary.glob("webitel-tui-demo-*")) == []
