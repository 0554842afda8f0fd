"""Process-log runs that no process carries out any more become "Interrupted".

A run's row says "Running" from its start until its process records the end; a process that
is killed (or loses its machine) never does. Each start of the app and of `run-process`
looks at the rows still "Running" and takes one for abandoned when

- it was started on this host and its process id names no process any more; or
- it started more than `ABANDONED_AFTER` ago. This covers what this host cannot see: runs
  of other hosts (PostgreSQL serves admins on several), runs logged before owners were
  recorded, and an id that a new process has taken since. An import of tens of thousands
  of users takes minutes, so a day is far beyond any live run.

A live run is never told from its row alone: its process is asked about, or time is given.

`start_run_alone` starts a run unless a live one of the same process goes on (two imports at
once read each other's half-done work as conflicts): that live run is named and the start
refused. Check and start are one transaction that no second start can interleave with. A run
of this very process is live while this process carries it out (until `run_ended`): a run
whose end could not be recorded (the database failed just then) blocks no later start.
"""

from __future__ import annotations

import logging
import os
import sys
import uuid
from datetime import UTC, datetime, timedelta

from webitel_tui.db.engine import Database
from webitel_tui.domain.processes import (
    Process,
    ProcessAlreadyRunningError,
    ProcessRun,
    ProcessStatus,
    RunOwner,
)
from webitel_tui.domain.records import Actor
from webitel_tui.i18n import _, tr
from webitel_tui.repositories import UnitOfWork, unit_of_work

log = logging.getLogger(__name__)

ABANDONED_AFTER = timedelta(days=1)

_CARRIED_OUT: set[uuid.UUID] = set()
"""The runs `start_run_alone` started in this process that have not ended (`run_ended`)."""


def process_exists(pid: int) -> bool:
    """Whether a process of this host has the id `pid` (unknown counts as yes)."""
    if sys.platform == "win32":
        return True  # os.kill(pid, 0) ends the process there instead of looking at it
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # there, but another user's (PermissionError)
    return True


def abandoned(run: ProcessRun, here: RunOwner, now: datetime) -> bool:
    if now - run.started_on > ABANDONED_AFTER:
        return True
    owner = run.owner
    return owner is not None and owner.host == here.host and not process_exists(owner.pid)


async def interrupt_abandoned_runs(uow: UnitOfWork, now: datetime | None = None) -> list[uuid.UUID]:
    """Mark the abandoned runs "Interrupted"; returns their ids."""
    moment = now or datetime.now(UTC)
    here = RunOwner.current()
    gone = [run.id for run in await uow.processes.running_runs() if abandoned(run, here, moment)]
    await _interrupt(uow, gone)
    return gone


async def _interrupt(uow: UnitOfWork, run_ids: list[uuid.UUID]) -> None:
    if run_ids:
        message = _("The run was interrupted: the program running it stopped before it ended.")
        await uow.processes.interrupt_runs(run_ids, message)


def _since(started_on: datetime, now: datetime) -> str:
    """When a run started, in local time: "10:42" today, "2024-05-01 10:42" before."""
    local = started_on.astimezone()
    same_day = local.date() == now.astimezone().date()
    return local.strftime("%H:%M" if same_day else "%Y-%m-%d %H:%M")


async def start_run_alone(
    uow: UnitOfWork, process: Process, *, log: bool = True
) -> ProcessRun | None:
    """Start a run of `process` ("Running" in the log, this process its owner), unless a run
    of it goes on: then raise `ProcessAlreadyRunningError`, naming when and by whom the
    first was started (`uow` is rolled back: nothing is written). Runs left by a dead
    process (or ended in this one) do not count; they become "Interrupted". With
    `log=False` (a dry run's check) nothing is written: only whether a run goes on is
    looked at.

    Two starts at the same moment cannot both pass: the process's catalogue row is locked
    first (PostgreSQL), and our row is written before the others are looked at, so on SQLite
    the write lock is held from there to the commit: the second start's write waits for the
    first to commit, and then sees its row.
    """
    mine: ProcessRun | None = None
    if log:
        await uow.processes.lock_process(process.id)
        mine = await uow.processes.start_run(process.id)
    here, now = RunOwner.current(), datetime.now(UTC)
    others = [
        run
        for run in await uow.processes.running_runs(process.id)
        if mine is None or run.id != mine.id
    ]

    def going(run: ProcessRun) -> bool:
        if run.owner == here:  # this very process knows what it carries out
            return run.id in _CARRIED_OUT
        return not abandoned(run, here, now)

    live = [run for run in others if going(run)]
    if live:
        first = live[0]
        name = await uow.processes.starter_name(first)
        if name is None and first.owner is not None:
            name = tr("process {0} on {1}", first.owner.pid, first.owner.host)
        raise ProcessAlreadyRunningError(
            process.code, _since(first.started_on, now), name or _("an unknown user")
        )
    if mine is not None:
        await _interrupt(uow, [run.id for run in others])
        _CARRIED_OUT.add(mine.id)
    return mine


def run_ended(run_id: uuid.UUID | None) -> None:
    """This process carries the run out no more (its end recorded or not)."""
    if run_id is not None:
        _CARRIED_OUT.discard(run_id)


async def record_end(
    db: Database,
    actor: Actor,
    run_id: uuid.UUID | None,
    status: ProcessStatus,
    counts: dict[str, int],
    message: str,
) -> None:
    """The run is over: its status, counts and message go to the Process log. A failure to
    write them is logged, never raised over the run's own outcome (the next start marks a
    run left "Running" as interrupted)."""
    run_ended(run_id)
    if run_id is None:
        return
    try:
        async with unit_of_work(db, actor) as uow:
            await uow.processes.finish_run(run_id, status, counts, message)
    except Exception:
        log.exception("could not record the end of the process run %s", run_id)
