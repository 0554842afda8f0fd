"""The only way the program reads or writes the CRM database.

`unit_of_work(db, actor)` opens one transaction with every repository on it: it commits when
the block ends normally and rolls back on any error, so no half-saved record is left behind.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncSession

from webitel_tui.db.engine import Database
from webitel_tui.domain.records import Actor
from webitel_tui.repositories.changelog import ChangeLogRepository
from webitel_tui.repositories.contacts import AccountRepository, ContactRepository
from webitel_tui.repositories.processes import ProcessRepository
from webitel_tui.repositories.reconcile import ReconcileRepository
from webitel_tui.repositories.settings import SettingsRepository
from webitel_tui.repositories.users import UserRepository
from webitel_tui.repositories.webitel_import import WebitelImportRepository
from webitel_tui.repositories.webitel_users import WebitelUserRepository
from webitel_tui.repositories.workplaces import WorkplaceRepository

SYSTEM = Actor()


class UnitOfWork:
    def __init__(self, session: AsyncSession, actor: Actor) -> None:
        self.session = session
        self.actor = actor
        self.users = UserRepository(session, actor)
        self.contacts = ContactRepository(session, actor)
        self.accounts = AccountRepository(session, actor)
        self.workplaces = WorkplaceRepository(session, actor)
        self.webitel_users = WebitelUserRepository(session, actor)
        self.webitel_import = WebitelImportRepository(session, actor)
        self.reconcile = ReconcileRepository(session, actor)
        self.processes = ProcessRepository(session, actor)
        self.settings = SettingsRepository(session, actor)
        self.changelog = ChangeLogRepository(session, actor)

    async def commit(self) -> None:
        await self.session.commit()

    async def rollback(self) -> None:
        await self.session.rollback()


@asynccontextmanager
async def unit_of_work(db: Database, actor: Actor = SYSTEM) -> AsyncIterator[UnitOfWork]:
    async with db.session() as session:
        uow = UnitOfWork(session, actor)
        try:
            yield uow
        except BaseException:
            await session.rollback()
            raise
        await session.commit()


__all__ = ["SYSTEM", "UnitOfWork", "unit_of_work"]
