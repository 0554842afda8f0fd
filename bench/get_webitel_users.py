"""GetWebitelUsers (issue 6): import 10,000 users from the simulator into an empty CRM, then a
second run with nothing changed, each against a raw baseline measured in the same run.

The baseline is what the import must at least do: a raw httpx fetch of the same pages (same
page size) plus a raw sqlite3 bulk insert (`executemany`, one transaction) of the same rows:
every row the first run wrote (contacts, CRM users and their role membership, Webitel users,
their licence and role details, the change-log entries), read back as stored, into a fresh
database of the same schema (same tables and indexes, same pragmas). The simulator runs in a
child process (its CPU time does not share our GIL). Peak memory growth is the growth of the
process's maximum resident set size over the first run, measured before anything in this
process has held all the users.

Prints `BENCH` lines: first-run ratio (target <= 2), second-run ratio (target <= 1), peak
memory growth in MB (target <= 50), and the absolute seconds for reference; and, for
reference only, the ratio against session 1's narrower baseline (three 3-to-8-column tables
with no secondary indexes, no details, no change log).
"""

from __future__ import annotations

import asyncio
import resource
import sqlite3
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from _simulator import login, simulator_process

from webitel_tui.db.engine import Database
from webitel_tui.processes.get_webitel_users import run_import
from webitel_tui.processes.setup import prepare
from webitel_tui.repositories import SYSTEM
from webitel_tui.repositories.webitel_import import IMPORTED
from webitel_tui.webitel import DEFAULT_PAGE_SIZE, WebitelClient, WebitelOptions

USERS = 10_000
FIRST_TARGET = 2.0
SECOND_TARGET = 1.0
MEMORY_TARGET_MB = 50


# What the import writes, in the order foreign keys need.
IMPORTED_TABLES = (*(entity.__tablename__ for entity in IMPORTED), "SysChangeLog")
Rows = dict[str, tuple[list[str], list[tuple[Any, ...]]]]


async def raw_fetch(base_url: str, token: str, *, keep: bool = True) -> list[dict[str, Any]]:
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
            if keep:
                users.extend(body.get("items", []))
            if not body.get("next"):
                return users
            page += 1


def stored(moment: datetime) -> str:
    """A UTC moment as SQLAlchemy stores it in SQLite (comparable as text)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def imported_rows(crm: Path, since: str) -> Rows:
    """Every row the import wrote (created at or after `since`), exactly as stored."""
    connection = sqlite3.connect(crm)
    try:
        rows: Rows = {}
        for table in IMPORTED_TABLES:
            columns = [c[1] for c in connection.execute(f'PRAGMA table_info("{table}")')]
            found = connection.execute(
                f'SELECT * FROM "{table}" WHERE CreatedOn >= ?', (since,)
            ).fetchall()
            rows[table] = (columns, found)
        return rows
    finally:
        connection.close()


def raw_insert_same(path: Path, rows: Rows) -> None:
    """The same rows into a fresh database of the same schema, one transaction."""
    connection = sqlite3.connect(path)
    try:
        for pragma in ("foreign_keys=ON", "journal_mode=WAL", "synchronous=NORMAL"):
            connection.execute(f"PRAGMA {pragma}")
        with connection:
            for table, (columns, values) in rows.items():
                names = ", ".join(f'"{c}"' for c in columns)
                marks = ", ".join("?" for _ in columns)
                connection.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', values)
    finally:
        connection.close()


def raw_insert_narrow(path: Path, users: list[dict[str, Any]]) -> None:
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


async def fresh_crm(path: Path) -> None:
    db = Database(f"sqlite:///{path}")
    try:
        await prepare(db)
    finally:
        await db.dispose()


async def baseline(base_url: str, token: str, fresh: Path, rows: Rows) -> float:
    """Raw fetch of every page + raw insert of the import's rows into `fresh`, in seconds."""
    started = time.perf_counter()
    users = await raw_fetch(base_url, token)
    raw_insert_same(fresh, rows)
    took = time.perf_counter() - started
    if len(users) != USERS:
        raise RuntimeError(f"fetched {len(users)} users, expected {USERS}")
    return took


async def narrow_baseline(base_url: str, token: str, workdir: Path) -> float:
    started = time.perf_counter()
    raw_insert_narrow(workdir / "narrow.db", await raw_fetch(base_url, token))
    return time.perf_counter() - started


def max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def measure(base_url: str, workdir: Path) -> None:
    token = await login(base_url)
    await raw_fetch(base_url, token, keep=False)  # warm the server, holding nothing
    crm = workdir / "crm.db"
    db = Database(f"sqlite:///{crm}")
    await prepare(db)
    for name in ("raw1.db", "raw2.db"):
        await fresh_crm(workdir / name)
    options = WebitelOptions(base_url=base_url, token=token, timeout=60.0)
    since = stored(datetime.now(UTC))
    try:
        async with WebitelClient(options) as client:
            rss_before = max_rss_mb()
            started = time.perf_counter()
            first = await run_import(db, SYSTEM, client)
            first_took = time.perf_counter() - started
            growth = max_rss_mb() - rss_before
            started = time.perf_counter()
            second = await run_import(db, SYSTEM, client)
            second_took = time.perf_counter() - started
    finally:
        await db.dispose()
    rows = imported_rows(crm, since)
    raw_first = await baseline(base_url, token, workdir / "raw1.db", rows)
    raw_second = await baseline(base_url, token, workdir / "raw2.db", rows)
    narrow = await narrow_baseline(base_url, token, workdir)
    written = sum(len(values) for _columns, values in rows.values())
    print(f"first run:  {first.summary()} in {first_took:.2f} s (raw {raw_first:.2f} s)")
    print(f"second run: {second.summary()} in {second_took:.2f} s (raw {raw_second:.2f} s)")
    print(f"rows written by the first run (and by the raw insert): {written}")
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
    print(f"info: against the narrow 3-table baseline ({narrow:.2f} s): first "
          f"{first_took / narrow:.2f} x, second {second_took / narrow:.2f} x")  # fmt: skip


def main() -> int:
    with (
        simulator_process(USERS) as base_url,
        tempfile.TemporaryDirectory(prefix="bench-get-webitel-users-") as workdir,
    ):
        asyncio.run(measure(base_url, Path(workdir)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
