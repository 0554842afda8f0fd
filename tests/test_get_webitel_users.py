"""GetWebitelUsers (M11, M12) against the simulator over loopback HTTP, on SQLite and
PostgreSQL: matching, conflicts, deletions, idempotence, interruption and server faults."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from tests.change_log import change_log
from tests.factories import make_webitel_user
from tests.webitel.conftest import fast_options, inject
from webitel_tui.db.engine import Database
from webitel_tui.domain import known
from webitel_tui.domain.changelog import Operation
from webitel_tui.domain.contacts import NewContact
from webitel_tui.domain.errors import DuplicateValueError
from webitel_tui.domain.import_matching import MatchState
from webitel_tui.domain.paging import PageRequest
from webitel_tui.domain.processes import ProcessRun, ProcessStatus, RunOwner
from webitel_tui.domain.records import Actor
from webitel_tui.domain.users import NewSystemUser, UserType
from webitel_tui.processes.get_webitel_users import (
    ImportFailed,
    ImportProgress,
    ImportReport,
    _Run,
    run_import,
)
from webitel_tui.processes.provisioning import WebitelUserForm, create_webitel_user
from webitel_tui.processes.setup import create_first_admin, prepare
from webitel_tui.repositories import unit_of_work
from webitel_tui.repositories.webitel_import import NewRows, WebitelImportRepository
from webitel_tui.simulator import FaultConfig, FaultRule, RunningSimulator, start_simulator
from webitel_tui.simulator.runner import SimulatorThread, start_simulator_thread
from webitel_tui.webitel import InputUser, WebitelClient

SIM_USERS = 20  # the administrator, the 4 colliding names, 15 others
PAGE_SIZE = 6  # several pages


@dataclass
class World:
    db: Database
    sim: RunningSimulator
    client: WebitelClient
    actor: Actor


async def _world(url: str) -> AsyncIterator[World]:
    db = Database(url)
    sim = await start_simulator(users=SIM_USERS)
    client = WebitelClient(fast_options(sim, page_size=PAGE_SIZE))
    try:
        yield World(db, sim, client, Actor())
    finally:
        await client.aclose()
        await sim.stop()
        await db.dispose()


@pytest.fixture
async def demo(demo_database_url: str) -> AsyncIterator[World]:
    """The demo CRM (matching contacts, an ambiguous pair, a portal user)."""
    async for world in _world(demo_database_url):
        yield world


@pytest.fixture
async def empty(seeded_database_url: str) -> AsyncIterator[World]:
    """A CRM with the base seed only: no users, no contacts."""
    async for world in _world(seeded_database_url):
        yield world


async def run(world: World, **options: Any) -> ImportReport:
    return await run_import(world.db, world.actor, world.client, **options)


async def snapshot(db: Database) -> dict[str, Any]:
    """The CRM's state without generated ids: what "the same state" means."""
    async with unit_of_work(db) as uow:
        records = (await uow.webitel_users.page(PageRequest(limit=1000))).items
        users = {u.id: u for u in (await uow.users.page_users(PageRequest(limit=1000))).items}
        contacts = (await uow.contacts.page_contacts(PageRequest(limit=1000))).items
        rows = []
        for record in records:
            assert record.user_id is not None
            licenses = sorted(lic.license_id for lic in await uow.webitel_users.licenses(record.id))
            roles = sorted(role.role_id for role in await uow.webitel_users.roles(record.id))
            rows.append(
                (
                    record.name,
                    record.extension,
                    record.webitel_id,
                    users[record.user_id].name,
                    record.contact_name,
                    record.default_device_id,
                    record.default_device_name,
                    tuple(licenses),
                    tuple(roles),
                )
            )
    return {
        "records": sorted(rows, key=str),
        "users": sorted(u.name for u in users.values()),
        "contacts": sorted(c.name for c in contacts),
    }


async def runs(db: Database) -> list[ProcessRun]:
    async with unit_of_work(db) as uow:
        process = await uow.processes.by_code(known.GET_WEBITEL_USERS_PROCESS_CODE)
        assert process is not None
        return await uow.processes.recent_runs(process.id)


UsersPage = Callable[[int, httpx.Response], Awaitable[httpx.Response]]
"""Given a page number of GET /api/users and the simulator's answer, the answer to give."""


class UsersPagesAnswered(httpx.AsyncBaseTransport):
    """The simulator over loopback HTTP, but each page of the user list goes through
    `answer`: a broken gateway or proxy, or another admin at work between two pages."""

    def __init__(self, answer: UsersPage) -> None:
        self.answer = answer
        self.real = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.real.handle_async_request(request)
        if request.method != "GET" or request.url.path != "/api/users":
            return response
        await response.aread()
        return await self.answer(int(request.url.params.get("page", "1")), response)

    async def aclose(self) -> None:
        await self.real.aclose()


def answering(world: World, answer: UsersPage) -> WebitelClient:
    options = fast_options(world.sim, page_size=PAGE_SIZE)
    return WebitelClient(options, transport=UsersPagesAnswered(answer))


