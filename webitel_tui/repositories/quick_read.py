"""A read outside any unit of work, for a query built once: on SQLite one trip to the
database and the rows converted as SQLAlchemy converts them, without its session and result
machinery (~0.15 ms of Python a read, four times the trip). The Save of a new Webitel user
reads so while its first server lookup is on the wire (bench/webitel_save.py).
"""

from __future__ import annotations

import functools
from collections import namedtuple
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple

from sqlalchemy import Dialect, Select
from sqlalchemy.ext.asyncio import AsyncEngine


class _Parameter(NamedTuple):
    key: str
    processor: Callable[[Any], Any] | None
    value: Any
    """The value the query holds (a literal in it), used when the caller gives none."""
    required: bool


class _Plan(NamedTuple):
    """A query compiled for a dialect: its parameters in order, and its columns' converters
    with the class of its rows."""

    statement: str
    parameters: tuple[_Parameter, ...]
    row: Callable[..., Any]
    columns: tuple[Callable[[Any], Any] | None, ...]


@functools.lru_cache(maxsize=32)
def _plan(dialect: Dialect, query: Select[Any]) -> _Plan:
    compiled = query.compile(dialect=dialect)
    if compiled.positiontup is None or compiled.post_compile_params:
        raise ValueError("only a query with plain positional parameters is read quickly")
    parameters = tuple(
        _Parameter(
            bind.key,
            bind.type.dialect_impl(dialect).bind_processor(dialect),
            None if bind.required else bind.effective_value,
            bind.required,
        )
        for bind in (compiled.binds[name] for name in compiled.positiontup)
    )
    names = list(query.selected_columns.keys())
    columns = tuple(
        column.type.dialect_impl(dialect).result_processor(dialect, None)
        for column in query.selected_columns
    )
    return _Plan(str(compiled), parameters, namedtuple("Row", names), columns)


async def fetch_all(
    engine: AsyncEngine, query: Select[Any], parameters: Mapping[str, Any]
) -> Sequence[Any]:
    """The rows of `query` with these parameters, each with its columns by their names (as a
    SQLAlchemy row has them). `query` is one built once: its compiled form is kept."""
    if engine.dialect.name != "sqlite":
        async with engine.connect() as connection:
            result = await connection.execute(query, parameters)
            return list(result.all())
    from webitel_tui.db import aiosqlite_driver

    plan = _plan(engine.dialect, query)
    values = []
    for parameter in plan.parameters:
        if parameter.key in parameters:
            value = parameters[parameter.key]
        elif parameter.required:
            raise ValueError(f"no value for the parameter {parameter.key!r}")
        else:
            value = parameter.value
        values.append(value if parameter.processor is None else parameter.processor(value))
    rows = await aiosqlite_driver.fetch_all(engine, plan.statement, values)
    return [
        plan.row(
            *[
                value if processor is None or value is None else processor(value)
                for value, processor in zip(row, plan.columns, strict=True)
            ]
        )
        for row in rows
    ]
