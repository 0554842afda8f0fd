"""Runs a killed process left "Running" become "Interrupted" when the app or a command
starts (`prepare`); runs that may still be going are left alone."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from tests.factories import ended_pid, make_run
from webitel_tui.db.engine import Database
from webitel_tui.domain import known
from webitel_tui.domain.processes import ProcessRun, ProcessStatus, RunOwner
from webitel_tui.processes.process_log import (
    ABANDONED_AFTER,
    interrupt_abandoned_runs,
    process_exists,
)
from webitel_tui.processes.setup import prepare
from webitel_tui.repositories import unit_of_work

INTERRUPTED = "The run was interrupted: the program running it stopped before it ended."


@pytest.fixture
async def prepared(database_url: str) -> AsyncIterator[Database]:
    db = Database(database_url)
    await prepare(db)
    try:
        yield db
    finally:
        await db.dispose()


async def start(db: Database, owner: RunOwner) -> uuid.UUID:
    async with unit_of_work(db) as uow:
        return await make_run(uow, owner)


async def logged(db: Database) -> dict[uuid.UUID, ProcessRun]:
    async with unit_of_work(db) as uow:
        process = await uow.processes.by_code(known.GET_WEBITEL_USERS_PROCESS_CODE)
        assert process is not None
        return {run.id: run for run in await uow.processes.recent_runs(process.id)}


def test_a_process_that_ended_is_told_from_one_that_runs() -> None:
    assert process_exists(RunOwner.current().pid)
    assert not process_exists(ended_pid())


async def test_a_start_interrupts_the_runs_of_this_host_whose_process_ended(
    prepared: Database,
) -> None:
    here = RunOwner.current()
    killed = await start(prepared, RunOwner(here.host, ended_pid()))
    going = await start(prepared, here)
    elsewhere = await start(prepared, RunOwner("another-admins-host", ended_pid()))
    finished = await start(prepared, RunOwner(here.host, ended_pid()))
    async with unit_of_work(prepared) as uow:
        await uow.processes.finish_run(finished, ProcessStatus.COMPLETED, {"created": 1}, "ok")

    await prepare(prepared)  # the next start of the app or of `run-process`

    runs = await logged(prepared)
    assert runs[killed].status is ProcessStatus.INTERRUPTED
    assert runs[killed].message == INTERRUPTED and runs[killed].completed_on is None
    assert runs[going].status is ProcessStatus.RUNNING  # this very process
    assert runs[elsewhere].status is ProcessStatus.RUNNING  # its process cannot be seen
    assert (runs[finished].status, runs[finished].message) == (ProcessStatus.COMPLETED, "ok")


async def test_a_run_older_than_any_live_one_is_interrupted_whoever_ran_it(
    prepared: Database,
) -> None:
    elsewhere = await start(prepared, RunOwner("another-admins-host", 4242))
    going = await start(prepared, RunOwner.current())
    runs = await logged(prepared)
    soon = runs[elsewhere].started_on + ABANDONED_AFTER - timedelta(minutes=1)
    later = runs[going].started_on + ABANDONED_AFTER + timedelta(minutes=1)
    async with unit_of_work(prepared) as uow:
        assert await interrupt_abandoned_runs(uow, soon) == []
    async with unit_of_work(prepared) as uow:
        assert set(await interrupt_abandoned_runs(uow, later)) == {elsewhere, going}
    runs = await logged(prepared)
    assert {run.status for run in runs.values()} == {ProcessStatus.INTERRUPTED}


async def test_a_run_taken_for_dead_still_records_its_end(prepared: Database) -> None:
    """A run that was alive after all (on another host, past the age limit) overwrites
    "Interrupted" when it ends."""
    run = await start(prepared, RunOwner("another-admins-host", 4242))
    async with unit_of_work(prepared) as uow:
        await interrupt_abandoned_runs(uow, datetime.now(UTC) + 2 * ABANDONED_AFTER)
    async with unit_of_work(prepared) as uow:
        await uow.processes.finish_run(run, ProcessStatus.COMPLETED, {}, "done")
    assert (await logged(prepared))[run].status is ProcessStatus.COMPLETED