def page_body(number: int, body: bytes) -> UsersPage:
    """Page `number` answers `body` (with 200), the others what the simulator says."""

    async def answer(page: int, response: httpx.Response) -> httpx.Response:
        if page != number:
            return response
        return httpx.Response(200, content=body, headers={"Content-Type": "application/json"})

    return answer


def server_usernames(world: World, *, but: frozenset[str] = frozenset({"admin"})) -> set[str]:
    return {u.username for u in world.sim.state.users.values()} - but


async def test_empty_crm_creates_every_user_with_contact_details(empty: World) -> None:
    report = await run(empty)
    assert report.status is ProcessStatus.COMPLETED
    assert set(report.created) == server_usernames(empty)
    assert len(report.created) == SIM_USERS - 1
    assert report.linked == report.updated == report.errors == []
    assert [c.name for c in report.conflicts] == []
    assert report.skipped == ["admin"]  # the connection's own account
    server = empty.sim.state.user_by_username("olena.kovalenko")
    assert server is not None
    async with unit_of_work(empty.db) as uow:
        record = await uow.webitel_users.find_by_webitel_id(server.id)
        assert record is not None and record.user_id is not None
        user = await uow.users.get(record.user_id)
        licenses = {lic.license_id for lic in await uow.webitel_users.licenses(record.id)}
        roles = {role.role_id for role in await uow.webitel_users.roles(record.id)}
        employee = await uow.users.is_member(user.id, known.ALL_EMPLOYEES)
    assert user.name == "olena.kovalenko" and user.user_type is UserType.EMPLOYEE
    assert user.force_change_password and user.active and employee
    assert user.contact_name == "Olena Kovalenko" == record.contact_name
    assert record.extension == server.extension and record.default_device_id == server.device
    assert record.default_device_name
    assert licenses == set(server.licenses) and roles == set(server.roles)
    [logged] = await runs(empty.db)
    assert logged.status is ProcessStatus.COMPLETED and logged.completed_on is not None
    assert logged.counts["created"] == SIM_USERS - 1
    assert logged.owner == RunOwner.current()  # what a later start needs to tell it died


async def test_demo_crm_links_matching_contacts_and_reports_conflicts(demo: World) -> None:
    report = await run(demo)
    assert sorted(report.linked) == ["andrii.melnyk", "olena.kovalenko"]
    reasons = {c.name: c.reason for c in report.conflicts}
    assert set(reasons) == {"oleksandr.shevchenko", "maria.tkachenko"}
    assert '2 CRM contacts are named "Oleksandr Shevchenko"' in reasons["oleksandr.shevchenko"]
    assert "portal user" in reasons["maria.tkachenko"]
    assert len(report.created) == SIM_USERS - 1 - 4
    async with unit_of_work(demo.db) as uow:
        for login, crm_login in (("olena.kovalenko", "okovalenko"), ("andrii.melnyk", "amelnyk")):
            record = await uow.webitel_users.find_by_name(login)
            assert record is not None and record.user_id is not None
            assert (await uow.users.get(record.user_id)).name == crm_login
        # Nothing wrong is linked, and no duplicate contact or user is made for them.
        for login in ("oleksandr.shevchenko", "maria.tkachenko"):
            assert await uow.webitel_users.find_by_name(login) is None
            assert await uow.users.get_by_name(login) is None
        assert len(await uow.contacts.find_by_name("Oleksandr Shevchenko")) == 2
        assert len(await uow.contacts.find_by_name("olena   KOVALENKO")) == 1


async def test_match_by_user_name_when_no_contact_matches(demo: World) -> None:
    server = demo.sim.state.user_by_username("olena.kovalenko")
    assert server is not None
    await demo.client.patch_user(server.id, InputUser(name="O. K.", username="okovalenko"))
    report = await run(demo)
    assert "okovalenko" in report.linked


async def test_second_run_writes_nothing_and_a_server_change_is_an_update(demo: World) -> None:
    await run(demo)
    before = await snapshot(demo.db)
    again = await run(demo)
    assert again.summary().startswith("0 created, 0 updated, 0 linked,")
    assert len(again.unchanged) == SIM_USERS - 1 - 2
    assert await snapshot(demo.db) == before
    assert [r.status for r in await runs(demo.db)] == [ProcessStatus.COMPLETED] * 2

    server = demo.sim.state.user_by_username("james.white") or next(
        u for u in demo.sim.state.users.values() if u.username not in ("admin",)
    )
    await demo.client.patch_user(server.id, InputUser(extension="7999"))
    changed = await run(demo)
    assert changed.updated == [server.username] and changed.created == []
    async with unit_of_work(demo.db) as uow:
        record = await uow.webitel_users.find_by_webitel_id(server.id)
    assert record is not None and record.extension == "7999"


