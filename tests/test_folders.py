"""Folders of the Webitel users section: seeded dynamic ones, static ones, and every folder's
records paged, sorted, searched and counted in SQL at 100,000 users, on SQLite and
PostgreSQL."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import insert, text

from tests.factories import make_webitel_user
from tests.test_paging_large import ROWS, generate_rows, page_through
from webitel_tui.db.engine import Database
from webitel_tui.db.tables import WebitelUser, WebitelUserLicense, utcnow
from webitel_tui.domain.column_filters import typed_filter
from webitel_tui.domain.errors import DuplicateValueError, ValidationError
from webitel_tui.domain.folders import (
    SEEDED_FOLDERS,
    Condition,
    FolderCondition,
    FolderKind,
    folder_filter,
    license_filter,
)
from webitel_tui.domain.paging import ColumnFilter, Cursor, PageRequest
from webitel_tui.domain.webitel_users import LicenseGrant
from webitel_tui.repositories import unit_of_work


async def test_seeded_folders_come_once_and_keep_an_admins_name(db: Database) -> None:
    async with unit_of_work(db) as uow:
        await uow.folders.ensure_seeded()
        await uow.folders.ensure_seeded()
        folders = await uow.folders.folders()
    assert [f.name for f in folders] == [name for name, _ in SEEDED_FOLDERS]
    assert all(f.kind is FolderKind.DYNAMIC for f in folders)
    async with unit_of_work(db) as uow:
        renamed = await uow.folders.rename(folders[0].id, folders[0].version, "Без ліцензії")
        await uow.folders.ensure_seeded()  # found by its id, not by its name
        assert next(f.name for f in await uow.folders.folders()) == renamed.name
        assert len(await uow.folders.folders()) == len(SEEDED_FOLDERS)


async def test_static_folders_hold_chosen_records_and_dynamic_ones_their_conditions(
    db: Database,
) -> None:
    async with unit_of_work(db) as uow:
        first = await make_webitel_user(uow, "agent1", "101")
        second = await make_webitel_user(uow, "agent2", "102")
        third = await make_webitel_user(uow, "agent3")
        await uow.webitel_users.set_licenses(
            second.id, [LicenseGrant(license_id="S-1", product="OPERATOR")]
        )
        folder = await uow.folders.create("Night shift", FolderKind.STATIC)
        assert await uow.folders.add_records(folder.id, [first.id, third.id, first.id]) == 2
        assert await uow.folders.add_records(folder.id, [first.id]) == 0  # already in
        dynamic = await uow.folders.create(
            "Operators",
            FolderKind.DYNAMIC,
            [FolderCondition(condition=Condition.HAS_LICENSE, product="OPERATOR")],
        )
        assert await uow.folders.products_in_use() == ["OPERATOR"]

    async def names(filter_text: str) -> list[str]:
        async with unit_of_work(db) as uow:
            page = await uow.webitel_users.page(PageRequest(filter=filter_text, sort="name"))
        assert page.total == len(page.items)
        return [user.name for user in page.items]

    assert await names(folder_filter(folder.id)) == ["agent1", "agent3"]
    assert await names(folder_filter(dynamic.id)) == ["agent2"]
    assert await names(license_filter("OPERATOR")) == ["agent2"]
    assert await names(license_filter("SUPERVISOR")) == []
    async with unit_of_work(db) as uow:
        assert await uow.folders.remove_records(folder.id, [third.id]) == 1
        with pytest.raises(ValidationError, match="only to static folders"):
            await uow.folders.add_records(dynamic.id, [first.id])
        with pytest.raises(DuplicateValueError, match='A folder named "Night shift"'):
            await uow.folders.create("Night shift", FolderKind.STATIC)
    assert await names(folder_filter(folder.id)) == ["agent1"]
    async with unit_of_work(db) as uow:  # the folder goes, its records stay
        await uow.folders.delete(folder.id, (await uow.folders.get(folder.id)).version)
        assert (await uow.webitel_users.page(PageRequest())).total == 3
    async with unit_of_work(db) as uow:
        with pytest.raises(Exception, match="folder"):
            await uow.webitel_users.page(PageRequest(filter=folder_filter(folder.id)))
        with pytest.raises(ValidationError):
            await uow.webitel_users.page(PageRequest(filter=f"folder:{uuid.uuid4()}x"))


async def test_quick_filters_by_column_take_values_as_typed(db: Database) -> None:
    async with unit_of_work(db) as uow:
        one = await make_webitel_user(uow, "night_owl", "7001", webitel_id=11)
        await make_webitel_user(uow, "nightxowl", "7101", webitel_id=12)
        await make_webitel_user(uow, "Day.Agent", "17001", webitel_id=13)
        await uow.webitel_users.set_licenses(
            one.id, [LicenseGrant(license_id="S-1", product="OPERATOR")]
        )

    async def names(*where: ColumnFilter, folder: str = "") -> list[str]:
        request = PageRequest(filter=folder, where=where, sort="name")
        async with unit_of_work(db) as uow:
            page = await uow.webitel_users.page(request)
        assert page.total == len(page.items)
        return [user.name for user in page.items]

    # "_" and "%" are what the user typed, not wildcards; case does not matter.
    assert await names(ColumnFilter(column="name", value="T_O")) == ["night_owl"]
    assert await names(ColumnFilter(column="name", value="%")) == []
    assert await names(ColumnFilter(column="name", value="AGENT")) == ["Day.Agent"]
    # An extension starts with the digits typed (not contains them).
    assert await names(ColumnFilter(column="extension", value="70")) == ["night_owl"]
    assert await names(ColumnFilter(column="extension", value="7")) == ["night_owl", "nightxowl"]
    assert await names(ColumnFilter(column="webitel_id", value="13")) == ["Day.Agent"]
    assert await names(ColumnFilter(column="licenses", value="OPERATOR")) == ["night_owl"]
    assert await names(ColumnFilter(column="contact", value=str(one.contact_id))) == ["night_owl"]
    assert await names(ColumnFilter(column="stun", value="no")) == [
        "Day.Agent",
        "night_owl",
        "nightxowl",
    ]
    # Conditions and a folder: all of them.
    assert await names(
        ColumnFilter(column="name", value="night"), folder=license_filter("OPERATOR")
    ) == ["night_owl"]
    assert await names(ColumnFilter(column="name", value="night\x00")) == []
    # A condition no query can run is refused in words, not by the database.
    for bad in (
        ColumnFilter(column="webitel_id", value="12a"),
        ColumnFilter(column="stun", value="maybe"),
        ColumnFilter(column="contact", value="nobody"),
        ColumnFilter(column="default_device", value="x"),
    ):
        with pytest.raises(ValidationError):
            await names(bad)


async def _explained(db: Database, statement: str, parameters: dict[str, Any]) -> str:
    async with db.engine.connect() as connection:
        prefix = "EXPLAIN QUERY PLAN " if db.engine.dialect.name == "sqlite" else "EXPLAIN "
        rows = await connection.execute(text(prefix + statement), parameters)
        return " | ".join(str(row[-1]) for row in rows)


async def test_every_folder_pages_in_sql_at_100000_users(db: Database) -> None:
    rows = generate_rows()
    now = utcnow()
    licenses = [
        {
            "Id": uuid.uuid4(),
            "WebitelUserId": row["Id"],
            "LicenseId": f"S-{index}",
            "Product": "OPERATOR",
            "Name": "",
            "CreatedOn": now,
            "ModifiedOn": now,
            "Version": 1,
        }
        for index, row in enumerate(rows)
        if row["LicensesText"]
    ]
    async with db.engine.begin() as connection:
        for start in range(0, ROWS, 10_000):
            await connection.execute(insert(WebitelUser), rows[start : start + 10_000])
        for start in range(0, len(licenses), 10_000):
            await connection.execute(insert(WebitelUserLicense), licenses[start : start + 10_000])
    chosen = [row["Id"] for row in rows[::97]]
    async with unit_of_work(db) as uow:
        await uow.folders.ensure_seeded()
        static = await uow.folders.create("Chosen", FolderKind.STATIC)
        await uow.folders.add_records(static.id, chosen)
        folders = {f.name: f for f in await uow.folders.folders()}

    expected = {
        folder_filter(folders["No license"].id): [r for r in rows if not r["LicensesText"]],
        folder_filter(folders["STUN on"].id): [r for r in rows if r["EnableStun"]],
        folder_filter(folders["Not linked to a CRM user"].id): rows,
        folder_filter(folders["Needs reconcile"].id): [],
        folder_filter(static.id): [r for r in rows if r["Id"] in set(chosen)],
        license_filter("OPERATOR"): [r for r in rows if r["LicensesText"]],
    }
    for filter_text, wanted in expected.items():
        names = sorted(r["Name"] for r in wanted)
        ids = {r["Name"]: r["Id"] for r in wanted}
        request = PageRequest(limit=50, sort="name", filter=filter_text)
        async with unit_of_work(db) as uow:
            first = await uow.webitel_users.page(request)
            middle = names[len(names) // 2] if names else None
            deep = (
                await uow.webitel_users.page(request.next(Cursor(values=(middle,), id=ids[middle])))
                if middle is not None
                else None
            )
        assert [u.name for u in first.items] == names[:50], filter_text
        assert first.total == len(wanted), filter_text
        if deep is not None:  # a keyset page from the middle of the folder
            start = len(names) // 2 + 1
            assert [u.name for u in deep.items] == names[start : start + 50]
        # Searched within the folder, in SQL too.
        found = await page_through(db, request.model_copy(update={"search": "user0001"}))
        assert [u.name for u in found] == [n for n in names if n.startswith("user0001")]

    # Quick filters by column, alone and with a folder, sorted by another column: each
    # record meets them all; the first page and its count come from SQL.
    no_license = folder_filter(folders["No license"].id)
    cases: list[tuple[str, tuple[ColumnFilter, ...], list[dict[str, Any]]]] = [
        (
            "",
            (ColumnFilter(column="extension", value="1000"),),
            [r for r in rows if (r["Extension"] or "").startswith("1000")],
        ),
        (
            "",
            (ColumnFilter(column="name", value="ER0042"),),
            [r for r in rows if "er0042" in r["Name"]],
        ),
        (
            "",
            (ColumnFilter(column="webitel_id", value="4242"),),
            [r for r in rows if r["WebitelId"] == 4242],
        ),
        (
            no_license,
            (ColumnFilter(column="stun", value="yes"),),
            [r for r in rows if r["EnableStun"] and not r["LicensesText"]],
        ),
        (
            "",
            (
                ColumnFilter(column="licenses", value="OPERATOR"),
                ColumnFilter(column="extension", value="10"),
            ),
            [r for r in rows if r["LicensesText"] and (r["Extension"] or "").startswith("10")],
        ),
    ]
    for filter_text, where, wanted in cases:
        request = PageRequest(limit=50, sort="extension", filter=filter_text, where=where)
        async with unit_of_work(db) as uow:
            first = await uow.webitel_users.page(request)
        assert first.total == len(wanted), where
        assert {u.id for u in first.items} <= {r["Id"] for r in wanted}, where
        assert len(first.items) == min(50, len(wanted)), where
    found = await page_through(db, PageRequest(limit=200, where=cases[0][1]))
    assert sorted(u.name for u in found) == sorted(r["Name"] for r in cases[0][2])

    if db.engine.dialect.name == "postgresql":  # as autovacuum would after such a load
        async with db.engine.begin() as connection:
            await connection.execute(text('ANALYZE "WebitelUser", "WebitelUserLicense"'))
    # The plans read the name index in order (no sort of the whole table) and probe the
    # folder's or the licenses' index per row.
    static_plan = await _explained(
        db,
        'SELECT "Id" FROM "WebitelUser" WHERE EXISTS (SELECT 1 FROM "WebitelUserInFolder" '
        'WHERE "FolderId" = :folder AND "WebitelUserId" = "WebitelUser"."Id") '
        'ORDER BY "Name", "Id" LIMIT 51',
        {"folder": static.id if db.engine.dialect.name != "sqlite" else static.id.hex},
    )
    license_plan = await _explained(
        db,
        'SELECT "Id" FROM "WebitelUser" WHERE EXISTS (SELECT 1 FROM "WebitelUserLicense" '
        'WHERE "WebitelUserId" = "WebitelUser"."Id" AND "Product" = :product) '
        'ORDER BY "Name", "Id" LIMIT 51',
        {"product": "OPERATOR"},
    )
    for plan in (static_plan, license_plan):
        assert "IX_" in plan or "UQ_" in plan, plan
        assert "TEMP B-TREE" not in plan and 'Seq Scan on "WebitelUserLicense"' not in plan, plan


def test_a_typed_filter_value_is_checked_in_creatios_words() -> None:
    assert typed_filter("extension", " 70 ") == ColumnFilter(
        column="extension", value="70", shown="70"
    )
    with pytest.raises(ValidationError, match="Enter a value to filter by"):
        typed_filter("name", "   ")
    with pytest.raises(ValidationError, match="User id is a whole number"):
        typed_filter("webitel_id", "12a")
    with pytest.raises(ValidationError, match='cannot be filtered by "stun"'):
        typed_filter("stun", "yes")  # chosen from Yes / No, never typed
