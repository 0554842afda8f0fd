"""Save of a new Webitel user (M5) over a realistic network: the whole process against the raw
HTTP requests it sends.

Set-up (untimed): a migrated, demo-seeded SQLite CRM in a temp dir with one fresh employee per
creation (a contact and a CRM user, no password hash), and the simulator with `SIM_USERS`
users in a child process (its CPU time does not share our GIL) on a free loopback port, every
answer delayed by `_simulator.NETWORK_LATENCY_MS`. One `WebitelClient` logs in before timing.

Timed, per new user, each with a fresh CRM user, login and extension:

- `full`: `provisioning.create_webitel_user`, what the card's Save calls, one sequential
  journaled path: a unit of work with the CRM checks and the journal entry; then
  GET /users?username=..., GET /users?extension=..., POST /users?generate_device=true...;
  then a unit of work that inserts the record and settles the journal entry;
- `raw`: the same three requests with a bare `httpx.AsyncClient` (same headers, a token from
  its own login, same query parameters, same JSON body; each answer decoded and checked), no
  CRM.

The requests of one save by each side are recorded (untimed) through the transport both
clients use: the bench exits 1 if they differ in anything but the user's values, so the
baseline stays the client's exact requests. The transport also marks when each request goes
out and its answer comes back, which splits a save into before the first request, the
requests, and after the last answer. The variants alternate (the order swapping each round);
the median over `ROUNDS` users is reported. The ratio is full / raw.
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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from _simulator import NETWORK_LATENCY_MS, login, simulator_process
from sqlalchemy import event

from webitel_tui.db.engine import Database
from webitel_tui.domain import passwords
from webitel_tui.domain.contacts import NewContact
from webitel_tui.domain.records import Actor
from webitel_tui.domain.users import NewSystemUser, UserType
from webitel_tui.processes.provisioning import WebitelUserForm, create_webitel_user
from webitel_tui.processes.setup import prepare
from webitel_tui.repositories import unit_of_work
from webitel_tui.webitel import WebitelClient, WebitelOptions
from webitel_tui.webitel.session import TOKEN_HEADER

NAME = "webitel_save"
SIM_USERS = 1_000  # the simulator's default domain size
ROUNDS = 30
WARMUP = 5
# The target: the CRM's two units of work and the client's code may add a tenth to
# the three trips over the network.
RATIO_TARGET = 1.1
# The baseline should be mostly the network: the simulator's own work and loopback add a little
# to each trip's latency; much more, and the machine is too busy for the ratio to mean much.
RAW_OVER_WIRE_TARGET = 1.5
TIMEOUT = 30.0
SIM_ADMIN, SIM_PASSWORD, SIM_DOMAIN = "admin", "admin", "demo"
FIRST_EXTENSION = 700_000  # six digits, clear of the simulator's 100 and 1001..(1000+users)


# Transport: the same class under both clients -------------------------------------------------


@dataclass(frozen=True)
class Sent:
    method: str
    path: str
    query: tuple[tuple[str, str], ...]
    headers: tuple[tuple[str, str], ...]
    body: bytes


class MarkingTransport(httpx.AsyncHTTPTransport):
    """httpx's own transport; marks when each request goes out and its answer's headers come
    back, and while `recording`, keeps every request it sends."""

    def __init__(self) -> None:
        super().__init__()
        self.recording = False
        self.sent: list[Sent] = []
        self.marks: list[tuple[int, int]] = []

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
        start = time.perf_counter_ns()
        response = await super().handle_async_request(request)
        self.marks.append((start, time.perf_counter_ns()))
        return response


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


def person(kind: str, number: int) -> Person:
    return Person(
        login=f"bench.{kind}.{number:05d}",
        extension=str(FIRST_EXTENSION + number),
        display=f"Bench {kind.title()} {number:05d}",
    )


async def add_employees(db: Database, people: list[Person]) -> list[Person]:
    """A contact and an active employee (no password hash) per person, in one transaction."""
    done = []
    async with unit_of_work(db) as uow:
        for one in people:
            contact = await uow.contacts.create(NewContact(name=one.display))
            user = await uow.users.create_user(
                NewSystemUser(name=one.login, contact_id=contact.id, user_type=UserType.EMPLOYEE),
                None,
            )
            done.append(Person(one.login, one.extension, one.display, user.id, contact.id))
    return done


# The two ways to save -------------------------------------------------------------------------


async def full_save(db: Database, actor: Actor, client: WebitelClient, one: Person) -> None:
    record = (await create_webitel_user(db, actor, client, one.form())).record
    if record.webitel_id is None or record.default_device_id is None:
        raise RuntimeError(f"{one.login}: saved without a Webitel id or device: {record}")


async def raw_save(http: httpx.AsyncClient, token: str, one: Person, password: str) -> None:
    """The requests `create_webitel_user` sends, bare. Every answer is decoded and checked as
    the process must (the name and extension are free; the new user has an id and a device),
    so that the baseline does the same minimum of work."""
    headers = {TOKEN_HEADER: token}
    lookups = (
        (("page", "1"), ("size", "1000"), ("username", one.login)),
        (("page", "1"), ("size", "10"), ("extension", one.extension)),
    )
    for params in lookups:
        found = await http.get("/users", params=params, headers=headers)
        if found.status_code != 200 or found.json().get("items"):
            raise RuntimeError(f"lookup {params[-1]}: {found.status_code} {found.text[:200]}")
    created = await http.post(
        "/users",
        params=[
            ("generate_device", "true"),
            ("device.name", one.login),
            ("device.generate_password", "true"),
        ],
        json={"name": one.display, "username": one.login, "password": password,
              "extension": one.extension},
        headers=headers,
    )  # fmt: skip
    if created.status_code != 200:
        raise RuntimeError(f"POST /users: {created.status_code} {created.text[:200]}")
    body: dict[str, Any] = created.json()
    if not body.get("id") or not (body.get("device") or {}).get("id"):
        raise RuntimeError(f"POST /users answered without id or device: {body}")


# Checking the baseline against the client's own requests --------------------------------------


def normalized(sent: list[Sent], one: Person) -> list[tuple[Any, ...]]:
    """The requests with this person's values, the password and the token as placeholders."""
    values = [(one.display, "<display>"), (one.login, "<login>"), (one.extension, "<extension>")]

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
        headers = tuple(
            (name, "<token>" if name == TOKEN_HEADER.lower() else plain(value))
            for name, value in request.headers
            if name != "content-length"  # follows from the body, compared below
        )
        query = tuple((name, plain(value)) for name, value in request.query)
        out.append((request.method, request.path, query, headers, plain(body.decode())))
    return out


