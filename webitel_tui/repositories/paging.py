"""Keyset paging, quick search and sort, done in SQL for every grid and lookup."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from sqlalchemy import Select, SQLColumnExpression, false, func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from webitel_tui.domain.errors import ValidationError
from webitel_tui.domain.paging import Cursor, Page, PageRequest, SortValue
from webitel_tui.domain.text import finds_nothing, like_pattern

T = TypeVar("T")

SortColumns = Mapping[str, SQLColumnExpression[Any]]


async def fetch_page(
    session: AsyncSession,
    query: Select[Any],
    *,
    request: PageRequest,
    sort_columns: SortColumns,
    id_column: InstrumentedAttribute[uuid.UUID],
    search_column: InstrumentedAttribute[str] | None,
    to_model: Callable[[Any], T],
) -> Page[T]:
    """One page of `query` (which selects one entity), searched, sorted and after a cursor.

    The sort key is always (column, Id) so that equal values page stably, and the next page
    starts with a row-value comparison that an index on (column, Id) serves directly.
    """
    if request.sort not in sort_columns:
        raise ValidationError(f'The list cannot be sorted by "{request.sort}".')
    key = sort_columns[request.sort]
    if request.search.strip() and search_column is not None:
        if finds_nothing(request.search):
            query = query.where(false())
        else:
            query = query.where(search_column.like(like_pattern(request.search), escape="\\"))
    counted = query
    if request.after is not None:
        after = tuple_(key, id_column)
        bound = (request.after.value, request.after.id)
        query = query.where(after < bound if request.descending else after > bound)
    if request.descending:
        query = query.order_by(key.desc(), id_column.desc())
    else:
        query = query.order_by(key.asc(), id_column.asc())
    query = query.add_columns(key.label("sort_key")).limit(request.limit + 1)
    rows = (await session.execute(query)).all()
    more = len(rows) > request.limit
    rows = rows[: request.limit]
    items = [to_model(row[0]) for row in rows]
    cursor = None
    if more and rows:
        last = rows[-1]
        cursor = Cursor(value=_sort_value(last.sort_key), id=last[0].Id)
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
