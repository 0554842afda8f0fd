"""Start-up: `webitel-tui` to its login screen against a bare Textual app started the same way.

Both are started as an admin starts them: a fresh Python process in a terminal. Each runs on
a pseudo-terminal of 80x24 (TERM=xterm-256color) and is timed from the spawn to the moment a
text of its first screen shows up in the terminal output ("Log in to manage Webitel users"
for ours, a caption of its own for the bare app); then its process group is killed.

- ours: `python -m webitel_tui --database sqlite:///<tmp>/crm.db`, on a database that `init`
  has already migrated, seeded and given an administrator: the steady start. The settings
  are loaded and checked (pydantic-settings), then the login screen comes; SQLAlchemy and
  `setup.prepare` (Alembic check + idempotent seed, on every start) follow in the
  background while the admin types, and "Log in" waits for them (their cost is the
  `setup.prepare` figure below).
- bare: `python <tmp>/bare_app.py`, a Textual App with a caption and an Input that exits once
  its first frame is displayed.

After a warm-up run of each, they take turns (the order rotating every round) to share the
machine's noise; the figure is the ratio of the medians. Three floors are timed with them:
the bare app after importing pydantic-settings, which our start loads before its first
frame (as low as it can go); after importing every library our start cannot do without
(pydantic-settings, SQLAlchemy's asyncio engine on aiosqlite, Alembic), as low as a start
could go that loaded them all before its first frame; and the same without Alembic (if a
current database skipped it). Extra figures: the very first start (creates and
migrates a new database, up to the first-administrator prompt), `webitel-tui db upgrade` on a
current database, and the time `setup.prepare` takes inside a start. Plain lines list the
slowest imports (`python -X importtime`) on the way to the login screen.

Everything lives in a temporary directory (config and data directories too), removed at the
end.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import select
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

RUNS = 10
FIRST_RUNS = 3
UPGRADE_RUNS = 5
TIMEOUT = 60.0
ROWS, COLUMNS = 24, 80
TOP_IMPORTS = 15

RATIO_TARGET = 1.5  # x the bare app
FIRST_RUN_TARGET = 1.0  # seconds: creating the database once should still feel immediate
UPGRADE_RATIO_TARGET = 1.0  # x the bare app: a no-op upgrade should not cost more than a TUI
PREPARE_TARGET = 0.1  # seconds: the check on every start, when there is nothing to do

LOGIN_MARKER = b"Log in to manage Webitel users"
BARE_MARKER = b"Bare Textual app ready"
ADMIN_PROMPT = b"Administrator user name:"
ADMIN_PASSWORD = "bench-admin-password-1"  # letters and a digit, as `init` asks

# The modules named on its command line are imported first: with the libraries our start
# path uses, it gives the floors below (what importing them costs, whoever imports them).
BARE_APP = f'''\
import importlib
import sys

for name in sys.argv[1:]:
    importlib.import_module(name)

from textual.app import App, ComposeResult
from textual.widgets import Input, Static


class BareApp(App[None]):
    def compose(self) -> ComposeResult:
        yield Static("{BARE_MARKER.decode()}")
        yield Input()

    def on_ready(self) -> None:
        self.exit()


if __name__ == "__main__":
    BareApp().run()
'''
# What a start cannot do without, as libraries: settings, the async ORM engine on SQLite,
# and Alembic's upgrade (with what it loads: mako, and pygments through mako).
SETTINGS = ("pydantic_settings",)
LIBRARIES = (*SETTINGS, "sqlalchemy.ext.asyncio", "sqlalchemy.dialects.sqlite.aiosqlite")
ALEMBIC = ("alembic.command", "alembic.script", "alembic.runtime.migration")

# `setup.prepare` on a current database (through the CLI's `_prepare`), timed in a fresh
# process once the modules the start's background thread loads before it are imported: the
# first call, with Alembic if it is needed (it is not on a current database).
PREPARE_PROBE = """\
import sys, time
from webitel_tui import cli_support
from webitel_tui.config import load_settings
from webitel_tui.ui.app import BACKGROUND_IMPORTS
import importlib
for name in BACKGROUND_IMPORTS:
    importlib.import_module(name)
