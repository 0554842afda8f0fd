"""The change log's operations (the repositories write an entry for every change)."""

from __future__ import annotations

from enum import StrEnum


class Operation(StrEnum):
    INSERT = "Insert"
    UPDATE = "Update"
    DELETE = "Delete"
