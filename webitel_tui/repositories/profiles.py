"""Per-user profile data (Creatio's SysProfileData): what the acting user chose for themself,
by key, e.g. the columns of a grid. Not a record of the CRM: no change log, no version check
(the last choice wins)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from webitel_tui.db.tables import SysProfileData
from webitel_tui.repositories.base import Repository


class ProfileRepository(Repository):
    async def read(self, key: str) -> dict[str, Any] | None:
        """The acting user's data under `key` (None: nothing saved, or no user acts)."""
        user = self.actor.user_id
        if user is None:
            return None
        query = select(SysProfileData.ObjectData).where(
            SysProfileData.SysAdminUnitId == user, SysProfileData.Key == key
        )
        data = await self.session.scalar(query)
        return dict(data) if isinstance(data, dict) else None

    async def write(self, key: str, data: dict[str, Any]) -> None:
        """Keep `data` under `key` for the acting user (replacing what was there)."""
        user = self.actor.user_id
        if user is None:
            return
        row = await self.session.scalar(
            select(SysProfileData).where(
                SysProfileData.SysAdminUnitId == user, SysProfileData.Key == key
            )
        )
        if row is None:
            row = SysProfileData(SysAdminUnitId=user, Key=key, ObjectData=data)
            self.stamp_new(row)
            self.session.add(row)
        else:
            row.ObjectData = data
            self.stamp_modified(row)
        await self.session.flush()
