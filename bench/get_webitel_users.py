"""GetWebitelUsers (issue 6): import 10,000 users from the simulator into an empty CRM, then a
second run with nothing changed, each against a raw baseline measured in the same run.

The baseline is what the import must at least do: a raw httpx fetch of the same pages (same
page size) plus a raw sqlite3 bulk insert (`executemany`, one transaction) of the same rows:
a contact, a CRM user and a Webitel user per server user. The simulator runs in a child
process (its CPU time does not share our GIL). Peak memory growth is the growth of the
process's maximum resident set size over the first run.

Prints `BENCH` lines: first-run ratio (target <= 2), second-run ratio (target <= 1), peak
memory growth in MB (target <= 50), and the absolute seconds for reference.
"""

from __future__ import annotations

import asyncio
import resource
import sqlite3
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from _simulator import login, simulator_process

from webitel_tui.db.engine import Database
from webitel_tui.processes.get_webitel_users import run_import
from webitel_tui.processes.setup import prepare
from webitel_tui.repositories import SYSTEM
from webitel_tui.webitel import DEFAULT_PAGE_SIZE, WebitelClient, WebitelOptions

USERS = 10_000
FIRST_TARGET = 2.0
SECOND_TARGET = 1.0
MEMORY_TARGET_MB = 50


async def raw_fetch(base_url: str, token: str) -> list[dict[str, Any]]:
    users: list[dict[str, Any]] = []
    async with httpx.AsyncClient(base_url=base_url, timeout=60.0) as http:
        page = 1
        while True:
            answer = await http.get(
                "/users",
                params={"page": page, "size": DEFAULT_PAGE_SIZE, "sort": "+id"},
                headers={"X-Webitel-Access": token},
            )
            body: dict[str, Any] = answer.json()
            users.extend(body.get("items", []))
            if not body.get("next"):
                return users
            page += 1


def raw_insert(path: Path, users: list[dict[str, Any]]) -> None:
    connection = sqlite3.connect(path)
    try:
        connection.executescript(
            """
            CREATE TABLE Contact (Id TEXT PRIMARY KEY, Name TEXT, Email TEXT);
            CREATE TABLE SysAdminUnit (Id TEXT PRIMARY KEY, Name TEXT UNIQUE, ContactId TEXT,
                UserPassword TEXT, ForceChangePassword INTEGER);
            CREATE TABLE WebitelUser (Id TEXT PRIMARY KEY, Name TEXT UNIQUE, Extension TEXT,
                WebitelId INTEGER UNIQUE, SysAdminUnitId TEXT, ContactId TEXT,
                DefaultDeviceId INTEGER, DefaultDeviceName TEXT);
            """
        )
        contacts, admins, webitel = [], [], []
        for user in users:
            contact, admin = str(uuid.uuid4()), str(uuid.uuid4())
            device = user.get("device") or {}
            contacts.append((contact, user.get("name"), user.get("email")))
            admins.append((admin, user.get("username"), contact, "x", 1))
            webitel.append(
                (
                    str(uuid.uuid4()),
                    user.get("username"),
                    user.get("extension"),
                    int(user["id"]),
                    admin,
                    contact,
                    int(device["id"]) if device.get("id") else None,
                    device.get("name") or "",
                )
            )
        with connection:
            connection.executemany("INSERT INTO Contact VALUES (?, ?, ?)", contacts)
            connection.executemany("INSERT INTO SysAdminUnit VALUES (?, ?, ?, ?, ?)", admins)
            connection.executemany(
                "INSERT INTO WebitelUser VALUES (?, ?, ?, ?, ?, ?, ?, ?)", webitel
            )
    finally:
        connection.close()


async def baseline(base_url: str, token: str, workdir: Path, name: str) -> float:
    started = time.perf_counter()
    users = await raw_fetch(base_url, token)
    raw_insert(workdir / f"{name}.db", users)
    took = time.perf_counter() - started
    if len(users) != USERS:
        raise RuntimeError(f"fetched {len(users)} users, expected {USERS}")
    return took


def max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def measure(base_url: str, workdir: Path) -> None:
    token = await login(base_url)
    await raw_fetch(base_url, token)  # warm the server
    db = Database(f"sqlite:///{workdir / 'crm.db'}")
    await prepare(db)
    options = WebitelOptions(base_url=base_url, token=token, timeout=60.0)
    try:
        raw_first = await baseline(base_url, token, workdir, "raw1")
        async with WebitelClient(options) as client:
            rss_before = max_rss_mb()
            started = time.perf_counter()
            first = await run_import(db, SYSTEM, client)
            first_took = time.perf_counter() - started
            growth = max_rss_mb() - rss_before
            raw_second = await baseline(base_url, token, workdir, "raw2")
            started = time.perf_counter()
            second = await run_import(db, SYSTEM, client)
            second_took = time.perf_counter() - started
    finally:
        await db.dispose()
    print(f"first run:  {first.summary()} in {first_took:.2f} s (raw {raw_first:.2f} s)")
    print(f"second run: {second.summary()} in {second_took:.2f} s (raw {raw_second:.2f} s)")
    if len(first.created) != USERS - 1 or len(second.unchanged) != USERS - 1:
        raise RuntimeError("the import did not create, then leave unchanged, every user")
    print(f"BENCH get_webitel_users_first_ratio {first_took / raw_first:.2f} x "
          f"target <= {FIRST_TARGET}")  # fmt: skip
    print(f"BENCH get_webitel_users_second_ratio {second_took / raw_second:.2f} x "
          f"target <= {SECOND_TARGET}")  # fmt: skip
    print(f"BENCH get_webitel_users_peak_memory_growth {growth:.1f} MB "
          f"target <= {MEMORY_TARGET_MB}")  # fmt: skip
    print(f"BENCH get_webitel_users_first_seconds {first_took:.2f} s target <= {2 * raw_first:.2f}")
    print(f"BENCH get_webitel_users_second_seconds {second_took:.2f} s target <= {raw_second:.2f}")


def main() -> int:
    with (
        simulator_process(USERS) as base_url,
        tempfile.TemporaryDirectory(prefix="bench-get-webitel-users-") as workdir,
    ):
        asyncio.run(measure(base_url, Path(workdir)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
