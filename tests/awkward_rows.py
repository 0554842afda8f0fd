"""Rows for every column of a table with awkward values (text that needs escaping, moments
with and without fractions or offsets, extreme integers, NULLs), each unique column unique
and each foreign key valid: what the database must store and give back unchanged."""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from sqlalchemy import BigInteger, Boolean, Integer, String, Table, Text, TypeDecorator, Uuid

from webitel_tui.db.ids import new_id
from webitel_tui.db.tables import UtcDateTime

BASE_COLUMNS = {"Id", "CreatedOn", "CreatedById", "ModifiedOn", "ModifiedById", "Version"}
ROWS = 40

AWKWARD_TEXT = [
    "",
    "plain",
    'quo"te',
    "back\\slash",
    "line\nbreak\ttab",
    "\x01control",
    "Олена Коваленко",
    "emoji 😀 and combining é",
    "[red]markup[/red]",
    "  spaced  ",
]
MOMENTS = [
    datetime(2026, 11, 27, 19, 25, 1, 0, tzinfo=UTC),  # isoformat leaves the fraction out
    datetime(2026, 11, 27, 19, 25, 1, 120, tzinfo=UTC),
    datetime(2026, 11, 27, 19, 25, 1, 999999, tzinfo=UTC),
    datetime(1999, 1, 2, 3, 4, 5, 600000, tzinfo=UTC),
    datetime(2030, 6, 1, 23, 59, 59, 5, tzinfo=timezone(timedelta(hours=3))),
]


def _value(kind: Any, length: int | None, rng: random.Random, i: int, unique: bool) -> Any:
    if isinstance(kind, UtcDateTime):
        return rng.choice([*MOMENTS, None])
    if isinstance(kind, TypeDecorator):  # '' or 0 for none: the stored type's values
        kind = kind.impl
    if isinstance(kind, Boolean):
        return rng.choice([True, False])
    if isinstance(kind, BigInteger):
        # Unique ids from 1: 0 is "no Webitel id".
        return i + 1 if unique else rng.choice([0, -1, 2**53 + 1, 2**63 - 1, rng.randrange(2**40)])
    if isinstance(kind, Integer):
        return rng.choice([0, 1, -7, 2**31 - 1])
    if isinstance(kind, Uuid):
        return new_id()
    if isinstance(kind, String | Text):
        text = rng.choice(AWKWARD_TEXT)
        text = f"{text} {i}" if unique else text
        return text[:length] if length else text
    raise AssertionError(f"no test value for {kind}")


def awkward_rows(
    table: Table, make_row: Callable[..., dict[str, Any]], inserted: dict[str, list[uuid.UUID]]
) -> list[dict[str, Any]]:
    """ROWS rows of every column but the base ones: awkward values, valid foreign keys, each
    unique column unique; `Description` (where there is one) is one string every row shares."""
    rng = random.Random(f"{table.name}")
    now = datetime.now(UTC)
    shared_text = "the same for every row"
    rows = []
    for i in range(ROWS):
        values: dict[str, Any] = {}
        for column in table.columns:
            if column.key in BASE_COLUMNS:
                continue
            targets = [fk.column.table.name for fk in column.foreign_keys]
            if targets:
                ids = inserted.get(targets[0], [])
                values[column.key] = ids[i % len(ids)] if ids else None
                continue
            unique = (
                bool(column.unique)
                or column.key in {"NameKey", "Name"}
                or any(index.unique and [*index.columns] == [column] for index in table.indexes)
            )
            length = getattr(column.type, "length", None)
            values[column.key] = _value(column.type, length, rng, i, unique)
            if not column.nullable and values[column.key] is None:
                values[column.key] = MOMENTS[0]
        if "Description" in values:
            values["Description"] = shared_text
        if table.name == "WebitelUser":  # unique, one CRM user each
            values["Extension"] = f"{1000 + i}" if i % 3 else None
        rows.append(make_row(now, **values))
    return rows
