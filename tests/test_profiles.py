"""Per-user profile data (SysProfileData): each user's own, by key, replaced on write; on
SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import func, select

from tests.factories import make_user
from webitel_tui.db.engine import Database
from webitel_tui.db.tables import SysProfileData
from webitel_tui.domain.records import Actor
from webitel_tui.repositories import unit_of_work


async def test_each_user_reads_back_their_own_data_by_key(db: Database) -> None:
    async with unit_of_work(db) as uow:
        ann = await make_user(uow, "ann")
        bob = await make_user(uow, "bob")
    as_ann = Actor(user_id=ann.id, contact_id=ann.contact_id)
    as_bob = Actor(user_id=bob.id, contact_id=bob.contact_id)
    async with unit_of_work(db, as_ann) as uow:
        assert await uow.profiles.read("grid.columns.x") is None
        await uow.profiles.write("grid.columns.x", {"shown": ["name", "stun"]})
        await uow.profiles.write("grid.columns.y", {"shown": ["code"]})
    async with unit_of_work(db, as_bob) as uow:
        assert await uow.profiles.read("grid.columns.x") is None  # Ann's, not Bob's
        await uow.profiles.write("grid.columns.x", {"shown": ["contact"]})
    async with unit_of_work(db, as_ann) as uow:
        assert await uow.profiles.read("grid.columns.x") == {"shown": ["name", "stun"]}
        await uow.profiles.write("grid.columns.x", {"shown": ["stun"]})  # replaced
    async with unit_of_work(db, as_ann) as uow:
        assert await uow.profiles.read("grid.columns.x") == {"shown": ["stun"]}
        assert await uow.profiles.read("grid.columns.y") == {"shown": ["code"]}
        rows = await uow.session.scalar(select(func.count()).select_from(SysProfileData))
    assert rows == 3
    async with unit_of_work(db, as_bob) as uow:
        assert await uow.profiles.read("grid.columns.x") == {"shown": ["contact"]}


async def test_nobody_acting_has_no_profile(db: Database) -> None:
    async with unit_of_work(db) as uow:  # the system: no user
        await uow.profiles.write("grid.columns.x", {"shown": ["name"]})
        assert await uow.profiles.read("grid.columns.x") is None
