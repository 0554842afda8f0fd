"""Derived columns rebuilt on every write: what quick search matches (and sort keys)."""

from __future__ import annotations

from webitel_tui.db.tables import Account, Contact, SysAdminUnit, WebitelUser
from webitel_tui.domain.text import search_text


def refresh_account(row: Account) -> None:
    row.SearchText = search_text([row.Name, row.Phone, row.Web])


def refresh_contact(row: Contact) -> None:
    row.SearchText = search_text([row.Name, row.Email, row.Phone, row.MobilePhone, row.JobTitle])


def refresh_user(row: SysAdminUnit) -> None:
    row.SearchText = search_text([row.Name, row.ContactName, row.Email])


def refresh_webitel_user(row: WebitelUser) -> None:
    row.SearchText = search_text([row.Name, row.ContactName, row.Extension])
    # Not search, but derived the same way on every write: the non-null sort keys.
    row.ExtensionSort = row.Extension or ""
    row.WebitelIdSort = -1 if row.WebitelId is None else row.WebitelId
