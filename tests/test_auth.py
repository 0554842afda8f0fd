"""Logging in: password check, one message for every failure, lockout after 5 failures
(stored, told only to the right password), who is refused."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from tests.conftest import Templates
from webitel_tui.db.engine import Database
from webitel_tui.db.tables import SysAdminUnit
from webitel_tui.domain import passwords
from webitel_tui.domain.errors import ValidationError
from webitel_tui.domain.users import SystemUser
from webitel_tui.processes import auth
from webitel_tui.processes.auth import (
    LOCK_AFTER,
    InvalidCredentialsError,
    PortalUserError,
    UserInactiveError,
    UserLockedError,
    log_in,
)
from webitel_tui.repositories import unit_of_work

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
async def db(templates: Templates, tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(templates.sqlite_copy("demo", tmp_path))
    yield database
    await database.dispose()


async def test_admin_logs_in(db: Database) -> None:
    session = await log_in(db, "Supervisor", "Supervisor", now=NOW)
    assert session.user.name == "Supervisor"
    assert session.is_admin
    assert session.actor.user_id == session.user.id
    assert session.actor.contact_id == session.user.contact_id


async def test_user_name_is_case_insensitive_and_employee_is_not_admin(db: Database) -> None:
    session = await log_in(db, " OKovalenko ", "okovalenko", now=NOW)
    assert session.user.name == "okovalenko"
    assert not session.is_admin


INVALID = "Invalid user name or password."


async def stored(db: Database, name: str) -> SystemUser:
    async with unit_of_work(db) as uow:
        user = await uow.users.get_by_name(name)
    assert user is not None
    return user


async def test_a_wrong_password_gets_the_one_message_and_is_counted(db: Database) -> None:
    for attempt in (1, 2):
        with pytest.raises(InvalidCredentialsError) as caught:
            await log_in(db, "Supervisor", "wrong", now=NOW)
        assert str(caught.value) == INVALID
        assert (await stored(db, "Supervisor")).login_attempt_count == attempt


async def test_message_never_contains_the_password(db: Database) -> None:
    secret = "s3cret-Typed-By-Mistake"
    for user_name in ("Supervisor", "nobody-by-this-name"):
        with pytest.raises(InvalidCredentialsError) as caught:
            await log_in(db, user_name, secret, now=NOW)
        assert secret not in str(caught.value)
        assert secret not in repr(caught.value.args)


async def test_unknown_and_known_user_names_get_the_same_message(db: Database) -> None:
    """Nothing tells which user names exist: not the message, not its arguments."""
    refusals = []
    for user_name in ("nobody", "Supervisor", "okovalenko", "mtkachenko"):
        with pytest.raises(InvalidCredentialsError) as caught:
            await log_in(db, user_name, "whatever", now=NOW)
        refusals.append((type(caught.value), str(caught.value), caught.value.args))
    assert refusals == [(InvalidCredentialsError, INVALID, (INVALID,))] * 4


async def test_an_unknown_user_name_costs_a_password_check(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The time of a refusal does not tell the names apart: an unknown name, and a user
    whose stored hash is quick to check (an imported user's), run a full-cost check too."""
    checked: list[str] = []
    real = passwords.verify_password

    def counting(password: str, stored_hash: str) -> bool:
        checked.append(stored_hash.split("$", 1)[0])
        return real(password, stored_hash)

    monkeypatch.setattr(auth, "verify_password", counting)
    with pytest.raises(InvalidCredentialsError):
        await log_in(db, "nobody", "whatever", now=NOW)
    assert checked == ["scrypt"]
    # The import stores the hash of a random password nobody is told: quick to check.
    quick = passwords.hash_random_password("r" * 20)
    async with unit_of_work(db) as uow:
        await uow.session.execute(
            update(SysAdminUnit).where(SysAdminUnit.Name == "jsmith").values(UserPassword=quick)
        )
    checked.clear()
    with pytest.raises(InvalidCredentialsError):
        await log_in(db, "jsmith", "whatever", now=NOW)
    assert checked == ["sha256", "scrypt"]


