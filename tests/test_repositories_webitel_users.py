from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.change_log import change_log
from tests.factories import make_user, make_webitel_user
from webitel_tui.db.engine import Database
from webitel_tui.domain.errors import DuplicateValueError, RecordConflictError, ValidationError
from webitel_tui.domain.paging import PageRequest
from webitel_tui.domain.webitel_users import LicenseGrant, NewWebitelUser, RoleGrant
from webitel_tui.repositories import unit_of_work


async def test_create_read_update_delete(db: Database) -> None:
    async with unit_of_work(db) as uow:
        record = await make_webitel_user(uow, "jdoe", "1001", webitel_id=42)
    async with unit_of_work(db) as uow:
        loaded = await uow.webitel_users.get(record.id)
        assert (loaded.name, loaded.extension, loaded.webitel_id) == ("jdoe", "1001", 42)
        assert loaded.contact_name == "Jdoe"
        updated = await uow.webitel_users.update(
            loaded.model_copy(update={"extension": "1002", "enable_stun": True})
        )
    assert updated.version == 2 and updated.enable_stun
    async with unit_of_work(db) as uow:
        assert (await uow.webitel_users.get(updated.id)).extension == "1002"
        assert (await uow.webitel_users.find_by_webitel_id(42)) is not None
        await uow.webitel_users.delete(updated.id, updated.version)
    async with unit_of_work(db) as uow:
        assert (await uow.webitel_users.page(PageRequest())).items == []


async def test_create_returns_the_stored_record_and_logs_every_column(db: Database) -> None:
    """The record and its change-log entry are written as plain rows: what `create` returns
    and what the entry says must be what is stored, and the entry names who and when."""
    from sqlalchemy import select

    from webitel_tui.db.tables import WebitelUser as WebitelUserRow
    from webitel_tui.domain.records import Actor
    from webitel_tui.repositories.base import column_values

    async with unit_of_work(db) as uow:
        user = await make_user(uow, "jdoe")
    actor = Actor(user_id=user.id, contact_id=user.contact_id)
    async with unit_of_work(db, actor) as uow:
        created = await uow.webitel_users.create(
            NewWebitelUser(
                user_id=user.id, contact_id=user.contact_id, name="jdoe", extension="1001",
                webitel_id=42, default_device_id=43, default_device_name="jdoe", enable_stun=True,
            )
        )  # fmt: skip
    async with unit_of_work(db) as uow:
        assert await uow.webitel_users.get(created.id) == created
        row = await uow.session.scalar(
            select(WebitelUserRow).where(WebitelUserRow.Id == created.id)
        )
        assert row is not None
        stored = column_values(row)
        (entry,) = await change_log(uow, created.id)
    assert created.version == 1 and created.contact_name == "Jdoe"
    assert (entry.entity, entry.operation.value, entry.old_values) == ("WebitelUser", "Insert", {})
    assert entry.new_values == stored
    assert list(entry.new_values) == list(stored)  # in column order, as every other entry
    assert entry.created_by == user.contact_id
    assert created.created_on is not None
    assert abs(entry.created_on - created.created_on) < timedelta(seconds=5)


async def test_extension_is_unique_and_the_message_names_the_holder(db: Database) -> None:
    async with unit_of_work(db) as uow:
        await make_webitel_user(uow, "jdoe", "1001")
    with pytest.raises(DuplicateValueError) as caught:
        async with unit_of_work(db) as uow:
            await make_webitel_user(uow, "asmith", "1001")
    assert str(caught.value) == 'The extension 1001 is already used by the Webitel user "Jdoe".'
    assert caught.value.field == "Extension"


async def test_unique_index_backs_the_check_when_two_admins_race(db: Database) -> None:
    async with unit_of_work(db) as uow:
        first = await make_webitel_user(uow, "jdoe", "1001")
        second = await make_webitel_user(uow, "asmith", "1002")

    # Bypass the friendly pre-check as a concurrent save would: the index still refuses.
    async def no_check(*_: object) -> None:
        return None

    with pytest.raises(DuplicateValueError):
        async with unit_of_work(db) as uow:
            uow.webitel_users.check_unique = no_check  # type: ignore[method-assign,assignment]
            await uow.webitel_users.update(second.model_copy(update={"extension": "1001"}))
    async with unit_of_work(db) as uow:
        assert (await uow.webitel_users.get(first.id)).extension == "1001"
        assert (await uow.webitel_users.get(second.id)).extension == "1002"


async def test_empty_extensions_do_not_collide(db: Database) -> None:
    async with unit_of_work(db) as uow:
        await make_webitel_user(uow, "a", None)
        await make_webitel_user(uow, "b", "  ")
        page = await uow.webitel_users.page(PageRequest())
    assert [u.extension for u in page.items] == [None, None]


@pytest.mark.parametrize("bad", ["12a", "１２３", "+380", "1 2"])
async def test_extension_must_be_digits(db: Database, bad: str) -> None:
    with pytest.raises(ValidationError) as caught:
        async with unit_of_work(db) as uow:
            await make_webitel_user(uow, "jdoe", bad)
    assert str(caught.value) == 'The "Extension" field can contain digits only.'


async def test_one_webitel_user_per_crm_user(db: Database) -> None:
    async with unit_of_work(db) as uow:
        record = await make_webitel_user(uow, "jdoe", "1001")
    with pytest.raises(DuplicateValueError):
        async with unit_of_work(db) as uow:
            await uow.webitel_users.create(NewWebitelUser(user_id=record.user_id, name="other"))


