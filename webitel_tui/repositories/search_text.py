"""Derived columns rebuilt on every write: what quick search matches (and sort keys).

Each table's searchable columns are listed once; the ORM rows (one record at a time) and the
bulk import (plain column values) derive from the same lists.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from webitel_tui.db.tables import Account, SysAdminUnit, WebitelUser
from webitel_tui.domain.text import search_text

ACCOUNT_SEARCHED = ("Name", "Phone", "Web")
CONTACT_SEARCHED = ("Name", "Email", "Phone", "MobilePhone", "JobTitle")
USER_SEARCHED = ("Name", "ContactName", "Email")
WEBITEL_USER_SEARCHED = ("Name", "ContactName", "Extension")


def searched(value_of: Callable[[str], Any], columns: tuple[str, ...]) -> str:
    """The SearchText of a row: `value_of` gives a column's value (a row's getattr, or a
    dict's __getitem__ for rows built as plain values)."""
    return search_text(value_of(column) for column in columns)


def refresh_account(row: Account) -> None:
    row.SearchText = searched(partial(getattr, row), ACCOUNT_SEARCHED)


def refresh_user(row: SysAdminUnit) -> None:
    row.SearchText = searched(partial(getattr, row), USER_SEARCHED)


def refresh_webitel_user(row: WebitelUser) -> None:
    row.SearchText = searched(partial(getattr, row), WEBITEL_USER_SEARCHED)