settings = load_settings(None, {"database": {"url": sys.argv[1]}}).settings
started = time.perf_counter()
has_admin = cli_support.prepare(settings)
print(time.perf_counter() - started, has_admin)
"""

# CSI, OSC, DCS/SOS/PM/APC strings and two-byte escapes: what is left is the text shown.
ESCAPES = re.compile(
    rb"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[PX^_][^\x1b]*\x1b\\|[ -~])"
)
IMPORT_LINE = re.compile(rb"import time:\s*(\d+) \|\s*(\d+) \|( *)([\w.]+)")


class StartError(RuntimeError):
    pass


@dataclass
class Terminal:
    """A child process on a pseudo-terminal, and what it has written so far."""

    pid: int
    fd: int
    started: float
    output: bytearray

    def expect(self, marker: bytes) -> float:
        """Seconds from the spawn until `marker` shows in the terminal."""
        deadline = self.started + TIMEOUT
        while True:
            if marker in self.output or marker in ESCAPES.sub(b"", self.output):
                return time.perf_counter() - self.started
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                raise StartError(f"no {marker!r} after {TIMEOUT:.0f} s: {self.tail()}")
            ready, _, _ = select.select([self.fd], [], [], remaining)
            if not ready:
                continue
            try:
                chunk = os.read(self.fd, 1 << 16)
            except OSError:  # EIO: every process holding the terminal has gone
                chunk = b""
            if not chunk:
                raise StartError(f"the process ended before {marker!r}: {self.tail()}")
            self.output += chunk

    def tail(self) -> str:
        return ESCAPES.sub(b"", self.output[-2000:]).decode(errors="replace").strip()

    def close(self) -> None:
        with contextlib.suppress(ProcessLookupError):  # the bare app may have exited
            os.killpg(self.pid, signal.SIGKILL)
        os.waitpid(self.pid, 0)
        os.close(self.fd)


def spawn(argv: Sequence[str], env: dict[str, str], cwd: Path) -> Terminal:
    """Start `argv` as the session leader of a new 80x24 pseudo-terminal."""
    master, slave = os.openpty()
    # Sized before the child starts, so that it never sees a 0x0 terminal.
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLUMNS, 0, 0))
    started = time.perf_counter()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        try:
            os.close(master)
            os.chdir(cwd)
            os.login_tty(slave)
            os.execve(argv[0], list(argv), env)
        finally:
            os._exit(127)
    os.close(slave)
    return Terminal(pid=pid, fd=master, started=started, output=bytearray())


def time_to(argv: Sequence[str], marker: bytes, env: dict[str, str], cwd: Path) -> float:
    terminal = spawn(argv, env, cwd)
    try:
        return terminal.expect(marker)
    finally:
        terminal.close()


@dataclass(frozen=True)
class Setup:
    tmp: Path
    env: dict[str, str]
    url: str
    ours: list[str]
    bare: list[str]

    def cli(self, *args: str, url: str | None = None) -> list[str]:
        return [sys.executable, "-m", "webitel_tui", "--database", url or self.url, *args]


def make_setup(tmp: Path) -> Setup:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("WEBITEL_TUI_", "TEXTUAL"))
        and key not in ("PYTHONIMPORTTIME", "PYTHONDONTWRITEBYTECODE")
    }
    env.update(
        TERM="xterm-256color",
        COLUMNS=str(COLUMNS),
        LINES=str(ROWS),
        # No config file or data of the machine's own install is read.
        XDG_CONFIG_HOME=str(tmp / "config"),
        XDG_DATA_HOME=str(tmp / "data"),
        # Bytecode as an installed package has it (pip compiles on install), kept in here
        # rather than in the source tree: the warm-up runs compile every module once.
        PYTHONPYCACHEPREFIX=str(tmp / "pycache"),
    )
    bare_app = tmp / "bare_app.py"
    bare_app.write_text(BARE_APP)
    url = f"sqlite:///{tmp / 'crm.db'}"
    setup = Setup(tmp=tmp, env=env, url=url, ours=[], bare=[sys.executable, str(bare_app)])
    setup.ours.extend(setup.cli())
    init = setup.cli("init", "--login", "admin", "--password-stdin")
    done = subprocess.run(
        init, input=f"{ADMIN_PASSWORD}\n", env=env, cwd=tmp, check=False, capture_output=True,
        text=True,
    )  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"`init` failed ({done.returncode}): {done.stderr.strip()}")
    return setup


def steady_start(setup: Setup) -> dict[str, list[float]]:
    """Seconds to the first screen of each way to start, after a warm-up run of each; the
    order rotates every round so that they share the machine's noise."""
    starts = {
        "ours": (setup.ours, LOGIN_MARKER),
        "bare": (setup.bare, BARE_MARKER),
        "bare+settings": ([*setup.bare, *SETTINGS], BARE_MARKER),
        "bare+libraries": ([*setup.bare, *LIBRARIES, *ALEMBIC], BARE_MARKER),
        "bare+libraries-alembic": ([*setup.bare, *LIBRARIES], BARE_MARKER),
    }
    names = list(starts)
    times: dict[str, list[float]] = {name: [] for name in names}
    for argv, marker in starts.values():
        time_to(argv, marker, setup.env, setup.tmp)  # warm-up: caches, bytecode
    for round_ in range(RUNS):
        shift = round_ % len(names)
        for name in names[shift:] + names[:shift]:
            argv, marker = starts[name]
            times[name].append(time_to(argv, marker, setup.env, setup.tmp))
    return times


