"""Export to CSV: the Webitel users of the current filter and sort, streamed page by page,
into a file the admin chose (`default_export_path`, checked by `export_target`)."""

from __future__ import annotations

import contextlib
import csv
import os
from datetime import datetime
from pathlib import Path

import platformdirs

from webitel_tui.db.engine import Database
from webitel_tui.domain.csv_cells import csv_cell
from webitel_tui.domain.errors import DomainError
from webitel_tui.domain.paging import PageRequest
from webitel_tui.domain.records import Actor
from webitel_tui.i18n import _, tr
from webitel_tui.repositories import unit_of_work

EXPORT_PAGE = 1000
HEADER = (
    "Webitel user name",
    "Contact",
    "Extension",
    "User id",
    "Default device",
    "Licenses",
    "STUN",
)


class ExportTargetError(DomainError):
    """The chosen file cannot be written; `str()` says why, in one line."""


def default_export_path(now: datetime) -> Path:
    """Where an export goes unless the admin says otherwise: the documents folder if there is
    one, else the home folder, and a name with the date and time."""
    documents = Path(platformdirs.user_documents_dir())
    folder = documents if documents.is_dir() else Path.home()
    return folder / f"webitel-users-{now:%Y%m%d-%H%M%S}.csv"


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


async def export_webitel_users(db: Database, actor: Actor, request: PageRequest, path: Path) -> int:
    """Write every record matching `request` (search and sort as in the grid) to `path`;
    returns how many. Never more than one page is held in memory. Every cell goes through
    `csv_cell` (no formula runs when the file is opened); the file appears whole or not at
    all (written beside it, then renamed), and a write that fails raises `ExportTargetError`."""
    written = 0
    page_request = request.model_copy(update={"after": None, "limit": EXPORT_PAGE})
    temporary = path.with_name(f".{path.name}.part")
    try:
        with temporary.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow([csv_cell(_(caption)) for caption in HEADER])
            while True:
                async with unit_of_work(db, actor) as uow:
                    page = await uow.webitel_users.page(page_request)
                for user in page.items:
                    row = (
                        user.name,
                        user.contact_name,
                        user.extension or "",
                        str(user.webitel_id or ""),
                        user.default_device_name,
                        user.licenses_text,
                        _("Yes") if user.enable_stun else _("No"),
                    )
                    writer.writerow([csv_cell(cell) for cell in row])
                written += len(page.items)
                if page.next_cursor is None:
                    break
                page_request = page_request.next(page.next_cursor)
        temporary.replace(path)
    except BaseException as error:
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)
        if isinstance(error, OSError):
            reason = error.strerror or type(error).__name__
            raise ExportTargetError(tr("Could not write {0}: {1}.", path, reason)) from error
        raise
    return written
