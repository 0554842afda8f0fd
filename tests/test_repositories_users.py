from __future__ import annotations

import pytest

from tests.change_log import change_log
from tests.factories import make_user, make_webitel_user
from webitel_tui.db.engine import Database
from webitel_tui.domain import known, passwords
from webitel_tui.domain.errors import DuplicateValueError, RecordConflictError, ValidationError
from webitel_tui.domain.paging import PageRequest
from webitel_tui.domain.records import Actor
from webitel_tui.domain.users import AdminUnitType, UserType
from webitel_tui.repositories import unit_of_work


async def test_create_and_read_back_a_user(db: Database) -> None:
    async with unit_of_work(db) as uow:
        user = await make_user(uow, "jdoe", "John Doe")
    async with unit_of_work(db) as uow:
        again = await uow.users.get(user.id)
        assert again.name == "jdoe"
        assert again.contact_name == "John Doe"
        assert again.user_type is UserType.EMPLOYEE
        assert again.version == 1
        stored = await uow.users.password_hash(user.id)
    assert stored.startswith("scrypt$") and "secret" not in stored
    assert passwords.verify_password("secret", stored)
    assert not passwords.verify_password("Secret", stored)


async def test_user_name_is_unique_regardless_of_case(db: Database) -> None:
    async with unit_of_work(db) as uow:
        await make_user(uow, "jdoe")
    with pytest.raises(DuplicateValueError) as caught:
        async with unit_of_work(db) as uow:
            await make_user(uow, "JDoe")
    assert str(caught.value) == "Administration object with this name or email already exists."
    async with unit_of_work(db) as uow:
        # Nothing half-saved: the second contact rolled back with the refused user.
        page = await uow.contacts.page_contacts(PageRequest())
        assert [c.name for c in page.items] == ["Jdoe"]


async def test_saving_a_stale_version_is_a_conflict(db: Database) -> None:
    async with unit_of_work(db) as uow:
        user = await make_user(uow, "jdoe")
    async with unit_of_work(db) as uow:
        first = await uow.users.update_user(user.model_copy(update={"email": "a@example.com"}))
    assert first.version == 2
    with pytest.raises(RecordConflictError):
        async with unit_of_work(db) as uow:
            await uow.users.update_user(user.model_copy(update={"email": "b@example.com"}))
    async with unit_of_work(db) as uow:
        assert (await uow.users.get(user.id)).email == "a@example.com"


async def test_required_user_name(db: Database) -> None:
    with pytest.raises(ValidationError) as caught:
        async with unit_of_work(db) as uow:
            await make_user(uow, "  ", "Somebody")
    assert str(caught.value) == "Fill in the required User name field to save the record."


async def test_lookup_of_users_who_may_become_webitel_users(db: Database) -> None:
    async with unit_of_work(db) as uow:
        await make_user(uow, "employee")
        await make_user(uow, "portal", user_type=UserType.PORTAL)
        await make_user(uow, "inactive", active=False)
        await make_webitel_user(uow, "already", "100")
    async with unit_of_work(db) as uow:
        page = await uow.users.page_users(
            PageRequest(),
            user_type=UserType.EMPLOYEE,
            active=True,
            without_webitel_user=True,
        )
    assert [u.name for u in page.items] == ["employee"]


async def test_roles_and_membership(db: Database) -> None:
    async with unit_of_work(db) as uow:
        await uow.users.ensure_role(
            known.SYSTEM_ADMINISTRATORS, "System administrators", AdminUnitType.FUNCTIONAL_ROLE
        )
        user = await make_user(uow, "admin")
        await uow.users.add_to_role(user.id, known.SYSTEM_ADMINISTRATORS)
        await uow.users.add_to_role(user.id, known.SYSTEM_ADMINISTRATORS)  # idempotent
    async with unit_of_work(db) as uow:
        assert [r.name for r in await uow.users.roles_of(user.id)] == ["System administrators"]
        assert await uow.users.has_active_member(known.SYSTEM_ADMINISTRATORS)
        await uow.users.remove_from_role(user.id, known.SYSTEM_ADMINISTRATORS)
        assert not await uow.users.is_member(user.id, known.SYSTEM_ADMINISTRATORS)
        assert not await uow.users.has_active_member(known.SYSTEM_ADMINISTRATORS)
        await uow.users.add_to_role(user.id, known.SYSTEM_ADMINISTRATORS)
        await uow.users.update_user(user.model_copy(update={"active": False}))
        assert not await uow.users.has_active_member(known.SYSTEM_ADMINISTRATORS)
        # Roles never show up as users.
        assert [u.name for u in (await uow.users.page_users(PageRequest())).items] == ["admin"]


async def test_change_log_records_who_and_what_but_never_the_password(db: Database) -> None:
    async with unit_of_work(db) as uow:
        admin = await make_user(uow, "admin")
    actor = Actor(user_id=admin.id, contact_id=admin.contact_id)
    async with unit_of_work(db, actor) as uow:
        user = await make_user(uow, "jdoe", password="TopSecret1")
        user = await uow.users.update_user(user.model_copy(update={"email": "j@example.com"}))
        await uow.users.set_password(user.id, "Another2")
    async with unit_of_work(db) as uow:
        entries = await change_log(uow, user.id)
    operations = sorted(e.operation.value for e in entries)
    assert operations == ["Insert", "Update", "Update"]
    assert all(e.created_by == admin.contact_id for e in entries)
    email_change = next(e for e in entries if "Email" in e.new_values)
    assert email_change.old_values == {"Email": ""}
    assert email_change.new_values == {"Email": "j@example.com"}
    dumped = repr(entries)
    assert "TopSecret1" not in dumped and "Another2" not in dumped and "scrypt$" not in dumped


async def test_login_failure_counter_is_stored(db: Database) -> None:
    from datetime import UTC, datetime, timedelta

    unblock = datetime.now(UTC) + timedelta(minutes=15)
    async with unit_of_work(db) as uow:
        user = await make_user(uow, "jdoe")
        for _ in range(4):
            await uow.users.record_login_failure(user.id, lock_after=5, unblock_time=unblock)
    async with unit_of_work(db) as uow:
        assert (await uow.users.get(user.id)).unblock_time is None
        assert (
            await uow.users.record_login_failure(user.id, lock_after=5, unblock_time=unblock) == 5
        )
    async with unit_of_work(db) as uow:
        locked = await uow.users.get(user.id)
        assert locked.login_attempt_count == 5
        assert locked.unblock_time is not None
        assert abs((locked.unblock_time - unblock).total_seconds()) < 1
        await uow.users.reset_login_failures(user.id)
    async with unit_of_work(db) as uow:
        assert (await uow.users.get(user.id)).login_attempt_count == 0
