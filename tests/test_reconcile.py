"""Reconcile: the CRM follows Webitel for each open reconcile item, against the simulator over
loopback on SQLite and PostgreSQL; the items are made the way the app makes them (a CRM
failure after the server accepted, with the undo on the server failing too)."""

from __future__ import annotations

import pytest

from tests import test_provisioning
from tests.change_log import change_log
from tests.test_provisioning import World, create, crm_records, form_for
from tests.webitel.conftest import inject
from webitel_tui.domain.errors import DomainError
from webitel_tui.domain.webitel_users import NewWebitelUser, ReconcileItem
from webitel_tui.processes import provisioning
from webitel_tui.processes.provisioning import NeedsReconcile
from webitel_tui.processes.reconcile import reconcile
from webitel_tui.repositories import unit_of_work
from webitel_tui.repositories.webitel_users import WebitelUserRepository
from webitel_tui.simulator import FaultRule
from webitel_tui.webitel import InputUser

world = test_provisioning.world
"""The same fixture: a demo CRM (SQLite, PostgreSQL) and a simulator with 20 users."""


async def open_items(world: World) -> list[ReconcileItem]:
    async with unit_of_work(world.db) as uow:
        return await uow.reconcile.open_items()


async def changes_of(world: World, record_id: object) -> list[str]:
    async with unit_of_work(world.db) as uow:
        log = await change_log(uow, record_id)  # type: ignore[arg-type]
    assert all(entry.created_by == world.actor.contact_id for entry in log)
    return [entry.operation.value for entry in reversed(log)]


async def broken(*_: object, **__: object) -> None:
    raise DomainError("disk full")


