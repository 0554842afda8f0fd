"""Refusals and error paths of the repositories, each with the admin-facing message."""

from __future__ import annotations

import pytest

from tests.factories import make_user, make_webitel_user
from webitel_tui.db.engine import Database
from webitel_tui.domain.contacts import NewAccount, NewContact
from webitel_tui.domain.errors import (
    DuplicateValueError,
    RecordConflictError,
    RecordInUseError,
    RecordNotFoundError,
    ValidationError,
)
from webitel_tui.domain.paging import PageRequest
from webitel_tui.domain.webitel_users import NewWebitelUser
from webitel_tui.repositories import unit_of_work


async def test_unknown_sort_column_is_refused(db: Database) -> None:
    with pytest.raises(ValidationError) as caught:
        async with unit_of_work(db) as uow:
            await uow.webitel_users.page(PageRequest(sort="password"))
    assert str(caught.value) == 'The list cannot be sorted by "password".'


async def test_a_contact_of_a_user_cannot_be_deleted(db: Database) -> None:
    async with unit_of_work(db) as uow:
        user = await make_user(uow, "jdoe")
        free = await uow.contacts.create(NewContact(name="Nobody"))
    assert user.contact_id is not None
    with pytest.raises(RecordInUseError) as caught:
        async with unit_of_work(db) as uow:
            contact = await uow.contacts.get(user.contact_id)
            await uow.contacts.delete(contact.id, contact.version)
    assert "used in other objects" in str(caught.value)
    async with unit_of_work(db) as uow:
        await uow.contacts.delete(free.id, free.version)
    with pytest.raises(RecordNotFoundError):
        async with unit_of_work(db) as uow:
            await uow.contacts.get(free.id)


async def test_a_user_who_is_a_webitel_user_cannot_be_deleted(db: Database) -> None:
    async with unit_of_work(db) as uow:
        record = await make_webitel_user(uow, "jdoe", "1001")
    assert record.user_id is not None
    with pytest.raises(RecordInUseError):
        async with unit_of_work(db) as uow:
            user = await uow.users.get(record.user_id)
            await uow.users.delete_user(user.id, user.version)
    async with unit_of_work(db) as uow:
        assert await uow.users.find(record.user_id) is not None
        await uow.webitel_users.delete(record.id, record.version)
        user = await uow.users.get(record.user_id)
        await uow.users.delete_user(user.id, user.version)
    async with unit_of_work(db) as uow:
        assert await uow.users.find(record.user_id) is None


async def test_webitel_record_needs_an_existing_user_and_a_valid_login(db: Database) -> None:
    import uuid

    with pytest.raises(ValidationError, match="The selected user does not exist"):
        async with unit_of_work(db) as uow:
            await uow.webitel_users.create(NewWebitelUser(user_id=uuid.uuid4(), name="ghost"))
    with pytest.raises(ValidationError, match="only Latin letters"):
        async with unit_of_work(db) as uow:
            await uow.webitel_users.create(NewWebitelUser(name="john doe@acme"))
    with pytest.raises(ValidationError, match="Fill in the required Webitel user name"):
        async with unit_of_work(db) as uow:
            await uow.webitel_users.create(NewWebitelUser(name=" "))


async def test_accounts_crud_search_and_conflict(db: Database) -> None:
    async with unit_of_work(db) as uow:
        acme = await uow.accounts.create(NewAccount(name="Acme Telecom", web="acme.example"))
        await uow.accounts.create(NewAccount(name="Globex"))
    async with unit_of_work(db) as uow:
        renamed = await uow.accounts.update(acme.model_copy(update={"name": "Acme Voice"}))
        page = await uow.accounts.page_accounts(PageRequest(search="ACME"))
    assert [a.name for a in page.items] == ["Acme Voice"]
    with pytest.raises(RecordConflictError):
        async with unit_of_work(db) as uow:
            await uow.accounts.update(acme.model_copy(update={"name": "Stale"}))
    async with unit_of_work(db) as uow:
        assert (await uow.accounts.get(acme.id)).name == renamed.name


async def test_workplace_names_are_unique(db: Database) -> None:
    async with unit_of_work(db) as uow:
        sales = await uow.workplaces.create("Sales")
        await uow.workplaces.create("Service")
    with pytest.raises(DuplicateValueError, match='A workplace named "Sales" already exists'):
        async with unit_of_work(db) as uow:
            await uow.workplaces.create("Sales")
    with pytest.raises(DuplicateValueError):
        async with unit_of_work(db) as uow:
            service = await uow.workplaces.get_by_name("Service")
            assert service is not None
            await uow.workplaces.rename(service.model_copy(update={"name": "Sales"}))
    async with unit_of_work(db) as uow:
        renamed = await uow.workplaces.rename(sales.model_copy(update={"name": "Sales & CC"}))
        assert renamed.name == "Sales & CC" and renamed.version == 2


def test_ice_server_list_rule() -> None:
    from webitel_tui.domain.rules import parse_ice_servers

    assert parse_ice_servers(" stun:a:3478,turn:b:3478\nturns:c ") == [
        "stun:a:3478",
        "turn:b:3478",
        "turns:c",
    ]
    assert parse_ice_servers("") == []
    assert parse_ice_servers("turn:[2001:db8::1]:3478?transport=tcp STUNS:x.org") == [
        "turn:[2001:db8::1]:3478?transport=tcp",
        "STUNS:x.org",
    ]
    for bad in ("http://x", "stun:", "a:b", "stun:a_b", "stun:\x1b[2J", "stun:x:99999999"):
        with pytest.raises(ValidationError, match="is not a STUN or TURN server address"):
            parse_ice_servers(bad)
    with pytest.raises(ValidationError) as refused:  # a pasted page is quoted short, shown
        parse_ice_servers("stun:\x1b" + "W" * 10_000)
    assert len(str(refused.value)) < 200 and "\x1b" not in str(refused.value)
