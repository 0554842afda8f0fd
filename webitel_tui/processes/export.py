"""Export to CSV (or JSON Lines, headless): the Webitel users of the current filter and sort,
streamed page by page, into a file the admin chose (`default_export_path`, checked by
`export_target`). The columns are the ones the CSV import reads back (domain/csv_rows.py): a
file edited in a spreadsheet imports with its changes, and only them."""

from __future__ import annotations

import contextlib
import csv
import json
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

import platformdirs

from webitel_tui.db.engine import Database
from webitel_tui.domain.csv_cells import csv_cell
from webitel_tui.domain.csv_rows import (
    CAPTIONS,
    EXPORTED,
    LIST_SEPARATOR,
    Column,
    split_list,
    yes_no,
)
from webitel_tui.domain.errors import DomainError
from webitel_tui.domain.paging import PageRequest
from webitel_tui.domain.records import Actor
from webitel_tui.domain.webitel_users import WebitelUser
from webitel_tui.i18n import _, tr
from webitel_tui.repositories import unit_of_work

EXPORT_PAGE = 1000
HEADER = tuple(CAPTIONS[column] for column in EXPORTED)
"""The header row, in English: the file's captions are `_()` of them (domain/csv_rows.py)."""
BOM = "\ufeff"
"""Written first with `bom`: Excel reads a CSV as UTF-8 only when the file says so."""


class ExportTargetError(DomainError):
    """The chosen file cannot be written; `str()` says why, in one line."""


def default_export_path(now: datetime, suffix: str = ".csv") -> Path:
    """Where an export goes unless the admin says otherwise: the documents folder if there is
    one, else the home folder, and a name with the date and time."""
    documents = Path(platformdirs.user_documents_dir())
    folder = documents if documents.is_dir() else Path.home()
    return folder / f"webitel-users-{now:%Y%m%d-%H%M%S}{suffix}"


def export_target(typed: str, folder: Path) -> Path:
    """The file the admin typed, as an absolute path (`~` expanded; a bare name is taken in
    `folder`); raises `ExportTargetError` when it cannot be written. Whether it already
    exists is the caller's question to ask."""
    text = typed.strip()
    if not text:
        raise ExportTargetError(_("Enter the name of the file to write."))
    path = folder / Path(text).expanduser()
    if path.is_dir():
        raise ExportTargetError(tr("{0} is a folder. Add a file name.", path))
    if not path.parent.is_dir():
        raise ExportTargetError(tr("The folder {0} does not exist.", path.parent))
    if not os.access(path.parent, os.W_OK | os.X_OK):
        raise ExportTargetError(tr("You cannot write to the folder {0}.", path.parent))
    return path


@dataclass(frozen=True)
class ExportedUser:
    """A row of the export: the record and the names of its roles."""

    record: WebitelUser
    roles: list[str]

    def cells(self) -> list[str]:
        """The CSV row, in the order of `HEADER`, each cell safe to open in a spreadsheet."""
        user = self.record
        row = (
            user.name,
            user.contact_name,
            user.extension or "",
            str(user.webitel_id or ""),
            user.default_device_name,
            user.licenses_text,
            LIST_SEPARATOR.join(self.roles),
            yes_no(user.enable_stun),
        )
        return [csv_cell(cell) for cell in row]

    def as_json(self) -> dict[str, Any]:
        """The same values, typed (no formula quoting: JSON is not opened by a spreadsheet)."""
        user = self.record
        return {
            Column.NAME: user.name,
            Column.CONTACT: user.contact_name,
            Column.EXTENSION: user.extension,
            Column.USER_ID: user.webitel_id,
            Column.DEFAULT_DEVICE: user.default_device_name or None,
            Column.LICENSES: split_list(user.licenses_text),
            Column.ROLES: self.roles,
            Column.STUN: user.enable_stun,
        }


async def exported_pages(
    db: Database, actor: Actor, request: PageRequest
) -> AsyncIterator[list[ExportedUser]]:
    """The records matching `request` (search, filter and sort as in the grid), a page at a
    time: never more than one page is held in memory."""
    page_request = request.model_copy(update={"after": None, "limit": EXPORT_PAGE})
    while True:
        async with unit_of_work(db, actor) as uow:
            page = await uow.webitel_users.page(page_request)
            users = [
                ExportedUser(user, [role.name or str(role.role_id) for role in roles])
                for user in page.items
                for roles in [await uow.webitel_users.roles(user.id)]
            ]
        yield users
        if page.next_cursor is None:
            return
        page_request = page_request.next(page.next_cursor)


async def write_csv(db: Database, actor: Actor, request: PageRequest, handle: TextIO) -> int:
    """The CSV of the records matching `request` into an open text file; returns how many."""
    writer = csv.writer(handle)
    writer.writerow([csv_cell(_(caption)) for caption in HEADER])
    written = 0
    async for users in exported_pages(db, actor, request):
        writer.writerows(user.cells() for user in users)
        written += len(users)
    return written


async def write_json_lines(db: Database, actor: Actor, request: PageRequest, handle: TextIO) -> int:
    """One JSON object per record and line (JSON Lines: streamed, as `users list --json`)."""
    written = 0
    async for users in exported_pages(db, actor, request):
        for user in users:
            handle.write(json.dumps(user.as_json(), ensure_ascii=False) + "\n")
        written += len(users)
    return written


async def export_webitel_users(
    db: Database,
    actor: Actor,
    request: PageRequest,
    path: Path,
    *,
    bom: bool = False,
    as_json: bool = False,
) -> int:
    """Write every record matching `request` (search and sort as in the grid) to `path`, as
    CSV (with `bom`, a UTF-8 BOM first, for Excel) or JSON Lines; returns how many. Every CSV
    cell goes through `csv_cell` (no formula runs when the file is opened); the file appears
    whole or not at all (written beside it, then renamed), and a write that fails raises
    `ExportTargetError`."""
    temporary = path.with_name(f".{path.name}.part")
    try:
        with temporary.open("w", newline="", encoding="utf-8") as handle:
            if as_json:
                written = await write_json_lines(db, actor, request, handle)
            else:
                if bom:
                    handle.write(BOM)
                written = await write_csv(db, actor, request, handle)
        temporary.replace(path)
    except BaseException as error:
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)
        if isinstance(error, OSError):
            reason = error.strerror or type(error).__name__
            raise ExportTargetError(tr("Could not write {0}: {1}.", path, reason)) from error
        raise
    return written
