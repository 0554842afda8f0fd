"""The business-process catalogue ("Run process") and the log of its runs."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from typing import Any

from sqlalchemy import false, select, update

from webitel_tui.db.tables import Contact, SysProcess, SysProcessLog, utcnow
from webitel_tui.domain.paging import Page, PageRequest
from webitel_tui.domain.processes import Process, ProcessRun, ProcessStatus, RunOwner
from webitel_tui.domain.text import finds_nothing, like_pattern
from webitel_tui.repositories.base import Repository, audit_fields
from webitel_tui.repositories.paging import fetch_page

PROCESS_SORT_COLUMNS = {"caption": SysProcess.Caption, "code": SysProcess.Code}


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


class ProcessRepository(Repository):
    async def page_processes(
        self, request: PageRequest, *, enabled_only: bool = True
    ) -> Page[Process]:
        """The "Process start" lookup: enabled processes, searched by caption or code."""
        query = select(SysProcess)
        if enabled_only:
            query = query.where(SysProcess.Enabled.is_(True))
        if finds_nothing(request.search):
            query = query.where(false())
        elif request.search.strip():
            pattern = like_pattern(request.search)
            query = query.where(
                SysProcess.Caption.ilike(pattern, escape="\\")
                | SysProcess.Code.ilike(pattern, escape="\\")
            )
        return await fetch_page(
            self.session,
            query,
            request=request.model_copy(update={"search": ""}),
            sort_columns=PROCESS_SORT_COLUMNS,
            id_column=SysProcess.Id,
            search_column=None,
            to_model=_process,
        )

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
