"""What the logged-in user chose for themself, kept per user (SysProfileData through
repositories/profiles.py): a grid's columns, a section's folder and filters."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from textual.app import App

from webitel_tui.domain.paging import ColumnFilter
from webitel_tui.ui.screens.base import ShellContext

FILTERS_PREFIX = "grid.filters."
"""SysProfileData keys of the grids' folder and conditions: this plus the grid's profile key."""


def _context(app: App[object]) -> ShellContext | None:
    """The logged-in user's context (None: nobody is logged in, or not the product's app)."""
    from webitel_tui.ui.app import WebitelTuiApp

    if isinstance(app, WebitelTuiApp) and app.logged_in is not None:
        return app.context(app.logged_in)
    return None


async def read_profile(app: App[object], key: str) -> dict[str, Any] | None:
    """The logged-in user's data under `key` (None: nothing saved, or nobody logged in)."""
    context = _context(app)
    if context is None:
        return None
    async with context.unit_of_work() as uow:
        return await uow.profiles.read(key)


async def write_profile(app: App[object], key: str, data: dict[str, Any]) -> None:
    """Keep `data` under `key` for the logged-in user (nothing when nobody is logged in)."""
    context = _context(app)
    if context is not None:
        async with context.unit_of_work() as uow:
            await uow.profiles.write(key, data)


async def saved_filters(app: App[object], key: str) -> tuple[str, tuple[ColumnFilter, ...]] | None:
    """The folder (a grid filter) and conditions the user left the grid with (None: none)."""
    data = await read_profile(app, FILTERS_PREFIX + key)
    if data is None:
        return None
    folder = data.get("filter", "")
    try:
        where = tuple(ColumnFilter.model_validate(item) for item in data.get("where", []))
    except (ValidationError, TypeError):
        return None  # not what this version writes: the whole list
    if not isinstance(folder, str) or not (folder or where):
        return None
    return folder, where


async def save_filters(
    app: App[object], key: str, folder: str, where: tuple[ColumnFilter, ...]
) -> None:
    data = {"filter": folder, "where": [item.model_dump() for item in where]}
    await write_profile(app, FILTERS_PREFIX + key, data)
