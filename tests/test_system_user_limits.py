"""System users (processes/system_users.py) refuse a value over its limit naming the field,
before anything is written, on SQLite and PostgreSQL alike (PostgreSQL used to refuse it
with a DBAPIError, SQLite to keep it)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from pydantic import SecretStr

from webitel_tui.db.engine import Database
from webitel_tui.domain.errors import ValidationError
from webitel_tui.domain.paging import PageRequest
from webitel_tui.domain.records import Actor
from webitel_tui.processes.system_users import UserForm, save_user
from webitel_tui.repositories import unit_of_work


@pytest.fixture
async def db(seeded_database_url: str) -> AsyncIterator[Database]:
    database = Database(seeded_database_url)
    try:
        yield database
    finally:
        await database.dispose()


def form(**values: object) -> UserForm:
    fields: dict[str, object] = {
        "name": "olena",
        "new_contact_name": "Olena Kovalenko",
        "password": SecretStr("x-Pass-123"),
        "confirmation": SecretStr("x-Pass-123"),
    }
    return UserForm.model_validate({**fields, **values})


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        (
            {"new_contact_name": "N" * 251},
            "Full name",
            'The value of the "Full name" field is too long: at most 250 characters.',
        ),
        (
            {"name": "u" * 251},
            "User name",
            'The value of the "User name" field is too long: at most 250 characters.',
        ),
        (
            {"name": "ol\x00ena"},
            "User name",
            'The "User name" field contains a character that cannot be saved (U+0000).',
        ),
        (
            {"email": "olena\x00@example.com"},
            "Email",
            'The "Email" field contains a character that cannot be saved (U+0000).',
        ),
    ],
)
async def test_a_system_user_over_a_limit_is_refused_and_nothing_is_written(
    db: Database, values: dict[str, object], field: str, message: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        await save_user(db, Actor(), form(**values))
    assert (str(caught.value), caught.value.field) == (message, field)
    async with unit_of_work(db) as uow:
        assert await uow.users.get_by_name("olena") is None
        assert (await uow.contacts.page_contacts(PageRequest())).items == []


async def test_values_at_the_limit_are_kept_whole(db: Database) -> None:
    name = "Ї" * 250  # 500 bytes of UTF-8: the limit counts characters
    user = await save_user(db, Actor(), form(name="u" * 250, new_contact_name=name))
    async with unit_of_work(db) as uow:
        stored = await uow.users.get(user.id)
    assert stored.name == "u" * 250 and stored.contact_name == name
