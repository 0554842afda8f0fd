"""The log file and `webitel-tui info`: where things are, and no secret in either."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from webitel_tui import log_file
from webitel_tui.config import LogSettings
from webitel_tui.db.migrate import HEAD

SECRET = "Pw-very-s3cret-77"


@pytest.fixture
def restore_log() -> object:
    yield
    log_file.configure(LogSettings(file=""), debug=False, redact=str)


def _hide(text: str) -> str:
    return text.replace(SECRET, "***")


@pytest.mark.usefixtures("restore_log")
def test_the_log_file_keeps_errors_with_their_traceback_and_never_a_secret(
    tmp_path: Path,
) -> None:
    path = tmp_path / "logs" / "webitel-tui.log"
    assert log_file.configure(LogSettings(file=str(path)), debug=False, redact=_hide) == path
    log = logging.getLogger("webitel_tui.anything")
    log.debug("not kept at INFO")
    try:
        raise RuntimeError(f"login failed with {SECRET}")
    except RuntimeError:
        log.exception("the worker failed for %s", SECRET)
    written = path.read_text(encoding="utf-8")
    assert "ERROR webitel_tui.anything: the worker failed for ***" in written
    assert "RuntimeError: login failed with ***" in written  # the traceback, redacted
    assert SECRET not in written
    assert "not kept at INFO" not in written


@pytest.mark.usefixtures("restore_log")
def test_debug_keeps_everything_and_an_empty_file_setting_keeps_nothing(tmp_path: Path) -> None:
    path = tmp_path / "debug.log"
    log_file.configure(LogSettings(file=str(path), level="ERROR"), debug=True, redact=str)
    logging.getLogger("webitel_tui").debug("kept with --debug")
    assert "kept with --debug" in path.read_text(encoding="utf-8")
    assert log_file.configure(LogSettings(file=""), debug=True, redact=str) is None
    logging.getLogger("webitel_tui").error("nowhere")
    assert "nowhere" not in path.read_text(encoding="utf-8")
    assert log_file.current_path() is None


def test_a_log_folder_that_cannot_be_made_is_a_warning_not_a_failure(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    assert (
        log_file.configure(LogSettings(file=str(blocker / "x.log")), debug=False, redact=str)
        is None
    )
    assert "warning: no log file" in capsys.readouterr().err


def _run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("WEBITEL_TUI_")}
    env["XDG_CONFIG_HOME"] = str(tmp_path / "config")
    env["XDG_DATA_HOME"] = str(tmp_path / "data")
    env["XDG_STATE_HOME"] = str(tmp_path / "state")
    return subprocess.run(
        [sys.executable, "-m", "webitel_tui", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def test_info_names_every_path_and_the_schema_without_creating_a_database(
    tmp_path: Path,
) -> None:
    found = _run(tmp_path, "info", "--json")
    assert found.returncode == 0, found.stderr
    info = json.loads(found.stdout)
    data = tmp_path / "data" / "webitel-tui"
    assert info["config_file"] == str(tmp_path / "config" / "webitel-tui" / "config.toml")
    assert info["config_file_exists"] is False
    assert info["database"] == f"sqlite:///{data / 'webitel-tui.db'}"
    assert info["schema"].startswith("new")
    assert not (data / "webitel-tui.db").exists()  # info looked, did not create
    assert info["log_file"].startswith(str(tmp_path / "state"))
    assert info["webitel"] == "not configured ([webitel] url)"
    assert set(info["libraries"]) >= {"textual", "sqlalchemy", "httpx", "pydantic"}

    assert _run(tmp_path, "db", "upgrade").returncode == 0
    lines = _run(tmp_path, "info").stdout
    assert f"Schema:         {HEAD} (current)" in lines


def test_info_and_the_log_say_nothing_of_the_passwords(tmp_path: Path) -> None:
    """The Webitel password and the database URL's password: neither printed nor logged,
    whatever the server does (here: nothing listens on the port)."""
    config = tmp_path / "config.toml"
    log = tmp_path / "webitel.log"
    config.write_text(
        f'[log]\nfile = "{log}"\nlevel = "DEBUG"\n'
        f'[webitel]\nurl = "http://127.0.0.1:9/api"\ndomain = "d"\nusername = "admin"\n'
        f'password = "{SECRET}"\ntimeout = 1\nretries = 0\n',
        encoding="utf-8",
    )
    database = f"postgresql://admin:{SECRET}@127.0.0.1:9/crm"
    found = _run(tmp_path, "--config", str(config), "--database", database, "info")
    assert found.returncode == 0, found.stderr
    assert "postgresql://admin:***@127.0.0.1:9/crm" in found.stdout
    assert "Webitel server: http://127.0.0.1:9/api: " in found.stdout
    assert "cannot be read" in found.stdout
    written = log.read_text(encoding="utf-8")
    assert "logging in to Webitel as admin" in written
    assert SECRET not in found.stdout + found.stderr + written
