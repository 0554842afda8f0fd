"""GetWebitelUsers over a realistic network: import 10,000 and then 100,000 users from the
simulator (every answer 20 ms late) into an empty CRM, then a second run with nothing
changed, each against raw baselines measured in the same run.

The baseline of a first run is what the import must at least do: a raw httpx fetch of the
same pages (same page size) plus a raw sqlite3 bulk insert (`executemany`, one transaction) of
the same rows: every row the first run wrote (contacts, CRM users and their role membership,
Webitel users, their licence and role details, the change-log entries), read back as stored,
into a fresh database of the same schema (same tables and indexes, same pragmas). The
baseline of a second run is the raw fetch alone. Each size runs in a child process of its
own (`--users N`), so that its peak memory growth (the growth of the maximum resident set
size over the first run) is its own; the simulator runs in another, off our GIL.

Prints `BENCH` lines: at 10,000 users, first run <= 3x its baseline; at 100,000, time per
user <= 1.25x that at 10,000; at either size, the second run <= 1.5x the raw fetch and peak
memory growth <= 50 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from _simulator import NETWORK_LATENCY_MS, login, simulator_process

from webitel_tui.db.engine import Database
from webitel_tui.processes.get_webitel_users import run_import
from webitel_tui.processes.setup import prepare
from webitel_tui.repositories import SYSTEM
from webitel_tui.repositories.webitel_import import IMPORTED
from webitel_tui.webitel import DEFAULT_PAGE_SIZE, WebitelClient, WebitelOptions

SIZES = (10_000, 100_000)
FIRST_TARGET = 3.0
PER_USER_GROWTH_TARGET = 1.25
SECOND_TARGET = 1.5
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


async def fresh_crm(path: Path) -> None:
    db = Database(f"sqlite:///{path}")
    try:
        await prepare(db)
    finally:
        await db.dispose()


async def timed_fetch(base_url: str, token: str, users: int) -> float:
    started = time.perf_counter()
    fetched = await raw_fetch(base_url, token)
    took = time.perf_counter() - started
    if len(fetched) != users:
        raise RuntimeError(f"fetched {len(fetched)} users, expected {users}")
    return took


def timed_insert(fresh: Path, rows: Rows) -> float:
    started = time.perf_counter()
    raw_insert_same(fresh, rows)
    return time.perf_counter() - started


def max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def measure(base_url: str, workdir: Path, users: int) -> dict[str, float]:
    """One size: the import's two runs and their baselines, in seconds; memory in MB."""
    token = await login(base_url)
    await raw_fetch(base_url, token, keep=False)  # warm the server, holding nothing
    crm = workdir / "crm.db"
    db = Database(f"sqlite:///{crm}")
    await prepare(db)
    await fresh_crm(workdir / "raw.db")
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
    # The simulator's first user is the admin, already in the CRM.
    if len(first.created) != users - 1 or len(second.unchanged) != users - 1:
        raise RuntimeError("the import did not create, then leave unchanged, every user")
    rows = imported_rows(crm, since)
    fetch = min([await timed_fetch(base_url, token, users) for _ in range(2)])
    insert = timed_insert(workdir / "raw.db", rows)
    written = sum(len(values) for _columns, values in rows.values())
    print(f"{users} users: first run {first_took:.2f} s, second {second_took:.2f} s; raw fetch "
          f"{fetch:.2f} s, raw insert of the {written} rows written {insert:.2f} s; peak memory "
          f"+{growth:.1f} MB", file=sys.stderr)  # fmt: skip
    return {"first": first_took, "second": second_took, "fetch": fetch, "insert": insert,
            "growth": growth}  # fmt: skip


def one_size(users: int) -> dict[str, float]:
    with (
        simulator_process(users, latency_ms=NETWORK_LATENCY_MS) as base_url,
        tempfile.TemporaryDirectory(prefix="bench-get-webitel-users-") as workdir,
    ):
        return asyncio.run(measure(base_url, Path(workdir), users))


def in_a_child(users: int) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, __file__, "--users", str(users)], stdout=subprocess.PIPE, check=True
    )
    figures: dict[str, float] = json.loads(done.stdout)
    return figures


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, help="measure this size only; print JSON")
    wanted = parser.parse_args().users
    if wanted is not None:
        print(json.dumps(one_size(wanted)))
        return 0
    small, large = SIZES
    by_size = {users: in_a_child(users) for users in SIZES}
    first = by_size[small]["first"] / (by_size[small]["fetch"] + by_size[small]["insert"])
    per_user = (by_size[large]["first"] / large) / (by_size[small]["first"] / small)
    print(f"BENCH get_webitel_users.first_ratio_10k {first:.2f} x target <= {FIRST_TARGET}")
    print(f"BENCH get_webitel_users.per_user_100k_vs_10k {per_user:.2f} x "
          f"target <= {PER_USER_GROWTH_TARGET}")  # fmt: skip
    for users, figures in by_size.items():
        size = f"{users // 1000}k"
        second = figures["second"] / figures["fetch"]
        print(f"BENCH get_webitel_users.second_ratio_{size} {second:.2f} x "
              f"target <= {SECOND_TARGET}")  # fmt: skip
        print(f"BENCH get_webitel_users.peak_memory_growth_{size} {figures['growth']:.1f} MB "
              f"target <= {MEMORY_TARGET_MB}")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