async def test_a_user_only_webitel_has_gets_its_crm_record(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    with monkeypatch.context() as patched:
        patched.setattr(WebitelUserRepository, "create", broken)  # the new record's write
        inject(world.sim, FaultRule(kind="status", status=500, route="DELETE /api/users/*"))
        with pytest.raises(NeedsReconcile):
            await create(world, "okovalenko", "7001")
    inject(world.sim)
    (item,) = await open_items(world)
    server = world.sim.state.user_by_username("okovalenko")
    assert server is not None and item.webitel_id == server.id
    operator = world.sim.state.license_by_product("OPERATOR")
    user = await world.client.get_user(server.id)
    await world.client.set_user_licenses(user.id, [*user.license_ids, operator.id])
    await world.client.set_user_roles(user.id, [*user.role_ids, "2"])

    (outcome,) = await reconcile(world.db, world.actor, world.client)

    assert outcome.resolved and outcome.note == 'Created the CRM record "okovalenko" from Webitel.'
    (record,) = await crm_records(world)
    assert (record.name, record.extension, record.webitel_id) == ("okovalenko", "7001", server.id)
    assert record.contact_name == "Olena Kovalenko"  # linked to the CRM user of that name
    assert record.default_device_id == server.device and record.licenses_text == "OPERATOR"
    async with unit_of_work(world.db) as uow:
        assert [r.name for r in await uow.webitel_users.roles(record.id)] == ["agents"]
        assert (await uow.users.get_by_name("okovalenko")).id == record.user_id  # type: ignore[union-attr]
    # Created once, then its details as the server has them (its history shows both).
    assert await changes_of(world, record.id) == ["Insert", "Update", "Update"]
    assert await open_items(world) == []
    assert await reconcile(world.db, world.actor, world.client) == []  # nothing left


async def test_a_server_change_the_crm_could_not_save_is_taken_over(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    record = await create(world, "okovalenko", "7001")
    assert record.webitel_id is not None

    async def fails_and_so_does_the_undo(*_: object) -> None:
        inject(world.sim, FaultRule(kind="status", status=500, route="PATCH /api/users/*"))
        raise DomainError("disk full")

    form = (await form_for(world, "okovalenko", "7005")).model_copy(
        update={"record_id": record.id, "version": record.version}
    )
    with monkeypatch.context() as patched:
        patched.setattr(WebitelUserRepository, "update", fails_and_so_does_the_undo)
        with pytest.raises(NeedsReconcile, match="listed under Reconcile"):
            await provisioning.update_webitel_user(world.db, world.actor, world.client, form)
    inject(world.sim)
    assert world.sim.state.users[record.webitel_id].extension == "7005"
    assert (await crm_records(world))[0].extension == "7001"  # the disagreement

    (outcome,) = await reconcile(world.db, world.actor, world.client)

    assert outcome.resolved and outcome.note == 'Updated the CRM record "okovalenko" from Webitel.'
    (after,) = await crm_records(world)
    assert after.extension == "7005" and after.id == record.id
    assert await changes_of(world, record.id) == ["Insert", "Update"]
    assert await open_items(world) == []


async def test_a_user_webitel_deleted_loses_its_crm_record(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    record = await create(world, "okovalenko", "7001")
    with monkeypatch.context() as patched:
        patched.setattr(WebitelUserRepository, "delete", broken)
        with pytest.raises(NeedsReconcile):
            await provisioning.delete_webitel_user(
                world.db, world.actor, world.client, record.id, record.version
            )
    assert record.webitel_id not in world.sim.state.users
    assert len(await crm_records(world)) == 1

    (outcome,) = await reconcile(world.db, world.actor, world.client)

    assert outcome.resolved
    assert outcome.note == 'Deleted the CRM record "okovalenko": Webitel no longer has the user.'
    assert await crm_records(world) == []
    assert await changes_of(world, record.id) == ["Insert", "Delete"]


async def test_what_cannot_be_resolved_stays_open_with_the_reason(world: World) -> None:
    """Webitel unreachable for one item, no CRM user of that name for another; a third one
    in the same run is resolved all the same."""
    record = await create(world, "okovalenko", "7001")
    assert record.webitel_id is not None
    stranger = (
        await world.client.create_user(
            InputUser(username="stranger", name="Stranger", extension="7100"),
            default_device=False,
        )
    ).user
    async with unit_of_work(world.db, world.actor) as uow:
        await uow.reconcile.add(record.webitel_id, "okovalenko", "the CRM was down")
        await uow.reconcile.add(int(stranger.id), "stranger", "the CRM was down")
        await uow.reconcile.add(None, "nobody", "the CRM was down")
    inject(
        world.sim, FaultRule(kind="status", status=503, route=f"GET /api/users/{record.webitel_id}")
    )

    outcomes = await reconcile(world.db, world.actor, world.client)

    assert [(o.item.name, o.resolved) for o in outcomes] == [
        ("okovalenko", False),
        ("stranger", False),
        ("nobody", True),
    ]
    assert outcomes[0].note == "Webitel did not answer: simulated fault: HTTP 503"
    assert outcomes[1].note == (
        'No CRM user is named "stranger": link the Webitel user with Load Webitel users, '
        "or delete it on Webitel."
    )
    assert outcomes[2].note == "Nothing to change: neither Webitel nor the CRM has the user."
    assert [i.name for i in await open_items(world)] == ["okovalenko", "stranger"]
    assert [r.name for r in await crm_records(world)] == ["okovalenko"]  # untouched

    inject(world.sim)  # Webitel is back: the first item goes through now
    outcomes = await reconcile(world.db, world.actor, world.client)
    assert [(o.item.name, o.resolved) for o in outcomes] == [
        ("okovalenko", True),
        ("stranger", False),
    ]


async def test_a_refusal_in_the_crm_leaves_the_item_open(world: World) -> None:
    """Webitel's user holds an extension another CRM record has: the CRM refuses, the item
    stays open with the CRM's message, and nothing is half-written."""
    server = (
        await world.client.create_user(
            InputUser(username="okovalenko", name="Olena", extension="7001"),
            default_device=False,
        )
    ).user
    async with unit_of_work(world.db, world.actor) as uow:
        await uow.webitel_users.create(NewWebitelUser(name="other", extension="7001"))
        await uow.reconcile.add(int(server.id), "okovalenko", "the CRM was down")

    (outcome,) = await reconcile(world.db, world.actor, world.client)

    assert not outcome.resolved
    assert outcome.note == 'The extension 7001 is already used by the Webitel user "other".'
    assert [r.name for r in await crm_records(world)] == ["other"]
    assert len(await open_items(world)) == 1
