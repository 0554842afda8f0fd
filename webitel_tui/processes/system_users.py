"""System users (M3): create and edit a CRM user with its contact, password and base role."""

from __future__ import annotations

import uuid

from pydantic import SecretStr

from webitel_tui.db.engine import Database
from webitel_tui.domain import known
from webitel_tui.domain.contacts import NewContact
from webitel_tui.domain.errors import RequiredFieldError, ValidationError
from webitel_tui.domain.records import Actor, Record
from webitel_tui.domain.rules import check_passwords_match, require
from webitel_tui.domain.users import NewSystemUser, Role, SystemUser, UserType
from webitel_tui.i18n import _
from webitel_tui.repositories import unit_of_work

BASE_ROLE = {UserType.EMPLOYEE: known.ALL_EMPLOYEES, UserType.PORTAL: known.PORTAL_USERS}


class UserForm(Record):
    """What the user page holds. On an existing user an empty password means "unchanged"."""

    user_id: uuid.UUID | None = None
    version: int = 0
    name: str
    user_type: UserType = UserType.EMPLOYEE
    contact_id: uuid.UUID | None = None
    new_contact_name: str = ""
    password: SecretStr = SecretStr("")
    confirmation: SecretStr = SecretStr("")
    active: bool = True
    email: str = ""


def _check(form: UserForm) -> None:
    if form.contact_id is None and not form.new_contact_name.strip():
        raise RequiredFieldError("Contact")
    require(form.name, "User name")
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
        user = await uow.users.get(user_id)
        for role in roles:
            if user.user_type is UserType.PORTAL and role.id == known.ALL_EMPLOYEES:
                raise ValidationError(_('Portal users cannot be members of "All employees".'))
            await uow.users.add_to_role(user_id, role.id)


async def remove_role(db: Database, actor: Actor, user_id: uuid.UUID, role_id: uuid.UUID) -> None:
    async with unit_of_work(db, actor) as uow:
        await uow.users.remove_from_role(user_id, role_id)
