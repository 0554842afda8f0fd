"""The journal of server changes; its unsettled entries are the reconcile items."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, Update, or_, select, update
from sqlalchemy.exc import IntegrityError

from webitel_tui.db.ids import new_id
from webitel_tui.db.tables import WebitelReconcileItem, utcnow
from webitel_tui.domain.errors import RecordConflictError
from webitel_tui.domain.processes import RunOwner
from webitel_tui.domain.webitel_users import ReconcileItem
from webitel_tui.repositories.base import Repository

_CAPTION = "Webitel user"


def _item(row: WebitelReconcileItem) -> ReconcileItem:
    return ReconcileItem(
        id=row.Id,
        created_on=row.CreatedOn,
        webitel_id=row.WebitelId,
        name=row.Name,
        problem=row.Problem,
        resolved_on=row.ResolvedOn,
        operation=row.Operation,
        record_id=row.RecordId,
        intent=row.Intent or {},
        pending=row.Pending,
        owner=None if row.Host is None or row.Pid is None else RunOwner(row.Host, row.Pid),
    )


def unsettled_records() -> Select[Any]:
    """The records that have an unsettled entry (a change under way or a reconcile item)."""
    return select(WebitelReconcileItem.RecordId).where(
        WebitelReconcileItem.ResolvedOn.is_(None), WebitelReconcileItem.RecordId.is_not(None)
    )


class ReconcileRepository(Repository):
    async def add(
        self,
        webitel_id: int | None,
        name: str,
        problem: str = "",
        *,
        operation: str = "",
        record_id: uuid.UUID | None = None,
        intent: dict[str, Any] | None = None,
        pending: bool = False,
    ) -> ReconcileItem:
        """A new journal entry: `pending` while its server call is under way (made by this
        process), else an open reconcile item. A record that already has an unsettled entry
        is refused as a conflict (another admin's change of it is under way, or waits for
        Reconcile)."""
        row = WebitelReconcileItem(
            Id=new_id(),
            CreatedOn=utcnow(),
            CreatedById=self.actor.contact_id,
            WebitelId=webitel_id,
            Name=name,
            Problem=problem,
            Operation=operation,
            RecordId=record_id,
            Intent=intent or {},
            Pending=pending,
        )
        if pending:
            owner = RunOwner.current()
            row.Host, row.Pid = owner.host, owner.pid
        self.session.add(row)
        try:
            await self.session.flush()
        except IntegrityError as exc:
            raise RecordConflictError(_CAPTION, record_id or uuid.UUID(int=0)) from exc
        return _item(row)

    async def open_items(
        self,
        limit: int = 100,
        *,
        pending_before: datetime | None = None,
        pending_on: str | None = None,
        record_id: uuid.UUID | None = None,
    ) -> list[ReconcileItem]:
        """The unsettled entries, oldest first, whose call has ended; with those still
        marked pending since before `pending_before`, and those pending on the host
        `pending_on` (the caller asks whether their process still runs); only the record's,
        given `record_id`."""
        unsettled = WebitelReconcileItem.ResolvedOn.is_(None)
        ended: ColumnElement[bool] = WebitelReconcileItem.Pending.is_(False)
        if pending_before is not None:
            ended = or_(ended, WebitelReconcileItem.CreatedOn < pending_before)
        if pending_on is not None:
            ended = or_(ended, WebitelReconcileItem.Host == pending_on)
        query = select(WebitelReconcileItem).where(unsettled, ended)
        if record_id is not None:
            query = query.where(WebitelReconcileItem.RecordId == record_id)
        rows = await self.session.scalars(
            query.order_by(WebitelReconcileItem.CreatedOn, WebitelReconcileItem.Id).limit(limit)
        )
        return [_item(row) for row in rows]

    async def unsettled_for(self, record_id: uuid.UUID) -> ReconcileItem | None:
        """The record's unsettled entry, if any (the card's banner)."""
        row = await self.session.scalar(
            select(WebitelReconcileItem).where(
                WebitelReconcileItem.RecordId == record_id,
                WebitelReconcileItem.ResolvedOn.is_(None),
            )
        )
        return None if row is None else _item(row)

    async def keep_open(
        self, item_id: uuid.UUID, problem: str, webitel_id: int | None = None
    ) -> None:
        """The change could not be settled: the entry becomes a reconcile item, with the
        user's Webitel id when the server has just given it."""
        values: dict[str, Any] = {"Pending": False, "Problem": problem}
        if webitel_id is not None:
            values["WebitelId"] = webitel_id
        await self.session.execute(_unsettled(item_id).values(values))

    async def resolve(self, item_id: uuid.UUID, note: str = "") -> bool:
        """Settle the entry (in the transaction that brings the CRM in line with the
        server); False if it already was, e.g. by another admin's Reconcile at the same
        time."""
        values: dict[str, Any] = {"ResolvedOn": utcnow(), "Pending": False}
        if note:
            values["Problem"] = note
        result = await self.session.execute(_unsettled(item_id).values(values))
        return bool(result.rowcount)  # type: ignore[attr-defined]


def _unsettled(item_id: uuid.UUID) -> Update:
    """An UPDATE of the entry while it is unsettled: one statement, so that two admins'
    Reconciles settle it once."""
    return update(WebitelReconcileItem).where(
        WebitelReconcileItem.Id == item_id, WebitelReconcileItem.ResolvedOn.is_(None)
    )
