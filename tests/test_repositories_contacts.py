"""What the Contacts and Accounts sections read and write: the users of a contact, the
Webitel users it is the contact of, and deleting an account."""

from __future__ import annotations

import pytest

from tests.change_log import change_log
from tests.factories import make_user, make_webitel_user
from webitel_tui.db.engine import Database
from webitel_tui.domain.changelog import Operation
from webitel_tui.domain.contacts import NewAccount, NewContact
from webitel_tui.domain.errors import RecordConflictError, RecordInUseError
from webitel_tui.domain.paging import PageRequest
from webitel_tui.domain.users import NewSystemUser
from webitel_tui.repositories import unit_of_work


async def test_the_users_and_webitel_users_of_a_contact(db: Database) -> None:
    async with unit_of_work(db) as uow:
        agent = await make_webitel_user(uow, "agent1", "1001")
        other = await make_webitel_user(uow, "agent2", "1002")
        assert agent.contact_id is not None
        # A second CRM user of the same contact (Creatio allows it), after the first by name.
        second = await uow.users.create_user(
            NewSystemUser(name="zz-agent1", contact_id=agent.contact_id), "secret"
        )
        lonely = await uow.contacts.create(NewContact(name="Nobody"))
    async with unit_of_work(db) as uow:
        users = await uow.users.users_of_contact(agent.contact_id)
        assert [u.name for u in users] == ["agent1", "zz-agent1"]
        assert users[1].id == second.id
        assert [w.name for w in await uow.webitel_users.of_contact(agent.contact_id)] == ["agent1"]
        assert other.contact_id is not None
        assert [w.id for w in await uow.webitel_users.of_contact(other.contact_id)] == [other.id]
        assert await uow.users.users_of_contact(lonely.id) == []
        assert await uow.webitel_users.of_contact(lonely.id) == []


async def test_a_contact_with_a_user_is_not_deleted(db: Database) -> None:
    async with unit_of_work(db) as uow:
        user = await make_user(uow, "jdoe", "John Doe")
        assert user.contact_id is not None
        contact = await uow.contacts.get(user.contact_id)
    with pytest.raises(RecordInUseError):
        async with unit_of_work(db) as uow:
            await uow.contacts.delete(contact.id, contact.version)
    async with unit_of_work(db) as uow:
        assert (await uow.contacts.get(contact.id)).name == "John Doe"


async def test_deleting_an_account_keeps_its_contacts(db: Database) -> None:
    async with unit_of_work(db) as uow:
        account = await uow.accounts.create(NewAccount(name="Acme", phone="+380 44 000"))
        contact = await uow.contacts.create(NewContact(name="Ann", account_id=account.id))
    with pytest.raises(RecordConflictError):
        async with unit_of_work(db) as uow:
            await uow.accounts.delete(account.id, account.version + 1)
    async with unit_of_work(db) as uow:
        await uow.accounts.delete(account.id, account.version)
    async with unit_of_work(db) as uow:
        assert (await uow.accounts.page_accounts(PageRequest())).items == []
        assert (await uow.contacts.get(contact.id)).account_id is None
        log = await change_log(uow, account.id)
        assert sorted(entry.operation for entry in log) == [Operation.DELETE, Operation.INSERT]