def first_start(setup: Setup) -> list[float]:
    """Seconds from the start on a new database (created, migrated, seeded) to the prompt
    for the first administrator: what `webitel-tui` does the very first time."""
    times = []
    for run in range(FIRST_RUNS):
        url = f"sqlite:///{setup.tmp / f'first-{run}' / 'crm.db'}"
        times.append(time_to(setup.cli(url=url), ADMIN_PROMPT, setup.env, setup.tmp))
    return times


def db_upgrade(setup: Setup) -> list[float]:
    """Seconds `webitel-tui db upgrade` takes, start to exit, on a current database."""
    command = setup.cli("db", "upgrade")
    subprocess.run(command, env=setup.env, cwd=setup.tmp, check=True, capture_output=True)
    times = []
    for _ in range(UPGRADE_RUNS):
        started = time.perf_counter()
        subprocess.run(command, env=setup.env, cwd=setup.tmp, check=True, capture_output=True)
        times.append(time.perf_counter() - started)
    return times


def prepare_cost(setup: Setup) -> list[float]:
    """Seconds the CLI's `_prepare` takes in a fresh process whose CLI is imported."""
    times = []
    for _ in range(UPGRADE_RUNS):
        answer = subprocess.run(
            [sys.executable, "-c", PREPARE_PROBE, setup.url], env=setup.env, cwd=setup.tmp,
            check=True, capture_output=True, text=True,
        )  # fmt: skip
        seconds, has_admin = answer.stdout.split()
        if has_admin != "True":
            raise StartError("the prepared database has no administrator")
        times.append(float(seconds))
    return times


@dataclass(frozen=True)
class Import:
    module: str
    self_us: int
    cumulative_us: int
    depth: int


