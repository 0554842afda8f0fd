"""Keyset paging requests and pages: what a grid asks for and what it gets back."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

T = TypeVar("T")

SortValue = str | int | bool | None


class Cursor(BaseModel):
    """Where the previous page ended: the sort key and id of its last row.

    A sort key is one value or several (numeric text sorts by its length, then by the text):
    `values` holds them in the key's order, one for a plain column."""

    model_config = ConfigDict(frozen=True)

    values: tuple[SortValue, ...]
    id: uuid.UUID


class ColumnFilter(BaseModel):
    """A condition on one column of a list (Creatio's quick filter): what `value` means is
    the column's (domain/column_filters.py); `shown` is the value as the user knows it (a
    contact's name where `value` is its id)."""

    model_config = ConfigDict(frozen=True)

    column: str
    value: str
    shown: str = ""


class PageRequest(BaseModel):
    model_config = ConfigDict(frozen=True)

    search: str = ""
    filter: str = ""
    """A folder or quick filter the section offers, by name ("" for none)."""
    where: tuple[ColumnFilter, ...] = ()
    """Conditions on columns, all of which a record meets (one per column)."""
    sort: str = "name"
    descending: bool = False
    after: Cursor | None = None
    limit: int = Field(default=50, ge=1, le=1000)

    def next(self, cursor: Cursor) -> PageRequest:
        return self.model_copy(update={"after": cursor})

    def backwards(self, cursor: Cursor | None) -> PageRequest:
        """The rows before `cursor` (None: the last rows), nearest first: the same request in
        the opposite order."""
        return self.model_copy(update={"descending": not self.descending, "after": cursor})


class Page(BaseModel, Generic[T]):
    model_config = ConfigDict(frozen=True)

    items: list[T]
    next_cursor: Cursor | None = None
    total: int | None = None
    """How many records the request's search and filter find, on the first page of a request
    (`after` None); None on the pages after it, where it is not counted again."""


async def read_all(
    fetch: Callable[[PageRequest], Awaitable[Page[T]]],
    request: PageRequest,
    *,
    most: int,
    too_many: Callable[[int], Exception],
    page_size: int = 500,
) -> list[T]:
    """Every record a list's search and filter find (ctrl+a), read page by page; a list of
    more than `most` is refused (`too_many` of its length) before any page past the first."""
    found: list[T] = []
    page_request = request.model_copy(update={"after": None, "limit": page_size})
    while True:
        page = await fetch(page_request)
        if page.total is not None and page.total > most:
            raise too_many(page.total)
        found.extend(page.items)
        if page.next_cursor is None:
            return found
        page_request = page_request.next(page.next_cursor)
