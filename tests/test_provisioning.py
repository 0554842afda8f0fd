"""Webitel users kept consistent with the server: M4-M10 against the simulator over loopback,
asserting both the CRM database and the simulator's state, refusals and faults included."""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.change_log import change_log
from tests.conftest import Templates
from tests.webitel.conftest import fast_options, inject
from webitel_tui.db.engine import Database
from webitel_tui.domain.contacts import NewContact
from webitel_tui.domain.errors import DuplicateValueError, RecordConflictError, ValidationError
from webitel_tui.domain.records import Actor
from webitel_tui.domain.webitel_users import ReconcileItem, WebitelUser
from webitel_tui.processes import provisioning
from webitel_tui.processes.provisioning import (
    NeedsReconcile,
    WebitelRefused,
    WebitelUserForm,
)
from webitel_tui.repositories import unit_of_work
from webitel_tui.repositories.webitel_users import WebitelUserRepository
from webitel_tui.simulator import FaultRule, RunningSimulator, start_simulator
from webitel_tui.webitel import InputUser, WebitelClient, WebitelOptions


@dataclass
class World:
    db: Database
    sim: RunningSimulator
    client: WebitelClient
    actor: Actor


@pytest.fixture
async def world(demo_database_url: str) -> AsyncIterator[World]:
    """A demo CRM (on SQLite and on PostgreSQL) and a simulator with 20 users."""
    db = Database(demo_database_url)
    sim = await start_simulator(users=20)
    async with unit_of_work(db) as uow:
        admin = await uow.users.get_by_name("Supervisor")
    assert admin is not None
    actor = Actor(user_id=admin.id, contact_id=admin.contact_id)
    client = WebitelClient(fast_options(sim))
    try:
        yield World(db, sim, client, actor)
    finally:
        await client.aclose()
        await sim.stop()
        await db.dispose()


async def form_for(world: World, login: str, extension: str | None) -> WebitelUserForm:
    async with unit_of_work(world.db) as uow:
        user = await uow.users.get_by_name(login)
    assert user is not None
    return WebitelUserForm(
        user_id=user.id, contact_id=user.contact_id, name=login, extension=extension
    )


async def create(world: World, login: str = "okovalenko", extension: str = "7001") -> WebitelUser:
    form = await form_for(world, login, extension)
    created = await provisioning.create_webitel_user(world.db, world.actor, world.client, form)
    return created.record


async def open_items(world: World) -> list[ReconcileItem]:
    async with unit_of_work(world.db) as uow:
        return await uow.reconcile.open_items()


async def crm_records(world: World) -> list[WebitelUser]:
    from webitel_tui.domain.paging import PageRequest

    async with unit_of_work(world.db) as uow:
        return (await uow.webitel_users.page(PageRequest())).items


async def test_m5_create_fills_user_id_and_default_device(world: World) -> None:
    record = await create(world)
    server = world.sim.state.user_by_username("okovalenko")
    assert server is not None
    assert record.webitel_id == server.id
    assert server.extension == "7001" and server.name == "Olena Kovalenko"
    assert server.device is not None and record.default_device_id == server.device
    assert record.default_device_name
    assert record.contact_name == "Olena Kovalenko"
    async with unit_of_work(world.db) as uow:
        log = await change_log(uow, record.id)
    assert [e.operation.value for e in log] == ["Insert"]
    assert log[0].created_by == world.actor.contact_id


async def test_another_contact_chosen_on_the_card_is_the_records_contact(world: World) -> None:
    async with unit_of_work(world.db) as uow:
        other = await uow.contacts.create(NewContact(name="Andrii Melnyk (desk)"))
    form = await form_for(world, "okovalenko", "7001")
    missing = form.model_copy(update={"contact_id": uuid.uuid4()})
    with pytest.raises(ValidationError, match="The selected contact does not exist"):
        await provisioning.create_webitel_user(world.db, world.actor, world.client, missing)
    assert world.sim.state.user_by_username("okovalenko") is None
    chosen = form.model_copy(update={"contact_id": other.id})
    created = await provisioning.create_webitel_user(world.db, world.actor, world.client, chosen)
    record = created.record
    assert (record.contact_id, record.contact_name) == (other.id, "Andrii Melnyk (desk)")
    none = (await form_for(world, "amelnyk", "7002")).model_copy(update={"contact_id": None})
    created = await provisioning.create_webitel_user(world.db, world.actor, world.client, none)
    record = created.record
    assert (record.contact_id, record.contact_name) == (None, "")


