"""Logging in to the CRM: password check, Creatio-style lockout, who may use this tool, and
what the user may do (operation permissions).

The password is only ever handed to `verify_password`; it is never logged, stored or put in
an error message. A refused login says the same for an unknown user name, a wrong password
and a locked account with a wrong password, and takes as long: only the right password of a
locked, inactive or portal user learns why it is refused, as in Creatio.
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
from webitel_tui.domain.rights import NoPermissionError
from webitel_tui.domain.users import SystemUser, UserType
from webitel_tui.i18n import _, tr
from webitel_tui.repositories import UnitOfWork, unit_of_work
from webitel_tui.repositories.rights import operations

LOCK_AFTER = 5
"""Consecutive failed logins that lock the account."""
LOCK_MINUTES = 15


class LoggedIn(BaseModel):
    """The logged-in user, as every later screen and process needs it."""

    model_config = ConfigDict(frozen=True)

    user: SystemUser
    actor: Actor
    is_admin: bool
    operations: frozenset[str] = frozenset()
    """The codes of the operations the user may run, as of the login (domain/rights.py):
    what the screens offer. The processes check again at each call."""

    def can(self, operation: str) -> bool:
        return operation in self.operations


class LoginError(DomainError):
    """A refused login; `str()` is the message for the login screen."""


class InvalidCredentialsError(LoginError):
    """Every failed attempt, whatever failed: it never tells which user names exist."""

    def __init__(self) -> None:
        super().__init__(_("Invalid user name or password."))


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


def _verify_evenly(password: str, stored: str) -> bool:
    """`verify_password`, taking at least one check at the full cost: a stored hash that is
    quick to check (an imported user's, of a random password) must not tell that the user
    name exists."""
    valid = verify_password(password, stored)
    if not stored.startswith("scrypt$"):
        verify_password(password, _decoy_hash())
    return valid


def _minutes_until(moment: datetime, now: datetime) -> int:
    return max(1, math.ceil((moment - now).total_seconds() / 60))


async def _reject_unknown(password: str) -> NoReturn:
    await asyncio.to_thread(verify_password, password, await asyncio.to_thread(_decoy_hash))
    raise InvalidCredentialsError()


async def log_in(
    db: Database, user_name: str, password: str, *, now: datetime | None = None
) -> LoggedIn:
    """Check the user name and password; raises a `LoginError` with the admin-facing reason.

    Five failures in a row lock the account for 15 minutes; the lock is said only to the
    right password (a wrong one meanwhile is refused as any other, and not counted)."""
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

    # The slow KDF runs outside any transaction, so no database lock is held meanwhile.
    valid = await asyncio.to_thread(_verify_evenly, password, stored_hash)
    if user.unblock_time is not None and user.unblock_time > now:
        if valid:
            raise UserLockedError(_minutes_until(user.unblock_time, now))
        raise InvalidCredentialsError()

    actor = Actor(user_id=user.id, contact_id=user.contact_id)
    is_admin, granted = False, frozenset[str]()
    async with unit_of_work(db, actor) as uow:
        if user.unblock_time is not None:
            # The lock has run out: the count starts again, as after a good login.
            await uow.users.reset_login_failures(user.id)
        if not valid:
            await uow.users.record_login_failure(
                user.id, lock_after=LOCK_AFTER, unblock_time=now + timedelta(minutes=LOCK_MINUTES)
            )
        else:
            is_admin = await uow.users.is_member(user.id, known.SYSTEM_ADMINISTRATORS)
            granted = await operations(uow).codes_of(user.id)
            if user.active and user.user_type is UserType.EMPLOYEE and user.login_attempt_count:
                await uow.users.reset_login_failures(user.id)
    # Raised only after the unit of work has committed the failure count.
    if not valid:
        raise InvalidCredentialsError()
    if not user.active:
        raise UserInactiveError()
    if user.user_type is not UserType.EMPLOYEE:
        raise PortalUserError()
    fresh = user.model_copy(update={"login_attempt_count": 0, "unblock_time": None})
    return LoggedIn(user=fresh, actor=actor, is_admin=is_admin, operations=granted)


# Operation permissions -----------------------------------------------------------------------


async def may_run(uow: UnitOfWork, actor: Actor, operation: str) -> bool:
    """Whether `actor` may run `operation` now. The system itself (an actor with no user:
    the seed, the start-up's own work) may run everything; a user, what is granted to the
    user or to one of the user's roles."""
    if actor.user_id is None:
        return True
    return operation in await operations(uow).codes_of(actor.user_id)


async def require_operation(db: Database, actor: Actor, operation: str) -> None:
    """Refuse (NoPermissionError) unless `actor` may run `operation`: the check every
    process makes before it changes anything, whatever screen or command calls it."""
    if actor.user_id is None:
        return
    async with unit_of_work(db) as uow:
        allowed = await may_run(uow, actor, operation)
    if not allowed:
        raise NoPermissionError(operation)


async def require_admin(uow: UnitOfWork, actor: Actor) -> None:
    """Refuse unless `actor` is a System administrator (or the system itself): who manages
    users, their roles and the operation permissions."""
    if actor.user_id is None:
        return
    if not await uow.users.is_member(actor.user_id, known.SYSTEM_ADMINISTRATORS):
        raise NotAnAdministratorError()


class NotAnAdministratorError(DomainError):
    def __init__(self) -> None:
        super().__init__(_("Only system administrators can manage users and their rights."))
