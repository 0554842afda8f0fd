"""Save of a new Webitel user (M5) against the simulator: the whole process against the raw
HTTP requests it needs.

Set-up (untimed): a migrated, demo-seeded SQLite CRM in a temp dir with extra employees (one
fresh CRM user per creation, written through the repositories, no password hash), and a
simulator with `SIM_USERS` users in a child process (its CPU time does not share our GIL) on
a free loopback port. One `WebitelClient` (user name and password) logs in before timing.

Timed, per new user, each creation with a fresh CRM user, login and extension:

- `full`: `provisioning.create_webitel_user`, what the card's Save calls (the CRM pre-check
  and the CRM record made ready while the first of the two server lookups is on the wire,
  the POST with `?generate_device=true`, then the CRM write trusting the pre-check: the
  record and its change-log entry, committed);
- `raw`: the same three HTTP requests with a bare `httpx.AsyncClient` (same headers, a token
  from the same login, same query parameters, same JSON body; each answer decoded and
  checked), no CRM;
- `staged`: the three functions `create_webitel_user` calls (checks, POST, CRM write), each
  timed on its own, for the breakdown.

The requests the client sends are recorded once (untimed) through the transport both clients
use, and compared with the raw requests: the bench exits 1 if they differ in anything but the
user's values, so the baseline stays the client's exact requests. Variants are interleaved
(rotating order) and the median over `ROUNDS` users is reported. The ratio is full / raw.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from _simulator import simulator_process
from sqlalchemy import event, text

from webitel_tui.db.engine import Database
from webitel_tui.domain import passwords
from webitel_tui.domain.contacts import NewContact
from webitel_tui.domain.records import Actor
from webitel_tui.domain.users import NewSystemUser, UserType
from webitel_tui.domain.webitel_users import NewWebitelUser, WebitelUser
from webitel_tui.processes.provisioning import (
    WebitelUserForm,
    _check_new,
    _check_new_in_crm,
    _new_values,
    _post_new,
    _save_new,
    create_webitel_user,
)
from webitel_tui.processes.setup import prepare
from webitel_tui.repositories import unit_of_work
from webitel_tui.repositories.webitel_users import PreparedRecord
from webitel_tui.ui.gil import hand_over_promptly
from webitel_tui.webitel import WebitelClient, WebitelOptions
from webitel_tui.webitel.session import TOKEN_HEADER

NAME = "webitel_save"
SIM_USERS = 1_000  # the simulator's default domain size
ROUNDS = 100
WARMUP = 10
# Target: the 1.2x, i.e. the CRM side may add a fifth of the HTTP time (~0.8 ms here).
# First measured at 1.9-2.35x: 11 statements in two units of work, 4 SELECTs of the write
# repeating the pre-check's. Then 1 SELECT in the pre-check and 2 INSERTs in the write:
# 1.45-1.55x. Then the pre-check as one Core statement built once, run while the first lookup
# is on the wire, and the write as two plain INSERTs: 1.24-1.33x. What was left was
# SQLAlchemy's session and execute, ~0.1 ms of Python a statement (four times a trip to
# aiosqlite's thread), and more right after the HTTP stack has run (cold CPU caches). Now the
# pre-check is one trip outside a unit of work (`quick_read`), the record is converted for
# the driver while the lookups are on the wire, and the write is one trip with its commit
# (`bulk.insert_committed`): 1.14-1.17x on a quiet 2-core machine (median 1.15 of 8 runs), up
# to 1.21 while it is busy. What is left: SQLite's own work for the write (~0.2 ms: 14 B-trees
# of WebitelUser, the change log, the WAL commit) and the trips to its thread, which "server
# first" keeps after the POST; and the CRM check's trip, whose thread shares the cores with the
# simulator while it answers the first lookup.
RATIO_TARGET = 1.2
TIMEOUT = 30.0
SIM_ADMIN, SIM_PASSWORD, SIM_DOMAIN = "admin", "admin", "demo"
FIRST_EXTENSION = 700_000  # six digits, clear of the simulator's 100 and 1001..(1000+users)


# Simulator ------------------------------------------------------------------------------------


# Transport: the same class under both clients; records only while asked to -------------------


@dataclass(frozen=True)
class Sent:
    method: str
    path: str
    query: tuple[tuple[str, str], ...]
    headers: tuple[tuple[str, str], ...]
    body: bytes


class RecordingTransport(httpx.AsyncHTTPTransport):
    """httpx's own transport; while `recording`, it keeps every request it sends."""

    def __init__(self) -> None:
        super().__init__()
        self.recording = False
        self.sent: list[Sent] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.recording:
            self.sent.append(
                Sent(
                    method=request.method,
                    path=request.url.path,
                    query=tuple(request.url.params.multi_items()),
                    headers=tuple((k.lower(), v) for k, v in request.headers.multi_items()),
                    body=request.content,
                )
            )
        return await super().handle_async_request(request)


