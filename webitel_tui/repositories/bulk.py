"""Many rows into one table in one statement: the import's write path.

SQLAlchemy's executemany prepares every parameter of every row through its compiled-statement
machinery (about 10 us a row); here each column's values are converted with the dialect's own
bind processor in one pass, a column whose rows all share one value (timestamps, the actor) is
converted once, and the driver gets the finished rows. Same SQL, same stored values, a third of
the time.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, cast

from sqlalchemy import Connection, Dialect, Table, insert, inspect
from sqlalchemy.ext.asyncio import AsyncSession

from webitel_tui.db.tables import Base


@dataclass(frozen=True)
class Columns:
    """Rows with the same keys (every column's name), a column at a time."""

    values: dict[str, list[Any]]
    """Each column's values, in row order."""
    shared: dict[str, Any]
    """The columns whose rows all hold one and the same object (a timestamp, the actor, a
    default), with that object. `is`, not `==`: cheap, and what rows made together share."""

    @classmethod
    def of(cls, rows: Sequence[Mapping[str, Any]]) -> Columns:
        values: dict[str, list[Any]] = {}
        shared: dict[str, Any] = {}
        for key in rows[0]:
            column = values[key] = [row[key] for row in rows]
            first = column[0]
            if all(value is first for value in column):
                shared[key] = first
        return cls(values, shared)


class Prepared(NamedTuple):
    """Rows made ready for the driver: the INSERT and its parameters, a tuple a row."""

    entity: type[Base]
    table: Table
    columns: Columns
    statement: str
    parameters: list[Any]
    stored_ids: list[Any]
    """The rows' ids as the driver got them (32 hex digits in SQLite)."""


def prepare(dialect: Dialect, entity: type[Base], rows: Sequence[Mapping[str, Any]]) -> Prepared:
    """The INSERT of `rows` (the same keys: every column's name) into `entity`'s table, each
    value converted as `dialect` stores it. Pure CPU, so it can be done while the database is
    busy with something else."""
    columns = Columns.of(rows)
    table = cast(Table, inspect(entity).local_table)
    compiled = insert(table).compile(dialect=dialect, column_keys=list(columns.values))
    if compiled.positiontup is None:  # aiosqlite's and asyncpg's paramstyles are positional
        raise ValueError(f"rows are prepared for a positional paramstyle, not {dialect.paramstyle}")
    missing = [
        name for name in compiled.positiontup if compiled.binds[name].key not in columns.values
    ]
    if missing:  # column defaults are not applied here: every row carries every column
        raise ValueError(f"rows for {table.name} lack the columns {missing}")
    converted: list[list[Any]] = []
    stored_ids: list[Any] = []
    for name in compiled.positiontup:
        key = compiled.binds[name].key
        processor = table.c[key].type.dialect_impl(dialect).bind_processor(dialect)
        values = columns.values[key]
        if processor is None:
            converted.append(values)
        elif key in columns.shared:
            converted.append([processor(columns.shared[key])] * len(values))
        else:
            converted.append([processor(value) for value in values])
        if key == "Id":
            stored_ids = converted[-1]
    parameters = list(zip(*converted, strict=True))
    return Prepared(entity, table, columns, str(compiled), parameters, stored_ids)


def _insert(connection: Connection, prepared: Prepared) -> None:
    connection.exec_driver_sql(prepared.statement, prepared.parameters)


async def insert_prepared(session: AsyncSession, prepared: Prepared) -> None:
    """Run a prepared INSERT in the session's transaction."""
    connection = await session.connection()
    await connection.run_sync(_insert, prepared)