def imports_to_login(setup: Setup) -> list[Import]:
    """Every import of a start up to the login screen, from `python -X importtime`.

    Textual draws on stderr too, so the import lines are picked out of the terminal output.
    """
    argv = [sys.executable, "-X", "importtime", *setup.ours[1:]]
    terminal = spawn(argv, setup.env, setup.tmp)
    try:
        terminal.expect(LOGIN_MARKER)
    finally:
        terminal.close()
    return [
        Import(match[4].decode(), int(match[1]), int(match[2]), len(match[3]) // 2)
        for match in IMPORT_LINE.finditer(terminal.output)
    ]


def report_imports(imports: list[Import]) -> None:
    total = sum(item.self_us for item in imports) / 1e6
    print(f"imports up to the login screen: {len(imports)} modules, {total:.3f} s in all "
          f"(-X importtime; slower than a timed start)")  # fmt: skip
    print(f"top {TOP_IMPORTS} by cumulative time (depth = nesting level):")
    ranked = sorted(imports, key=lambda item: item.cumulative_us, reverse=True)
    for item in ranked[:TOP_IMPORTS]:
        print(f"  {item.cumulative_us / 1000:8.1f} ms  self {item.self_us / 1000:6.1f} ms  "
              f"depth {item.depth}  {item.module}")  # fmt: skip
    packages: dict[str, int] = {}
    for item in imports:
        root = item.module.split(".")[0]
        packages[root] = packages.get(root, 0) + item.self_us
    ranked_packages = sorted(packages.items(), key=lambda pair: pair[1], reverse=True)
    shown = ", ".join(f"{name} {us / 1000:.0f} ms" for name, us in ranked_packages[:12])
    print(f"self time by top-level package: {shown}")
    names = {item.module for item in imports}
    notable = ("alembic", "httpx", "uvicorn", "webitel_tui.simulator", "webitel_tui.webitel",
               "sqlalchemy.orm", "sqlalchemy.dialects.postgresql", "pydantic_settings",
               "asyncpg")  # fmt: skip
    present = [name for name in notable if name in names]
    absent = [name for name in notable if name not in names]
    print(f"on the start path: {', '.join(present) or 'none'}; "
          f"not imported: {', '.join(absent) or 'none'}")  # fmt: skip


def describe(times: list[float]) -> str:
    return f"median {statistics.median(times):.3f} s (min {min(times):.3f}, max {max(times):.3f})"


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as workdir:
        setup = make_setup(Path(workdir))
        starts = steady_start(setup)
        first = first_start(setup)
        upgrade = db_upgrade(setup)
        prepare = prepare_cost(setup)
        imports = imports_to_login(setup)

    ours, bare = starts["ours"], starts["bare"]
    bare_median = statistics.median(bare)
    ratio = statistics.median(ours) / bare_median
    print(f"bare Textual app to its first screen: {describe(bare)}")
    print(f"webitel-tui to the login screen (current database): {describe(ours)}")
    for name, about in (
        ("bare+settings", "importing pydantic-settings"),
        ("bare+libraries", "importing pydantic-settings, SQLAlchemy asyncio + aiosqlite, Alembic"),
        ("bare+libraries-alembic", "the same without Alembic"),
    ):
        floor = statistics.median(starts[name])
        over = statistics.median(ours) / floor
        print(f"floor: the bare app after {about}: {floor / bare_median:.2f} x "
              f"({describe(starts[name])}); ours is {over:.2f} x it")  # fmt: skip
    print(f"first start (create + migrate + seed) to the admin prompt: {describe(first)}")
    print(f"db upgrade on a current database, start to exit: {describe(upgrade)}")
    print(f"setup.prepare inside a start (current database): {describe(prepare)}")
    report_imports(imports)

    print(f"BENCH startup_login_ratio {ratio:.2f} x target <= {RATIO_TARGET}")
    print(f"BENCH startup_login_seconds {statistics.median(ours):.3f} s target <= 1.0")
    first_seconds = statistics.median(first)
    print(f"BENCH startup_first_run_seconds {first_seconds:.3f} s target <= {FIRST_RUN_TARGET}")
    upgrade_ratio = statistics.median(upgrade) / bare_median
    print(f"BENCH startup_db_upgrade_ratio {upgrade_ratio:.2f} x target <= {UPGRADE_RATIO_TARGET}")
    print(f"BENCH startup_prepare_seconds {statistics.median(prepare):.3f} s "
          f"target <= {PREPARE_TARGET}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
