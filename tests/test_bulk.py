"""Bulk actions against the simulator over loopback: each user through the card's journaled
path, previewed first (what will change, what the server will refuse), refusals and faults
on some users never stopping the others, and a cancel between two users."""

from __future__ import annotations

import pytest

from tests import test_provisioning
from tests.test_provisioning import World, create, open_items
from tests.webitel.conftest import inject
from webitel_tui.domain.bulk import BulkKind
from webitel_tui.domain.errors import ValidationError
from webitel_tui.domain.paging import PageRequest
from webitel_tui.domain.webitel_users import WebitelUser
from webitel_tui.processes import bulk
from webitel_tui.processes.bulk import BulkAction, Outcome
from webitel_tui.repositories import unit_of_work
from webitel_tui.simulator import FaultRule

world = test_provisioning.world

PEOPLE = (("okovalenko", "7001"), ("amelnyk", "7002"), ("ibondarenko", "7003"), ("jsmith", "7004"))


async def four(world: World) -> list[WebitelUser]:
    return [await create(world, login, extension) for login, extension in PEOPLE]


async def test_a_license_for_more_users_than_grants_left_says_who_will_not_get_it(
    world: World,
) -> None:
    records = await four(world)
    world.sim.state.license_by_product("OPERATOR").limit = (
        world.sim.state.license_by_product("OPERATOR").used + 2
    )
    action = BulkAction(BulkKind.GRANT_LICENSE, "OPERATOR")
    planned = await bulk.plan(world.db, world.actor, world.client, action, records)
    assert [line.outcome for line in planned.lines] == [
        Outcome.CHANGE,
        Outcome.CHANGE,
        Outcome.REFUSED,
        Outcome.REFUSED,
    ]
    assert planned.notes == ["No grants left of OPERATOR: 2 of 4 will not get it."]

    heard: list[bulk.BulkLine] = []
    done = await bulk.carry_out(world.db, world.actor, world.client, planned, on_line=heard.append)
    assert heard == done
    assert [line.outcome for line in done] == [
        Outcome.CHANGED,
        Outcome.CHANGED,
        Outcome.REFUSED,
        Outcome.REFUSED,
    ]
    for line, record in zip(done, records, strict=True):
        server = world.sim.state.users[record.webitel_id]  # type: ignore[index]
        async with unit_of_work(world.db) as uow:
            crm = {lic.license_id for lic in await uow.webitel_users.licenses(record.id)}
        assert crm == set(server.licenses)  # the CRM and the server agree, user by user
        assert bool(crm) is (line.outcome is Outcome.CHANGED)

    # Again: those who have it are left alone, the others still refused.
    again = await bulk.plan(world.db, world.actor, world.client, action, records)
    assert [line.outcome for line in again.lines[:2]] == [Outcome.UNCHANGED] * 2
    revoke = BulkAction(BulkKind.REVOKE_LICENSE, "OPERATOR")
    planned = await bulk.plan(world.db, world.actor, world.client, revoke, records)
    done = await bulk.carry_out(world.db, world.actor, world.client, planned)
    assert [line.outcome for line in done] == [
        Outcome.CHANGED,
        Outcome.CHANGED,
        Outcome.UNCHANGED,
        Outcome.UNCHANGED,
    ]
    assert all(not world.sim.state.users[r.webitel_id].licenses for r in records)  # type: ignore[index]


async def test_roles_stun_and_a_typo(world: World) -> None:
    records = await four(world)
    add = BulkAction(BulkKind.ADD_ROLE, "supervisors")
    done = await bulk.carry_out(
        world.db,
        world.actor,
        world.client,
        await bulk.plan(world.db, world.actor, world.client, add, records),
    )
    assert {line.outcome for line in done} == {Outcome.CHANGED}
    async with unit_of_work(world.db) as uow:
        for record in records:
            assert "supervisors" in [r.name for r in await uow.webitel_users.roles(record.id)]
    stun = BulkAction(BulkKind.STUN_ON)
    planned = await bulk.plan(world.db, world.actor, world.client, stun, records)
    done = await bulk.carry_out(world.db, world.actor, world.client, planned)
    async with unit_of_work(world.db) as uow:
        for record in records:
            assert (await uow.webitel_users.get(record.id)).enable_stun
    with pytest.raises(ValidationError, match='No Webitel role "supervisorz"'):
        await bulk.plan(
            world.db,
            world.actor,
            world.client,
            BulkAction(BulkKind.ADD_ROLE, "supervisorz"),
            records,
        )


async def test_a_fault_on_one_user_leaves_it_for_reconcile_and_the_run_goes_on(
    world: World,
) -> None:
    records = await four(world)
    # The first three PATCHes are carried out but their answers are lost (503).
    lost = FaultRule(kind="status", route="PATCH /api/users/*", status=503, apply=True, count=3)
    inject(world.sim, lost)
    planned = await bulk.plan(
        world.db, world.actor, world.client, BulkAction(BulkKind.ADD_ROLE, "agents"), records
    )
    done = await bulk.carry_out(world.db, world.actor, world.client, planned)
    assert len(done) == 4
    # The lost answer was read back: the change happened, and the run went on.
    assert [line.outcome for line in done] == [Outcome.CHANGED] * 4
    assert world.sim.app.faults.describe()["fired"] == [3]  # the faults did fire
    for line, record in zip(done, records, strict=True):
        server = world.sim.state.users[record.webitel_id]  # type: ignore[index]
        async with unit_of_work(world.db) as uow:
            crm = {r.role_id for r in await uow.webitel_users.roles(record.id)}
        items = [item for item in await open_items(world) if item.record_id == record.id]
        # Agreeing with the server, or an open reconcile item says it may not.
        assert crm <= set(server.roles) and (crm == set(server.roles) - {1} or items), line


async def test_cancel_stops_between_two_users(world: World) -> None:
    records = await four(world)
    planned = await bulk.plan(
        world.db, world.actor, world.client, BulkAction(BulkKind.DELETE), records
    )
    asked = 0

    def cancelled() -> bool:
        nonlocal asked
        asked += 1
        return asked > 2

    done = await bulk.carry_out(world.db, world.actor, world.client, planned, cancelled=cancelled)
    assert [line.outcome for line in done] == [
        Outcome.CHANGED,
        Outcome.CHANGED,
        Outcome.CANCELLED,
        Outcome.CANCELLED,
    ]
    assert records[0].webitel_id not in world.sim.state.users
    assert records[3].webitel_id in world.sim.state.users
    async with unit_of_work(world.db) as uow:
        assert await uow.webitel_users.find(records[3].id) is not None
        assert await uow.webitel_users.find(records[0].id) is None


async def test_ctrl_a_over_a_longer_list_than_a_bulk_action_takes_is_refused(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    await four(world)
    monkeypatch.setattr(bulk, "MAX_USERS", 3)
    with pytest.raises(bulk.TooManyUsersError, match="takes up to 3 users; the list has 4"):
        await bulk.records_of(world.db, world.actor, PageRequest(sort="name"))
    found = await bulk.records_of(world.db, world.actor, PageRequest(search="o", sort="name"))
    assert 0 < len(found) <= 3