async def recorded(transport: MarkingTransport, save: Awaitable[None]) -> list[Sent]:
    transport.recording, transport.sent = True, []
    try:
        await save
    finally:
        transport.recording = False
    return transport.sent


async def with_statements(db: Database, save: Awaitable[None], statements: list[str]) -> None:
    """Run `save`, keeping the SQL statements it sends to SQLite, in order, and its commits."""

    def on_execute(*args: Any) -> None:
        statements.append(" ".join(str(args[2]).split())[:60])

    def on_commit(*_args: Any) -> None:
        statements.append("COMMIT")

    engine = db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", on_execute)
    event.listen(engine, "commit", on_commit)
    try:
        await save
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)
        event.remove(engine, "commit", on_commit)


# Timing -----------------------------------------------------------------------------------------


@dataclass
class Timings:
    """Per save: the whole, before the first request goes out, from then to the last answer's
    headers, after them (the body read and decoded, and for `full` the CRM's settle), and the
    CPU time of this process (all its threads: the event loop's and SQLite's), which the other
    processes sharing the cores disturb less than the wall clock."""

    total: list[int]
    before: list[int]
    wire: list[int]
    after: list[int]
    cpu: list[int]

    @classmethod
    def empty(cls) -> Timings:
        return cls([], [], [], [], [])

    def add(self, start: int, end: int, marks: list[tuple[int, int]], cpu: int) -> None:
        self.total.append(end - start)
        self.before.append(marks[0][0] - start)
        self.wire.append(marks[-1][1] - marks[0][0])
        self.after.append(end - marks[-1][1])
        self.cpu.append(cpu)


async def timed(
    transport: MarkingTransport, save: Callable[[], Awaitable[None]], into: Timings | None
) -> None:
    transport.marks.clear()
    cpu = time.process_time_ns()
    start = time.perf_counter_ns()
    await save()
    end = time.perf_counter_ns()
    cpu = time.process_time_ns() - cpu
    if into is not None:
        into.add(start, end, transport.marks, cpu)


def ms(samples: list[int]) -> float:
    return statistics.median(samples) / 1e6


