"""Setting up a CRM database: migrate, seed (idempotently), create the first administrator.

Running it again changes nothing: each row is looked up by its fixed id or unique code first.
"""

from __future__ import annotations

from collections.abc import Callable

from webitel_tui.db.engine import Database
from webitel_tui.db.migrate import preparing, upgrade
from webitel_tui.db.seed_data import (
    DEMO_ADMIN_LOGIN,
    DEMO_PASSWORD_COST,
    DEMO_PEOPLE,
    OPERATIONS,
    PROCESSES,
    ROLES,
    SECTIONS,
    SETTINGS,
    WORKPLACES,
)
from webitel_tui.domain import known
from webitel_tui.domain.contacts import NewContact
from webitel_tui.domain.errors import DomainError
from webitel_tui.domain.passwords import check_password_policy
from webitel_tui.domain.users import NewSystemUser, UserType
from webitel_tui.processes.process_log import interrupt_abandoned_runs
from webitel_tui.repositories import UnitOfWork, unit_of_work
from webitel_tui.repositories.rights import operations


async def seed_base(uow: UnitOfWork) -> None:
    for role_id, name, unit_type in ROLES:
        await uow.users.ensure_role(role_id, name, unit_type)
    sections = {
        code: await uow.workplaces.ensure_section(code, caption) for code, caption in SECTIONS
    }
    for name, codes in WORKPLACES:
        if await uow.workplaces.get_by_name(name) is not None:
            continue  # the admin owns it now: never re-add what they removed
        workplace = await uow.workplaces.create(name)
        await uow.workplaces.add_sections(workplace.id, [sections[code].id for code in codes])
    for code, caption, description in PROCESSES:
        await uow.processes.ensure(code, caption, description)
    await uow.settings.ensure_many(SETTINGS)
    await operations(uow).ensure(OPERATIONS, grant_to=known.SYSTEM_ADMINISTRATORS)
    await uow.folders.ensure_seeded()


async def has_admin(uow: UnitOfWork) -> bool:
    """Whether some active user can open the System designer."""
    return await uow.users.has_active_member(known.SYSTEM_ADMINISTRATORS)


async def create_admin(uow: UnitOfWork, login: str, password: str, full_name: str) -> None:
    """The first administrator (from `webitel-tui init`, or the demo's Supervisor)."""
    contact = await uow.contacts.create(NewContact(name=full_name, job_title="Administrator"))
    user = await uow.users.create_user(
        NewSystemUser(name=login, contact_id=contact.id, user_type=UserType.EMPLOYEE), password
    )
    await uow.users.add_to_role(user.id, known.SYSTEM_ADMINISTRATORS)
    await uow.users.add_to_role(user.id, known.ALL_EMPLOYEES)


async def seed_demo(uow: UnitOfWork) -> None:
    if await uow.users.get_by_name(DEMO_ADMIN_LOGIN) is None:
        await create_admin(uow, DEMO_ADMIN_LOGIN, DEMO_ADMIN_LOGIN, DEMO_ADMIN_LOGIN)
    for person in DEMO_PEOPLE:
        # A person's contact and user are written in one transaction, and (name, job title)
        # tells the two "Oleksandr Shevchenko" contacts apart: the contact is the marker.
        same_name = await uow.contacts.find_by_name(person.full_name)
        if any(contact.job_title == person.job_title for contact in same_name):
            continue
        contact = await uow.contacts.create(
            NewContact(name=person.full_name, job_title=person.job_title)
        )
        if person.user_type is None:
            continue
        user = await uow.users.create_user(
            NewSystemUser(name=person.login, contact_id=contact.id, user_type=person.user_type),
            # Demo accounts log in with their login as password, like Creatio's demo users;
            # a known password gains nothing from the full KDF cost, so start-up stays quick.
            person.login,
            password_cost=DEMO_PASSWORD_COST,
        )
        role = known.ALL_EMPLOYEES if person.user_type is UserType.EMPLOYEE else known.PORTAL_USERS
        await uow.users.add_to_role(user.id, role)


async def prepare(
    db: Database, *, demo: bool = False, on_wait: Callable[[str], None] | None = None
) -> bool:
    """Migrate and seed, and mark the runs a killed process left "Running" "Interrupted";
    returns whether an administrator exists (else `init` must run). The app and every
    command call it when they start; one program at a time (a second one waits, told
    through `on_wait`, then finds the work done)."""
    async with preparing(db, on_wait=on_wait):
        await upgrade(db)
        async with unit_of_work(db) as uow:
            await seed_base(uow)
            await interrupt_abandoned_runs(uow)
            if demo:
                await seed_demo(uow)
            return await has_admin(uow)


async def create_first_admin(db: Database, login: str, password: str, full_name: str) -> None:
    """`webitel-tui init` (and the first start's questions): refused once any administrator
    exists (never a second backdoor); the password must meet the password policy."""
    async with unit_of_work(db) as uow:
        if await has_admin(uow):
            raise DomainError("An administrator already exists.")
        check_password_policy(password, await uow.settings.password_policy())
        await create_admin(uow, login, password, full_name)
