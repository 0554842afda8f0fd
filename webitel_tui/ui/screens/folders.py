"""The Webitel users section's folders and quick filters, as the screen shows them: what the
folder panel lists, the line that says what the list is narrowed by, the check of a folder's
name as typed."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence

from rich.text import Text

from webitel_tui.domain.column_filters import described
from webitel_tui.domain.display import visible
from webitel_tui.domain.errors import DuplicateValueError
from webitel_tui.domain.folders import (
    FOLDER_TAKEN,
    HAS_LICENSE_CAPTION,
    FolderCondition,
    folder_filter,
    license_filter,
    parse_filter,
)
from webitel_tui.domain.limits import FOLDER_NAME
from webitel_tui.domain.paging import PageRequest
from webitel_tui.domain.rules import require
from webitel_tui.domain.webitel_users import TO_RECONCILE
from webitel_tui.i18n import N_, _, tr
from webitel_tui.ui.screens.base import ShellContext
from webitel_tui.ui.seeded import folder_name
from webitel_tui.ui.widgets.folder_panel import FolderItem

ALL_RECORDS = N_("All Webitel users")
TO_RECONCILE_CAPTION = N_("Records to reconcile")


async def folder_items(context: ShellContext) -> list[FolderItem]:
    """The panel's lines: all records, the stored folders in their order, then a "Has
    license" folder for every product granted in the CRM."""
    async with context.unit_of_work() as uow:
        folders = await uow.folders.folders()
        products = await uow.folders.products_in_use()
    return [
        FolderItem("", _(ALL_RECORDS)),
        *(FolderItem(folder_filter(f.id), folder_name(f), f) for f in folders),
        *(FolderItem(license_filter(p), tr(HAS_LICENSE_CAPTION, p)) for p in products),
    ]


def folder_caption(filter_text: str, items: Sequence[FolderItem]) -> str:
    """The name of the folder a grid filter shows ("" while the folders are not read)."""
    if filter_text == TO_RECONCILE:
        return _(TO_RECONCILE_CAPTION)
    for item in items:
        if item.filter == filter_text:
            return item.caption
    parsed = parse_filter(filter_text)
    if isinstance(parsed, FolderCondition):  # a product no longer granted to anyone
        return tr(HAS_LICENSE_CAPTION, parsed.product)
    return ""


def filter_line(
    request: PageRequest, items: Sequence[FolderItem], captions: Mapping[str, str]
) -> Text | None:
    """What the list is narrowed by, in one line (None: it is not), and how to undo it.
    `captions`: the columns' captions as shown, by key."""
    parts = []
    if request.filter:
        parts.append(tr("Folder: {0}", folder_caption(request.filter, items) or "..."))
    parts += [described(c, captions.get(c.column, c.column)) for c in request.where]
    if not parts:
        return None
    # Folder names and typed values are data: shown, never obeyed (domain/display.py).
    return Text(visible(" · ".join(parts)) + "  " + _("(x: clear)"))


def folder_name_check(taken: Collection[str]) -> Callable[[str], str]:
    """The check of a folder's name in its prompt: required, within its length, and not the
    name of another folder shown in the panel (the database has the last word)."""

    def check(text: str) -> str:
        name = require(text, FOLDER_NAME)
        if name in taken:
            raise DuplicateValueError(tr(FOLDER_TAKEN, name), "Name")
        return name

    return check
