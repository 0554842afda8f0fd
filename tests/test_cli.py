"""The `webitel-tui` command as an admin runs it (real subprocesses, a temporary database)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from webitel_tui.cli import _progress_printer
from webitel_tui.db.migrate import HEAD
from webitel_tui.processes.get_webitel_users import ImportProgress


def run(tmp_path: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("WEBITEL_TUI_")}
    env["XDG_CONFIG_HOME"] = str(tmp_path / "config")
    env["XDG_DATA_HOME"] = str(tmp_path / "data")
    env["XDG_STATE_HOME"] = str(tmp_path / "state")
    return subprocess.run(
        [sys.executable, "-m", "webitel_tui", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def test_db_upgrade_creates_and_migrates_the_embedded_database(tmp_path: Path) -> None:
    result = run(tmp_path, "db", "upgrade")
    assert result.returncode == 0, result.stderr
    assert f"Database is at revision {HEAD}." in result.stdout
    assert (tmp_path / "data" / "webitel-tui" / "webitel-tui.db").exists()


def test_init_creates_the_first_admin_once(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'crm.db'}"
    args = ("--database", database, "init", "--login", "boss", "--password-stdin")
    created = run(tmp_path, *args, stdin="Str0ng-pass\n")
    assert created.returncode == 0, created.stderr
    assert "Administrator boss created" in created.stdout
    assert "Str0ng-pass" not in created.stdout + created.stderr
    again = run(tmp_path, *args, stdin="other\n")
    assert again.returncode == 0
    assert "already exists" in again.stdout


def test_run_without_an_admin_and_without_a_terminal_says_what_to_do(tmp_path: Path) -> None:
    result = run(tmp_path, "--database", f"sqlite:///{tmp_path / 'crm.db'}")
    assert result.returncode == 3
    assert "run `webitel-tui init` first" in result.stderr


def test_run_on_a_database_without_an_admin_and_without_a_terminal(tmp_path: Path) -> None:
    database = ("--database", f"sqlite:///{tmp_path / 'crm.db'}")
    assert run(tmp_path, *database, "db", "upgrade").returncode == 0  # a database, no admin
    result = run(tmp_path, *database)
    assert result.returncode == 3
    assert "run `webitel-tui init` first" in result.stderr


def test_starting_the_tui_does_not_load_the_database_libraries_before_the_login(
    tmp_path: Path,
) -> None:
    """What `webitel-tui` imports before its login screen: the settings, not the database
    (it loads behind the login)."""
    code = (
        "import sys\n"
        "from webitel_tui import cli\n"
        "from webitel_tui.config import load_settings\n"
        "from webitel_tui.ui.app import create_app\n"
        "app = create_app(load_settings().settings, prepare=True)\n"
        "heavy = ('sqlalchemy', 'alembic', 'httpx')\n"
        "print(sorted(name for name in heavy if name in sys.modules))\n"
    )
    env = {key: value for key, value in os.environ.items() if not key.startswith("WEBITEL_TUI_")}
    env["XDG_CONFIG_HOME"] = str(tmp_path / "config")
    env["XDG_DATA_HOME"] = str(tmp_path / "data")
    env["XDG_STATE_HOME"] = str(tmp_path / "state")
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert result.stdout.strip() == "[]"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("--database", "mysql://x/y", "db", "upgrade"),
            "The database URL mysql://x/y cannot be used: database 'mysql' is not supported; "
            "use sqlite:///PATH or postgresql://...",
        ),
        (
            ("--config", "/nonexistent/c.toml", "db", "upgrade"),
            "/nonexistent/c.toml: no such configuration file",
        ),
    ],
)
def test_configuration_errors_are_one_line_without_a_traceback(
    tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    """Bad configuration exits 3 (tests/test_startup_failures.py has every other case)."""
    result = run(tmp_path, *args)
    assert result.returncode == 3
    assert result.stderr == f"webitel-tui: {message}\n"


def test_a_bad_command_line_exits_3_for_every_command(tmp_path: Path) -> None:
    """argparse's own usage errors too: 2 is `users`' "left in doubt", never a usage error."""
    for args in (("--nonsense",), ("db",), ("run-process", "Nothing"), ("users", "list", "-x")):
        result = run(tmp_path, *args)
        assert result.returncode == 3, args
        assert "error:" in result.stderr and "Traceback" not in result.stderr


def test_a_bad_setting_stops_the_tui_before_it_starts_with_one_line(tmp_path: Path) -> None:
    """The settings are checked before the login screen: the file, the key, the problem."""
    config = tmp_path / "c.toml"
    config.write_text("[webitel]\ntimeout = -1\n", encoding="utf-8")
    result = run(tmp_path, "--config", str(config))
    assert result.returncode == 3
    assert result.stdout == ""
    assert result.stderr == (
        f"webitel-tui: {config}: webitel.timeout: Input should be greater than 0\n"
    )


def test_simulator_subcommand_serves_on_loopback(tmp_path: Path) -> None:
    import httpx

    process = subprocess.Popen(
        [sys.executable, "-m", "webitel_tui", "simulator", "--port", "0", "--users", "3"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        assert first.startswith("Webitel simulator: http://127.0.0.1:")
        base_url = first.split(": ", 1)[1].strip()
        answer = httpx.post(
            f"{base_url}/login",
            json={"username": "admin", "password": "admin", "domain": "demo"},
            timeout=10,
        )
        assert answer.status_code == 200 and answer.json()["access_token"]
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_simulator_help_shows_its_defaults(tmp_path: Path) -> None:
    """What a client needs to reach the simulator is in its --help."""
    result = run(tmp_path, "simulator", "--help")
    assert result.returncode == 0, result.stderr
    shown = " ".join(result.stdout.split())  # as argparse wrapped it, in one line
    for expected in (
        "--host HOST address to listen on (default: 127.0.0.1)",
        "--port PORT 0 picks a free port (default: 8765)",
        "--username USERNAME administrator login (default: admin)",
        "--password PASSWORD administrator password (default: admin)",
        "--domain DOMAIN domain to log in to (default: demo)",
        "password of every seeded non-admin user (default: demo)",
        "(default: 1000)",
    ):
        assert expected in shown


def _progress(processed: int, pages: int, *, done: bool = False) -> ImportProgress:
    return ImportProgress(processed=processed, pages=pages, current="agent", done=done)


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_run_process_says_each_count_once() -> None:
    """Without a terminal (cron, a pipe): a line per page, and the end of the run does not
    say the last page's count again."""
    stream = io.StringIO()
    show = _progress_printer(stream)
    for progress in (  # as run_import tells it: after each page, then at the end
        _progress(1000, 1),
        _progress(1500, 2),
        _progress(1500, 2, done=True),
    ):
        show(progress)
    assert stream.getvalue() == "1000 Webitel users processed\n1500 Webitel users processed\n"
    stream = io.StringIO()
    show = _progress_printer(stream)
    show(_progress(0, 0, done=True))  # nothing on the server
    assert stream.getvalue() == "0 Webitel users processed\n"
    terminal = _Terminal()
    show = _progress_printer(terminal)
    show(_progress(7, 1))
    show(_progress(8, 1))
    show(_progress(8, 1, done=True))
    assert terminal.getvalue().count("\n") == 1  # redrawn in place, ended once
    assert terminal.getvalue().endswith(f"\r8 Webitel users processed {'agent':<40}\n")


def test_global_options_work_before_and_after_the_command(tmp_path: Path) -> None:
    before = run(tmp_path, "--database", f"sqlite:///{tmp_path / 'a.db'}", "db", "upgrade")
    after = run(tmp_path, "db", "upgrade", "--database", f"sqlite:///{tmp_path / 'b.db'}")
    assert before.returncode == after.returncode == 0, before.stderr + after.stderr
    assert (tmp_path / "a.db").exists() and (tmp_path / "b.db").exists()
    # Given only before the command, the value stands (the command does not reset it).
    listed = run(tmp_path, "--database", f"sqlite:///{tmp_path / 'b.db'}", "info", "--json")
    assert f"{tmp_path / 'b.db'}" in listed.stdout
    nested = run(tmp_path, "users", "list", "--lang", "xx")
    assert nested.returncode == 3
    assert "invalid choice: 'xx'" in nested.stderr


def test_help_names_the_config_file_the_environment_and_examples(tmp_path: Path) -> None:
    shown = run(tmp_path, "--help").stdout
    assert str(tmp_path / "config" / "webitel-tui" / "config.toml") in shown
    assert "WEBITEL_TUI_WEBITEL__PASSWORD" in shown
    assert "webitel-tui users list --search olena --json" in shown
