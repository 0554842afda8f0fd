"""Keyset paging, quick search and sort, done in SQL for every grid and lookup."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from sqlalchemy import (
    ColumnElement,
    Select,
    SQLColumnExpression,
    and_,
    case,
    false,
    func,
    literal,
    select,
    tuple_,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from webitel_tui.domain.errors import ValidationError
from webitel_tui.domain.paging import Cursor, Page, PageRequest, SortValue
from webitel_tui.domain.text import finds_nothing, like_pattern

T = TypeVar("T")

SortKey = SQLColumnExpression[Any] | tuple[SQLColumnExpression[Any], ...]
"""What a list sorts by: a column, or several expressions (db/tables.py `numeric_text`), each
matched by an index on (the key, Id)."""
SortColumns = Mapping[str, SortKey]
FilterColumns = Mapping[str, Callable[[str], ColumnElement[bool]]]
"""The columns a list takes a quick filter on: the condition of a value (domain/paging.py
`ColumnFilter`), checked by the domain before it comes here."""

ShownNames = Mapping[Any, tuple[str, str]]
"""Seeded values a screen shows in the admin's language: by the record's fixed key (a role's
id, a section's code), (the value the seed gave it, the value shown)."""


def as_shown(
    column: SQLColumnExpression[str], key: SQLColumnExpression[Any], names: ShownNames
) -> SQLColumnExpression[Any]:
    """`column` as the screen shows it, so that a list sorts as its header says: a seeded
    value still as the seed gave it is the shown one (ui/seeded.py). The lists that have
    seeded values are small (roles, sections): sorted without an index."""
    translated = [(k, seeded, shown) for k, (seeded, shown) in names.items() if seeded != shown]
    if not translated:
        return column
    whens = [(and_(key == k, column == seeded), literal(shown)) for k, seeded, shown in translated]
    return case(*whens, else_=column)


async def fetch_page(
    session: AsyncSession,
    query: Select[Any],
    *,
    request: PageRequest,
    sort_columns: SortColumns,
    id_column: InstrumentedAttribute[uuid.UUID],
    search_column: InstrumentedAttribute[str] | None,
    to_model: Callable[[Any], T],
    filters: FilterColumns | None = None,
) -> Page[T]:
    """One page of `query` (which selects one entity), searched, sorted and after a cursor.

    The sort key is always (key..., Id) so that equal values page stably, and the next page
    starts with a row-value comparison that an index on (key..., Id) serves directly.
    """
    if request.sort not in sort_columns:
        raise ValidationError(f'The list cannot be sorted by "{request.sort}".')
    key = sort_columns[request.sort]
    keys = key if isinstance(key, tuple) else (key,)
    if request.search.strip() and search_column is not None:
        if finds_nothing(request.search):
            query = query.where(false())
        else:
            query = query.where(search_column.like(like_pattern(request.search), escape="\\"))
    for condition in request.where:
        if filters is None or condition.column not in filters:
            raise ValidationError(f'The list cannot be filtered by "{condition.column}".')
        if finds_nothing(condition.value):
            query = query.where(false())
        else:
            query = query.where(filters[condition.column](condition.value))
    counted = query
    if request.after is not None:
        if len(request.after.values) != len(keys):
            raise ValidationError("The page cursor does not fit the list's sort.")
        after = tuple_(*keys, id_column)
        # A plain tuple: each value is bound with its column's type ('' stands for None).
        bound = (*request.after.values, request.after.id)
        query = query.where(after < bound if request.descending else after > bound)
        if len(keys) > 1:
            # SQLite seeks a row value only on plain columns; a key that starts with an
            # expression (db/tables.py numeric_text) is sought by a range on that.
            first = request.after.values[0]
            query = query.where(keys[0] <= first if request.descending else keys[0] >= first)
    order = [*keys, id_column]
    query = query.order_by(*(part.desc() if request.descending else part.asc() for part in order))
    query = query.add_columns(*keys).limit(request.limit + 1)
    rows = (await session.execute(query)).all()
    more = len(rows) > request.limit
    rows = rows[: request.limit]
    items = [to_model(row[0]) for row in rows]
    cursor = None
    if more and rows:
        last = rows[-1]
        cursor = Cursor(values=tuple(_sort_value(value) for value in last[1:]), id=last[0].Id)
    total = None
    if request.after is None:
        total = len(items) if cursor is None else await _count(session, counted)
    return Page[T](items=items, next_cursor=cursor, total=total)


async def _count(session: AsyncSession, query: Select[Any]) -> int:
    """How many rows `query` (searched and filtered, not yet sorted or limited) selects."""
    counted = select(func.count()).select_from(query.order_by(None).subquery())
    return int((await session.execute(counted)).scalar_one())


def _sort_value(value: Any) -> SortValue:
    if value is None or isinstance(value, str | int | bool):
        return value
    return str(value)
