from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.engine import Connection

from webitel_tui.db.engine import Database
from webitel_tui.db.migrate import current_revision, head_revision, upgrade
from webitel_tui.db.tables import Base


def _diff(connection: Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return [
        change
        for change in compare_metadata(context, Base.metadata)
        # Trigram indexes are PostgreSQL-only and created by hand in the migration (see 0001).
        if "Trgm" not in str(change)
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
