"""Lookups list seeded roles and sections in the order of the names they show (translated),
page after page, either way, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest

from webitel_tui import i18n
from webitel_tui.db.engine import Database
from webitel_tui.domain.paging import Page, PageRequest
from webitel_tui.domain.users import AdminUnitType
from webitel_tui.repositories import UnitOfWork, unit_of_work
from webitel_tui.ui.seeded import (
    role_name,
    section_caption,
    shown_role_names,
    shown_section_captions,
)


@pytest.fixture
def ukrainian() -> Iterator[None]:
    before = i18n.language()
    i18n.set_language("uk")
    try:
        yield
    finally:
        i18n.set_language(before)


async def every_page(
    db: Database, read: Callable[[UnitOfWork, PageRequest], Awaitable[Page[Any]]], **request: Any
) -> list[Any]:
    seen: list[Any] = []
    page_request = PageRequest(limit=1, **request)  # a cursor after every row
    async with unit_of_work(db) as uow:
        while True:
            page = await read(uow, page_request)
            seen.extend(page.items)
            if page.next_cursor is None:
                return seen
            page_request = page_request.next(page.next_cursor)


@pytest.mark.usefixtures("ukrainian")
async def test_the_roles_lookup_lists_in_the_shown_order(seeded_database_url: str) -> None:
    db = Database(seeded_database_url)
    try:
        async with unit_of_work(db) as uow:
            # Latin, before every Cyrillic name; in English it would come between them.
            await uow.users.ensure_role(uuid.uuid4(), "Operators", AdminUnitType.TEAM)

        async def roles(uow: UnitOfWork, request: PageRequest) -> Page[Any]:
            return await uow.users.page_roles(request, shown_role_names())

        for descending in (False, True):
            found = await every_page(db, roles, sort="name", descending=descending)
            shown = [role_name(role.id, role.name) for role in found]
            assert shown == sorted(shown, reverse=descending), shown
            assert "Operators" in shown and "Всі працівники" in shown
        assert shown[-1] == "Operators"  # descending: last
    finally:
        await db.dispose()


@pytest.mark.usefixtures("ukrainian")
async def test_the_sections_lookup_lists_in_the_shown_order(seeded_database_url: str) -> None:
    db = Database(seeded_database_url)
    try:
        async with unit_of_work(db) as uow:
            general = next(w for w in await uow.workplaces.list_workplaces() if w.name == "General")

        async def sections(uow: UnitOfWork, request: PageRequest) -> Page[Any]:
            return await uow.workplaces.available_sections(
                general.id, request, shown_section_captions()
            )

        for descending in (False, True):
            found = await every_page(db, sections, sort="caption", descending=descending)
            shown = [section_caption(section.code, section.caption) for section in found]
            assert shown == sorted(shown, reverse=descending), shown
            assert len(shown) == 4
        # The English order would put System users before Webitel users.
        assert shown[:2] == ["Користувачі системи", "Користувачі Webitel"]
    finally:
        await db.dispose()


async def test_in_english_the_stored_names_sort(seeded_database_url: str) -> None:
    db = Database(seeded_database_url)
    try:

        async def roles(uow: UnitOfWork, request: PageRequest) -> Page[Any]:
            return await uow.users.page_roles(request, shown_role_names())

        found = await every_page(db, roles, sort="name")
        assert [role.name for role in found] == sorted(role.name for role in found)
    finally:
        await db.dispose()
