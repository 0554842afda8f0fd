"""Keyset paging, search and sort over 100,000 Webitel users, on SQLite and PostgreSQL."""

from __future__ import annotations

import random
import uuid
from typing import Any

from sqlalchemy import insert

from webitel_tui.db.engine import Database
from webitel_tui.db.tables import WebitelUser, utcnow
from webitel_tui.domain.paging import Cursor, PageRequest
from webitel_tui.domain.text import search_text
from webitel_tui.repositories import unit_of_work

ROWS = 100_000
CONTACTS = ["Olena Kovalenko", "Andrii Melnyk", "Ірина Бондаренко", "John Smith", ""]


def generate_rows(seed: int = 7, count: int = ROWS) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    order = list(range(ROWS))
    rng.shuffle(order)  # inserted out of order, so that sorting has work to do
    now = utcnow()
    rows = []
    for i in order[:count]:
        extension = None if i % 10 == 0 else str(100_000 + (i * 7919) % ROWS)
        name = f"user{i:06d}"
        contact = CONTACTS[i % len(CONTACTS)]
        rows.append(
            {
                "Id": uuid.UUID(int=rng.getrandbits(128)),
                "Name": name,
                "Extension": extension,
                "WebitelId": i + 1,
                "DefaultDeviceName": f"{name}-sip" if i % 4 else "",
                "EnableStun": i % 3 == 0,
                "ContactName": contact,
                "LicensesText": "OPERATOR" if i % 2 else "",
                "SearchText": search_text([name, contact, extension]),
                "CreatedOn": now,
                "ModifiedOn": now,
                "Version": 1,
            }
        )
    return rows


async def page_through(db: Database, request: PageRequest) -> list[Any]:
    seen: list[Any] = []
    pages = 0
    async with unit_of_work(db) as uow:
        while True:
            page = await uow.webitel_users.page(request)
            seen.extend(page.items)
            pages += 1
            if page.next_cursor is None:
                break
            request = request.next(page.next_cursor)
    assert pages == -(-len(seen) // request.limit) or len(seen) == 0
    return seen


async def test_paging_search_and_sort_over_100000_rows(db: Database) -> None:
    rows = generate_rows()
    async with db.engine.begin() as connection:
        for start in range(0, ROWS, 10_000):
            await connection.execute(insert(WebitelUser), rows[start : start + 10_000])

    # Every row exactly once, in name order, over 100 keyset pages.
    by_name = await page_through(db, PageRequest(limit=1000, sort="name"))
    assert len(by_name) == ROWS
    assert [u.name for u in by_name] == sorted(r["Name"] for r in rows)

    # Descending by extension, none ('' in the database) last, ties broken by Id.
    by_extension = await page_through(
        db, PageRequest(limit=1000, sort="extension", descending=True)
    )
    expected = sorted(rows, key=lambda r: (r["Extension"] or "", r["Id"]), reverse=True)
    assert [u.id for u in by_extension] == [r["Id"] for r in expected]
    assert by_extension[-1].extension is None

    # A boolean column with only two values still pages stably.
    by_stun = await page_through(db, PageRequest(limit=999, sort="stun"))
    assert len({u.id for u in by_stun}) == ROWS
    assert [u.enable_stun for u in by_stun] == sorted(u.enable_stun for u in by_stun)

    # Quick search: contains, case-insensitive, Cyrillic included, combined with paging.
    found = await page_through(db, PageRequest(limit=1000, search="бондар", sort="name"))
    assert len(found) == ROWS // len(CONTACTS)
    assert all(u.contact_name == "Ірина Бондаренко" for u in found)
    found = await page_through(db, PageRequest(limit=50, search="USER00012", sort="name"))
    assert [u.name for u in found] == [f"user00012{d}" for d in range(10)]

    # The page after row 98,999 (what "offset 99,000" means with keyset paging).
    async with unit_of_work(db) as uow:
        request = PageRequest(limit=50, sort="name")
        cursor_row = by_name[98_999]
        page = await uow.webitel_users.page(
            request.next(Cursor(values=(cursor_row.name,), id=cursor_row.id))
        )
    assert [u.name for u in page.items] == [u.name for u in by_name[99_000:99_050]]


async def test_wildcards_in_search_are_literal(db: Database) -> None:
    rows = generate_rows()[:50]
    rows[0] = {**rows[0], "Name": "a_b%c", "SearchText": "a_b%c"}
    async with db.engine.begin() as connection:
        await connection.execute(insert(WebitelUser), rows)
    async with unit_of_work(db) as uow:
        for query in ("_", "%", "b%c"):
            page = await uow.webitel_users.page(PageRequest(search=query))
            assert [u.name for u in page.items] == ["a_b%c"], query


async def page_backwards(db: Database, request: PageRequest) -> list[Any]:
    """The list of `request` read from its end, as the grid's End and the keys up from there
    read it (`PageRequest.backwards`), put back in the list's order."""
    seen: list[Any] = []
    backwards = request.backwards(None)
    async with unit_of_work(db) as uow:
        while True:
            page = await uow.webitel_users.page(backwards)
            seen.extend(page.items)
            if page.next_cursor is None:
                break
            backwards = request.backwards(page.next_cursor)
    return seen[::-1]


async def test_every_sort_reads_the_same_rows_backwards(db: Database) -> None:
    """End and the keys up from it: each sort, either way, with a search or none, read from
    the list's end gives its rows in the same order, none missed, none twice (ties, "no
    extension" and a boolean column included)."""
    rows = generate_rows(count=2_000)
    async with db.engine.begin() as connection:
        await connection.execute(insert(WebitelUser), rows)
    for sort in ("name", "contact", "extension", "webitel_id", "default_device", "licenses"):
        for descending in (False, True):
            for search in ("", "kovalenko"):
                request = PageRequest(limit=251, sort=sort, descending=descending, search=search)
                forward = await page_through(db, request)
                assert [u.id for u in await page_backwards(db, request)] == [
                    u.id for u in forward
                ], request
                assert len(forward) == sum(search in row["SearchText"] for row in rows)
    for descending in (False, True):
        request = PageRequest(limit=499, sort="stun", descending=descending)
        forward = await page_through(db, request)
        assert [u.id for u in await page_backwards(db, request)] == [u.id for u in forward]
