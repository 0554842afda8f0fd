"""CSV import of Webitel users over a realistic network: the whole import (file read, rows
checked against the CRM, each row through the journaled process functions) against the raw
HTTP requests it needs, replayed bare.

    python bench/csv_import.py [ROWS]      # ROWS: 10,000 by default

Set-up (untimed): a migrated, demo-seeded SQLite CRM in a temp dir with one fresh employee
(a contact and a CRM user) per row; a CSV file with one new Webitel user per row, as an admin
adds them in a spreadsheet: user name, contact, extension, STUN Yes, role "agents". Two
simulators in child processes (same seed, so the same ids for the same requests), every
answer delayed by `_simulator.NETWORK_LATENCY_MS`.

Timed:

- `full`: `processes.csv_import.run_csv_import` on the file against simulator A, what
  `webitel-tui users import-csv FILE` runs: per row a create (GET /users?username=...,
  GET /users?extension=..., POST /users?generate_device=true...) and the role added
  (GET /roles, GET /users/ID, PATCH /users/ID), one row after the other, nothing overlapped
  (design.md);
- `raw`: exactly those requests, recorded by the transport under the client, replayed in
  the same order with a bare `httpx.AsyncClient` against simulator B (a token of its own),
  each answer read: no CRM, no file, no checks.

The ratio is full / raw.
"""

from __future__ import annotations

import asyncio
import csv
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
from _simulator import NETWORK_LATENCY_MS, login, simulator_process

from webitel_tui.db.engine import Database
from webitel_tui.domain.contacts import NewContact
from webitel_tui.domain.records import Actor
from webitel_tui.domain.users import NewSystemUser, UserType
from webitel_tui.processes.csv_import import read_import_file, run_csv_import
from webitel_tui.processes.setup import prepare
from webitel_tui.repositories import unit_of_work
from webitel_tui.webitel import WebitelClient, WebitelOptions
from webitel_tui.webitel.options import api_url
from webitel_tui.webitel.session import TOKEN_HEADER

NAME = "csv_import"
ROWS = 10_000
SIM_USERS = 20
RATIO_TARGET = 1.5
TIMEOUT = 30.0
SIM_ADMIN, SIM_PASSWORD, SIM_DOMAIN = "admin", "admin", "demo"
FIRST_EXTENSION = 700_000
EMPLOYEES_PER_COMMIT = 500


@dataclass(frozen=True)
class Sent:
    method: str
    url: str
    headers: list[tuple[str, str]]
    body: bytes


class RecordingTransport(httpx.AsyncHTTPTransport):
    """httpx's own transport; keeps every request while `recording`."""

    def __init__(self) -> None:
        super().__init__()
        self.recording = False
        self.sent: list[Sent] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.recording:
            self.sent.append(
                Sent(
                    request.method,
                    str(request.url),
                    [(k, v) for k, v in request.headers.multi_items()],
                    request.content,
                )
            )
        return await super().handle_async_request(request)


def login_of(number: int) -> str:
    return f"csv.bench.{number:05d}"


async def add_employees(db: Database, rows: int) -> None:
    for start in range(0, rows, EMPLOYEES_PER_COMMIT):
        async with unit_of_work(db) as uow:
            for number in range(start, min(rows, start + EMPLOYEES_PER_COMMIT)):
                contact = await uow.contacts.create(NewContact(name=f"Bench {number:05d}"))
                await uow.users.create_user(
                    NewSystemUser(
                        name=login_of(number), contact_id=contact.id, user_type=UserType.EMPLOYEE
                    ),
                    None,
                )


def write_file(path: Path, rows: int) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(["Webitel user name", "Contact", "Extension", "Roles", "STUN"])
        for number in range(rows):
            writer.writerow([login_of(number), "", str(FIRST_EXTENSION + number), "agents", "Yes"])


async def replay(sent: list[Sent], token: str, old_token: str) -> None:
    async with httpx.AsyncClient(timeout=httpx.Timeout(TIMEOUT)) as http:
        for request in sent:
            headers = [
                (k, token if v == old_token else v.replace(old_token, token))
                for k, v in request.headers
                if k.lower() != "content-length"
            ]
            answer = await http.request(
                request.method, request.url, headers=headers, content=request.body or None
            )
            answer.read()
            if answer.status_code >= 400:
                raise RuntimeError(f"{request.method} {request.url}: {answer.status_code}")


async def run(workdir: Path, url_a: str, url_b: str, rows: int) -> None:
    db = Database(f"sqlite:///{workdir / 'crm.db'}")
    try:
        await prepare(db, demo=True)
        async with unit_of_work(db) as uow:
            admin = await uow.users.get_by_name("Supervisor")
        assert admin is not None
        actor = Actor(user_id=admin.id, contact_id=admin.contact_id)
        await add_employees(db, rows)
        path = workdir / "users.csv"
        write_file(path, rows)

        options = WebitelOptions(
            base_url=url_a, domain=SIM_DOMAIN, username=SIM_ADMIN, password=SIM_PASSWORD,
            timeout=TIMEOUT,
        )  # fmt: skip
        transport = RecordingTransport()
        async with WebitelClient(options, transport=transport) as client:
            await client.login()
            transport.recording = True
            start = time.perf_counter()
            parsed = read_import_file(path)
            report = await run_csv_import(db, actor, client, parsed)
            full = time.perf_counter() - start
            transport.recording = False
        counts = report.counts()
        if counts["created"] != rows:
            print(f"not every row was created: {counts}", file=sys.stderr)
            for row in report.rows[:5]:
                print(f"  {row}", file=sys.stderr)
            raise SystemExit(1)
        sent = transport.sent
        old_token = next(v for k, v in sent[0].headers if k.lower() == TOKEN_HEADER.lower())
        b_api = api_url(url_b)
        token = await login(b_api, SIM_ADMIN, SIM_PASSWORD, SIM_DOMAIN)
        on_b = [
            Sent(s.method, s.url.replace(options.api_url, b_api, 1), s.headers, s.body)
            for s in sent
        ]
        start = time.perf_counter()
        await replay(on_b, token, old_token)
        raw = time.perf_counter() - start
    finally:
        await db.dispose()
    per_row = len(sent) / rows
    wire = len(sent) * NETWORK_LATENCY_MS / 1000
    print(
        f"{rows} rows, each a new user with an extension, STUN and a role; "
        f"{len(sent)} requests ({per_row:.2f} a row), {NETWORK_LATENCY_MS:g} ms added to each"
    )
    print(f"  full import {full:8.1f} s  ({full / rows * 1000:.1f} ms a row)")
    print(f"  raw replay  {raw:8.1f} s  ({raw / rows * 1000:.1f} ms a row)")
    print(f"  the trips' latency alone: {wire:.1f} s")
    print(f"BENCH {NAME} {full / raw:.2f} x target <= {RATIO_TARGET}")


def main() -> int:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else ROWS
    options = ("--username", SIM_ADMIN, "--password", SIM_PASSWORD, "--domain", SIM_DOMAIN)
    with (
        simulator_process(SIM_USERS, *options, latency_ms=NETWORK_LATENCY_MS) as url_a,
        simulator_process(SIM_USERS, *options, latency_ms=NETWORK_LATENCY_MS) as url_b,
        tempfile.TemporaryDirectory(prefix="csv-import-bench-") as workdir,
    ):
        asyncio.run(run(Path(workdir), url_a, url_b, rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
