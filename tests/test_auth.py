"""Logging in: password check, lockout after 5 failures (stored), who is refused."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import Templates
from webitel_tui.db.engine import Database
from webitel_tui.domain.errors import ValidationError
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


async def test_wrong_password_counts_down(db: Database) -> None:
    with pytest.raises(InvalidCredentialsError) as caught:
        await log_in(db, "Supervisor", "wrong", now=NOW)
    assert caught.value.attempts_left == LOCK_AFTER - 1
    assert str(caught.value) == (
        "Invalid user name or password. Attempts left before the user is locked: 4."
    )
    with pytest.raises(InvalidCredentialsError) as caught:
        await log_in(db, "Supervisor", "wrong again", now=NOW)
    assert caught.value.attempts_left == LOCK_AFTER - 2


async def test_message_never_contains_the_password(db: Database) -> None:
    secret = "s3cret-Typed-By-Mistake"
    for user_name in ("Supervisor", "nobody-by-this-name"):
        with pytest.raises(InvalidCredentialsError) as caught:
            await log_in(db, user_name, secret, now=NOW)
        assert secret not in str(caught.value)
        assert secret not in repr(caught.value.args)


async def test_unknown_user_gets_the_same_message_without_a_count(db: Database) -> None:
    with pytest.raises(InvalidCredentialsError) as caught:
        await log_in(db, "nobody", "whatever", now=NOW)
    assert str(caught.value) == "Invalid user name or password."


async def test_success_resets_the_counter(db: Database) -> None:
    for _ in range(LOCK_AFTER - 1):
        with pytest.raises(InvalidCredentialsError):
            await log_in(db, "Supervisor", "wrong", now=NOW)
    session = await log_in(db, "Supervisor", "Supervisor", now=NOW)
    assert session.user.login_attempt_count == 0
    async with unit_of_work(db) as uow:
        stored = await uow.users.get_by_name("Supervisor")
    assert stored is not None and stored.login_attempt_count == 0
    with pytest.raises(InvalidCredentialsError) as caught:
        await log_in(db, "Supervisor", "wrong", now=NOW)
    assert caught.value.attempts_left == LOCK_AFTER - 1


async def test_five_failures_lock_for_15_minutes_even_after_a_restart(
    db: Database, tmp_path: Path
) -> None:
    for _ in range(LOCK_AFTER - 1):
        with pytest.raises(InvalidCredentialsError):
            await log_in(db, "okovalenko", "wrong", now=NOW)
    with pytest.raises(UserLockedError) as caught:
        await log_in(db, "okovalenko", "wrong", now=NOW)
    assert str(caught.value) == "The user is locked. Try again in 15 minutes."

    # A new engine on the same file: the lock was stored, not kept in memory.
    await db.dispose()
    again = Database(db.url)
    try:
        with pytest.raises(UserLockedError):
            await log_in(again, "okovalenko", "okovalenko", now=NOW + timedelta(minutes=1))
        with pytest.raises(UserLockedError) as caught:
            await log_in(
                again, "okovalenko", "okovalenko", now=NOW + timedelta(minutes=14, seconds=1)
            )
        assert str(caught.value) == "The user is locked. Try again in 1 minute."
        # When the lock has run out the right password works, and the count starts afresh.
        later = NOW + timedelta(minutes=15, seconds=1)
        with pytest.raises(InvalidCredentialsError) as wrong:
            await log_in(again, "okovalenko", "wrong", now=later)
        assert wrong.value.attempts_left == LOCK_AFTER - 1
        session = await log_in(again, "okovalenko", "okovalenko", now=later)
        assert session.user.name == "okovalenko"
    finally:
        await again.dispose()


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