async def run(db: Database, base_url: str) -> None:
    await prepare(db, demo=True)
    async with unit_of_work(db) as uow:
        admin = await uow.users.get_by_name("Supervisor")
    assert admin is not None
    actor = Actor(user_id=admin.id, contact_id=admin.contact_id)

    total = 1 + WARMUP + ROUNDS  # the first of each side is recorded, untimed
    full_people = await add_employees(db, [person("full", i) for i in range(total)])
    raw_people = [person("raw", total + i) for i in range(total)]
    raw_passwords = [passwords.random_password() for _ in range(total)]

    options = WebitelOptions(
        base_url=base_url, domain=SIM_DOMAIN, username=SIM_ADMIN, password=SIM_PASSWORD,
        timeout=TIMEOUT,
    )  # fmt: skip
    token = await login(options.api_url, SIM_ADMIN, SIM_PASSWORD, SIM_DOMAIN)
    client_transport, raw_transport = MarkingTransport(), MarkingTransport()
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

        def one_full(i: int) -> Callable[[], Awaitable[None]]:
            return lambda: full_save(db, actor, client, full_people[i])

        def one_raw(i: int) -> Callable[[], Awaitable[None]]:
            return lambda: raw_save(http, token, raw_people[i], raw_passwords[i])

        statements: list[str] = []
        first = with_statements(db, one_full(0)(), statements)
        by_client = normalized(await recorded(client_transport, first), full_people[0])
        by_raw = normalized(await recorded(raw_transport, one_raw(0)()), raw_people[0])
        if by_client != by_raw:
            print("the raw requests differ from the client's:", file=sys.stderr)
            for side, requests in (("client", by_client), ("raw", by_raw)):
                for request in requests:
                    print(f"  {side}: {request}", file=sys.stderr)
            raise SystemExit(1)
        print(f"requests of one save ({len(by_client)}, the same on both sides):")
        for method, path, query, _headers, body in by_client:
            shown = "&".join(f"{k}={v}" for k, v in query)
            print(f"  {method} {path}?{shown}  body {body or '-'}")
        print(f"SQL of one save ({len(statements)}; the first unit of work, then the second):")
        for statement in statements:
            print(f"  {statement}")

        full, raw = Timings.empty(), Timings.empty()
        for i in range(1, total):
            into_full, into_raw = (full, raw) if i > WARMUP else (None, None)
            variants = [
                (client_transport, one_full(i), into_full),
                (raw_transport, one_raw(i), into_raw),
            ]
            for transport, save, into in variants if i % 2 else variants[::-1]:
                await timed(transport, save, into)

    wire_floor = len(by_client) * NETWORK_LATENCY_MS
    full_ms, raw_ms = ms(full.total), ms(raw.total)
    print(
        f"simulator: {SIM_USERS} users (child process, loopback), {NETWORK_LATENCY_MS:g} ms "
        f"added to each answer; {ROUNDS} saves per side after {WARMUP} warm-up, alternating; "
        "medians per new user, ms:"
    )
    print("          total   before 1st request   requests   after last answer    CPU")
    for label, timings in (("full", full), ("raw", raw)):
        print(
            f"  {label:<5} {ms(timings.total):8.2f} {ms(timings.before):20.2f} "
            f"{ms(timings.wire):10.2f} {ms(timings.after):19.2f} {ms(timings.cpu):6.2f}"
        )
    print(f"  full - raw: {full_ms - raw_ms:.2f} ms; the trips' latency alone: {wire_floor:g} ms")
    print(f"BENCH {NAME}_ratio {full_ms / raw_ms:.2f} x target <= {RATIO_TARGET}")
    print(f"BENCH {NAME}_full_ms {full_ms:.1f} ms target <= {RATIO_TARGET * raw_ms:.1f}")
    raw_target = RAW_OVER_WIRE_TARGET * wire_floor
    print(f"BENCH {NAME}_raw_ms {raw_ms:.1f} ms target <= {raw_target:.1f}")


async def measure(base_url: str, workdir: Path) -> None:
    db = Database(f"sqlite:///{workdir / 'crm.db'}")
    try:
        await run(db, base_url)
    finally:
        await db.dispose()


def main() -> int:
    options = ("--username", SIM_ADMIN, "--password", SIM_PASSWORD, "--domain", SIM_DOMAIN)
    with (
        simulator_process(SIM_USERS, *options, latency_ms=NETWORK_LATENCY_MS) as base_url,
        tempfile.TemporaryDirectory(prefix="webitel-save-bench-") as workdir,
    ):
        asyncio.run(measure(base_url, Path(workdir)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
