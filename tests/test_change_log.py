"""Reading the change log: the whole log and one record's history, newest first, a keyset
page at a time; who and which record by name; secrets stay masked. SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import inspect as sqlalchemy_inspect
from sqlalchemy import select, update

from tests.factories import make_user, make_webitel_user
from webitel_tui.db.engine import Database
from webitel_tui.db.migrate import downgrade, upgrade
from webitel_tui.db.tables import SysChangeLog
from webitel_tui.domain.changelog import ChangeLogEntry, Operation
from webitel_tui.domain.paging import Page, PageRequest
from webitel_tui.domain.records import Actor
from webitel_tui.repositories import UnitOfWork, unit_of_work

NEWEST_FIRST = PageRequest(sort="when", descending=True, limit=2)


async def read_all(
    db: Database, request: PageRequest, record_id: uuid.UUID | None = None
) -> list[ChangeLogEntry]:
    """Every page of the request, following the cursors."""
    entries: list[ChangeLogEntry] = []
    sent: PageRequest | None = request
    while sent is not None:
        async with unit_of_work(db) as uow:
            page: Page[ChangeLogEntry] = await uow.change_log.page(sent, record_id=record_id)
        entries += page.items
        sent = None if page.next_cursor is None else sent.next(page.next_cursor)
    return entries


async def same_moment(uow: UnitOfWork, moment: datetime) -> None:
    """Every entry at one moment: the pages must then be told apart by Id alone."""
    await uow.session.execute(update(SysChangeLog).values(CreatedOn=moment))


async def test_the_log_pages_newest_first_across_equal_moments(db: Database) -> None:
    async with unit_of_work(db) as uow:
        for login in ("anna", "bob", "carl"):
            await make_user(uow, login)
    async with unit_of_work(db) as uow:
        total = len(await read_all(db, PageRequest(sort="when", limit=1000)))
        assert total == 6  # a contact and a user each
        start = datetime(2026, 1, 1, tzinfo=UTC)
        await same_moment(uow, start)
    async with unit_of_work(db) as uow:
        # Three at a later moment, one each.
        ids = list(await uow.session.scalars(select(SysChangeLog.Id)))
        for step, entry_id in enumerate(ids[:3], start=1):
            await uow.session.execute(
                update(SysChangeLog)
                .where(SysChangeLog.Id == entry_id)
                .values(CreatedOn=start + timedelta(minutes=step))
            )
    newest = await read_all(db, NEWEST_FIRST)
    oldest = await read_all(db, NEWEST_FIRST.model_copy(update={"descending": False}))
    assert len({e.id for e in newest}) == 6
    keys = [(e.created_on, e.id) for e in newest]
    assert keys == sorted(keys, reverse=True)
    assert [e.id for e in oldest] == [e.id for e in reversed(newest)]
    async with unit_of_work(db) as uow:
        first = await uow.change_log.page(NEWEST_FIRST)
    assert first.total == 6 and len(first.items) == 2


async def test_a_records_history_only_and_named(db: Database) -> None:
    async with unit_of_work(db) as uow:
        admin = await make_user(uow, "admin", "Ada Admin")
    actor = Actor(user_id=admin.id, contact_id=admin.contact_id)
    async with unit_of_work(db, actor) as uow:
        user = await make_webitel_user(uow, "jdoe", "1002")
        await make_webitel_user(uow, "other", "1003")
    async with unit_of_work(db, actor) as uow:
        changed = await uow.webitel_users.update(user.model_copy(update={"extension": "1999"}))
    async with unit_of_work(db, actor) as uow:
        await uow.webitel_users.update(changed.model_copy(update={"enable_stun": True}))

    history = await read_all(db, NEWEST_FIRST, record_id=user.id)
    assert [e.operation for e in history] == [Operation.UPDATE, Operation.UPDATE, Operation.INSERT]
    assert {e.record_id for e in history} == {user.id}
    assert {e.entity for e in history} == {"WebitelUser"}
    # An update that does not change the name still names the record (from its Insert).
    assert [e.record_name for e in history] == ["jdoe", "jdoe", "jdoe"]
    assert {e.created_by_name for e in history} == {"Ada Admin"}
    assert history[1].changes() == "Extension: 1002 -> 1999"
    assert history[0].changes() == "Enable STUN: No -> Yes"  # the card's caption
    assert history[0].entity_caption == "Webitel user"
    assert history[0].operation_caption == "Changed"


async def test_secrets_stay_masked(db: Database) -> None:
    async with unit_of_work(db) as uow:
        setting = await uow.settings.ensure("WebitelToken", "Token", secret=True)
    async with unit_of_work(db) as uow:
        setting = await uow.settings.set_value(setting, "first-secret")
    async with unit_of_work(db) as uow:
        await uow.settings.set_value(setting, "second-secret")
    # The second change is logged too, though masked its old and new values read the same.
    [latest, first, *_] = await read_all(db, NEWEST_FIRST, record_id=setting.id)
    assert latest.new_values["Value"] == "********"
    assert latest.changes() == "Value: ******** -> ********"
    assert first.changes() == 'Value: "" -> ********'
    everything = await read_all(db, PageRequest(sort="when", limit=1000))
    shown = " ".join(f"{e.changes()} {e.old_values} {e.new_values}" for e in everything)
    assert "secret" not in shown.replace("IsSecret", ""), shown
    async with unit_of_work(db) as uow:
        entry = await uow.change_log.get(latest.id)
    assert entry.new_values["Value"] == "********"
    assert entry.record_caption == str(setting.id)  # no entry of it names it


async def index_names(db: Database, table: str) -> set[str]:
    async with db.engine.connect() as connection:
        indexes = await connection.run_sync(
            lambda sync: sqlalchemy_inspect(sync).get_indexes(table)
        )
    return {str(index["name"]) for index in indexes}


async def test_0011_goes_down_and_up_again(database_url: str) -> None:
    db = Database(database_url)
    try:
        await upgrade(db)
        assert "IX_SysChangeLog_CreatedOn_Id" in await index_names(db, "SysChangeLog")
        assert "IX_SysProcessLog_StartedOn_Id" in await index_names(db, "SysProcessLog")
        await downgrade(db, "0010")
        assert "IX_SysChangeLog_CreatedOn_Id" not in await index_names(db, "SysChangeLog")
        runs = await index_names(db, "SysProcessLog")
        assert "IX_SysProcessLog_StartedOn" in runs and "IX_SysProcessLog_StartedOn_Id" not in runs
        await upgrade(db)
        assert "IX_SysChangeLog_CreatedOn_Id" in await index_names(db, "SysChangeLog")
    finally:
        await db.dispose()


def test_a_short_summary_names_a_few_columns_and_no_audit_ones() -> None:
    added = ChangeLogEntry(
        id=uuid.uuid4(),
        created_on=datetime(2026, 1, 1, tzinfo=UTC),
        entity="Contact",
        record_id=uuid.uuid4(),
        operation=Operation.INSERT,
        new_values={
            "Id": "x",
            "CreatedById": "y",
            "Name": "Ann",
            "Phone": "",
            "A": 1,
            "B": None,
            "C": True,
            "D": 2.5,
            "E": "e",
        },
    )
    assert added.changes() == "Name: Ann; A: 1; C: Yes; D: 2.5; …"
    assert added.record_caption == str(added.record_id)  # no name given
    assert added.entity_caption == "Contact" and added.operation_caption == "Added"
    unknown = added.model_copy(update={"entity": "SomethingNew"})
    assert unknown.entity_caption == "SomethingNew"