# One new user's values ------------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    """The values of one creation: the Webitel login is the CRM user's name."""

    login: str
    extension: str
    display: str
    user_id: uuid.UUID | None = None
    contact_id: uuid.UUID | None = None

    def form(self) -> WebitelUserForm:
        return WebitelUserForm(
            user_id=self.user_id, contact_id=self.contact_id, name=self.login,
            extension=self.extension,
        )  # fmt: skip


@dataclass
class People:
    """Fresh logins and extensions, never reused within the run."""

    next_number: int = 0

    def take(self, kind: str) -> Person:
        number = self.next_number
        self.next_number += 1
        return Person(
            login=f"bench.{kind}.{number:05d}",
            extension=str(FIRST_EXTENSION + number),
            display=f"Bench {kind.title()} {number:05d}",
        )


async def add_employees(db: Database, people: list[Person]) -> list[Person]:
    """A contact and an active employee (no password hash) per person, in one transaction."""
    done = []
    async with unit_of_work(db) as uow:
        for person in people:
            contact = await uow.contacts.create(NewContact(name=person.display))
            user = await uow.users.create_user(
                NewSystemUser(
                    name=person.login, contact_id=contact.id, user_type=UserType.EMPLOYEE
                ),
                None,
            )
            done.append(Person(person.login, person.extension, person.display, user.id, contact.id))
    return done


# The two ways to save -------------------------------------------------------------------------


async def raw_save(
    http: httpx.AsyncClient, token: str, person: Person, password: str, marks: list[int]
) -> None:
    """The requests `create_webitel_user` sends, bare; `marks` gets the time after the lookups.

    Every answer is decoded and checked as the process must (the name and extension are free;
    the new user has an id and a device), so the baseline does the same minimum of work."""
    headers = {TOKEN_HEADER: token}
    found = await http.get(
        "/users",
        params=[("page", "1"), ("size", "1000"), ("username", person.login)],
        headers=headers,
    )
    if found.status_code != 200 or found.json().get("items"):
        raise RuntimeError(f"user name lookup: {found.status_code} {found.text[:200]}")
    found = await http.get(
        "/users",
        params=[("page", "1"), ("size", "10"), ("extension", person.extension)],
        headers=headers,
    )
    if found.status_code != 200 or found.json().get("items"):
        raise RuntimeError(f"extension lookup: {found.status_code} {found.text[:200]}")
    marks.append(time.perf_counter_ns())
    created = await http.post(
        "/users",
        params=[
            ("generate_device", "true"),
            ("device.name", person.login),
            ("device.generate_password", "true"),
        ],
        json={
            "name": person.display,
            "username": person.login,
            "password": password,
            "extension": person.extension,
        },
        headers=headers,
    )
    if created.status_code != 200:
        raise RuntimeError(f"POST /users: {created.status_code} {created.text[:200]}")
    body: dict[str, Any] = created.json()
    if not body.get("id") or not (body.get("device") or {}).get("id"):
        raise RuntimeError(f"POST /users answered without id or device: {body}")


