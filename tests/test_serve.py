"""`webitel-tui serve`: a browser tab (here a websocket client) gets the login screen, and an
admin logs in; each connection is an app of its own."""

from __future__ import annotations

import asyncio
import json
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

aiohttp = pytest.importorskip("aiohttp", reason="the web extra (textual-serve) is not installed")
pytest.importorskip("textual_serve", reason="the web extra (textual-serve) is not installed")

PASSWORD = "Str0ng-pass-42"
ANSI = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[@-Z\\-_])")


def _env(tmp_path: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("WEBITEL_TUI_")}
    for name in ("CONFIG", "DATA", "STATE"):
        env[f"XDG_{name}_HOME"] = str(tmp_path / name.lower())
    return env


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def served(tmp_path: Path) -> Iterator[int]:
    database = f"sqlite:///{tmp_path / 'crm.db'}"
    env = _env(tmp_path)
    command = [sys.executable, "-m", "webitel_tui", "--database", database]
    subprocess.run(
        [*command, "init", "--login", "Supervisor", "--password-stdin"],
        input=PASSWORD + "\n",
        env=env,
        text=True,
        check=True,
        capture_output=True,
        timeout=120,
    )
    port = _free_port()
    server = subprocess.Popen(
        [*command, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.1)
        else:
            pytest.fail("webitel-tui serve did not listen")
        yield port
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=30)
        assert database not in output.decode("utf-8", "replace")  # no URL printed


class Tab:
    """A browser tab's side of the websocket: what the app drew, as plain text."""

    def __init__(self, socket_: Any) -> None:  # aiohttp's ClientWebSocketResponse
        self.socket = socket_
        self.shown = ""

    async def wait_for(self, text: str, within: float = 30) -> None:
        deadline = asyncio.get_running_loop().time() + within
        while text not in self.shown:
            left = deadline - asyncio.get_running_loop().time()
            if left <= 0:
                pytest.fail(f"{text!r} never shown; last: {self.shown[-500:]!r}")
            message = await self.socket.receive(timeout=left)
            if message.type == aiohttp.WSMsgType.BINARY:
                self.shown += ANSI.sub("", message.data.decode("utf-8", "replace"))
            elif message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED):
                pytest.fail(f"the app closed before showing {text!r}")

    async def type(self, keys: str) -> None:
        await self.socket.send_str(json.dumps(["stdin", keys]))


async def test_a_browser_tab_gets_the_login_and_the_admin_logs_in(served: int) -> None:
    url = f"http://127.0.0.1:{served}"
    async with aiohttp.ClientSession() as session:
        async with session.get(url) as page:  # the page a browser loads first
            assert page.status == 200
            assert "/ws" in await page.text()
        async with session.ws_connect(f"{url}/ws?width=100&height=30") as socket_:
            tab = Tab(socket_)
            await tab.wait_for("Log in to manage Webitel users")
            await tab.type("Supervisor")
            await tab.type("\t")
            await tab.type(PASSWORD)
            await tab.type("\r")
            await tab.wait_for("System administrator")
            assert PASSWORD not in tab.shown
        # A second tab is an app of its own: it starts at the login, not in the shell.
        async with session.ws_connect(f"{url}/ws?width=80&height=24") as socket_:
            await Tab(socket_).wait_for("Log in to manage Webitel users")
