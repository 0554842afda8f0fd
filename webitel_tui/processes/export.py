"""Export to CSV: the Webitel users of the current filter and sort, streamed page by page."""

from __future__ import annotations

import csv
from pathlib import Path

from webitel_tui.db.engine import Database
from webitel_tui.domain.paging import PageRequest
from webitel_tui.domain.records import Actor
from webitel_tui.i18n import _
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


async def export_webitel_users(db: Database, actor: Actor, request: PageRequest, path: Path) -> int:
    """Write every record matching `request` (search and sort as in the grid) to `path`;
    returns how many. Never more than one page is held in memory."""
    written = 0
    page_request = request.model_copy(update={"after": None, "limit": EXPORT_PAGE})
    temporary = path.with_name(f".{path.name}.part")
    with temporary.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow([_(caption) for caption in HEADER])
        while True:
            async with unit_of_work(db, actor) as uow:
                page = await uow.webitel_users.page(page_request)
            for user in page.items:
                writer.writerow(
                    [
                        user.name,
                        user.contact_name,
                        user.extension or "",
                        user.webitel_id or "",
                        user.default_device_name,
                        user.licenses_text,
                        _("Yes") if user.enable_stun else _("No"),
                    ]
                )
            written += len(page.items)
            if page.next_cursor is None:
                break
            page_request = page_request.next(page.next_cursor)
    temporary.replace(path)
    return written
