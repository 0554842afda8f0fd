"""Concurrent GetWebitelUsers runs on one database (issue 13): a run does not start beside a
live one, and says whose it is and since when; a run whose program died does not count. Two
runs at once on SQLite used to take the users the other had just linked for conflicts."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from pathlib import Path

import httpx
import pytest
from textual.widgets import Static

from tests.conftest import Templates
from tests.factories import ended_pid, make_run
from tests.test_get_webitel_users import (
    PAGE_SIZE,
    RUN_PROCESS,
    UsersPagesAnswered,
    World,
    _world,
    runs,
    server_usernames,
    snapshot,
)
from tests.ui.conftest import wait_for
from tests.ui.test_designer import log_in_as
from tests.ui.test_import_users import summary_of
from tests.ui.test_webitel_users import app_for
from tests.webitel.conftest import fast_options
from webitel_tui.db.engine import Database
from webitel_tui.domain import known
from webitel_tui.domain.processes import (
    ProcessAlreadyRunningError,
    ProcessRun,
    ProcessStatus,
    RunOwner,
)
from webitel_tui.domain.records import Actor
from webitel_tui.processes.get_webitel_users import ImportReport, run_import
from webitel_tui.repositories import unit_of_work
from webitel_tui.repositories.processes import ProcessRepository
from webitel_tui.simulator import start_simulator
from webitel_tui.simulator.runner import start_simulator_thread
from webitel_tui.ui.screens.import_users import ImportScreen
from webitel_tui.ui.screens.lookup import LookupDialog
from webitel_tui.webitel import WebitelClient

ANOTHER_HOST = RunOwner("another-admins-host", 4242)


@pytest.fixture
async def demo(demo_database_url: str) -> AsyncIterator[World]:
    async for world in _world(demo_database_url):
        yield world


@pytest.fixture
async def empty(seeded_database_url: str) -> AsyncIterator[World]:
    async for world in _world(seeded_database_url):
        yield world


async def supervisor(db: Database) -> Actor:
    async with unit_of_work(db) as uow:
        user = await uow.users.get_by_name("Supervisor")
    assert user is not None
    return Actor(user_id=user.id, contact_id=user.contact_id)


async def log_a_run(db: Database, owner: RunOwner, actor: Actor) -> uuid.UUID:
    """A "Running" GetWebitelUsers run in the log, started by `actor`, carried out by `owner`."""
    async with unit_of_work(db, actor) as uow:
        return await make_run(uow, owner)


async def refusal(db: Database, run_id: uuid.UUID, started_by: str) -> str:
    """The line a start beside the run `run_id` gets: its start in local time, "10:42"."""
    [run] = [run for run in await runs(db) if run.id == run_id]
    local = run.started_on.astimezone()
    same_day = local.date() == datetime.now().astimezone().date()
    since = local.strftime("%H:%M" if same_day else "%Y-%m-%d %H:%M")
    return f"GetWebitelUsers is already running since {since}, started by {started_by}."


@pytest.fixture
def another_program() -> Iterator[RunOwner]:
    """Another program of this host, alive until the test ends."""
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    try:
        yield RunOwner(RunOwner.current().host, child.pid)
    finally:
        child.kill()
        child.wait()


@pytest.mark.parametrize("dry_run", [False, True], ids=["run", "dry-run"])
@pytest.mark.parametrize(
    ("elsewhere", "by_supervisor"),
    [
        (False, True),
        # `run-process` before it acted as a named user: the run names its program.
        (False, False),
        # Another admin's host: its process cannot be asked about, so the run is live.
        (True, True),
    ],
    ids=["this-host", "this-host-no-contact", "another-host"],
)
async def test_a_run_beside_a_live_one_is_refused_and_changes_nothing(
    demo: World, another_program: RunOwner, elsewhere: bool, by_supervisor: bool, dry_run: bool
) -> None:
    owner = ANOTHER_HOST if elsewhere else another_program
    starter = await supervisor(demo.db) if by_supervisor else Actor()
    going = await log_a_run(demo.db, owner, starter)
    named = "Supervisor" if by_supervisor else f"process {owner.pid} on {owner.host}"
    before, logged_before = await snapshot(demo.db), await runs(demo.db)
    calls = demo.sim.state.requests

    with pytest.raises(ProcessAlreadyRunningError) as refused:
        await run_import(demo.db, await supervisor(demo.db), demo.client, dry_run=dry_run)

    assert str(refused.value) == await refusal(demo.db, going, named)
    assert "\n" not in str(refused.value)
    assert await snapshot(demo.db) == before
    assert await runs(demo.db) == logged_before  # not even a run of its own, nor a refusal
    assert demo.sim.state.requests == calls  # the server not even asked


async def test_a_run_left_running_by_a_dead_program_does_not_block(demo: World) -> None:
    actor = await supervisor(demo.db)
    dead = await log_a_run(demo.db, RunOwner(RunOwner.current().host, ended_pid()), actor)

    preview = await run_import(demo.db, actor, demo.client, dry_run=True)
    assert preview.status is ProcessStatus.COMPLETED
    [still] = await runs(demo.db)  # a dry run writes nothing, not even "Interrupted"
    assert (still.id, still.status) == (dead, ProcessStatus.RUNNING)

    report = await run_import(demo.db, actor, demo.client)
    assert report.status is ProcessStatus.COMPLETED
    logged = {run.id: run.status for run in await runs(demo.db)}
    assert logged == {dead: ProcessStatus.INTERRUPTED, report.run_id: ProcessStatus.COMPLETED}


async def test_a_run_of_this_program_whose_end_was_not_recorded_does_not_block(
    demo: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The database failed just as the run ended: its row still says "Running", and its
    program (the app) goes on. It carries that run out no more, so the next run starts."""
    actor = await supervisor(demo.db)
    record_end = ProcessRepository.finish_run
    monkeypatch.setattr(ProcessRepository, "finish_run", fail_to_record_the_end)
    first = await run_import(demo.db, actor, demo.client)
    [left] = await runs(demo.db)
    assert (left.id, left.status, left.owner) == (
        first.run_id,
        ProcessStatus.RUNNING,
        RunOwner.current(),
    )
    monkeypatch.setattr(ProcessRepository, "finish_run", record_end)

    again = await run_import(demo.db, actor, demo.client)
    assert again.status is ProcessStatus.COMPLETED and again.conflicts == first.conflicts
    logged = {run.id: run.status for run in await runs(demo.db)}
    assert logged == {left.id: ProcessStatus.INTERRUPTED, again.run_id: ProcessStatus.COMPLETED}


