"""GetWebitelUsers (M11, M12) against the simulator over loopback HTTP, on SQLite and
PostgreSQL: matching, conflicts, deletions, idempotence, interruption and server faults."""

from __future__ import annotations

import asyncio
import gc
import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from tests.factories import make_webitel_user
from tests.webitel.conftest import fast_options, inject
from webitel_tui.db.engine import Database
from webitel_tui.db.tables import WebitelUser
from webitel_tui.domain import known
from webitel_tui.domain.changelog import Operation
from webitel_tui.domain.contacts import NewContact
from webitel_tui.domain.errors import DuplicateValueError
from webitel_tui.domain.paging import PageRequest
from webitel_tui.domain.processes import ProcessRun, ProcessStatus
from webitel_tui.domain.records import Actor
from webitel_tui.domain.users import NewSystemUser, UserType
from webitel_tui.processes import get_webitel_users
from webitel_tui.processes.get_webitel_users import (
    ImportFailed,
    ImportProgress,
    ImportReport,
    _Run,
    run_import,
)
from webitel_tui.processes.setup import prepare
from webitel_tui.repositories import unit_of_work
from webitel_tui.repositories.webitel_import import MatchState, WebitelImportRepository
from webitel_tui.simulator import FaultRule, RunningSimulator, start_simulator
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
        await demo.client.delete_user(user.id, permanent=True)
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
    original = WebitelImportRepository.insert
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


