"""Alembic, run from the package: `webitel-tui db upgrade` and the automatic first start.

Every start checks the schema; a current database is recognised with one query, so Alembic
(and what it imports) is loaded only when there is something to migrate.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from webitel_tui.db.engine import Database

if TYPE_CHECKING:
    from alembic.config import Config

HEAD = "0007"
"""The newest migration shipped; a test checks it against the migrations folder."""


def alembic_config(connection: Connection | None = None) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", "webitel_tui.db:migrations")
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The head as Alembic reads it from the migrations folder."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "the package ships at least one migration"
    return head


def _upgrade(connection: Connection, revision: str) -> None:
    from alembic import command

    command.upgrade(alembic_config(connection), revision)


def _downgrade(connection: Connection, revision: str) -> None:
    from alembic import command

    command.downgrade(alembic_config(connection), revision)


def _current(connection: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()


async def current_revision(db: Database) -> str | None:
    async with db.engine.connect() as connection:
        return await connection.run_sync(_current)


async def is_current(db: Database) -> bool:
    """Whether the database is at HEAD, without loading Alembic."""
    async with db.engine.connect() as connection:
        try:
            found = await connection.scalar(text("SELECT version_num FROM alembic_version"))
        except DBAPIError:
            return False  # no alembic_version table: a new database
    return bool(found == HEAD)


async def upgrade(db: Database, revision: str = "head") -> None:
    if revision == "head" and await is_current(db):
        return
    await _migrate(db, _upgrade, revision)


async def downgrade(db: Database, revision: str) -> None:
    await _migrate(db, _downgrade, revision)


async def _migrate(db: Database, step: Callable[[Connection, str], None], revision: str) -> None:
    if db.dialect != "sqlite":
        async with db.engine.begin() as connection:
            await connection.run_sync(step, revision)
        return
    # SQLite alters a table by copying it and dropping the old one; with foreign keys on,
    # the drop would delete (or refuse to delete) the rows that refer to it. SQLite's own
    # procedure turns them off around the migration (a PRAGMA outside a transaction) and
    # checks them before the commit.
    async with db.engine.connect() as connection:
        await connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        await connection.commit()
        try:
            async with connection.begin():
                await connection.run_sync(step, revision)
                broken = await connection.exec_driver_sql("PRAGMA foreign_key_check")
                if broken.first() is not None:
                    raise RuntimeError("the migration left a row referring to nothing")
        finally:
            await connection.exec_driver_sql("PRAGMA foreign_keys=ON")
            await connection.commit()