async def test_dry_run_writes_nothing_and_tells_what_would_happen(demo: World) -> None:
    before = await snapshot(demo.db)
    preview = await run(demo, dry_run=True)
    assert preview.dry_run and preview.run_id is None
    assert sorted(preview.linked) == ["andrii.melnyk", "olena.kovalenko"]
    assert len(preview.created) == SIM_USERS - 1 - 4 and len(preview.conflicts) == 2
    assert await snapshot(demo.db) == before
    assert await runs(demo.db) == []
    real = await run(demo)
    assert (real.created, real.linked) == (preview.created, preview.linked)


async def test_users_deleted_on_the_server_are_reported_then_unlinked(demo: World) -> None:
    await run(demo)
    gone = [demo.sim.state.user_by_username(n) for n in ("olena.kovalenko", "hannah.wood")]
    for user in gone:
        assert user is not None
        # Without `permanent` the server keeps the user, `deleted_at` set, off its list.
        await demo.client.delete_user(user.id, permanent=user is gone[0])
    report = await run(demo)
    assert sorted(report.deleted_on_server) == ["hannah.wood", "olena.kovalenko"]
    assert report.unlinked == []
    async with unit_of_work(demo.db) as uow:
        assert await uow.webitel_users.find_by_name("olena.kovalenko") is not None
    unlinked = await run(demo, unlink_deleted=True)
    assert sorted(unlinked.unlinked) == ["hannah.wood", "olena.kovalenko"]
    async with unit_of_work(demo.db) as uow:
        assert await uow.webitel_users.find_by_name("olena.kovalenko") is None
        assert await uow.users.get_by_name("okovalenko") is not None  # the CRM user stays
    assert (await run(demo)).deleted_on_server == []


async def reference(tmp_path: Path, sim: RunningSimulator) -> dict[str, Any]:
    """The state one clean run leaves (a demo CRM on SQLite, the same simulator)."""
    db = Database(f"sqlite:///{tmp_path}/reference.db")
    await prepare(db, demo=True)
    try:
        async with WebitelClient(fast_options(sim, page_size=PAGE_SIZE)) as client:
            await run_import(db, Actor(), client)
        return await snapshot(db)
    finally:
        await db.dispose()


async def test_cancelled_run_then_rerun_is_the_same_as_one_clean_run(
    demo: World, tmp_path: Path
) -> None:
    cancel = asyncio.Event()

    def stop_during_the_first_page(progress: ImportProgress) -> None:
        cancel.set()  # heard when the page in hand is saved: a page is one transaction

    first = await run(demo, progress=stop_during_the_first_page, cancel=cancel)
    assert first.status is ProcessStatus.CANCELLED and first.processed == PAGE_SIZE
    assert first.deleted_on_server == []
    await run(demo)
    assert await snapshot(demo.db) == await reference(tmp_path, demo.sim)
    assert [r.status for r in reversed(await runs(demo.db))] == [
        ProcessStatus.CANCELLED,
        ProcessStatus.COMPLETED,
    ]