async def test_m4_a_portal_user_is_refused_by_the_process(world: World) -> None:
    before = len(world.sim.state.users)
    with pytest.raises(ValidationError, match="Portal users cannot be Webitel users"):
        await create(world, "mtkachenko", "7002")
    assert len(world.sim.state.users) == before
    assert await crm_records(world) == []


async def test_extension_taken_on_the_server_is_refused_naming_the_holder(world: World) -> None:
    before = len(world.sim.state.users)
    with pytest.raises(DuplicateValueError) as caught:
        await create(world, "okovalenko", "1002")
    assert str(caught.value) == (
        'The extension 1002 is already used on the Webitel server by "Olena Kovalenko".'
    )
    assert len(world.sim.state.users) == before and await crm_records(world) == []


async def test_extension_taken_in_the_crm_is_refused_before_the_server(world: World) -> None:
    await create(world, "okovalenko", "7001")
    users = len(world.sim.state.users)
    world.sim.app.log.clear()
    with pytest.raises(DuplicateValueError, match="The extension 7001 is already used by"):
        await create(world, "amelnyk", "7001")
    # The server's lookups may have gone out beside the CRM check; nothing was sent to change.
    assert {method for method, _path in world.sim.app.log} <= {"GET"}
    assert len(world.sim.state.users) == users


async def test_the_crm_refusal_wins_over_the_server_failing(world: World) -> None:
    """Both checks run at once; the CRM's names the record and is never worth a Retry."""
    await create(world, "okovalenko", "7001")
    inject(world.sim, FaultRule(kind="status", status=503, route="GET /api/users*"))
    with pytest.raises(DuplicateValueError, match="The extension 7001 is already used by"):
        await create(world, "amelnyk", "7001")


async def test_server_down_is_retryable_and_a_retry_makes_one_user(world: World) -> None:
    """503 on every try: read back, not there, tried once more, still 503: nothing anywhere."""
    inject(world.sim, FaultRule(kind="status", status=503, route="POST /api/users"))
    with pytest.raises(WebitelRefused) as caught:
        await create(world)
    assert caught.value.retryable
    assert world.sim.state.user_by_username("okovalenko") is None
    assert await crm_records(world) == []
    inject(world.sim)
    await create(world)
    assert [u.username for u in world.sim.state.users.values()].count("okovalenko") == 1


async def test_a_lost_answer_is_looked_up_not_created_twice(world: World) -> None:
    inject(
        world.sim,
        FaultRule(kind="drop", route="POST /api/users", count=1, apply=True),
    )
    record = await create(world)
    assert [u.username for u in world.sim.state.users.values()].count("okovalenko") == 1
    assert record.webitel_id == world.sim.state.user_by_username("okovalenko").id  # type: ignore[union-attr]


async def broken(*_: object, **__: object) -> None:
    raise RuntimeError("disk full")


