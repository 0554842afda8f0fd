"""What the app writes to the terminal when the data is hostile (issue 13): the real app,
`python -m webitel_tui`, in a pseudo-terminal, its output read byte by byte.

Webitel users come from the simulator with display names that hold terminal commands (ESC
sequences, C1 controls, bidi overrides, line breaks) and are imported into the CRM; one more
server user has a login no CRM keeps (a NUL in it), which the import's preview lists. The
test logs in, opens the Webitel users section, a card and the preview, and checks that the
terminal got the stand-ins and never the commands.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import struct
import subprocess
import sys
import termios
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from tests.conftest import Templates
from tests.hostile import HOSTILE, RAW_SEQUENCES
from tests.ui.test_shell import _move_webitel_users_into_contact_center
from tests.webitel.conftest import fast_options
from webitel_tui.db.engine import Database
from webitel_tui.domain.display import visible
from webitel_tui.domain.records import Actor
from webitel_tui.processes.get_webitel_users import run_import
from webitel_tui.repositories import unit_of_work
from webitel_tui.simulator import SimulatorThread, start_simulator_thread
from webitel_tui.webitel import InputUser, WebitelClient

SIZE = (120, 40)
WAIT = 60.0
"""Seconds one step may take on a loaded machine (the app's start is the longest)."""
DISPLAY_NAMES = {  # login -> display name on the server (the CRM contact's name)
    # Short: the Contact column is 16 wide, and the whole stand-in form is waited for. No
    # white space (U+0085 is some): the import makes runs of it one space.
    "a.ansi": HOSTILE["ansi"],
    "b.c1": "\x9b31mC1",
    "c.bidi": "b\u202eevil",
    "d.markup": "[red]x[/]",
    "e.title": "\x1b]0;owned\x07",
}
NUL_LOGIN = "nul\x00\x1b[2J\x9bX"
"""A login the server has and no CRM column keeps: a conflict in the import's preview."""
F9, ENTER, ESCAPE, CTRL_Q = "\x1b[20~", "\r", "\x1b", "\x11"


async def _hostile_server_users(url: str, sim: SimulatorThread) -> None:
    """The display names on the server, imported into the CRM; then the NUL login."""
    await _move_webitel_users_into_contact_center(url)
    client = WebitelClient(fast_options(sim))
    db = Database(url)
    try:
        for login, name in DISPLAY_NAMES.items():
            password = SecretStr("x-Pass-1")
            await client.create_user(InputUser(name=name, username=login, password=password))
        async with unit_of_work(db) as uow:
            admin = await uow.users.get_by_name("Supervisor")
        assert admin is not None
        report = await run_import(db, Actor(user_id=admin.id, contact_id=admin.contact_id), client)
        assert set(DISPLAY_NAMES) <= set(report.created), report
        async with unit_of_work(db) as uow:
            for login, name in DISPLAY_NAMES.items():
                record = await uow.webitel_users.find_by_name(login)
                assert record is not None and record.contact_name == name  # stored as sent
        created = (
            await client.create_user(
                InputUser(name="Nul Login", username="nul.login", password=SecretStr("x-Pass-1"))
            )
        ).user
        # A server that allows more than ours: the login is changed behind the API's checks,
        # and a change through the API makes the simulator answer with it.
        sim.state.users[int(created.id)].username = NUL_LOGIN
        await client.patch_user(created.id, InputUser(name="Nul Login"))
    finally:
        await client.aclose()
        await db.dispose()


class Terminal:
    """A pseudo-terminal running a command; everything the command writes is kept."""

    def __init__(self, argv: list[str], env: dict[str, str], size: tuple[int, int]) -> None:
        master, slave = os.openpty()
        columns, lines = size
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", lines, columns, 0, 0))
        self.process = subprocess.Popen(
            argv, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True
        )
        os.close(slave)
        self._master = master
        self._output = bytearray()
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while True:
            try:
                data = os.read(self._master, 65536)
            except OSError:  # EIO: the command ended and closed the terminal
                return
            if not data:
                return
            with self._lock:
                self._output += data

    @property
    def output(self) -> bytes:
        with self._lock:
            return bytes(self._output)

    @property
    def text(self) -> str:
        return self.output.decode("utf-8", errors="replace")

    def send(self, keys: str) -> None:
        os.write(self._master, keys.encode())

    def wait_for(self, shown: str, what: str, *, after: int = 0) -> int:
        """Wait until the output (from byte `after` on) holds `shown`; returns the length of
        the output then (the next wait can start there)."""
        deadline = time.monotonic() + WAIT
        while True:
            output = self.output
            if shown in output[after:].decode("utf-8", errors="replace"):
                return len(output)
            if self.process.poll() is not None or time.monotonic() > deadline:
                tail = output[-3000:].decode("utf-8", errors="replace")
                raise AssertionError(f"timed out waiting for {what}: {shown!r}\n{tail!r}")
            time.sleep(0.1)

    def close(self) -> None:
        if self.process.poll() is None:
            self.send(CTRL_Q)
            try:
                self.process.wait(timeout=WAIT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._reader.join(timeout=10)
        os.close(self._master)


@pytest.fixture
def sim() -> Iterator[SimulatorThread]:
    with start_simulator_thread(users=5) as running:
        yield running


def _env(tmp_path: Path, url: str, sim: SimulatorThread) -> dict[str, str]:
    drop = ("WEBITEL_TUI_", "TEXTUAL", "COLUMNS", "LINES", "NO_COLOR", "COLORTERM")
    env = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
    env.update(
        TERM="xterm-256color",
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        XDG_DATA_HOME=str(tmp_path / "data"),
        XDG_STATE_HOME=str(tmp_path / "state"),
        WEBITEL_TUI_DATABASE__URL=url,
        WEBITEL_TUI_WEBITEL__URL=sim.base_url,
        WEBITEL_TUI_WEBITEL__DOMAIN=sim.domain,
        WEBITEL_TUI_WEBITEL__USERNAME=sim.username,
        WEBITEL_TUI_WEBITEL__PASSWORD=sim.password,
    )
    return env


def test_hostile_server_data_reaches_the_terminal_only_as_stand_ins(
    templates: Templates, tmp_path: Path, sim: SimulatorThread
) -> None:
    url = templates.sqlite_copy("demo", tmp_path)
    asyncio.run(_hostile_server_users(url, sim))
    terminal = Terminal([sys.executable, "-m", "webitel_tui"], _env(tmp_path, url, sim), SIZE)
    try:
        mark = terminal.wait_for("Log in", "the login screen")
        terminal.send("Supervisor\tSupervisor" + ENTER)
        # The first workplace's name: the workplaces are loaded, "w" has one to switch to.
        mark = terminal.wait_for("General", "the shell", after=mark)
        terminal.send("w")
        mark = terminal.wait_for("Contact center", "the Contact center workplace", after=mark)
        terminal.send(ENTER)
        # The section's grid: each display name as its stand-ins (the contact column).
        for name in DISPLAY_NAMES.values():
            terminal.wait_for(visible(name), f"the contact {name!r}", after=mark)
        mark = len(terminal.output)
        terminal.send(ENTER)  # the card of the first row, "a.ansi"
        terminal.wait_for("Webitel user: a.ansi", "the card", after=mark)
        mark = terminal.wait_for(visible(HOSTILE["ansi"]), "the contact on the card", after=mark)
        terminal.send(ESCAPE)
        # Back on the section (a new screen is drawn whole), then F9 on its own: an escape
        # key followed at once by F9's sequence would read as one sequence.
        mark = terminal.wait_for(visible(DISPLAY_NAMES["b.c1"]), "the section", after=mark)
        time.sleep(0.3)
        terminal.send(F9)
        mark = terminal.wait_for("Process start", "the process launcher", after=mark)
        terminal.send(ENTER)
        terminal.wait_for("Preview: nothing has been written yet", "the preview", after=mark)
        terminal.wait_for(visible(NUL_LOGIN), "the NUL login in the preview", after=mark)
    finally:
        terminal.close()
    shown = terminal.text
    assert visible(NUL_LOGIN) == "nul␀␛[2J<U+009B>X"
    assert "[red]x[/]" in shown  # markup shown literally, not read
    for raw in RAW_SEQUENCES:
        assert raw not in shown, f"{raw!r} reached the terminal"
    assert b"\x00" not in terminal.output