async def test_run_killed_by_an_error_then_rerun_is_the_same_as_one_clean_run(
    demo: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = WebitelImportRepository.insert  # a page's new rows and their change log
    calls = 0

    async def crash_in_the_second_page(self: WebitelImportRepository, *args: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == 2:
            await original(self, *args)  # written, then the process dies before the commit
            raise RuntimeError("killed")
        return await original(self, *args)

    monkeypatch.setattr(WebitelImportRepository, "insert", crash_in_the_second_page)
    with pytest.raises(RuntimeError, match="killed"):
        await run(demo)
    monkeypatch.undo()
    [failed] = await runs(demo.db)
    assert failed.status is ProcessStatus.FAILED and "killed" in failed.message
    await run(demo)
    assert await snapshot(demo.db) == await reference(tmp_path, demo.sim)


async def test_the_page_after_a_page_redone_after_a_refusal_sees_how_it_turned_out(
    empty: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Page A is refused; redone a user at a time, A turns out otherwise (another admin took
    an extension meanwhile): page B, decided after, sees that, and B's namesake links the
    contact A left free."""
    async with unit_of_work(empty.db) as uow:
        free = await uow.contacts.create(NewContact(name="Ivan Petrenko"))
    logins = ["ivan.p1", *(f"filler.{i}" for i in range(PAGE_SIZE)), "ivan.p2"]
    for login in logins:
        await empty.client.create_user(
            InputUser(
                name="Ivan Petrenko" if login.startswith("ivan") else login.title(),
                username=login,
                extension="7001" if login == "ivan.p1" else None,
                password=SecretStr("x-Pass-1"),
            )
        )
    insert, apply_one = WebitelImportRepository.insert, _Run.apply_one
    refused: list[bool] = []

    async def refuse_the_page_of_p1(self: WebitelImportRepository, rows: NewRows) -> None:
        await insert(self, rows)  # written, then refused: the page is rolled back
        if "ivan.p1" in [row["Name"] for row in rows.webitel_users] and not refused:
            refused.append(True)
            raise DuplicateValueError("taken meanwhile")

    async def another_admin_takes_7001_first(self: _Run, entry: Any, outcome: Any) -> None:
        if refused == [True]:
            refused.append(True)
            async with unit_of_work(empty.db) as uow:
                await make_webitel_user(uow, "local.holder", "7001")
        await apply_one(self, entry, outcome)

    monkeypatch.setattr(WebitelImportRepository, "insert", refuse_the_page_of_p1)
    monkeypatch.setattr(_Run, "apply_one", another_admin_takes_7001_first)
    report = await run(empty)
    assert refused == [True, True]
    assert [c.name for c in report.conflicts] == ["ivan.p1"] and "ivan.p2" in report.created
    async with unit_of_work(empty.db) as uow:
        two = await uow.users.get_by_name("ivan.p2")
    assert two is not None and two.contact_id == free.id


async def test_server_fault_mid_run_stops_with_a_clear_error_and_a_rerun_completes(
    demo: World, tmp_path: Path
) -> None:
    injected: list[int] = []

    def fail_after_the_first_page(progress: ImportProgress) -> None:
        if not injected:  # the first page is committed, the second not yet asked for
            injected.append(progress.pages)
            inject(demo.sim, FaultRule(kind="status", status=503, route="GET /api/users"))

    with pytest.raises(ImportFailed) as caught:
        await run(demo, progress=fail_after_the_first_page)
    assert str(caught.value).startswith("Loading Webitel users stopped:")
    assert caught.value.retryable
    assert caught.value.report.processed == PAGE_SIZE  # the first page is kept, whole
    assert caught.value.report.deleted_on_server == []  # nothing is called deleted
    [failed] = await runs(demo.db)
    assert failed.status is ProcessStatus.FAILED
    assert failed.message == str(caught.value)
    inject(demo.sim)
    again = await run(demo)
    assert again.status is ProcessStatus.COMPLETED and again.errors == []
    assert await snapshot(demo.db) == await reference(tmp_path, demo.sim)


async def _first_admin(url: str) -> None:
    db = Database(url)
    try:
        await prepare(db)
        await create_first_admin(db, "Supervisor", "Supervisor1", "Supervisor")
    finally:
        await db.dispose()


RUN_PROCESS = [sys.executable, "-m", "webitel_tui", "run-process", "GetWebitelUsers"]


def cli_env(tmp_path: Path, simulator: SimulatorThread, url: str = "") -> dict[str, str]:
    """`webitel-tui` on a CRM (by default in `tmp_path`) with its first administrator,
    Supervisor (whom `run-process` acts as by default), and the simulator."""
    url = url or f"sqlite:///{tmp_path / 'crm.db'}"
    asyncio.run(_first_admin(url))
    env = {k: v for k, v in os.environ.items() if not k.startswith("WEBITEL_TUI_")}
    env.update(
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        XDG_DATA_HOME=str(tmp_path / "data"),
        XDG_STATE_HOME=str(tmp_path / "state"),
        WEBITEL_TUI_DATABASE__URL=url,
        WEBITEL_TUI_WEBITEL__URL=simulator.base_url,
        WEBITEL_TUI_WEBITEL__DOMAIN=simulator.domain,
        WEBITEL_TUI_WEBITEL__USERNAME=simulator.username,
        WEBITEL_TUI_WEBITEL__PASSWORD=simulator.password,
    )
    return env


def test_cli_run_process_dry_run_against_the_simulator(tmp_path: Path) -> None:
    simulator = start_simulator_thread(users=8)
    try:
        env = cli_env(tmp_path, simulator)
        result = subprocess.run(
            [*RUN_PROCESS, "--dry-run", "--json"],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        assert "dry run, nothing written" in result.stdout
        assert "7 created, 0 updated" in result.stdout
        assert result.stderr.count("Webitel users processed") == 1  # one page: said once
        last = json.loads(result.stdout.strip().splitlines()[-1])
        assert (last["created"], last["updated"], last["dry_run"]) == (7, 0, True)
        assert last["conflicts"] == [] and last["errors"] == []

        env["WEBITEL_TUI_WEBITEL__PASSWORD"] = "wrong"
        failed = subprocess.run(
            RUN_PROCESS, capture_output=True, text=True, env=env, timeout=120, check=False
        )
        assert failed.returncode == 1
        [line] = [x for x in failed.stderr.splitlines() if x.startswith("webitel-tui:")]
        assert "Loading Webitel users stopped" in line and "Traceback" not in failed.stderr
    finally:
        simulator.stop()


async def _plain_employee(url: str, login: str) -> None:
    db = Database(url)
    try:
        async with unit_of_work(db) as uow:
            contact = await uow.contacts.create(NewContact(name=login))
            user = await uow.users.create_user(
                NewSystemUser(name=login, contact_id=contact.id, user_type=UserType.EMPLOYEE),
                "Password1",
            )
            await uow.users.add_to_role(user.id, known.ALL_EMPLOYEES)
    finally:
        await db.dispose()


def test_cli_run_process_acts_as_a_named_user_with_its_rights(tmp_path: Path) -> None:
    simulator = start_simulator_thread(users=4)
    try:
        env = cli_env(tmp_path, simulator)
        asyncio.run(_plain_employee(env["WEBITEL_TUI_DATABASE__URL"], "amelnyk"))

        def run(*args: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run(
                [*RUN_PROCESS, *args], capture_output=True, text=True, env=env, timeout=120
            )

        refused = run("--as", "amelnyk")
        assert refused.returncode == 1, refused.stderr
        assert refused.stderr.strip() == (
            'webitel-tui: You do not have permission to run the operation "Run GetWebitelUsers".'
        )
        unknown = run("--as", "nobody")
        assert unknown.returncode == 3
        assert unknown.stderr.strip() == 'webitel-tui: No CRM user is named "nobody".'
        assert ("GET", "/api/users") not in simulator.app.log  # refused before any request
        done = run()  # the Supervisor, from service_login
        assert done.returncode == 0, done.stderr
    finally:
        simulator.stop()


def test_a_run_process_killed_mid_run_is_interrupted_when_the_next_one_starts(
    tmp_path: Path,
) -> None:
    # The user list answers nothing until the client goes: the run is under way for good.
    hold = FaultRule(kind="timeout", route="GET /api/users")
    simulator = start_simulator_thread(users=8, faults=FaultConfig(rules=[hold]))
    env = cli_env(tmp_path, simulator)
    killed = subprocess.Popen(
        RUN_PROCESS, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    query = 'SELECT "Status", "Pid", "Message" FROM "SysProcessLog" ORDER BY "StartedOn"'
    try:
        deadline = time.monotonic() + 60
        logged: list[tuple[str, int, str]] = []
        while not logged and time.monotonic() < deadline and killed.poll() is None:
            time.sleep(0.1)
            with contextlib.suppress(sqlite3.Error), sqlite3.connect(tmp_path / "crm.db") as db:
                logged = db.execute(query).fetchall()
        assert logged == [("Running", killed.pid, "")]
        killed.kill()
        killed.wait(timeout=30)
        simulator.app.set_faults(FaultConfig())
        again = subprocess.run(
            [*RUN_PROCESS, "--dry-run"], env=env, capture_output=True, timeout=120, check=False
        )
        assert again.returncode == 0, again.stderr
    finally:
        if killed.poll() is None:
            killed.kill()
            killed.wait(timeout=30)
        simulator.stop()
    with sqlite3.connect(tmp_path / "crm.db") as db:
        [(status, pid, message)] = db.execute(query).fetchall()  # a dry run logs nothing
    assert (status, pid) == ("Interrupted", killed.pid)
    assert message == "The run was interrupted: the program running it stopped before it ended."


async def test_a_contact_that_belongs_to_another_webitel_user_is_a_conflict(demo: World) -> None:
    """The demo's "Olena Kovalenko" is made the Webitel user agent1 from the CRM: importing
    the server's olena.kovalenko is a conflict naming agent1, never a second contact."""
    async with unit_of_work(demo.db) as uow:
        olena = await uow.users.get_by_name("okovalenko")
    assert olena is not None
    form = WebitelUserForm(user_id=olena.id, contact_id=olena.contact_id, name="agent1")
    await create_webitel_user(demo.db, demo.actor, demo.client, form)
    before = await snapshot(demo.db)
    report = await run(demo)
    reasons = {c.name: c.reason for c in report.conflicts}
    assert reasons["olena.kovalenko"] == (
        'The contact "Olena Kovalenko" already belongs to the Webitel user "agent1": '
        "link this user by hand."
    )
    assert "olena.kovalenko" not in report.created + report.linked
    assert "agent1" in report.unchanged
    async with unit_of_work(demo.db) as uow:
        assert len(await uow.contacts.find_by_name("Olena Kovalenko")) == 1
        assert await uow.users.get_by_name("olena.kovalenko") is None
        assert await uow.webitel_users.find_by_name("olena.kovalenko") is None
    after = await snapshot(demo.db)
    assert after["contacts"].count("Olena Kovalenko") == before["contacts"].count("Olena Kovalenko")
    again = await run(demo)
    assert again.created == again.linked == again.updated == []
    assert {c.name: c.reason for c in again.conflicts} == reasons
    assert await snapshot(demo.db) == after


async def test_a_namesake_of_a_linked_user_is_a_conflict(empty: World) -> None:
    await run(empty)
    await empty.client.create_user(
        InputUser(name="Olena  Kovalenko", username="olena.k2", password=SecretStr("x-Pass-1"))
    )
    report = await run(empty)
    assert report.created == [] and [c.name for c in report.conflicts] == ["olena.k2"]
    assert 'belongs to the Webitel user "olena.kovalenko"' in report.conflicts[0].reason
    async with unit_of_work(empty.db) as uow:
        assert len(await uow.contacts.find_by_name("Olena Kovalenko")) == 1


async def test_namesakes_on_one_page_are_decided_in_order(empty: World) -> None:
    """Each server user sees what the ones before it on the page decided: the first takes the
    free contact, the second meets it as another Webitel user's (a conflict)."""
    async with unit_of_work(empty.db) as uow:
        waiting = await uow.contacts.create(NewContact(name="Ivan Petrenko"))
    for login in ("ivan.p1", "ivan.p2"):
        await empty.client.create_user(
            InputUser(name="Ivan  Petrenko", username=login, password=SecretStr("x-Pass-1"))
        )
    first = await run(empty)
    assert "ivan.p1" in first.created and [c.name for c in first.conflicts] == ["ivan.p2"]
    assert 'belongs to the Webitel user "ivan.p1"' in first.conflicts[0].reason
    async with unit_of_work(empty.db) as uow:
        assert len(await uow.contacts.find_by_name("ivan petrenko")) == 1
        one = await uow.users.get_by_name("ivan.p1")
        assert await uow.users.get_by_name("ivan.p2") is None
    assert one is not None and one.contact_id == waiting.id
    again = await run(empty)
    assert again.created == [] and [c.name for c in again.conflicts] == ["ivan.p2"]


async def test_namesakes_on_two_pages_end_as_on_one_page(empty: World) -> None:
    """The second page is decided once the first is committed: the namesake on it sees the
    first one's link, and is the same conflict."""
    async with unit_of_work(empty.db) as uow:
        waiting = await uow.contacts.create(NewContact(name="Ivan Petrenko"))
    logins = ["ivan.p1", *(f"filler.{i}" for i in range(PAGE_SIZE)), "ivan.p2"]
    for login in logins:
        name = "Ivan Petrenko" if login.startswith("ivan") else login.title()
        await empty.client.create_user(
            InputUser(name=name, username=login, password=SecretStr("x-Pass-1"))
        )
    report = await run(empty)
    assert set(logins) - {"ivan.p2"} <= set(report.created)
    assert [c.name for c in report.conflicts] == ["ivan.p2"]
    assert 'belongs to the Webitel user "ivan.p1"' in report.conflicts[0].reason
    async with unit_of_work(empty.db) as uow:
        one = await uow.users.get_by_name("ivan.p1")
        assert await uow.users.get_by_name("ivan.p2") is None
    assert one is not None and one.contact_id == waiting.id


async def test_a_refused_user_leaves_no_contact_for_the_namesakes_after_it(
    empty: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The contact a refused server user would have had is not offered to its namesake later
    on the page (it was never written: linking to it made the page's insert fail)."""
    redone: list[str] = []
    original = _Run.apply_one

    async def apply_one(self: _Run, entry: Any, outcome: ImportReport) -> None:
        redone.append(entry.label)
        await original(self, entry, outcome)

    monkeypatch.setattr(_Run, "apply_one", apply_one)
    async with unit_of_work(empty.db) as uow:
        await make_webitel_user(uow, "local.holder", "7001")  # not on the server
    for login, extension in (("anna.1", "7001"), ("anna.2", "7002")):
        await empty.client.create_user(
            InputUser(
                name="Anna Shevchuk",
                username=login,
                extension=extension,
                password=SecretStr("x-Pass-1"),
            )
        )
    report = await run(empty)
    assert [c.name for c in report.conflicts] == ["anna.1"] and "anna.2" in report.created
    assert redone == []
    async with unit_of_work(empty.db) as uow:
        [contact] = await uow.contacts.find_by_name("anna shevchuk")
        two = await uow.users.get_by_name("anna.2")
    assert two is not None and two.contact_id == contact.id


async def test_a_page_the_database_refuses_is_redone_one_user_at_a_time(
    demo: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another admin saves a CRM user with a server user's name after the first page was
    read: the database's unique key refuses the page, which is redone a user at a time
    against the CRM as it now is (that user is linked, not created twice)."""
    original = WebitelImportRepository.match_state
    taken: list[str] = []

    async def another_admin_saves_meanwhile(
        self: WebitelImportRepository, *args: Any, **kwargs: Any
    ) -> MatchState:
        state = await original(self, *args, **kwargs)
        if not taken:
            decided = {"admin", "olena.kovalenko", "andrii.melnyk", "oleksandr.shevchenko"}
            login = sorted(set(kwargs["user_keys"]) - decided - {"maria.tkachenko"})[0]
            async with unit_of_work(demo.db) as other:
                await other.users.create_user(NewSystemUser(name=login), None)
            taken.append(login)
        return state

    monkeypatch.setattr(WebitelImportRepository, "match_state", another_admin_saves_meanwhile)
    report = await run(demo)
    assert report.status is ProcessStatus.COMPLETED and report.errors == []
    assert sorted(report.linked) == sorted(["andrii.melnyk", "olena.kovalenko", *taken])
    assert len(report.created) == SIM_USERS - 1 - 4 - 1 and len(report.conflicts) == 2
    async with unit_of_work(demo.db) as uow:
        record = await uow.webitel_users.find_by_name(taken[0])
        theirs = await uow.users.get_by_name(taken[0])
    assert record is not None and theirs is not None and record.user_id == theirs.id


async def test_what_the_import_creates_is_in_the_change_log(empty: World) -> None:
    await run(empty)
    async with unit_of_work(empty.db) as uow:
        record = await uow.webitel_users.find_by_name("olena.kovalenko")
        assert record is not None and record.user_id is not None and record.contact_id
        logged = {
            entity: await change_log(uow, record_id)
            for entity, record_id in (
                ("WebitelUser", record.id),
                ("SysAdminUnit", record.user_id),
                ("Contact", record.contact_id),
            )
        }
        password = await uow.users.password_hash(record.user_id)
    for entity, [entry] in logged.items():
        assert entry.entity == entity and entry.operation is Operation.INSERT
        assert entry.old_values == {} and "UserPassword" not in entry.new_values
    assert logged["WebitelUser"][0].new_values["Name"] == "olena.kovalenko"
    assert logged["Contact"][0].new_values["Name"] == "Olena Kovalenko"
    # A random password nobody is told, stored hashed; the user must change it to log in.
    assert password.startswith("sha256$")


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"{}", "page 3 is empty although page 2 said more follow"),
        (b'{"result":"ok"}', "a page without items, with keys a page does not have (result)"),
    ],
    ids=["empty-after-next", "not-a-page"],
)
async def test_a_page_that_is_not_a_list_of_users_fails_the_run_and_unlinks_nothing(
    demo: World, body: bytes, reason: str
) -> None:
    """Read as the end of the list, such a page made the run "Completed" after 12 of 20
    users and, with `unlink_deleted`, unlinked the 8 it had not read."""
    await run(demo)
    before = await snapshot(demo.db)
    async with answering(demo, page_body(3, body)) as client:
        with pytest.raises(ImportFailed) as caught:
            await run_import(demo.db, demo.actor, client, unlink_deleted=True)
    assert str(caught.value) == f"Loading Webitel users stopped: {reason}"
    assert not caught.value.retryable  # the same answer would come again
    report = caught.value.report
    assert report.status is ProcessStatus.FAILED and report.processed == 2 * PAGE_SIZE
    assert report.deleted_on_server == report.unlinked == []
    assert await snapshot(demo.db) == before
    failed, completed = await runs(demo.db)
    assert failed.status is ProcessStatus.FAILED and failed.message == str(caught.value)
    assert completed.status is ProcessStatus.COMPLETED


async def test_nothing_of_a_page_of_the_wrong_shape_nor_after_it_is_written(empty: World) -> None:
    async with answering(empty, page_body(2, b'{"items":[],"status":"ok"}')) as client:
        with pytest.raises(ImportFailed, match=r"keys a page does not have \(status\)"):
            await run_import(empty.db, empty.actor, client)
    admin = empty.sim.state.user_by_username("admin")
    assert admin is not None
    first_page = set(sorted(empty.sim.state.users)[:PAGE_SIZE]) - {admin.id}
    async with unit_of_work(empty.db) as uow:
        records = (await uow.webitel_users.page(PageRequest(limit=1000))).items
    assert {r.webitel_id for r in records} == first_page


async def test_a_user_the_list_skips_while_another_admin_deletes_is_not_called_deleted(
    demo: World,
) -> None:
    """Another admin deletes a user of page 1 after it is read: paging by offset then skips
    the first user of page 2. Asked for by id, that user is still there: it is neither
    reported deleted nor unlinked."""
    await run(demo)
    ids = sorted(demo.sim.state.users)
    removed, skipped = demo.sim.state.users[ids[1]], demo.sim.state.users[ids[PAGE_SIZE]]

    async def delete_after_page_1(page: int, response: httpx.Response) -> httpx.Response:
        if page == 1:
            await demo.client.delete_user(removed.id, permanent=True)
        return response

    async with answering(demo, delete_after_page_1) as client:
        report = await run_import(demo.db, demo.actor, client, unlink_deleted=True)
    assert report.status is ProcessStatus.COMPLETED and report.errors == []
    assert skipped.username not in report.unchanged + report.updated  # the list did skip it
    assert report.deleted_on_server == report.unlinked == []
    async with unit_of_work(demo.db) as uow:
        assert await uow.webitel_users.find_by_webitel_id(skipped.id) is not None
    # The next run lists it again; the user deleted on page 1 is the one gone now.
    again = await run(demo, unlink_deleted=True)
    assert skipped.username in again.unchanged
    assert again.deleted_on_server == again.unlinked == [removed.username]


async def test_a_user_that_cannot_be_read_by_id_is_an_error_and_stays_linked(
    demo: World,
) -> None:
    await run(demo)
    user = demo.sim.state.user_by_username("hannah.wood")
    assert user is not None
    await demo.client.delete_user(user.id, permanent=True)
    inject(demo.sim, FaultRule(kind="status", status=500, route="GET /api/users/*"))
    report = await run(demo, unlink_deleted=True)
    assert report.deleted_on_server == report.unlinked == []
    [error] = report.errors
    assert error.startswith("hannah.wood: whether the Webitel user still exists could not")
    async with unit_of_work(demo.db) as uow:
        assert await uow.webitel_users.find_by_name("hannah.wood") is not None
    inject(demo.sim)
    again = await run(demo, unlink_deleted=True)
    assert again.unlinked == ["hannah.wood"] and again.errors == []


# Server data the CRM cannot keep (limits, domain/limits.py) -------------------------------------

HOSTILE: dict[str, tuple[InputUser, str]] = {
    "long.name": (
        InputUser(name="N" * 300, username="long.name"),
        'The value of the "Full name" field is too long: at most 250 characters.',
    ),
    "nul.name": (
        InputUser(name="Nul\x00Name", username="nul.name"),
        'The "Full name" field contains a character that cannot be saved (U+0000).',
    ),
    "long.ext": (
        InputUser(name="Long Extension", username="long.ext", extension="7" * 60),
        'The value of the "Extension" field is too long: at most 50 characters.',
    ),
    "nul.email": (
        InputUser(name="Nul Email", username="nul.email", email="nul\x00@example.com"),
        'The "Email" field contains a character that cannot be saved (U+0000).',
    ),
}
"""Server users each with one value no CRM column can keep, and the conflict each is."""


async def add_hostile_users(client: WebitelClient) -> None:
    for user, _reason in HOSTILE.values():
        await client.create_user(user.model_copy(update={"password": SecretStr("x-Pass-1")}))


async def test_server_users_the_crm_cannot_keep_are_conflicts_and_the_run_goes_on(
    empty: World,
) -> None:
    """A display name over 250 characters, a NUL, a 60-digit extension: on SQLite as on
    PostgreSQL, each such user is a conflict naming the field, and every other is imported."""
    await add_hostile_users(empty.client)
    report = await run(empty)
    assert report.status is ProcessStatus.COMPLETED and report.errors == []
    assert {c.name: c.reason for c in report.conflicts} == {
        login: reason for login, (_user, reason) in HOSTILE.items()
    }
    assert set(report.created) == server_usernames(empty) - set(HOSTILE)
    assert len(report.created) == SIM_USERS - 1
    async with unit_of_work(empty.db) as uow:
        for login in HOSTILE:
            assert await uow.webitel_users.find_by_name(login) is None
            assert await uow.users.get_by_name(login) is None
        assert await uow.contacts.find_by_name("Long Extension") == []
    [logged] = await runs(empty.db)
    assert logged.status is ProcessStatus.COMPLETED
    assert logged.counts["conflicts"] == len(HOSTILE)
    again = await run(empty)
    assert again.created == [] and {c.name for c in again.conflicts} == set(HOSTILE)


async def test_a_linked_user_whose_server_value_breaks_a_limit_is_a_conflict_and_kept(
    empty: World,
) -> None:
    await run(empty)
    server = empty.sim.state.user_by_username("olena.kovalenko")
    assert server is not None
    async with unit_of_work(empty.db) as uow:
        before = await uow.webitel_users.find_by_name("olena.kovalenko")
    await empty.client.patch_user(server.id, InputUser(extension="5" * 60))
    report = await run(empty)
    assert report.status is ProcessStatus.COMPLETED and report.errors == []
    [conflict] = report.conflicts
    assert conflict.name == "olena.kovalenko" and '"Extension"' in conflict.reason
    assert len(report.unchanged) == SIM_USERS - 2
    async with unit_of_work(empty.db) as uow:
        after = await uow.webitel_users.find_by_name("olena.kovalenko")
    assert after == before  # the CRM keeps what it had


async def test_a_dry_run_reports_the_same_conflicts(empty: World) -> None:
    await add_hostile_users(empty.client)
    report = await run(empty, dry_run=True)
    assert {c.name for c in report.conflicts} == set(HOSTILE) and report.errors == []
    assert await snapshot(empty.db) == {"records": [], "users": [], "contacts": []}


def test_cli_run_process_reports_hostile_users_as_conflicts_on_each_database(
    tmp_path: Path, seeded_database_url: str
) -> None:
    """`run-process GetWebitelUsers` exits 0 with the conflicts, not 1 with a traceback."""
    simulator = start_simulator_thread(users=8)
    try:

        async def prepare_server() -> None:
            client = WebitelClient(fast_options(simulator))
            try:
                await add_hostile_users(client)
            finally:
                await client.aclose()

        asyncio.run(prepare_server())
        env = cli_env(tmp_path, simulator, seeded_database_url)
        result = subprocess.run(
            [*RUN_PROCESS, "--json"],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
            check=False,
        )
    finally:
        simulator.stop()
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr and "DBAPIError" not in result.stdout
    last = json.loads(result.stdout.strip().splitlines()[-1])
    assert last["created"] == 7 and last["errors"] == []
    conflicts = " ".join(str(c) for c in last["conflicts"])
    for login, (_user, reason) in HOSTILE.items():
        assert login in conflicts and reason in conflicts


async def test_an_unreachable_server_stops_the_run_naming_its_address(empty: World) -> None:
    await empty.sim.stop()  # nothing listens on its port any more
    with pytest.raises(ImportFailed) as stopped:
        await run(empty)
    address = empty.client.options.shown_url
    assert str(stopped.value) == (
        f"Loading Webitel users stopped: cannot reach the Webitel server at {address}"
    )
    assert stopped.value.retryable