async def test_success_resets_the_counter(db: Database) -> None:
    for _ in range(LOCK_AFTER - 1):
        with pytest.raises(InvalidCredentialsError):
            await log_in(db, "Supervisor", "wrong", now=NOW)
    session = await log_in(db, "Supervisor", "Supervisor", now=NOW)
    assert session.user.login_attempt_count == 0
    assert (await stored(db, "Supervisor")).login_attempt_count == 0
    with pytest.raises(InvalidCredentialsError):
        await log_in(db, "Supervisor", "wrong", now=NOW)
    assert (await stored(db, "Supervisor")).login_attempt_count == 1


async def test_five_failures_lock_and_only_the_right_password_is_told(
    db: Database, tmp_path: Path
) -> None:
    """As Creatio: the fifth failure locks the user for 15 minutes, but says what every
    failure says; only the right password learns of the lock."""
    for _ in range(LOCK_AFTER):
        with pytest.raises(InvalidCredentialsError) as caught:
            await log_in(db, "okovalenko", "wrong", now=NOW)
        assert str(caught.value) == INVALID
    locked = await stored(db, "okovalenko")
    assert locked.unblock_time == NOW + timedelta(minutes=15)

    # A new engine on the same file: the lock was stored, not kept in memory.
    await db.dispose()
    again = Database(db.url)
    try:
        # A wrong password meanwhile is refused as any other, and not counted.
        with pytest.raises(InvalidCredentialsError) as caught:
            await log_in(again, "okovalenko", "wrong", now=NOW + timedelta(minutes=1))
        assert str(caught.value) == INVALID
        assert (await stored(again, "okovalenko")).unblock_time == locked.unblock_time
        with pytest.raises(UserLockedError) as lock:
            await log_in(again, "okovalenko", "okovalenko", now=NOW + timedelta(minutes=1))
        assert str(lock.value) == "The user is locked. Try again in 14 minutes."
        with pytest.raises(UserLockedError) as lock:
            await log_in(
                again, "okovalenko", "okovalenko", now=NOW + timedelta(minutes=14, seconds=1)
            )
        assert str(lock.value) == "The user is locked. Try again in 1 minute."
        # When the lock has run out the right password works, and the count starts afresh.
        later = NOW + timedelta(minutes=15, seconds=1)
        with pytest.raises(InvalidCredentialsError):
            await log_in(again, "okovalenko", "wrong", now=later)
        after = await stored(again, "okovalenko")
        assert (after.login_attempt_count, after.unblock_time) == (1, None)
        session = await log_in(again, "okovalenko", "okovalenko", now=later)
        assert session.user.name == "okovalenko"
    finally:
        await again.dispose()


async def test_an_unknown_user_name_is_never_locked(db: Database) -> None:
    for _ in range(LOCK_AFTER + 1):
        with pytest.raises(InvalidCredentialsError):
            await log_in(db, "nobody", "wrong", now=NOW)


async def test_portal_user_is_refused(db: Database) -> None:
    with pytest.raises(PortalUserError) as caught:
        await log_in(db, "mtkachenko", "mtkachenko", now=NOW)
    assert str(caught.value) == "Portal users cannot log in to this application."


async def test_portal_user_with_a_wrong_password_learns_nothing_more(db: Database) -> None:
    with pytest.raises(InvalidCredentialsError):
        await log_in(db, "mtkachenko", "wrong", now=NOW)


async def test_inactive_user_is_refused(db: Database) -> None:
    async with unit_of_work(db) as uow:
        user = await uow.users.get_by_name("jsmith")
        assert user is not None
        await uow.users.update_user(user.model_copy(update={"active": False}))
    with pytest.raises(UserInactiveError):
        await log_in(db, "jsmith", "jsmith", now=NOW)
    with pytest.raises(InvalidCredentialsError):
        await log_in(db, "jsmith", "wrong", now=NOW)


@pytest.mark.parametrize(
    ("user_name", "password", "field"), [("", "x", "User name"), ("a", "", "Password")]
)
async def test_empty_fields_are_asked_for(
    db: Database, user_name: str, password: str, field: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        await log_in(db, user_name, password, now=NOW)
    assert caught.value.field == field