async def fail_to_record_the_end(*_args: object, **_kwargs: object) -> ProcessRun:
    raise RuntimeError("the database went away just then")


@pytest.fixture
def both_checking(monkeypatch: pytest.MonkeyPatch) -> asyncio.Event:
    """The worst moment for two starts: each looks for running runs only once the other has
    come as far, or (held up by then: kept out by the first) after a moment. A check that
    does not keep the other start out until it commits lets both runs pass. The event is
    set when both have looked."""
    arrived: list[None] = []
    both = asyncio.Event()
    looked = ProcessRepository.running_runs

    async def running_runs(
        self: ProcessRepository, process_id: uuid.UUID | None = None
    ) -> list[ProcessRun]:
        arrived.append(None)
        if len(arrived) == 2:
            both.set()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(both.wait(), 0.5)
        return await looked(self, process_id)

    monkeypatch.setattr(ProcessRepository, "running_runs", running_runs)
    return both


@pytest.mark.parametrize("engines", [1, 2], ids=["one-engine", "two-engines"])
async def test_two_runs_started_at_once_one_runs_the_other_is_refused(
    empty: World, engines: int, both_checking: asyncio.Event
) -> None:
    """Started at the same instant (one program with two screens, or two programs): only
    one passes the check; it completes as a lone run does, with no false conflicts."""

    async def after_both_checked(_page: int, response: httpx.Response) -> httpx.Response:
        # The run that passed reads no user before the other has looked: it is still
        # running then, however long the other was kept waiting for the database.
        await asyncio.wait_for(both_checking.wait(), 30)
        return response

    options = fast_options(empty.sim, page_size=PAGE_SIZE)
    clients = [
        WebitelClient(options, transport=UsersPagesAnswered(after_both_checked)) for _ in "ab"
    ]
    second_db = empty.db if engines == 1 else Database(empty.db.url)
    try:
        # Each engine with two connections made: neither start is held up connecting.
        await asyncio.gather(*(runs(db) for db in (empty.db, second_db) for _ in "ab"))
        outcomes = await asyncio.gather(
            run_import(empty.db, empty.actor, clients[0]),
            run_import(second_db, empty.actor, clients[1]),
            return_exceptions=True,
        )
    finally:
        for client in clients:
            await client.aclose()
        if second_db is not empty.db:
            await second_db.dispose()

    reports = [o for o in outcomes if isinstance(o, ImportReport)]
    refusals = [o for o in outcomes if isinstance(o, ProcessAlreadyRunningError)]
    assert (len(reports), len(refusals)) == (1, 1), outcomes
    [report] = reports
    assert report.status is ProcessStatus.COMPLETED
    assert report.conflicts == [] and report.errors == []
    assert set(report.created) == server_usernames(empty)
    [logged] = await runs(empty.db)
    assert (logged.id, logged.status) == (report.run_id, ProcessStatus.COMPLETED)
    assert logged.owner == RunOwner.current()  # the actor has no contact: the program is named
    program = f"process {logged.owner.pid} on {logged.owner.host}"
    assert str(refusals[0]) == await refusal(empty.db, logged.id, program)