async def test_a_run_failing_while_the_next_page_is_decided_ahead_drops_that_decision(
    demo: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first page's change log fails while the second page is decided in its own task:
    the task ends, the run stops, and a rerun ends as one clean run."""
    deciding: list[asyncio.Task[Any]] = []
    ahead_when_failed: list[bool] = []
    decide = _Run.decide

    async def spied_decide(self: _Run, page: Any) -> None:
        task = asyncio.current_task()
        assert task is not None
        deciding.append(task)
        await decide(self, page)

    async def killed(self: WebitelImportRepository, inserted: Any) -> None:
        await asyncio.sleep(0)  # the task deciding the next page starts
        ahead_when_failed.append(any(t is not asyncio.current_task() for t in deciding))
        raise RuntimeError("killed")

    monkeypatch.setattr(_Run, "decide", spied_decide)
    monkeypatch.setattr(WebitelImportRepository, "log_inserted", killed)
    with pytest.raises(RuntimeError, match="killed"):
        await run(demo)
    monkeypatch.undo()
    assert ahead_when_failed == [True]
    assert all(task.done() for task in deciding if task is not asyncio.current_task())
    await run(demo)
    assert await snapshot(demo.db) == await reference(tmp_path, demo.sim)


async def test_a_page_redone_after_a_refusal_has_the_next_page_decided_again(
    empty: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Page A is refused while page B is decided ahead against A's rows; redone a user at a
    time, A turns out otherwise (another admin took an extension meanwhile), so B's decision
    is dropped and taken again: B's namesake links the contact A left free."""
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
    log_inserted, apply_one = WebitelImportRepository.log_inserted, _Run.apply_one
    refused: list[bool] = []

    async def refuse_the_page_of_p1(self: WebitelImportRepository, inserted: Any) -> None:
        records = [rows for rows in inserted if rows.entity is WebitelUser]
        if records and "ivan.p1" in records[0].columns.values["Name"] and not refused:
            refused.append(True)
            await asyncio.sleep(0)  # the task deciding the next page (with ivan.p2) starts
            raise DuplicateValueError("taken meanwhile")
        await log_inserted(self, inserted)

    async def another_admin_takes_7001_first(self: _Run, entry: Any, outcome: Any) -> None:
        if refused == [True]:
            refused.append(True)
            async with unit_of_work(empty.db) as uow:
                await make_webitel_user(uow, "local.holder", "7001")
        await apply_one(self, entry, outcome)

    monkeypatch.setattr(WebitelImportRepository, "log_inserted", refuse_the_page_of_p1)
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
        if not injected:  # the first page is written (the next ones may be read already)
            injected.append(progress.pages)
            inject(demo.sim, FaultRule(kind="status", status=503, route="GET /api/users"))

    with pytest.raises(ImportFailed) as caught:
        await run(demo, progress=fail_after_the_first_page)
    assert str(caught.value).startswith("Loading Webitel users stopped:")
    assert caught.value.retryable
    # The page in hand when the server failed is saved (the next one is read while a page is
    # written, so the fault may land a page later): whole pages, not all of them.
    processed = caught.value.report.processed
    assert processed % PAGE_SIZE == 0 and 0 < processed < SIM_USERS
    assert caught.value.report.deleted_on_server == []  # nothing is called deleted
    [failed] = await runs(demo.db)
    assert failed.status is ProcessStatus.FAILED
    assert failed.message == str(caught.value)
    inject(demo.sim)
    again = await run(demo)
    assert again.status is ProcessStatus.COMPLETED and again.errors == []
    assert await snapshot(demo.db) == await reference(tmp_path, demo.sim)


def test_cli_run_process_dry_run_against_the_simulator(tmp_path: Path) -> None:
    from webitel_tui.simulator.runner import start_simulator_thread

    simulator = start_simulator_thread(users=8)
    try:
        env = {k: v for k, v in os.environ.items() if not k.startswith("WEBITEL_TUI_")}
        env.update(
            XDG_CONFIG_HOME=str(tmp_path / "config"),
            XDG_DATA_HOME=str(tmp_path / "data"),
            WEBITEL_TUI_DATABASE__URL=f"sqlite:///{tmp_path / 'crm.db'}",
            WEBITEL_TUI_WEBITEL__URL=simulator.base_url,
            WEBITEL_TUI_WEBITEL__DOMAIN=simulator.domain,
            WEBITEL_TUI_WEBITEL__USERNAME=simulator.username,
            WEBITEL_TUI_WEBITEL__PASSWORD=simulator.password,
        )
        command = [sys.executable, "-m", "webitel_tui", "run-process", "GetWebitelUsers"]
        result = subprocess.run(
            [*command, "--dry-run", "--json"],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        assert "dry run, nothing written" in result.stdout
        assert "7 created, 0 updated" in result.stdout
        last = json.loads(result.stdout.strip().splitlines()[-1])
        assert (last["created"], last["updated"], last["dry_run"]) == (7, 0, True)
        assert last["conflicts"] == [] and last["errors"] == []

        env["WEBITEL_TUI_WEBITEL__PASSWORD"] = "wrong"
        failed = subprocess.run(
            command, capture_output=True, text=True, env=env, timeout=120, check=False
        )
        assert failed.returncode == 1
        [line] = [x for x in failed.stderr.splitlines() if x.startswith("webitel-tui:")]
        assert "Loading Webitel users stopped" in line and "Traceback" not in failed.stderr
    finally:
        simulator.stop()


async def test_a_namesake_of_a_linked_user_gets_its_own_crm_user(empty: World) -> None:
    await run(empty)
    await empty.client.create_user(
        InputUser(name="Olena  Kovalenko", username="olena.k2", password=SecretStr("x-Pass-1"))
    )
    report = await run(empty)
    assert report.created == ["olena.k2"] and report.conflicts == []
    async with unit_of_work(empty.db) as uow:
        assert len(await uow.contacts.find_by_name("Olena Kovalenko")) == 2


async def test_namesakes_on_one_page_are_decided_in_order(empty: World) -> None:
    """Each server user sees what the ones before it on the page decided: the first takes the
    free contact, the second (now a namesake of a linked user) gets a contact of its own."""
    async with unit_of_work(empty.db) as uow:
        waiting = await uow.contacts.create(NewContact(name="Ivan Petrenko"))
    for login in ("ivan.p1", "ivan.p2"):
        await empty.client.create_user(
            InputUser(name="Ivan  Petrenko", username=login, password=SecretStr("x-Pass-1"))
        )
    first = await run(empty)
    assert {"ivan.p1", "ivan.p2"} <= set(first.created) and first.conflicts == []
    async with unit_of_work(empty.db) as uow:
        assert len(await uow.contacts.find_by_name("ivan petrenko")) == 2
        one = await uow.users.get_by_name("ivan.p1")
        two = await uow.users.get_by_name("ivan.p2")
    assert one is not None and one.contact_id == waiting.id
    assert two is not None and two.contact_id not in (None, waiting.id)
    again = await run(empty)
    assert again.created == [] and again.conflicts == [] and "ivan.p2" in again.unchanged


async def test_a_page_decided_in_the_previous_pages_transaction_sees_its_rows(
    empty: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The next page is read and decided while the previous page's change log and commit run:
    namesakes on two pages end as on one page (the second sees the first's link)."""
    ahead: list[bool] = []
    original = _Run.handle_page

    async def handle_page(self: _Run, entries: Any, decided: Any, seen: Any) -> Any:
        ahead.append(decided is not None)
        return await original(self, entries, decided, seen)

    monkeypatch.setattr(_Run, "handle_page", handle_page)
    async with unit_of_work(empty.db) as uow:
        waiting = await uow.contacts.create(NewContact(name="Ivan Petrenko"))
    logins = ["ivan.p1", *(f"filler.{i}" for i in range(PAGE_SIZE)), "ivan.p2"]
    for login in logins:
        name = "Ivan Petrenko" if login.startswith("ivan") else login.title()
        await empty.client.create_user(
            InputUser(name=name, username=login, password=SecretStr("x-Pass-1"))
        )
    report = await run(empty)
    assert set(logins) <= set(report.created) and report.conflicts == []
    assert any(ahead), "no page was decided in the previous page's transaction"
    async with unit_of_work(empty.db) as uow:
        one = await uow.users.get_by_name("ivan.p1")
        two = await uow.users.get_by_name("ivan.p2")
    assert one is not None and one.contact_id == waiting.id
    assert two is not None and two.contact_id not in (None, waiting.id)


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
            entity: await uow.changelog.for_record(record_id)
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


async def test_the_collector_is_held_while_pages_are_written_and_collects_every_few(
    empty: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[bool] = []
    collected: list[int] = []
    original, collect = WebitelImportRepository.insert, gc.collect

    async def insert(self: WebitelImportRepository, rows: Any) -> Any:
        seen.append(gc.isenabled())
        return await original(self, rows)

    def spied_collect(generation: int = 2) -> int:
        collected.append(generation)
        return collect(generation)

    monkeypatch.setattr(WebitelImportRepository, "insert", insert)
    monkeypatch.setattr(get_webitel_users, "_COLLECT_EVERY", 2)
    monkeypatch.setattr(gc, "collect", spied_collect)
    assert gc.isenabled()
    report = await run(empty)
    assert report.status is ProcessStatus.COMPLETED and seen and not any(seen)
    assert collected == [0] * (-(-SIM_USERS // PAGE_SIZE) // 2)  # the run's young cycles
    assert gc.isenabled()
