"""Operation permissions, as Creatio's: "Manage Webitel users" and "Run GetWebitelUsers" are
System administrators' from the seed, can be granted to other roles, and the processes check
them, whatever screen or command calls them."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from webitel_tui.db.engine import Database
from webitel_tui.db.migrate import downgrade, upgrade
from webitel_tui.domain import known
from webitel_tui.domain.records import Actor
from webitel_tui.domain.rights import (
    MANAGE_WEBITEL_USERS,
    RUN_GET_WEBITEL_USERS,
    AlwaysGrantedError,
    NoPermissionError,
)
from webitel_tui.domain.users import Role
from webitel_tui.domain.webitel_users import NewWebitelUser
from webitel_tui.processes import system_users
from webitel_tui.processes.auth import (
    LoggedIn,
    NotAnAdministratorError,
    log_in,
    require_operation,
)
from webitel_tui.processes.get_webitel_users import run_import
from webitel_tui.processes.provisioning import (
    WebitelUserForm,
    change_licenses,
    create_webitel_user,
    delete_webitel_user,
)
from webitel_tui.processes.reconcile import reconcile
from webitel_tui.processes.setup import prepare
from webitel_tui.repositories import unit_of_work
from webitel_tui.webitel import WebitelClient, WebitelOptions

BOTH = frozenset({MANAGE_WEBITEL_USERS, RUN_GET_WEBITEL_USERS})


@pytest.fixture
async def db(demo_database_url: str) -> AsyncIterator[Database]:
    database = Database(demo_database_url)
    try:
        yield database
    finally:
        await database.dispose()


async def session_of(db: Database, login: str) -> LoggedIn:
    return await log_in(db, login, login)  # the demo's users: the login is the password


async def role(db: Database, role_id: uuid.UUID) -> Role:
    async with unit_of_work(db) as uow:
        return next(r for r in await uow.users.list_roles() if r.id == role_id)


async def operation_id(db: Database, code: str) -> uuid.UUID:
    found = [o for o in await system_users.list_operations(db) if o.code == code]
    assert len(found) == 1
    return found[0].id


async def test_the_seed_grants_both_operations_to_system_administrators(db: Database) -> None:
    operations = await system_users.list_operations(db)
    assert {(o.code, o.name) for o in operations} == {
        (MANAGE_WEBITEL_USERS, "Manage Webitel users"),
        (RUN_GET_WEBITEL_USERS, "Run GetWebitelUsers"),
    }
    for operation in operations:
        grantees = await system_users.operation_grantees(db, operation.id)
        assert [g.admin_unit_name for g in grantees] == ["System administrators"]
    # Seeding again adds nothing, and never re-adds what an admin removed.
    manage = await operation_id(db, MANAGE_WEBITEL_USERS)
    employees = await role(db, known.ALL_EMPLOYEES)
    await system_users.grant_operation(db, Actor(), manage, [employees])
    await system_users.revoke_operation(db, Actor(), manage, employees.id)
    await prepare(db)
    assert len(await system_users.list_operations(db)) == 2
    assert len(await system_users.operation_grantees(db, manage)) == 1


async def test_an_admin_holds_both_and_an_employee_neither(db: Database) -> None:
    admin = await session_of(db, "Supervisor")
    assert admin.operations == BOTH
    assert admin.can(MANAGE_WEBITEL_USERS) and admin.can(RUN_GET_WEBITEL_USERS)
    employee = await session_of(db, "okovalenko")
    assert employee.operations == frozenset()
    assert not employee.can(MANAGE_WEBITEL_USERS) and not employee.can(RUN_GET_WEBITEL_USERS)


async def test_a_grant_to_a_role_the_user_is_in_gives_the_operation(db: Database) -> None:
    admin = (await session_of(db, "Supervisor")).actor
    employee = (await session_of(db, "okovalenko")).actor
    manage = await operation_id(db, MANAGE_WEBITEL_USERS)
    with pytest.raises(NoPermissionError) as caught:
        await require_operation(db, employee, MANAGE_WEBITEL_USERS)
    assert str(caught.value) == (
        'You do not have permission to run the operation "Manage Webitel users".'
    )

    await system_users.grant_operation(db, admin, manage, [await role(db, known.PORTAL_USERS)])
    assert (await session_of(db, "okovalenko")).operations == frozenset()  # not their role
    await system_users.grant_operation(db, admin, manage, [await role(db, known.ALL_EMPLOYEES)])
    assert (await session_of(db, "okovalenko")).operations == {MANAGE_WEBITEL_USERS}
    await require_operation(db, employee, MANAGE_WEBITEL_USERS)
    with pytest.raises(NoPermissionError):
        await require_operation(db, employee, RUN_GET_WEBITEL_USERS)
    names = [g.admin_unit_name for g in await system_users.operation_grantees(db, manage)]
    assert names == ["All employees", "Portal users", "System administrators"]

    # Taken back: the processes refuse at once (they check at each call, not at login).
    await system_users.revoke_operation(db, admin, manage, known.ALL_EMPLOYEES)
    with pytest.raises(NoPermissionError):
        await require_operation(db, employee, MANAGE_WEBITEL_USERS)


async def test_the_system_itself_and_administrators_may_run_everything(db: Database) -> None:
    admin = (await session_of(db, "Supervisor")).actor
    for code in BOTH:
        await require_operation(db, Actor(), code)
        await require_operation(db, admin, code)


async def test_only_system_administrators_change_rights_and_roles(db: Database) -> None:
    employee = (await session_of(db, "okovalenko")).actor
    manage = await operation_id(db, MANAGE_WEBITEL_USERS)
    employees = await role(db, known.ALL_EMPLOYEES)
    with pytest.raises(NotAnAdministratorError):
        await system_users.grant_operation(db, employee, manage, [employees])
    with pytest.raises(NotAnAdministratorError):
        await system_users.revoke_operation(db, employee, manage, known.ALL_EMPLOYEES)
    # Nor by joining the administrators: roles are the administrators' to give.
    admins = await role(db, known.SYSTEM_ADMINISTRATORS)
    assert employee.user_id is not None
    with pytest.raises(NotAnAdministratorError):
        await system_users.add_roles(db, employee, employee.user_id, [admins])
    with pytest.raises(NotAnAdministratorError):
        await system_users.remove_role(db, employee, employee.user_id, known.ALL_EMPLOYEES)
    assert (await session_of(db, "okovalenko")).operations == frozenset()


async def test_system_administrators_keep_every_operation(db: Database) -> None:
    admin = (await session_of(db, "Supervisor")).actor
    for code in BOTH:
        with pytest.raises(AlwaysGrantedError):
            await system_users.revoke_operation(
                db, admin, await operation_id(db, code), known.SYSTEM_ADMINISTRATORS
            )
    assert (await session_of(db, "Supervisor")).operations == BOTH


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


async def test_0008_adds_the_tables_and_the_seed_the_grants(database_url: str) -> None:
    db = Database(database_url)
    try:
        await upgrade(db, "0007")
        await upgrade(db)
        async with db.engine.connect() as connection:
            assert {"SysAdminOperation", "SysAdminOperationGrantee"} <= await connection.run_sync(
                _tables
            )
        await prepare(db)
        manage = await operation_id(db, MANAGE_WEBITEL_USERS)
        assert len(await system_users.operation_grantees(db, manage)) == 1
        await downgrade(db, "0007")
        async with db.engine.connect() as connection:
            assert "SysAdminOperation" not in await connection.run_sync(_tables)
        await prepare(db)
        assert len(await system_users.list_operations(db)) == 2
    finally:
        await db.dispose()


# The processes refuse without the right ---------------------------------------------------------


def unreachable_client() -> WebitelClient:
    """A client that would fail if it were used: a refusal comes before any request."""
    return WebitelClient(
        WebitelOptions(base_url="http://127.0.0.1:9/api", token="unused", timeout=0.5, retries=0)
    )


async def test_the_webitel_processes_refuse_a_user_without_the_rights(db: Database) -> None:
    session = await session_of(db, "okovalenko")
    actor, user = session.actor, session.user
    form = WebitelUserForm(user_id=user.id, contact_id=user.contact_id, name="okovalenko")
    async with unit_of_work(db) as uow:
        # The CRM record alone: no server call is needed to refuse.
        record = await uow.webitel_users.create(
            NewWebitelUser(user_id=user.id, contact_id=user.contact_id, name="okovalenko")
        )
    calls: dict[str, Callable[[WebitelClient], Awaitable[object]]] = {
        "create": lambda client: create_webitel_user(db, actor, client, form),
        "delete": lambda client: delete_webitel_user(db, actor, client, record.id, 1),
        "licenses": lambda client: change_licenses(db, actor, client, record.id, add=["L1"]),
        "reconcile": lambda client: reconcile(db, actor, client),
        "import": lambda client: run_import(db, actor, client),
    }
    refused = []
    async with unreachable_client() as client:
        for name, call in calls.items():
            try:
                await call(client)
            except NoPermissionError:
                refused.append(name)
    assert refused == list(calls)
    async with unit_of_work(db) as uow:
        assert (await uow.webitel_users.get(record.id)).name == "okovalenko"  # not deleted
