"""The terminal never echoes (webitel_tui/terminal_echo.py): the real `python -m webitel_tui`
in a pseudo-terminal, typed at before its first frame.

Before, `admin⏎Secret123⏎` typed while the app started was echoed in clear (the terminal
was still in line mode), reached the login form as one line, and was on the screen again
after exit.
"""

from __future__ import annotations

import asyncio
import os
import select
import signal
import subprocess
import sys
import termios
import time
import tty
from pathlib import Path

import pytest

from tests.conftest import Templates
from tests.ui.test_terminal_output import CTRL_Q, WAIT, Terminal
from webitel_tui.cli import COMMANDS, UsageError, build_parser
from webitel_tui.db.engine import Database
from webitel_tui.processes.setup import create_first_admin
from webitel_tui.terminal_echo import starts_the_tui

SECRET = "Secret123"
ALT_SCREEN = b"\x1b[?1049h"
"""Textual's first write: the alternate screen, before its first frame."""


class EchoTerminal(Terminal):
    def mode(self) -> list[object]:
        """The terminal's mode, as the command sees it (a pty's master tells its slave's)."""
        return termios.tcgetattr(self._master)

    def echoes(self) -> bool:
        return bool(self.mode()[tty.LFLAG] & termios.ECHO)  # type: ignore[operator]

    def wait_until_quiet(self) -> None:
        deadline = time.monotonic() + WAIT
        while self.echoes():
            assert self.process.poll() is None, self.text
            assert time.monotonic() < deadline, "the terminal still echoes"
            time.sleep(0.002)

    def end(self) -> int:
        """ctrl+q, then the exit code (the terminal stays open: its mode can be read)."""
        if self.process.poll() is None:
            self.send(CTRL_Q)
        return self.process.wait(timeout=WAIT)


def _env(tmp_path: Path, url: str) -> dict[str, str]:
    drop = ("WEBITEL_TUI_", "TEXTUAL", "COLUMNS", "LINES", "NO_COLOR", "COLORTERM")
    env = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
    env.update(
        TERM="xterm-256color",
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        XDG_DATA_HOME=str(tmp_path / "data"),
        XDG_STATE_HOME=str(tmp_path / "state"),
        WEBITEL_TUI_DATABASE__URL=url,
    )
    return env


async def _admin(url: str) -> None:
    db = Database(url)
    try:
        await create_first_admin(db, "admin", SECRET, "Admin")
    finally:
        await db.dispose()


def _mode_kept(before: list[object], after: list[object]) -> None:
    for flag in (tty.IFLAG, tty.OFLAG, tty.LFLAG):
        assert after[flag] == before[flag], f"flag {flag}: {after[flag]:o} != {before[flag]:o}"


def test_a_login_typed_before_the_first_frame_is_never_echoed_and_logs_in(
    templates: Templates, tmp_path: Path
) -> None:
    url = templates.sqlite_copy("seeded", tmp_path)
    asyncio.run(_admin(url))
    command = [sys.executable, "-m", "webitel_tui"]
    terminal = EchoTerminal(command, _env(tmp_path, url), (80, 24))
    try:
        before = terminal.mode()
        terminal.wait_until_quiet()  # the program's first instruction, Python just started
        assert ALT_SCREEN not in terminal.output  # Textual has not started: no frame yet
        terminal.send(f"admin\r{SECRET}\r")
        # Logged in: the user name went to User name, Enter to the next field, the password
        # to Password, Enter logged in (the shell's first workplace is shown).
        terminal.wait_for("General", "the shell, logged in as admin")
        assert terminal.end() == 0
        assert terminal.echoes()
        _mode_kept(before, terminal.mode())
        shown = terminal.output
        assert SECRET.encode() not in shown
        assert b"admin\r\n" not in shown  # "admin" is on the screen, as a field shows it
    finally:
        terminal.close()


