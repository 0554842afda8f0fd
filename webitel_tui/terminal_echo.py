"""The terminal never echoes what the admin types, from the first instruction on.

Starting the TUI takes a while (Python, Textual, the settings): until Textual's driver puts
the terminal in its own mode, the terminal is in line mode and echoes. A user name and a
password typed at once (`admin⏎Secret123⏎`) were shown in clear, and reached the login form
as one line. So the `webitel-tui` command (`webitel_tui.__main__`) calls `quiet_for_the_tui`
before it imports anything else:

- echo off, and the keys left unread in the terminal as they were typed (no line mode, no
  CR -> LF, no flow control: what Textual's driver sets too), so Textual reads them when it
  starts and the login form gets them, Enter and Tab included;
- Ctrl+C (and the other signals of the keyboard) still ends a start that takes too long;
- at exit (normal, an exception, SIGHUP, SIGTERM, SIGQUIT) the terminal is as it was, and
  keys typed and never read are dropped, so the shell never gets a password typed ahead.

Textual's driver saves the terminal's mode when it starts and sets it back when it stops;
it finds this one, so the mode stays quiet between the app and the end of the command.
Prompts asked in the terminal (the first administrator) use `echoing()`.

Only the standard library is used here: it runs before the rest of the program is loaded.
"""

from __future__ import annotations

import atexit
import os
import signal
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from types import FrameType
from typing import Any

try:
    import termios
    import tty
except ImportError:  # not a POSIX system: nothing to do
    termios = None  # type: ignore[assignment]

TUI_COMMANDS = frozenset({None, "run", "demo"})
"""The `webitel-tui` commands that start the TUI (None: no command, the default `run`)."""
VALUE_OPTIONS = ("--config", "--database", "--lang")
"""The options before the command that take a value (cli.build_parser)."""
_NO_TUI_OPTIONS = ("--help", "--version")
EXIT_SIGNALS = ("SIGHUP", "SIGTERM", "SIGQUIT")
"""Signals whose default is to end the process at once: the terminal is restored first."""

_saved: tuple[int, list[Any]] | None = None
"""The terminal quieted and its mode before (None: `quiet` has not been called)."""


def starts_the_tui(argv: Sequence[str]) -> bool:
    """Whether `webitel-tui ARGV` starts the TUI, told without argparse (what
    `cli.build_parser` answers; tests/test_terminal_echo.py compares them)."""
    command: str | None = None
    value_next = False
    for arg in argv:
        if arg == "-h" or (len(arg) >= 3 and any(o.startswith(arg) for o in _NO_TUI_OPTIONS)):
            return False
        if value_next:
            value_next = False
        elif arg.startswith("-"):
            # argparse takes "--config PATH", "--config=PATH" and abbreviations ("--conf").
            value_next = "=" not in arg and any(o.startswith(arg) for o in VALUE_OPTIONS)
        elif command is None:
            command = arg
    return command in TUI_COMMANDS


def quiet_for_the_tui(argv: Sequence[str]) -> None:
    """Turn echo and line mode off until the program ends, if ARGV starts the TUI and
    standard input is a terminal; otherwise do nothing."""
    if termios is None or sys.stdin is None or not starts_the_tui(argv):
        return
    try:
        fd = sys.stdin.fileno()
        if os.isatty(fd):
            quiet(fd)
    except (OSError, ValueError, termios.error):
        return  # no usable terminal (closed, or not one): nothing to keep quiet


def quiet(fd: int) -> None:
    """Echo and line mode off on terminal `fd`, its mode restored at exit (see above)."""
    global _saved
    mode = termios.tcgetattr(fd)
    if _saved is None:
        _saved = (fd, termios.tcgetattr(fd))
        atexit.register(restore)
        for name in EXIT_SIGNALS:
            number = getattr(signal, name, None)
            if number is not None and signal.getsignal(number) is signal.SIG_DFL:
                signal.signal(number, _restore_and_end)
    mode[tty.IFLAG] &= ~(
        termios.ICRNL | termios.INLCR | termios.IGNCR | termios.IXON | termios.IXOFF
    )
    mode[tty.LFLAG] &= ~(termios.ECHO | termios.ICANON | termios.IEXTEN)
    mode[tty.CC][termios.VMIN] = 1
    mode[tty.CC][termios.VTIME] = 0
    termios.tcsetattr(fd, termios.TCSANOW, mode)


def restore() -> None:
    """The terminal's mode as it was before `quiet`; keys typed and never read are
    dropped (the shell must not run a password typed ahead)."""
    if _saved is None:
        return
    fd, before = _saved
    with suppress(OSError, termios.error):  # the terminal may be gone (SIGHUP)
        termios.tcsetattr(fd, termios.TCSAFLUSH, before)


def _restore_and_end(signum: int, _frame: FrameType | None) -> None:
    """End as the signal's default does, after restoring the terminal."""
    restore()
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)


@contextmanager
def echoing() -> Iterator[None]:
    """The terminal as it was (echo, line editing) for a prompt, then quiet again; nothing
    changes if `quiet` was not called."""
    if _saved is None:
        yield
        return
    restore()
    try:
        yield
    finally:
        with suppress(OSError, termios.error):
            quiet(_saved[0])
