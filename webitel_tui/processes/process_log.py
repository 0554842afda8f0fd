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
"""

from __future__ import annotations

import os
import sys
import uuid
from datetime import UTC, datetime, timedelta

from webitel_tui.domain.processes import ProcessRun, RunOwner
from webitel_tui.i18n import _
from webitel_tui.repositories import UnitOfWork

ABANDONED_AFTER = timedelta(days=1)


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
    if gone:
        message = _("The run was interrupted: the program running it stopped before it ended.")
        await uow.processes.interrupt_runs(gone, message)
    return gone
