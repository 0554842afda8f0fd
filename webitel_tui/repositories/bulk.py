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
from typing import Any, cast

from sqlalchemy import Connection, Table, insert, inspect
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

    def __len__(self) -> int:
        return len(next(iter(self.values.values())))


def _insert(connection: Connection, table: Table, columns: Columns) -> None:
    dialect = connection.dialect
    compiled = insert(table).compile(dialect=dialect, column_keys=list(columns.values))
    if compiled.positiontup is None:  # a named paramstyle: the driver takes the dicts
        keys = list(columns.values)
        rows = zip(*columns.values.values(), strict=True)
        named = [dict(zip(keys, row, strict=True)) for row in rows]
        connection.exec_driver_sql(str(compiled), named)
        return
    missing = [
        name for name in compiled.positiontup if compiled.binds[name].key not in columns.values
    ]
    if missing:  # column defaults are not applied here: every row carries every column
        raise ValueError(f"rows for {table.name} lack the columns {missing}")
    converted = []
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
    connection.exec_driver_sql(str(compiled), list(zip(*converted, strict=True)))


async def insert_rows(session: AsyncSession, entity: type[Base], columns: Columns) -> None:
    """INSERT the rows of `columns` into `entity`'s table."""
    if not len(columns):
        return
    table = cast(Table, inspect(entity).local_table)
    connection = await session.connection()
    await connection.run_sync(_insert, table, columns)
