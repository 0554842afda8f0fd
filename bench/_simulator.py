"""The simulator as the benches use it: a child process on loopback, so that it does not
share the measuring process's event loop or GIL. (A `_` module: run_all.py skips it.)"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

# What a realistic network adds to every answer: a Webitel server is a LAN or WAN trip away,
# not on loopback. A bench that compares against raw HTTP and should weigh its own overhead
# against such trips passes it as `latency_ms`.
NETWORK_LATENCY_MS = 20.0


@contextmanager
def simulator_process(users: int, *options: str, latency_ms: float = 0.0) -> Iterator[str]:
    """Start `webitel-tui simulator` on a free loopback port, every answer delayed by
    `latency_ms`; yields its base URL."""
    command = [
        sys.executable, "-m", "webitel_tui.simulator", "--host", "127.0.0.1", "--port", "0",
        "--users", str(users), "--log-level", "error", *options,
    ]  # fmt: skip
    if latency_ms:
        command += ["--latency", f"{latency_ms:g}"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line.startswith("Webitel simulator: "):
            raise RuntimeError(f"the simulator did not start: {line!r}")
        yield line.split()[-1]
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()


async def login(
    base_url: str, username: str = "admin", password: str = "admin", domain: str = "demo"
) -> str:
    """A token from a raw login, for the raw-httpx baselines."""
    async with httpx.AsyncClient(base_url=base_url) as http:
        answer = await http.post(
            "/login", json={"username": username, "password": password, "domain": domain}
        )
        answer.raise_for_status()
        token: str = answer.json()["access_token"]
        return token