async def test_stale_version_is_a_conflict(db: Database) -> None:
    async with unit_of_work(db) as uow:
        record = await make_webitel_user(uow, "jdoe", "1001")
        await uow.webitel_users.update(record.model_copy(update={"extension": "1005"}))
    with pytest.raises(RecordConflictError):
        async with unit_of_work(db) as uow:
            await uow.webitel_users.delete(record.id, record.version)


async def test_licenses_and_roles_follow_full_list_semantics(db: Database) -> None:
    expiry = datetime(2030, 1, 1, tzinfo=UTC)
    async with unit_of_work(db) as uow:
        record = await make_webitel_user(uow, "jdoe", "1001")
        await uow.webitel_users.set_licenses(
            record.id,
            [
                LicenseGrant(license_id="lic-op", product="OPERATOR", expires_on=expiry),
                LicenseGrant(license_id="lic-mg", product="MANAGER"),
            ],
        )
        await uow.webitel_users.set_roles(
            record.id, [RoleGrant(role_id=3, name="agents"), RoleGrant(role_id=4, name="admins")]
        )
    async with unit_of_work(db) as uow:
        licenses = await uow.webitel_users.licenses(record.id)
        assert [lic.product for lic in licenses] == ["MANAGER", "OPERATOR"]
        assert licenses[1].expires_on == expiry
        assert (await uow.webitel_users.get(record.id)).licenses_text == "MANAGER, OPERATOR"
        await uow.webitel_users.set_licenses(
            record.id, [LicenseGrant(license_id="lic-op", product="OPERATOR")]
        )
        roles = await uow.webitel_users.set_roles(record.id, [RoleGrant(role_id=4, name="admins")])
        assert [r.role_id for r in roles] == [4]
    async with unit_of_work(db) as uow:
        assert [lic.license_id for lic in await uow.webitel_users.licenses(record.id)] == ["lic-op"]
        assert (await uow.webitel_users.get(record.id)).licenses_text == "OPERATOR"


async def test_contact_rename_reaches_the_grids(db: Database) -> None:
    async with unit_of_work(db) as uow:
        record = await make_webitel_user(uow, "jdoe", "1001")
        assert record.contact_id is not None
        contact = await uow.contacts.get(record.contact_id)
        await uow.contacts.update(contact.model_copy(update={"name": "Олена Коваленко"}))
    async with unit_of_work(db) as uow:
        assert (await uow.webitel_users.get(record.id)).contact_name == "Олена Коваленко"
        assert record.user_id is not None
        assert (await uow.users.get(record.user_id)).contact_name == "Олена Коваленко"
        # Search is case-insensitive in any alphabet.
        found = await uow.webitel_users.page(PageRequest(search="КОВАЛЕНКО"))
        assert [u.name for u in found.items] == ["jdoe"]


async def test_portal_user_rule_is_a_domain_rule(db: Database) -> None:
    from webitel_tui.domain.rules import check_can_be_webitel_user
    from webitel_tui.domain.users import UserType

    async with unit_of_work(db) as uow:
        portal = await make_user(uow, "mtkachenko", user_type=UserType.PORTAL)
    with pytest.raises(ValidationError) as caught:
        check_can_be_webitel_user(portal)
    assert "Portal users cannot be Webitel users" in str(caught.value)


async def test_create_takes_the_chosen_contact_and_refuses_a_missing_one(db: Database) -> None:
    import uuid

    from webitel_tui.domain.contacts import NewContact

    async with unit_of_work(db) as uow:
        user = await make_user(uow, "jdoe")
        other = await uow.contacts.create(NewContact(name="Desk phone"))
    async with unit_of_work(db) as uow:
        with pytest.raises(ValidationError, match="The selected contact does not exist"):
            await uow.webitel_users.create(
                NewWebitelUser(user_id=user.id, contact_id=uuid.uuid4(), name="jdoe")
            )
    async with unit_of_work(db) as uow:
        created = await uow.webitel_users.create(
            NewWebitelUser(user_id=user.id, contact_id=other.id, name="jdoe")
        )
    assert (created.contact_id, created.contact_name) == (other.id, "Desk phone")


async def test_a_value_taken_after_the_check_is_refused_by_the_keys_and_nothing_is_written(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`create` trusts its check for the write: when the check is stale (another admin saved
    the same extension in between, here a check that saw nothing), the unique key refuses,
    with the CRM's message, and neither the record nor its change-log entry is kept."""
    from sqlalchemy import select

    from webitel_tui.db.tables import SysChangeLog
    from webitel_tui.repositories.webitel_users import CheckedNew, WebitelUserRepository

    async with unit_of_work(db) as uow:
        await make_webitel_user(uow, "jdoe", "1001")

    async def stale_check(*_: object) -> CheckedNew:
        return CheckedNew("")

    monkeypatch.setattr(WebitelUserRepository, "check_new", stale_check)
    with pytest.raises(DuplicateValueError, match="already exists"):
        async with unit_of_work(db) as uow:
            await uow.webitel_users.create(NewWebitelUser(name="other", extension="1001"))
    async with unit_of_work(db) as uow:
        assert [u.name for u in (await uow.webitel_users.page(PageRequest())).items] == ["jdoe"]
        logged = await uow.session.scalars(
            select(SysChangeLog.EntitySchemaName).where(
                SysChangeLog.EntitySchemaName == "WebitelUser"
            )
        )
        assert len(list(logged)) == 1  # jdoe's only
