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
from webitel_tui.repositories.change_log import ChangeLogRepository
from webitel_tui.repositories.contacts import AccountRepository, ContactRepository
from webitel_tui.repositories.folders import FolderRepository
from webitel_tui.repositories.processes import ProcessRepository
from webitel_tui.repositories.profiles import ProfileRepository
from webitel_tui.repositories.reconcile import ReconcileRepository
from webitel_tui.repositories.settings import SettingsRepository
from webitel_tui.repositories.users import UserRepository
from webitel_tui.repositories.webitel_import import WebitelImportRepository
from webitel_tui.repositories.webitel_users import WebitelUserRepository
from webitel_tui.repositories.workplaces import WorkplaceRepository

SYSTEM = Actor()


class UnitOfWork:
    """The repositories on one session."""

    def __init__(self, session: AsyncSession, actor: Actor) -> None:
        self.session = session
        self.actor = actor
        self.users = UserRepository(session, actor)
        self.contacts = ContactRepository(session, actor)
        self.accounts = AccountRepository(session, actor)
        self.workplaces = WorkplaceRepository(session, actor)
        self.webitel_users = WebitelUserRepository(session, actor)
        self.folders = FolderRepository(session, actor)
        self.webitel_import = WebitelImportRepository(session, actor)
        self.reconcile = ReconcileRepository(session, actor)
        self.processes = ProcessRepository(session, actor)
        self.settings = SettingsRepository(session, actor)
        self.profiles = ProfileRepository(session, actor)
        self.change_log = ChangeLogRepository(session, actor)

    async def commit(self) -> None:
        await self.session.commit()

    async def rollback(self) -> None:
        await self.session.rollback()


@asynccontextmanager
async def unit_of_work(db: Database, actor: Actor = SYSTEM) -> AsyncIterator[UnitOfWork]:
    session = db.session()
    try:
        try:
            yield UnitOfWork(session, actor)
        except BaseException:
            await session.rollback()
            raise
        await session.commit()
    except BaseException:
        # SQLAlchemy's own exit of `async with session`: the close runs to its end (the
        # connection back in the pool) even if this task is cancelled meanwhile.
        async with session:
            pass
        raise
    # Committed, the connection is back in the pool already: this close waits on nothing, so
    # no cancellation can cut it short, and it needs no task of its own (~30 us a unit).
    await session.close()


__all__ = ["SYSTEM", "UnitOfWork", "unit_of_work"]
