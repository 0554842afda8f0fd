"""The business-process catalogue ("Run process") and the log of its runs."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from typing import Any

from sqlalchemy import ColumnElement, false, select, true, update

from webitel_tui.db.tables import Contact, SysProcess, SysProcessLog, utcnow
from webitel_tui.domain.paging import Page, PageRequest
from webitel_tui.domain.processes import Process, ProcessRun, ProcessStatus, RunOwner
from webitel_tui.domain.text import finds_nothing, like_pattern
from webitel_tui.repositories.base import Repository, audit_fields
from webitel_tui.repositories.paging import fetch_page

PROCESS_SORT_COLUMNS = {"caption": SysProcess.Caption, "code": SysProcess.Code}
RUN_SORT_COLUMNS = {"started": SysProcessLog.StartedOn}
"""The log is read in time order only (see migration 0011)."""


def _process(row: SysProcess) -> Process:
    return Process(
        **audit_fields(row),
        caption=row.Caption,
        code=row.Code,
        description=row.Description,
        enabled=row.Enabled,
    )


def _run(row: SysProcessLog) -> ProcessRun:
    return ProcessRun(
        **audit_fields(row),
        process_id=row.SysProcessId,
        started_on=row.StartedOn,
        started_by=row.CreatedById,
        completed_on=row.CompletedOn,
        status=ProcessStatus(row.Status),
        counts=dict(row.Counts),
        message=row.Message,
        owner=None if row.Host is None or row.Pid is None else RunOwner(row.Host, row.Pid),
    )


def _caption_or_code(search: str) -> ColumnElement[bool]:
    """The processes whose caption or code contains `search` (every one for a blank one)."""
    if finds_nothing(search):
        return false()
    if not search.strip():
        return true()
    pattern = like_pattern(search)
    return SysProcess.Caption.ilike(pattern, escape="\\") | SysProcess.Code.ilike(
        pattern, escape="\\"
    )


class ProcessRepository(Repository):
    async def page_processes(
        self,
        request: PageRequest,
        *,
        enabled_only: bool = True,
        hidden: Collection[str] = (),
    ) -> Page[Process]:
        """The "Process start" lookup: enabled processes, searched by caption or code,
        but those whose codes are `hidden` (the user may not run them)."""
        query = select(SysProcess).where(_caption_or_code(request.search))
        if enabled_only:
            query = query.where(SysProcess.Enabled.is_(True))
        if hidden:
            query = query.where(SysProcess.Code.not_in(hidden))
        return await fetch_page(
            self.session,
            query,
            request=request.model_copy(update={"search": ""}),
            sort_columns=PROCESS_SORT_COLUMNS,
            id_column=SysProcess.Id,
            search_column=None,
            to_model=_process,
        )

    async def page_runs(self, request: PageRequest) -> Page[ProcessRun]:
        """The Process log: runs of every process by start (newest first with
        `descending`), searched by the process's caption or code, each with the process's
        caption and who started it."""
        query = select(SysProcessLog)
        if request.search.strip() or finds_nothing(request.search):
            # The catalogue is a handful of rows: the runs of the processes it finds.
            found = select(SysProcess.Id).where(_caption_or_code(request.search))
            query = query.where(SysProcessLog.SysProcessId.in_(found))
        page = await fetch_page(
            self.session,
            query,
            request=request.model_copy(update={"search": ""}),
            sort_columns=RUN_SORT_COLUMNS,
            id_column=SysProcessLog.Id,
            search_column=None,
            to_model=_run,
        )
        return page.model_copy(update={"items": await self._named(page.items)})

    async def get_run(self, run_id: uuid.UUID) -> ProcessRun:
        """One run, with its process's caption and who started it."""
        row = await self.get_or_missing(SysProcessLog, run_id, "process log")
        [run] = await self._named([_run(row)])
        return run

    async def _named(self, runs: list[ProcessRun]) -> list[ProcessRun]:
        """The runs with their processes' captions and their starters' names (one query
        each for a page)."""
        process_ids = {run.process_id for run in runs}
        starters = {run.started_by for run in runs if run.started_by is not None}
        captions: dict[uuid.UUID, str] = {}
        names: dict[uuid.UUID, str] = {}
        if process_ids:
            rows = await self.session.execute(
                select(SysProcess.Id, SysProcess.Caption).where(SysProcess.Id.in_(process_ids))
            )
            captions = {row.Id: row.Caption for row in rows}
        if starters:
            rows = await self.session.execute(
                select(Contact.Id, Contact.Name).where(Contact.Id.in_(starters))
            )
            names = {row.Id: row.Name for row in rows}
        return [
            run.model_copy(
                update={
                    "process_caption": captions.get(run.process_id, ""),
                    "started_by_name": names.get(run.started_by, "") if run.started_by else "",
                }
            )
            for run in runs
        ]

    async def by_code(self, code: str) -> Process | None:
        row = await self.session.scalar(select(SysProcess).where(SysProcess.Code == code))
        return None if row is None else _process(row)

    async def ensure(self, code: str, caption: str, description: str = "") -> Process:
        row = await self.session.scalar(select(SysProcess).where(SysProcess.Code == code))
        if row is None:
            row = SysProcess(Code=code, Caption=caption, Description=description, Enabled=True)
            self.stamp_new(row)
            self.session.add(row)
            await self.flush("process")
        return _process(row)

    async def start_run(self, process_id: uuid.UUID, owner: RunOwner | None = None) -> ProcessRun:
        """A "Running" row for a run carried out by `owner` (this process unless said)."""
        owner = owner or RunOwner.current()
        row = SysProcessLog(
            SysProcessId=process_id,
            StartedOn=utcnow(),
            Status=ProcessStatus.RUNNING.value,
            Counts={},
            Message="",
            Host=owner.host,
            Pid=owner.pid,
        )
        self.stamp_new(row)
        self.session.add(row)
        await self.flush("process log")
        return _run(row)

    async def finish_run(
        self, run_id: uuid.UUID, status: ProcessStatus, counts: dict[str, Any], message: str = ""
    ) -> ProcessRun:
        row = await self.get_or_missing(SysProcessLog, run_id, "process log")
        row.Status = status.value
        row.Counts = dict(counts)
        row.Message = message
        row.CompletedOn = utcnow()
        self.stamp_modified(row)
        await self.flush("process log", run_id)
        return _run(row)

    async def recent_runs(self, process_id: uuid.UUID, limit: int = 20) -> list[ProcessRun]:
        rows = await self.session.scalars(
            select(SysProcessLog)
            .where(SysProcessLog.SysProcessId == process_id)
            .order_by(SysProcessLog.StartedOn.desc())
            .limit(limit)
        )
        return [_run(row) for row in rows]

    async def running_runs(self, process_id: uuid.UUID | None = None) -> list[ProcessRun]:
        """The runs whose end is not recorded: of every process, or of `process_id`."""
        query = select(SysProcessLog).where(SysProcessLog.Status == ProcessStatus.RUNNING.value)
        if process_id is not None:
            query = query.where(SysProcessLog.SysProcessId == process_id)
        rows = await self.session.scalars(query.order_by(SysProcessLog.StartedOn))
        return [_run(row) for row in rows]

    async def lock_process(self, process_id: uuid.UUID) -> None:
        """Hold the process's catalogue row until this transaction ends: on PostgreSQL
        another transaction that asks for it waits until then (SELECT ... FOR UPDATE).
        SQLite has no row locks (no FOR UPDATE is sent): there the first write of a
        transaction waits for every other writer to end."""
        await self.session.execute(
            select(SysProcess.Id).where(SysProcess.Id == process_id).with_for_update()
        )

    async def starter_name(self, run: ProcessRun) -> str | None:
        """The name of the contact who started `run`, if known."""
        if run.started_by is None:
            return None
        return await self.session.scalar(select(Contact.Name).where(Contact.Id == run.started_by))

    async def interrupt_runs(self, run_ids: Collection[uuid.UUID], message: str) -> None:
        """Mark these runs "Interrupted", those still "Running": two starts at once may both
        sweep, and a run may end meanwhile. One statement, so neither refuses the other."""
        await self.session.execute(
            update(SysProcessLog)
            .where(
                SysProcessLog.Id.in_(list(run_ids)),
                SysProcessLog.Status == ProcessStatus.RUNNING.value,
            )
            .values(
                Status=ProcessStatus.INTERRUPTED.value,
                Message=message,
                ModifiedOn=utcnow(),
                ModifiedById=self.actor.contact_id,
                Version=SysProcessLog.Version + 1,
            )
            .execution_options(synchronize_session=False)
        )
