"""Keyset paging requests and pages: what a grid asks for and what it gets back."""

from __future__ import annotations

import uuid
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


class PageRequest(BaseModel):
    model_config = ConfigDict(frozen=True)

    search: str = ""
    filter: str = ""
    """A quick filter the section offers, by name ("" for none)."""
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
