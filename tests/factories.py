"""Small builders for test data, through the real repositories."""

from __future__ import annotations

import subprocess
import sys
import uuid

from webitel_tui.domain import known
from webitel_tui.domain.contacts import NewContact
from webitel_tui.domain.processes import RunOwner
from webitel_tui.domain.users import NewSystemUser, SystemUser, UserType
from webitel_tui.domain.webitel_users import NewWebitelUser, WebitelUser
from webitel_tui.repositories import UnitOfWork

# Tests need real hashes, not slow ones.
FAST_COST = 2**4


async def make_user(
    uow: UnitOfWork,
    login: str,
    full_name: str | None = None,
    *,
    user_type: UserType = UserType.EMPLOYEE,
    active: bool = True,
    password: str | None = "secret",
) -> SystemUser:
    contact = await uow.contacts.create(NewContact(name=full_name or login.title()))
    return await uow.users.create_user(
        NewSystemUser(name=login, contact_id=contact.id, user_type=user_type, active=active),
        password,
        password_cost=FAST_COST,
    )


async def make_webitel_user(
    uow: UnitOfWork, login: str, extension: str | None = None, *, webitel_id: int | None = None
) -> WebitelUser:
    user = await make_user(uow, login)
    return await uow.webitel_users.create(
        NewWebitelUser(
            user_id=user.id,
            contact_id=user.contact_id,
            name=login,
            extension=extension,
            webitel_id=webitel_id,
        )
    )


def ended_pid() -> int:
    """The id of a process of this host that has ended."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


async def make_run(uow: UnitOfWork, owner: RunOwner) -> uuid.UUID:
    """A "Running" GetWebitelUsers run in the process log, carried out by `owner`."""
    process = await uow.processes.by_code(known.GET_WEBITEL_USERS_PROCESS_CODE)
    assert process is not None
    return (await uow.processes.start_run(process.id, owner)).id