def test_cli_run_process_beside_a_live_run_prints_one_line_and_exits_1(
    tmp_path: Path, demo_database_url: str
) -> None:
    async def start_a_run() -> tuple[uuid.UUID, str]:
        db = Database(demo_database_url)
        try:
            going = await log_a_run(db, RunOwner.current(), await supervisor(db))
            return going, await refusal(db, going, "Supervisor")
        finally:
            await db.dispose()

    async def logged() -> list[tuple[uuid.UUID, ProcessStatus]]:
        db = Database(demo_database_url)
        try:
            return [(run.id, run.status) for run in await runs(db)]
        finally:
            await db.dispose()

    going, expected = asyncio.run(start_a_run())
    simulator = start_simulator_thread(users=8)
    try:
        # The demo CRM: Supervisor is there for `run-process` to act as.
        env = {k: v for k, v in os.environ.items() if not k.startswith("WEBITEL_TUI_")}
        env.update(
            XDG_CONFIG_HOME=str(tmp_path / "config"),
            XDG_DATA_HOME=str(tmp_path / "data"),
            XDG_STATE_HOME=str(tmp_path / "state"),
            WEBITEL_TUI_DATABASE__URL=demo_database_url,
            WEBITEL_TUI_WEBITEL__URL=simulator.base_url,
            WEBITEL_TUI_WEBITEL__DOMAIN=simulator.domain,
            WEBITEL_TUI_WEBITEL__USERNAME=simulator.username,
            WEBITEL_TUI_WEBITEL__PASSWORD=simulator.password,
        )
        results = [
            subprocess.run(
                [*RUN_PROCESS, *options],
                capture_output=True,
                text=True,
                env=env,
                timeout=120,
                check=False,
            )
            for options in ([], ["--dry-run", "--json"])
        ]
    finally:
        simulator.stop()
    for result in results:
        assert result.returncode == 1, result.stderr
        assert result.stderr.splitlines() == [f"webitel-tui: {expected}"]
        # No report: nothing ran (a failure of `run-process` prints no JSON of its own).
        assert all('"created"' not in line for line in result.stdout.splitlines())
        for line in result.stdout.splitlines():
            json.loads(line)
    assert asyncio.run(logged()) == [(going, ProcessStatus.RUNNING)]


async def test_the_import_screen_shows_the_refusal_as_one_line(
    templates: Templates, tmp_path: Path
) -> None:
    url = templates.sqlite_copy("demo", tmp_path)
    db = Database(url)
    try:
        going = await log_a_run(db, ANOTHER_HOST, await supervisor(db))
        expected = await refusal(db, going, "Supervisor")
    finally:
        await db.dispose()
    sim = await start_simulator(users=4)
    try:
        app = app_for(url, sim)
        async with app.run_test(size=(80, 24)) as pilot:
            await log_in_as(pilot, app, "Supervisor")
            await pilot.press("f9")
            await wait_for(pilot, lambda: isinstance(app.screen, LookupDialog), "Process start")
            launcher = app.screen
            assert isinstance(launcher, LookupDialog)
            await wait_for(pilot, lambda: launcher.grid.table.row_count == 2, "the processes")
            await pilot.press("ctrl+s")  # Run: the import screen, which starts the preview
            await wait_for(pilot, lambda: isinstance(app.screen, ImportScreen), "the import")
            screen = app.screen
            assert isinstance(screen, ImportScreen)
            await wait_for(pilot, lambda: screen.stage == "done", "the refusal")
            assert screen.report is None
            assert summary_of(screen) == expected
            assert screen.query_one("#import-summary", Static).has_class("-error")
    finally:
        await sim.stop()
    assert known.GET_WEBITEL_USERS_PROCESS_CODE in expected