def test_the_first_administrator_prompt_echoes_the_name_only(
    templates: Templates, tmp_path: Path
) -> None:
    """A new installation asks in the terminal before the TUI: the name typed is shown (the
    terminal is as it was for the prompt), the password never; then the TUI starts."""
    url = f"sqlite:///{tmp_path / 'new.db'}"
    command = [sys.executable, "-m", "webitel_tui"]
    terminal = EchoTerminal(command, _env(tmp_path, url), (80, 24))
    try:
        before = terminal.mode()
        mark = terminal.wait_for("Administrator user name: ", "the first question")
        terminal.send("boss\r")
        mark = terminal.wait_for("boss\r\nFull name [boss]: ", "the name, echoed", after=mark)
        terminal.send("\r")
        mark = terminal.wait_for("Password: ", "the password question", after=mark)
        terminal.send(f"{SECRET}\r")
        mark = terminal.wait_for("confirmation: ", "the confirmation", after=mark)
        terminal.send(f"{SECRET}\r")
        terminal.wait_for("Log in", "the login screen", after=mark)
        assert not terminal.echoes()  # quiet again for the TUI
        assert terminal.end() == 0
        _mode_kept(before, terminal.mode())
        assert SECRET.encode() not in terminal.output
    finally:
        terminal.close()


QUIET_THEN = (
    "import os, resource, signal, sys, time\n"
    "resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # SIGQUIT: no core file\n"
    # As a terminal's shell starts it: under nohup SIGHUP comes ignored, and the program
    # rightly leaves an ignored signal ignored.
    "for name in ('SIGHUP', 'SIGTERM', 'SIGQUIT'):\n"
    "    signal.signal(getattr(signal, name), signal.SIG_DFL)\n"
    "from webitel_tui.terminal_echo import quiet_for_the_tui\n"
    "quiet_for_the_tui([])\n"
    "print('quiet', flush=True)\n"
    "time.sleep(0.5)\n"
    "if sys.argv[1] == 'exception':\n"
    "    raise RuntimeError('a bug')\n"
    "if sys.argv[1] != 'exit':\n"
    "    os.kill(os.getpid(), getattr(signal, sys.argv[1]))\n"
    "    time.sleep(30)\n"
)


@pytest.mark.parametrize("end", ["exit", "exception", "SIGTERM", "SIGHUP", "SIGQUIT"])
def test_the_terminal_is_restored_and_keys_never_read_are_dropped(end: str) -> None:
    """However the program ends, the terminal is as it was, and what was typed and never
    read does not go to the shell (a password typed ahead would run as a command)."""
    master, slave = os.openpty()
    try:
        before = termios.tcgetattr(slave)
        process = subprocess.Popen(
            [sys.executable, "-c", QUIET_THEN, end],
            stdin=slave,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        assert process.stdout is not None
        assert process.stdout.readline() == b"quiet\n"
        assert not termios.tcgetattr(slave)[tty.LFLAG] & termios.ECHO
        os.write(master, f"{SECRET}\r".encode())
        code = process.wait(timeout=WAIT)
        process.stdout.close()
        expected = {"exit": 0, "exception": 1}.get(end, -getattr(signal, end, 0))
        assert code == expected
        _mode_kept(before, termios.tcgetattr(slave))
        assert select.select([slave], [], [], 0.2)[0] == []  # nothing left to read
        assert select.select([master], [], [], 0)[0] == []  # and nothing echoed
    finally:
        os.close(slave)
        os.close(master)


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["run"],
        ["demo"],
        ["--debug", "run"],
        ["--config", "c.toml"],
        ["--config", "run.toml", "init"],
        ["--config=run", "users", "list"],
        ["--conf", "demo", "db", "upgrade"],
        ["--database", "sqlite:///x.db", "demo"],
        ["--lang", "uk"],
        ["--lang=uk", "run"],
        ["init"],
        ["db", "upgrade"],
        ["run-process", "GetWebitelUsers"],
        ["users", "list"],
        ["webitel", "check"],
        ["--help"],
        ["run", "--help"],
        ["-h"],
        ["--version"],
        ["--vers"],
    ],
)
def test_the_terminal_is_quieted_for_the_commands_that_start_the_tui(argv: list[str]) -> None:
    """`starts_the_tui` (no argparse: it runs before anything is imported) agrees with the
    command line parser."""
    try:
        command = build_parser().parse_known_args(argv)[0].command
    except (UsageError, SystemExit):  # --help, --version, a usage error: no TUI
        command = "none"
    assert command in COMMANDS or command == "none"
    assert starts_the_tui(argv) == (command in (None, "run", "demo"))
    assert not starts_the_tui(["simulator", "--port", "0"])
