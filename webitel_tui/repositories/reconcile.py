"""Reconcile items: CRM/Webitel disagreements that could not be undone when they happened."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from webitel_tui.db.ids import new_id
from webitel_tui.db.tables import WebitelReconcileItem, utcnow
from webitel_tui.domain.changelog import Operation
from webitel_tui.domain.webitel_users import ReconcileItem
from webitel_tui.repositories.base import Repository

ENTITY = "WebitelReconcileItem"


def _item(row: WebitelReconcileItem) -> ReconcileItem:
    return ReconcileItem(
        id=row.Id,
        created_on=row.CreatedOn,
        webitel_id=row.WebitelId,
        name=row.Name,
        problem=row.Problem,
        resolved_on=row.ResolvedOn,
    )


class ReconcileRepository(Repository):
    async def add(self, webitel_id: int | None, name: str, problem: str) -> ReconcileItem:
        row = WebitelReconcileItem(
            Id=new_id(),
            CreatedOn=utcnow(),
            CreatedById=self.actor.contact_id,
            WebitelId=webitel_id,
            Name=name,
            Problem=problem,
        )
        self.session.add(row)
        await self.session.flush()
        return _item(row)

    async def open_items(self, limit: int = 100) -> list[ReconcileItem]:
        """The open items, oldest first."""
        rows = await self.session.scalars(
            select(WebitelReconcileItem)
            .where(WebitelReconcileItem.ResolvedOn.is_(None))
            .order_by(WebitelReconcileItem.CreatedOn, WebitelReconcileItem.Id)
            .limit(limit)
        )
        return [_item(row) for row in rows]

    async def resolve(self, item_id: uuid.UUID) -> bool:
        """Mark the item resolved (who and when go to the change log); False if it already
        was, e.g. by another admin's Reconcile at the same time."""
        row = await self.session.get(WebitelReconcileItem, item_id, with_for_update=True)
        if row is None or row.ResolvedOn is not None:
            return False
        row.ResolvedOn = utcnow()
        self.log_change(
            ENTITY,
            row.Id,
            Operation.UPDATE,
            {"ResolvedOn": None},
            {"ResolvedOn": row.ResolvedOn.isoformat()},
        )
        await self.session.flush()
        return True
