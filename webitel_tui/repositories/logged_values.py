"""What the change log keeps of a row's values: every entry, whether its record was saved
through the ORM (`base.column_values`) or inserted as a plain row (`base.inserted_entries`),
holds `loggable` of the record's column values."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from enum import Enum
from typing import Any

NOT_LOGGED = frozenset({"UserPassword", "SearchText", "NameKey", "Version", "ModifiedOn"})
"""Columns the change log never records: hashes and derived search helpers."""
_MASKED = "********"


def json_safe(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime):  # in UTC, as the columns store it
        return (value if value.tzinfo is None else value.astimezone(UTC)).isoformat()
    if isinstance(value, Enum):
        return value.value
    return value


def loggable(values: Mapping[str, Any], *, secret_columns: Iterable[str] = ()) -> dict[str, Any]:
    """Column values as the change log keeps them: JSON-safe, secrets masked, hashes and
    derived helpers left out."""
    secrets = set(secret_columns)
    return {
        key: _MASKED if key in secrets and value else json_safe(value)
        for key, value in values.items()
        if key not in NOT_LOGGED
    }