async def full_save(
    db: Database, actor: Actor, client: WebitelClient, person: Person
) -> WebitelUser:
    record = await create_webitel_user(db, actor, client, person.form())
    if record.webitel_id is None or record.default_device_id is None:
        raise RuntimeError(f"{person.login}: saved without a Webitel id or device: {record}")
    return record


STAGES = ("checks", "post", "crm_write")


async def staged_save(
    db: Database, actor: Actor, client: WebitelClient, person: Person
) -> dict[str, int]:
    """`create_webitel_user`'s three steps (the same functions it calls), each timed: the
    checks (server lookups, and meanwhile the CRM pre-check and the record made ready), the
    POST, the CRM write."""
    form = person.form()
    took: dict[str, int] = {}
    start = time.perf_counter_ns()
    new = await _check_new(db, actor, client, form)
    now = time.perf_counter_ns()
    took["checks"], start = now - start, now
    created = await _post_new(client, new)
    now = time.perf_counter_ns()
    took["post"], start = now - start, now
    record = await _save_new(db, actor, client, form, new, created)
    took["crm_write"] = time.perf_counter_ns() - start
    if record.webitel_id is None or record.default_device_id is None:
        raise RuntimeError(f"{person.login}: staged save without a Webitel id or device")
    return took


async def crm_precheck_alone(db: Database, person: Person) -> None:
    """The CRM half of the checks on its own (before the server lookups)."""
    form = person.form()
    login, extension = _new_values(form)
    await _check_new_in_crm(db, form, login, extension)


# Checking the baseline against the client's own requests --------------------------------------


def normalized(sent: list[Sent], person: Person, token: str) -> list[tuple[Any, ...]]:
    """The requests with this person's values, password and token made placeholders."""
    values = [
        (person.display, "<display>"),
        (person.login, "<login>"),
        (person.extension, "<extension>"),
    ]

    def plain(text: str) -> str:
        for value, placeholder in values:
            text = text.replace(value, placeholder)
        return text

    out: list[tuple[Any, ...]] = []
    for request in sent:
        body = request.body
        if body:
            password = json.loads(body).get("password")
            if isinstance(password, str):
                body = body.replace(json.dumps(password).encode(), b'"<password>"')
        body = plain(body.decode()).encode()
        headers = tuple(
            (name, "<token>" if value == token else plain(value))
            for name, value in request.headers
            if name != "content-length"  # follows from the body, compared below
        )
        query = tuple((name, plain(value)) for name, value in request.query)
        out.append((request.method, request.path, query, headers, body))
    return out


async def check_same_requests(
    db: Database,
    actor: Actor,
    client: WebitelClient,
    client_transport: RecordingTransport,
    http: httpx.AsyncClient,
    raw_transport: RecordingTransport,
    token: str,
    people: People,
) -> int:
    """Record one save by each side (untimed) and exit 1 if the requests differ."""
    (crm_person,) = await add_employees(db, [people.take("check")])
    client_transport.recording = True
    try:
        await full_save(db, actor, client, crm_person)
    finally:
        client_transport.recording = False
    raw_person = people.take("checkraw")
    raw_transport.recording = True
    try:
        await raw_save(http, token, raw_person, passwords.random_password(), [])
    finally:
        raw_transport.recording = False
    # The client's token, as it sent it (each side logged in on its own).
    client_token = dict(client_transport.sent[0].headers).get(TOKEN_HEADER.lower(), "")
    by_client = normalized(client_transport.sent, crm_person, client_token)
    by_raw = normalized(raw_transport.sent, raw_person, token)
    if by_client != by_raw:
        print("the raw requests differ from the client's:", file=sys.stderr)
        for side, requests in (("client", by_client), ("raw", by_raw)):
            for request in requests:
                print(f"  {side}: {request}", file=sys.stderr)
        raise SystemExit(1)
    print(f"requests of one save ({len(by_client)}, same on both sides):")
    for method, path, query, _headers, body in by_client:
        shown = "&".join(f"{k}={v}" for k, v in query)
        print(f"  {method} {path}?{shown}  body {body.decode() or '-'}")
    print(f"  headers: {', '.join(name for name, _ in by_client[-1][3])}")
    return len(by_client)


