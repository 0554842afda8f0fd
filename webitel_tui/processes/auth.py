"""Logging in to the CRM: password check, Creatio-style lockout, who may use this tool.

The password is only ever handed to `verify_password`; it is never logged, stored or put in
an error message.
"""

from __future__ import annotations

import asyncio
import math
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import NoReturn

from pydantic import BaseModel, ConfigDict

from webitel_tui.db.engine import Database
from webitel_tui.domain import known
from webitel_tui.domain.errors import DomainError, ValidationError
from webitel_tui.domain.passwords import hash_password, verify_password
from webitel_tui.domain.records import Actor
from webitel_tui.domain.users import SystemUser, UserType
from webitel_tui.i18n import _, tr
from webitel_tui.repositories import unit_of_work

LOCK_AFTER = 5
"""Consecutive failed logins that lock the account."""
LOCK_MINUTES = 15


class LoggedIn(BaseModel):
    """The logged-in user, as every later screen and process needs it."""

    model_config = ConfigDict(frozen=True)

    user: SystemUser
    actor: Actor
    is_admin: bool


class LoginError(DomainError):
    """A refused login; `str()` is the message for the login screen."""


class InvalidCredentialsError(LoginError):
    def __init__(self, attempts_left: int | None = None) -> None:
        message = _("Invalid user name or password.")
        if attempts_left is not None:
            message += " " + tr("Attempts left before the user is locked: {0}.", attempts_left)
        super().__init__(message)
        self.attempts_left = attempts_left


class UserLockedError(LoginError):
    def __init__(self, minutes: int) -> None:
        if minutes == 1:
            super().__init__(_("The user is locked. Try again in 1 minute."))
        else:
            super().__init__(tr("The user is locked. Try again in {0} minutes.", minutes))
        self.minutes = minutes


class UserInactiveError(LoginError):
    def __init__(self) -> None:
        super().__init__(_("The user is inactive. Contact your system administrator."))


class PortalUserError(LoginError):
    def __init__(self) -> None:
        super().__init__(_("Portal users cannot log in to this application."))


@cache
def _decoy_hash() -> str:
    """A hash to check unknown user names against, so they take as long as known ones."""
    return hash_password("decoy password: no user has it")


def _minutes_until(moment: datetime, now: datetime) -> int:
    return max(1, math.ceil((moment - now).total_seconds() / 60))


async def _reject_unknown(password: str) -> NoReturn:
    await asyncio.to_thread(verify_password, password, await asyncio.to_thread(_decoy_hash))
    raise InvalidCredentialsError()


async def log_in(
    db: Database, user_name: str, password: str, *, now: datetime | None = None
) -> LoggedIn:
    """Check the user name and password; raises a `LoginError` with the admin-facing reason."""
    now = now or datetime.now(UTC)
    if not user_name.strip():
        raise ValidationError(_("Enter the user name."), "User name")
    if not password:
        raise ValidationError(_("Enter the password."), "Password")

    async with unit_of_work(db) as uow:
        user = await uow.users.get_by_name(user_name)
        stored_hash = await uow.users.password_hash(user.id) if user is not None else ""
    if user is None or not stored_hash:
        await _reject_unknown(password)
    if user.unblock_time is not None and user.unblock_time > now:
        raise UserLockedError(_minutes_until(user.unblock_time, now))

    # The slow KDF runs outside any transaction, so no database lock is held meanwhile.
    valid = await asyncio.to_thread(verify_password, password, stored_hash)

    actor = Actor(user_id=user.id, contact_id=user.contact_id)
    failures, is_admin = 0, False
    async with unit_of_work(db, actor) as uow:
        if user.unblock_time is not None:
            # The lock has run out: the count starts again, as after a good login.
            await uow.users.reset_login_failures(user.id)
        if not valid:
            failures = await uow.users.record_login_failure(
                user.id, lock_after=LOCK_AFTER, unblock_time=now + timedelta(minutes=LOCK_MINUTES)
            )
        else:
            is_admin = await uow.users.is_member(user.id, known.SYSTEM_ADMINISTRATORS)
            if user.active and user.user_type is UserType.EMPLOYEE and user.login_attempt_count:
                await uow.users.reset_login_failures(user.id)
    # Raised only after the unit of work has committed the failure count.
    if not valid:
        if failures >= LOCK_AFTER:
            raise UserLockedError(LOCK_MINUTES)
        raise InvalidCredentialsError(LOCK_AFTER - failures)
    if not user.active:
        raise UserInactiveError()
    if user.user_type is not UserType.EMPLOYEE:
        raise PortalUserError()
    fresh = user.model_copy(update={"login_attempt_count": 0, "unblock_time": None})
    return LoggedIn(user=fresh, actor=actor, is_admin=is_admin)