async def test_crm_failure_after_the_server_accepted_is_undone(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The user this Save created is removed again, with its device: nothing is left."""
    devices = set(world.sim.state.devices)
    monkeypatch.setattr(WebitelUserRepository, "create", broken)
    with pytest.raises(WebitelRefused, match="The change on Webitel was undone"):
        await create(world)
    assert world.sim.state.user_by_username("okovalenko") is None
    assert set(world.sim.state.devices) == devices
    assert await open_items(world) == []


async def test_when_undo_fails_too_a_reconcile_item_is_kept(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(WebitelUserRepository, "create", broken)
    inject(world.sim, FaultRule(kind="status", status=500, route="DELETE /api/users/*"))
    with pytest.raises(NeedsReconcile, match="listed under Reconcile"):
        await create(world)
    server = world.sim.state.user_by_username("okovalenko")
    assert server is not None  # still there, and the CRM says so
    (item,) = await open_items(world)
    assert (item.operation, item.name, item.pending) == ("create", "okovalenko", False)
    # An unexpected failure is named by its kind: its text may quote SQL (the log has it).
    assert "the database failed (RuntimeError)" in item.problem


async def test_update_changes_the_server_and_refuses_a_stale_card(world: World) -> None:
    record = await create(world)
    form = (await form_for(world, "okovalenko", "7005")).model_copy(
        update={"record_id": record.id, "version": record.version, "enable_stun": True}
    )
    saved = await provisioning.update_webitel_user(world.db, world.actor, world.client, form)
    assert saved.extension == "7005" and saved.enable_stun
    assert world.sim.state.users[record.webitel_id].extension == "7005"  # type: ignore[index]
    stale = form.model_copy(update={"extension": "7006"})
    with pytest.raises(RecordConflictError):
        await provisioning.update_webitel_user(world.db, world.actor, world.client, stale)
    assert world.sim.state.users[record.webitel_id].extension == "7005"  # type: ignore[index]


async def test_m6_delete_on_the_server_then_in_the_crm(world: World) -> None:
    record = await create(world)
    assert record.webitel_id is not None
    await provisioning.delete_webitel_user(
        world.db, world.actor, world.client, record.id, record.version
    )
    assert record.webitel_id not in world.sim.state.users
    assert await crm_records(world) == []


async def test_delete_when_the_server_already_lost_the_user(world: World) -> None:
    record = await create(world)
    assert record.webitel_id is not None
    await world.client.delete_user(record.webitel_id, permanent=True)
    await provisioning.delete_webitel_user(
        world.db, world.actor, world.client, record.id, record.version
    )
    assert await crm_records(world) == []


async def test_delete_refused_by_the_server_changes_nothing(world: World) -> None:
    record = await create(world)
    inject(world.sim, FaultRule(kind="status", status=403, route="DELETE /api/users/*"))
    with pytest.raises(WebitelRefused):
        await provisioning.delete_webitel_user(
            world.db, world.actor, world.client, record.id, record.version
        )
    assert record.webitel_id in world.sim.state.users
    assert len(await crm_records(world)) == 1


async def test_m7_m8_grant_and_revoke_licenses(world: World) -> None:
    record = await create(world)
    licenses = {lic.product: lic for lic in await provisioning.available_licenses(world.client)}
    operator = licenses["OPERATOR"]
    changed = await provisioning.change_licenses(
        world.db, world.actor, world.client, record.id, add=[operator.id], version=record.version
    )
    assert changed.licenses_text == "OPERATOR" and changed.version > record.version
    async with unit_of_work(world.db) as uow:
        granted = await uow.webitel_users.licenses(record.id)
    assert [(g.license_id, g.product) for g in granted] == [(operator.id, "OPERATOR")]
    server = world.sim.state.users[record.webitel_id]  # type: ignore[index]
    assert set(server.licenses) == {operator.id}
    assert provisioning.license_availability(licenses["CHAT"]) == "Expired"
    for product in ("SUPERVISOR", "CHAT"):  # exhausted, expired: Webitel's refusal is shown
        with pytest.raises(WebitelRefused, match="Webitel refused the change"):
            await provisioning.change_licenses(
                world.db, world.actor, world.client, record.id, add=[licenses[product].id]
            )
    assert set(server.licenses) == {operator.id}
    async with unit_of_work(world.db) as uow:
        assert [g.product for g in await uow.webitel_users.licenses(record.id)] == ["OPERATOR"]
    await provisioning.change_licenses(
        world.db, world.actor, world.client, record.id, remove=[operator.id]
    )
    assert server.licenses == {}
    async with unit_of_work(world.db) as uow:
        assert await uow.webitel_users.licenses(record.id) == []
        assert (await uow.webitel_users.get(record.id)).licenses_text == ""


async def test_m9_add_and_remove_roles_keeping_the_internal_one(world: World) -> None:
    record = await create(world)
    roles = await provisioning.assignable_roles(world.client)
    internal = {str(role.id) for role in world.sim.state.roles.values() if role.user}
    assert roles and not any(str(role.id) in internal for role in roles)
    agents = next(role for role in roles if role.name == "agents")
    server = world.sim.state.users[record.webitel_id]  # type: ignore[index]
    internal_before = [r for r in server.roles if world.sim.state.roles[r].user]
    await provisioning.change_roles(world.db, world.actor, world.client, record.id, add=[agents.id])
    async with unit_of_work(world.db) as uow:
        added = await uow.webitel_users.roles(record.id)
    assert [(r.role_id, r.name) for r in added] == [(int(agents.id), "agents")]
    assert int(agents.id) in server.roles
    assert [r for r in server.roles if world.sim.state.roles[r].user] == internal_before
    await provisioning.change_roles(
        world.db, world.actor, world.client, record.id, remove=[int(agents.id)]
    )
    assert int(agents.id) not in server.roles
    async with unit_of_work(world.db) as uow:
        assert await uow.webitel_users.roles(record.id) == []


async def test_unknown_record_is_not_found(world: World) -> None:
    from webitel_tui.domain.errors import RecordNotFoundError

    with pytest.raises(RecordNotFoundError):
        await provisioning.change_licenses(world.db, world.actor, world.client, uuid.uuid4())


async def test_refresh_from_webitel_brings_the_crm_in_line(world: World) -> None:
    record = await create(world)
    assert record.webitel_id is not None
    operator = world.sim.state.license_by_product("OPERATOR")
    # Changed on the server by hand: extension, a license and a role.
    user = await world.client.patch_user(record.webitel_id, InputUser(extension="7777"))
    await world.client.set_user_licenses(user.id, [*user.license_ids, operator.id])
    await world.client.set_user_roles(user.id, [*user.role_ids, "2"])
    refreshed = await provisioning.refresh_from_webitel(
        world.db, world.actor, world.client, record.id
    )
    assert refreshed.record.extension == "7777"
    assert refreshed.record.licenses_text == "OPERATOR"
    async with unit_of_work(world.db) as uow:
        assert [r.name for r in await uow.webitel_users.roles(record.id)] == ["agents"]
    # What changed is said, a line per field and per detail.
    assert refreshed.describe() == [
        "Extension 7001 -> 7777 from the server",
        f"User licenses: {operator.name} added on the server",
        "User roles: agents added on the server",
    ]
    again = await provisioning.refresh_from_webitel(world.db, world.actor, world.client, record.id)
    assert again.changes == []
    assert again.describe() == ["Nothing changed: the record agrees with Webitel."]
    await world.client.delete_user(record.webitel_id, permanent=True)
    with pytest.raises(WebitelRefused, match="no longer exists on the Webitel server"):
        await provisioning.refresh_from_webitel(world.db, world.actor, world.client, record.id)
    assert len(await crm_records(world)) == 1  # reported, never silently dropped


async def test_an_unreachable_server_is_said_with_its_address_for_every_action(
    world: World,
) -> None:
    """Nothing listens at the address: each action says so (never "refused"), naming the
    address without its user info, and the CRM keeps the record as it was."""
    record = await create(world)
    down = WebitelClient(
        WebitelOptions(base_url="http://admin:pw-4711@127.0.0.1:9", token="t", retries=0)
    )

    def save(current: WebitelUser) -> Awaitable[object]:
        form = WebitelUserForm(
            record_id=current.id,
            version=current.version,
            user_id=current.user_id,
            contact_id=current.contact_id,
            name=current.name,
            extension="7002",
        )
        return provisioning.update_webitel_user(world.db, world.actor, down, form)

    target = (world.db, world.actor, down, record.id)
    actions: dict[str, Callable[[WebitelUser], Awaitable[object]]] = {
        "save": save,
        "licenses": lambda _: provisioning.change_licenses(*target, add=["L1"]),
        "roles": lambda _: provisioning.change_roles(*target, add=[2]),
        "refresh": lambda _: provisioning.refresh_from_webitel(*target),
        "delete": lambda current: provisioning.delete_webitel_user(*target, current.version),
    }
    async with down:
        for action, call in actions.items():
            [current] = await crm_records(world)  # a refused change still claimed it
            with pytest.raises(WebitelRefused) as caught:
                await call(current)
            assert str(caught.value) == (
                "Cannot reach the Webitel server at http://127.0.0.1:9/api. Nothing was changed."
            ), action
            assert caught.value.retryable
    [kept] = await crm_records(world)
    assert (kept.extension, kept.webitel_id) == (record.extension, record.webitel_id)
    assert await open_items(world) == []


async def test_a_value_taken_between_the_check_and_the_write_is_undone_with_the_reason(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another admin takes the extension in the CRM while the user is being created on the
    server: the CRM refuses the record, names the holder, and the new server user goes."""
    from webitel_tui.domain.webitel_users import NewWebitelUser

    create_user = world.client.create_user

    async def another_admin_first(*args: object, **kwargs: object) -> object:
        async with unit_of_work(world.db, world.actor) as uow:
            await uow.webitel_users.create(NewWebitelUser(name="other.admin", extension="7001"))
        return await create_user(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(world.client, "create_user", another_admin_first)
    with pytest.raises(WebitelRefused) as caught:
        await create(world, "okovalenko", "7001")
    assert str(caught.value) == (
        'Webitel took the change of the user "okovalenko" but the CRM could not: The '
        'extension 7001 is already used by the Webitel user "other.admin". The change on '
        "Webitel was undone."
    )
    assert world.sim.state.user_by_username("okovalenko") is None
    assert [r.name for r in await crm_records(world)] == ["other.admin"]


async def test_a_retry_refused_because_the_first_try_landed_late_is_taken(world: World) -> None:
    """The POST times out and is carried out later; the read-back comes too early to see it,
    the retry's look-up late enough to find the user: that refusal is read back too, and the
    user the first try made is the one the CRM takes. (The margins are hundreds of
    milliseconds: a loaded machine must not turn them around.)"""
    rules = [
        FaultRule(kind="slow", route="POST /api/users", latency_ms=1500, count=1),
        FaultRule(kind="slow", route="GET /api/users", latency_ms=0, count=3),
        FaultRule(kind="slow", route="GET /api/users", latency_ms=700, count=1),
    ]
    form = await form_for(world, "okovalenko", "7001")
    async with WebitelClient(fast_options(world.sim, timeout=1.0)) as client:
        await client.login()
        inject(world.sim, *rules)
        record = (
            await provisioning.create_webitel_user(world.db, world.actor, client, form)
        ).record
    server = world.sim.state.user_by_username("okovalenko")
    assert server is not None and record.webitel_id == server.id
    assert [u.username for u in world.sim.state.users.values()].count("okovalenko") == 1
    assert await open_items(world) == []


# Older servers (before generate_device): the CRM makes the device and its SIP password --------


def file_bytes(directory: Path, pattern: str) -> bytes:
    """Every byte of the files `pattern` names: an SQLite database with its journal files."""
    return b"".join(path.read_bytes() for path in sorted(directory.glob(pattern)))


@pytest.fixture
async def older(templates: Templates, tmp_path: Path) -> AsyncIterator[World]:
    """A demo CRM in an SQLite file of the test's own, and a simulator of the servers before
    ``generate_device`` (generation 23: ``POST /devices`` needs a SIP password)."""
    db = Database(templates.sqlite_copy("demo", tmp_path))
    sim = await start_simulator(users=20, generation=23)
    async with unit_of_work(db) as uow:
        admin = await uow.users.get_by_name("Supervisor")
    assert admin is not None
    client = WebitelClient(fast_options(sim))
    try:
        yield World(db, sim, client, Actor(user_id=admin.id, contact_id=admin.contact_id))
    finally:
        await client.aclose()
        await sim.stop()
        await db.dispose()


async def test_an_older_server_gets_a_device_with_a_password_shown_once_and_kept_nowhere(
    older: World, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # every logger, httpx's and the journal's too
    form = await form_for(older, "okovalenko", "7001")
    created = await provisioning.create_webitel_user(older.db, older.actor, older.client, form)
    assert created.sip_password is not None
    password = created.sip_password.get_secret_value()
    server = older.sim.state.user_by_username("okovalenko")
    assert server is not None and server.device is not None
    device = older.sim.state.devices[server.device]
    assert (device.password, device.user_id) == (password, server.id)
    assert server.devices == [server.device]  # the user's default device, and its only one
    record = created.record
    assert (record.default_device_id, created.device_name) == (server.device, device.name)
    assert older.client.device_mode == "legacy"
    # Once, to the caller: in no repr, log line, journal entry, change log or CRM table.
    assert password not in repr(created) and password not in caplog.text
    async with unit_of_work(older.db) as uow:
        log = await change_log(uow, record.id)
    assert log and all(password not in repr(entry) for entry in log)
    await older.db.dispose()  # the WAL is folded into the file
    stored = file_bytes(tmp_path, "crm.db*")
    assert b"okovalenko" in stored and password.encode() not in stored


async def test_an_older_server_refusing_the_device_leaves_nothing_anywhere(older: World) -> None:
    users, devices = set(older.sim.state.users), set(older.sim.state.devices)
    inject(older.sim, FaultRule(kind="status", status=400, route="POST /api/devices"))
    with pytest.raises(WebitelRefused, match="Webitel refused the change") as caught:
        await create(older)
    assert "was created" not in str(caught.value)  # it was, and it was removed again
    assert set(older.sim.state.users) == users and set(older.sim.state.devices) == devices
    assert await crm_records(older) == [] and await open_items(older) == []


async def test_device_mode_none_creates_the_user_without_a_device(world: World) -> None:
    devices = set(world.sim.state.devices)
    form = await form_for(world, "okovalenko", "7001")
    async with WebitelClient(fast_options(world.sim, device_mode="none")) as client:
        created = await provisioning.create_webitel_user(world.db, world.actor, client, form)
    assert created.sip_password is None
    assert created.record.default_device_id is None and created.record.default_device_name == ""
    server = world.sim.state.user_by_username("okovalenko")
    assert server is not None and server.device is None and server.devices == []
    assert set(world.sim.state.devices) == devices


# Limits (domain/limits.py): refused before the server and before the database ------------------

TOO_LONG_FOR_THE_CRM = [
    pytest.param(
        "okovalenko",
        "7" * 60,
        "Extension",
        'The value of the "Extension" field is too long: at most 50 characters.',
        id="extension-60-digits",
    ),
    pytest.param(
        "o" * 251,
        "7001",
        "Webitel user name",
        'The value of the "Webitel user name" field is too long: at most 250 characters.',
        id="name-251-characters",
    ),
    pytest.param(
        "okovalenko",
        "70\x0001",
        "Extension",
        'The "Extension" field contains a character that cannot be saved (U+0000).',
        id="extension-with-nul",
    ),
]


def refuse_sql(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every unit of work the provisioning path would open is refused (and counted)."""
    from webitel_tui.processes import journal

    opened: list[str] = []

    def refuse(*_args: object, **_kwargs: object) -> object:
        opened.append("unit of work")
        raise AssertionError("the database was used")

    monkeypatch.setattr(provisioning, "unit_of_work", refuse)
    monkeypatch.setattr(journal, "unit_of_work", refuse)
    return opened


@pytest.mark.parametrize(("name", "extension", "field", "message"), TOO_LONG_FOR_THE_CRM)
async def test_a_new_card_over_a_limit_is_refused_before_the_server_and_the_database(
    world: World,
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    extension: str,
    field: str,
    message: str,
) -> None:
    form = (await form_for(world, "okovalenko", None)).model_copy(
        update={"name": name, "extension": extension}
    )
    world.sim.app.log.clear()
    users = len(world.sim.state.users)
    with monkeypatch.context() as patch:
        opened = refuse_sql(patch)
        with pytest.raises(ValidationError) as caught:
            await provisioning.create_webitel_user(world.db, world.actor, world.client, form)
    assert (str(caught.value), caught.value.field) == (message, field)
    assert list(world.sim.app.log) == [] and len(world.sim.state.users) == users
    assert opened == []
    assert await crm_records(world) == [] and await open_items(world) == []


@pytest.mark.parametrize(("name", "extension", "field", "message"), TOO_LONG_FOR_THE_CRM)
async def test_a_card_change_over_a_limit_is_refused_before_the_server_and_the_database(
    world: World,
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    extension: str,
    field: str,
    message: str,
) -> None:
    """An extension of 60 digits on a card used to reach the server, then fail in the CRM:
    the server kept 60 digits, the CRM the old number."""
    record = await create(world, "okovalenko", "7001")
    form = (await form_for(world, "okovalenko", "7001")).model_copy(
        update={
            "record_id": record.id,
            "version": record.version,
            "name": name,
            "extension": extension,
        }
    )
    world.sim.app.log.clear()
    with monkeypatch.context() as patch:
        opened = refuse_sql(patch)
        with pytest.raises(ValidationError) as caught:
            await provisioning.update_webitel_user(world.db, world.actor, world.client, form)
    assert (str(caught.value), caught.value.field) == (message, field)
    assert list(world.sim.app.log) == [] and opened == []
    server = world.sim.state.user_by_username("okovalenko")
    assert server is not None and server.extension == "7001"
    assert await crm_records(world) == [record] and await open_items(world) == []


async def test_refresh_of_a_server_value_the_crm_cannot_keep_names_it_and_keeps_the_record(
    world: World,
) -> None:
    record = await create(world, "okovalenko", "7001")
    assert record.webitel_id is not None
    await world.client.patch_user(record.webitel_id, InputUser(extension="5" * 60))
    with pytest.raises(ValidationError) as caught:
        await provisioning.refresh_from_webitel(world.db, world.actor, world.client, record.id)
    assert caught.value.field == "Extension" and "at most 50 characters" in str(caught.value)
    assert await crm_records(world) == [record]