# CRM statements per step -----------------------------------------------------------------------


@dataclass
class StatementLog:
    """What SQLite itself runs (its trace callback), while `listening`: the write's INSERTs go
    to the driver without SQLAlchemy's cursor events."""

    listening: bool = False
    statements: list[str] = field(default_factory=list)

    def record(self, statement: str) -> None:
        if self.listening:
            self.statements.append(" ".join(statement.split())[:70])

    def on_connect(self, dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.driver_connection._conn.set_trace_callback(self.record)


async def count_statements(db: Database, actor: Actor, person: Person) -> None:
    """The SQL each CRM step runs (one untimed save, server steps done without listening)."""
    log = StatementLog()
    engine = db.engine.sync_engine
    await db.engine.dispose()  # the pool's connections are made again, traced
    event.listen(engine, "connect", log.on_connect)

    async def listened(step: Awaitable[Any]) -> list[str]:
        log.statements.clear()
        log.listening = True
        try:
            await step
        finally:
            log.listening = False
        return list(log.statements)

    form = person.form()
    login, extension = _new_values(form)
    pre = await listened(_check_new_in_crm(db, form, login, extension))
    _display, checked = await _check_new_in_crm(db, form, login, extension)
    new = NewWebitelUser(
        user_id=form.user_id, contact_id=form.contact_id, name=login, extension=extension
    )
    record = PreparedRecord(db, actor, new, checked)
    wrote = await listened(record.insert(10**9 + 1, 10**9 + 2, login))
    event.remove(engine, "connect", log.on_connect)
    for label, statements in (("CRM pre-check", pre), ("CRM write", wrote)):
        print(f"  {label}: {len(statements)} statements")
        for statement in statements:
            print(f"    {statement}")


# Timing -----------------------------------------------------------------------------------------


def ms(nanoseconds: float) -> str:
    return f"{nanoseconds / 1e6:.3f} ms"


async def empty_unit(db: Database) -> None:
    async with unit_of_work(db) as uow:
        await uow.session.execute(text("SELECT 1"))


async def median_of(operation: Callable[[], Awaitable[object]], repeats: int) -> float:
    samples = []
    for _ in range(repeats):
        start = time.perf_counter_ns()
        await operation()
        samples.append(time.perf_counter_ns() - start)
    return statistics.median(samples)


async def measure(base_url: str, workdir: Path) -> None:
    db = Database(f"sqlite:///{workdir / 'crm.db'}")
    try:
        await run(db, base_url)
    finally:
        await db.dispose()


async def run(db: Database, base_url: str) -> None:
    await prepare(db, demo=True)
    async with unit_of_work(db) as uow:
        admin = await uow.users.get_by_name("Supervisor")
    assert admin is not None
    actor = Actor(user_id=admin.id, contact_id=admin.contact_id)

    people = People()
    total = WARMUP + ROUNDS
    full_people = await add_employees(db, [people.take("full") for _ in range(total)])
    staged_people = await add_employees(db, [people.take("staged") for _ in range(total)])
    (counted,) = await add_employees(db, [people.take("sql")])
    raw_people = [people.take("raw") for _ in range(total)]
    raw_passwords = [passwords.random_password() for _ in range(total)]

    options = WebitelOptions(
        base_url=base_url,
        domain=SIM_DOMAIN,
        username=SIM_ADMIN,
        password=SIM_PASSWORD,
        timeout=TIMEOUT,
    )
    client_transport, raw_transport = RecordingTransport(), RecordingTransport()
    async with (
        WebitelClient(options, transport=client_transport) as client,
        httpx.AsyncClient(
            base_url=options.api_url,
            timeout=httpx.Timeout(TIMEOUT),
            transport=raw_transport,
            headers={"Accept": "application/json"},
            follow_redirects=False,
        ) as http,
    ):
        await client.login()
        login = await http.post(
            "/login",
            json={"username": SIM_ADMIN, "password": SIM_PASSWORD, "domain": SIM_DOMAIN},
        )
        login.raise_for_status()
        token: str = login.json()["access_token"]

        requests = await check_same_requests(
            db, actor, client, client_transport, http, raw_transport, token, people
        )

        full: list[int] = []
        raw: list[int] = []
        raw_lookups: list[int] = []
        raw_post: list[int] = []
        stages: dict[str, list[int]] = {stage: [] for stage in STAGES}

        async def one_full(i: int) -> None:
            start = time.perf_counter_ns()
            await full_save(db, actor, client, full_people[i])
            if i >= WARMUP:
                full.append(time.perf_counter_ns() - start)

        async def one_raw(i: int) -> None:
            marks: list[int] = []
            start = time.perf_counter_ns()
            await raw_save(http, token, raw_people[i], raw_passwords[i], marks)
            end = time.perf_counter_ns()
            if i >= WARMUP:
                raw.append(end - start)
                raw_lookups.append(marks[0] - start)
                raw_post.append(end - marks[0])

        async def one_staged(i: int) -> None:
            took = await staged_save(db, actor, client, staged_people[i])
            if i >= WARMUP:
                for stage, value in took.items():
                    stages[stage].append(value)

        variants: list[Callable[[int], Awaitable[None]]] = [one_full, one_raw, one_staged]
        for i in range(total):
            shift = i % len(variants)
            for variant in variants[shift:] + variants[:shift]:
                await variant(i)

        floor = await median_of(lambda: empty_unit(db), ROUNDS)
        precheck = await median_of(lambda: crm_precheck_alone(db, counted), ROUNDS)
        print(f"statements of the CRM steps (one more save, {counted.login}):")
        await count_statements(db, actor, counted)

    full_median, raw_median = statistics.median(full), statistics.median(raw)
    ratio = full_median / raw_median
    stage_medians = {stage: statistics.median(values) for stage, values in stages.items()}
    print(
        f"simulator: {SIM_USERS} users (child process, loopback); {ROUNDS} saves per variant "
        f"after {WARMUP} warm-up, interleaved; medians per new user:"
    )
    print(f"  full create_webitel_user: {ms(full_median)}")
    print(
        f"  raw HTTP ({requests} requests): {ms(raw_median)} "
        f"(2 lookups {ms(statistics.median(raw_lookups))}, "
        f"POST {ms(statistics.median(raw_post))})"
    )
    print(f"  full - raw: {ms(full_median - raw_median)}")
    print("breakdown (the same steps timed one by one, on other fresh users):")
    raw_of = {
        "checks": statistics.median(raw_lookups),
        "post": statistics.median(raw_post),
    }
    for stage in STAGES:
        median = stage_medians[stage]
        share = 100 * median / full_median
        against = ""
        if stage in raw_of:
            against = f", raw {ms(raw_of[stage])}, x{median / raw_of[stage]:.2f}"
        print(f"  {stage:<15} {ms(median)} ({share:4.1f} % of full{against})")
    print(f"  sum of steps    {ms(sum(stage_medians.values()))}")
    print(f"  CRM pre-check alone (the first part of checks): {ms(precheck)}")
    print(f"  one empty unit of work (SELECT 1 + commit): {ms(floor)}")
    print(f"BENCH {NAME}_ratio {ratio:.2f} x target <= {RATIO_TARGET}")


def main() -> int:
    # The save only ever runs in the app, which sets this switch interval at start (its
    # database thread hands results back to the event loop sooner); measured without it, any
    # CRM work overlapping an HTTP wait would pay CPython's default 5 ms hand-over.
    hand_over_promptly()
    options = ("--username", SIM_ADMIN, "--password", SIM_PASSWORD, "--domain", SIM_DOMAIN)
    with (
        simulator_process(SIM_USERS, *options) as base_url,
        tempfile.TemporaryDirectory(prefix="webitel-save-bench-") as workdir,
    ):
        asyncio.run(measure(base_url, Path(workdir)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
