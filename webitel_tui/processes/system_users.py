"""System users (M3): create and edit a CRM user with its contact, password and base role."""

from __future__ import annotations

import uuid
from typing import Annotated

from pydantic import SecretStr

from webitel_tui.db.engine import Database
from webitel_tui.domain import known
from webitel_tui.domain.contacts import NewContact
from webitel_tui.domain.errors import RequiredFieldError, ValidationError
from webitel_tui.domain.limits import EMAIL, FULL_NAME, USER_NAME, check_limits
from webitel_tui.domain.passwords import check_password_policy
from webitel_tui.domain.records import Actor, Record
from webitel_tui.domain.rights import (
    ALWAYS_GRANTED_TO,
    AdminOperation,
    AlwaysGrantedError,
    OperationGrantee,
)
from webitel_tui.domain.rules import check_passwords_match, require
from webitel_tui.domain.users import NewSystemUser, Role, SystemUser, UserType
from webitel_tui.i18n import _
from webitel_tui.processes.auth import require_admin
from webitel_tui.repositories import unit_of_work
from webitel_tui.repositories.rights import operations

BASE_ROLE = {UserType.EMPLOYEE: known.ALL_EMPLOYEES, UserType.PORTAL: known.PORTAL_USERS}


class UserForm(Record):
    """What the user page holds. On an existing user an empty password means "unchanged"."""

    user_id: uuid.UUID | None = None
    version: int = 0
    name: Annotated[str, USER_NAME]
    user_type: UserType = UserType.EMPLOYEE
    contact_id: uuid.UUID | None = None
    new_contact_name: Annotated[str, FULL_NAME] = ""
    password: SecretStr = SecretStr("")
    confirmation: SecretStr = SecretStr("")
    active: bool = True
    email: Annotated[str, EMAIL] = ""


def _check(form: UserForm) -> None:
    if form.contact_id is None and not form.new_contact_name.strip():
        raise RequiredFieldError("Contact")
    require(form.name, USER_NAME)
    check_limits(form)
    password = form.password.get_secret_value()
    if form.user_id is None and not password:
        raise RequiredFieldError("Password")
    if password or form.confirmation.get_secret_value():
        check_passwords_match(password, form.confirmation.get_secret_value())


async def save_user(db: Database, actor: Actor, form: UserForm) -> SystemUser:
    """Create or update the user in one transaction: contact, user, password, base role."""
    _check(form)
    password = form.password.get_secret_value()
    async with unit_of_work(db, actor) as uow:
        await require_admin(uow, actor)
        if password:
            check_password_policy(password, await uow.settings.password_policy())
        contact_id = form.contact_id
        if contact_id is None:
            contact = await uow.contacts.create(NewContact(name=form.new_contact_name.strip()))
            contact_id = contact.id
        if form.user_id is None:
            user = await uow.users.create_user(
                NewSystemUser(
                    name=form.name,
                    contact_id=contact_id,
                    user_type=form.user_type,
                    active=form.active,
                    email=form.email,
                ),
                password,
            )
            await uow.users.add_to_role(user.id, BASE_ROLE[form.user_type])
            return user
        current = await uow.users.get(form.user_id)
        if current.user_type is not form.user_type:
            raise ValidationError(_("The type of an existing user cannot be changed."), "Type")
        user = await uow.users.update_user(
            current.model_copy(
                update={
                    "version": form.version,
                    "name": form.name,
                    "contact_id": contact_id,
                    "active": form.active,
                    "email": form.email,
                }
            )
        )
        if password:
            await uow.users.set_password(user.id, password)
        return user


async def add_roles(db: Database, actor: Actor, user_id: uuid.UUID, roles: list[Role]) -> None:
    async with unit_of_work(db, actor) as uow:
        await require_admin(uow, actor)
        user = await uow.users.get(user_id)
        for role in roles:
            if user.user_type is UserType.PORTAL and role.id == known.ALL_EMPLOYEES:
                raise ValidationError(_('Portal users cannot be members of "All employees".'))
            await uow.users.add_to_role(user_id, role.id)


async def remove_role(db: Database, actor: Actor, user_id: uuid.UUID, role_id: uuid.UUID) -> None:
    async with unit_of_work(db, actor) as uow:
        await require_admin(uow, actor)
        await uow.users.remove_from_role(user_id, role_id)


# Operation permissions (granted to roles here, checked by the processes: processes/auth.py) -


async def list_operations(db: Database) -> list[AdminOperation]:
    async with unit_of_work(db) as uow:
        return await operations(uow).all()


async def operation_grantees(db: Database, operation_id: uuid.UUID) -> list[OperationGrantee]:
    async with unit_of_work(db) as uow:
        return await operations(uow).grantees(operation_id)


async def grant_operation(
    db: Database, actor: Actor, operation_id: uuid.UUID, roles: list[Role]
) -> None:
    """Let the members of `roles` run the operation (System administrators only)."""
    async with unit_of_work(db, actor) as uow:
        await require_admin(uow, actor)
        for role in roles:
            await operations(uow).grant(operation_id, role.id)


async def revoke_operation(
    db: Database, actor: Actor, operation_id: uuid.UUID, unit_id: uuid.UUID
) -> None:
    """Take the operation from a role (System administrators keep every operation)."""
    if unit_id == ALWAYS_GRANTED_TO:
        raise AlwaysGrantedError()
    async with unit_of_work(db, actor) as uow:
        await require_admin(uow, actor)
        await operations(uow).revoke(operation_id, unit_id)
