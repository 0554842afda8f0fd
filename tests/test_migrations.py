from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.engine import Connection

from webitel_tui.db.engine import Database
from webitel_tui.db.migrate import current_revision, downgrade, head_revision, upgrade
from webitel_tui.db.tables import Base


def _diff(connection: Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return [
        change
        for change in compare_metadata(context, Base.metadata)
        # Trigram indexes are PostgreSQL-only and created by hand in the migration (see 0001).
        if "Trgm" not in str(change)
        # PostgreSQL writes an expression back with casts that Alembic cannot match to the
        # model's (SQLite's cannot be read back): tests/test_numeric_sort.py checks it.
        and "IX_WebitelUser_ExtensionNumber_Id" not in str(change)
    ]


async def test_migrations_reach_head_and_match_the_models(db: Database) -> None:
    assert await current_revision(db) == head_revision()
    await upgrade(db)  # a second upgrade is a no-op
    async with db.engine.connect() as connection:
        assert await connection.run_sync(_diff) == []


async def test_upgrade_creates_the_embedded_database_file(tmp_path: object) -> None:
    from pathlib import Path

    path = Path(str(tmp_path)) / "nested" / "dir" / "crm.db"
    db = Database(f"sqlite:///{path}")
    try:
        await upgrade(db)
    finally:
        await db.dispose()
    assert path.exists()


async def test_trigram_indexes_only_on_postgresql(db: Database) -> None:
    query = (
        "SELECT name FROM sqlite_master WHERE type = 'index'"
        if db.dialect == "sqlite"
        else "SELECT indexname FROM pg_indexes"
    )
    async with db.engine.connect() as connection:
        names = set((await connection.execute(text(query))).scalars())
    assert ("IX_WebitelUser_SearchTrgm" in names) == (db.dialect == "postgresql")


def test_the_head_constant_names_the_newest_migration() -> None:
    from webitel_tui.db.migrate import HEAD

    assert head_revision() == HEAD


async def test_is_current_on_new_and_migrated_databases(database_url: str) -> None:
    from webitel_tui.db.migrate import is_current

    db = Database(database_url)
    try:
        assert not await is_current(db)
        await upgrade(db)
        assert await is_current(db)
    finally:
        await db.dispose()


def _insert_user(db: Database, number: int, name: str, none: str, copies: bool) -> str:
    """A WebitelUser row with no extension and no Webitel id (`none`: how the schema says it),
    with or without the sort copies that 0007 drops."""
    user = f"'00000000-0000-7000-8000-00000000000{number}'"
    if db.dialect == "postgresql":
        user += "::uuid"
    columns = '"Id", "Name", "Extension", "WebitelId", "DefaultDeviceName", "EnableStun",'
    values = f"{user}, '{name}', {none}, '', false,"
    if copies:
        columns += ' "ExtensionSort", "WebitelIdSort",'
        values += " '', -1,"
    columns += ' "ContactName", "LicensesText", "SearchText", "CreatedOn", "ModifiedOn", "Version"'
    values += " '', '', '', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1"
    return f'INSERT INTO "WebitelUser" ({columns}) VALUES ({values})'


async def test_0007_keeps_users_licences_and_none_values(database_url: str) -> None:
    """Users without an extension or a Webitel id cross 0007 (and back) unchanged, and the
    licences that refer to them stay: SQLite copies the table, with foreign keys off."""
    db = Database(database_url)
    user = "'00000000-0000-7000-8000-000000000001'"
    licence = user.replace("1'", "2'")
    if db.dialect == "postgresql":
        user, licence = f"{user}::uuid", f"{licence}::uuid"
    insert_licence = (
        'INSERT INTO "WebitelUserLicense" ("Id", "WebitelUserId", "LicenseId", "Product",'
        f' "Name", "CreatedOn", "ModifiedOn", "Version") VALUES ({licence}, {user}, \'L1\','
        " 'OPERATOR', 'Operator', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1)"
    )

    async def rows() -> list[tuple[object, ...]]:
        async with db.engine.connect() as connection:
            users = await connection.execute(
                text('SELECT "Name", "Extension", "WebitelId" FROM "WebitelUser"')
            )
            licences = await connection.execute(
                text('SELECT "LicenseId" FROM "WebitelUserLicense"')
            )
            return [*users.all(), *licences.all()]

    try:
        await upgrade(db, "0006")
        async with db.engine.begin() as connection:
            await connection.execute(text(_insert_user(db, 1, "jsmith", "NULL, NULL", True)))
            await connection.execute(text(insert_licence))
        await upgrade(db)
        assert await rows() == [("jsmith", "", 0), ("L1",)]
        async with db.engine.begin() as connection:
            # A second user without either: "none" is not a value that must be unique.
            await connection.execute(text(_insert_user(db, 3, "ann", "'', 0", False)))
            await connection.execute(text('DELETE FROM "WebitelUser" WHERE "Name" = \'ann\''))
        await downgrade(db, "0006")
        assert await rows() == [("jsmith", None, None), ("L1",)]
        await upgrade(db)
        async with db.engine.begin() as connection:
            # Foreign keys are on again: a user's licences go with the user.
            await connection.execute(text('DELETE FROM "WebitelUser"'))
        assert await rows() == []
    finally:
        await db.dispose()
