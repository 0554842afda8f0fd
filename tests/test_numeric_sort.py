"""Extensions sorted as numbers (12, 1199, 1200), page after page, both ways, on SQLite and
PostgreSQL, read from their expression index."""

from __future__ import annotations

import random
import uuid
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from tests.test_paging_large import page_backwards, page_through
from tests.test_query_plans import plans_of, webitel_users_page
from webitel_tui.db.engine import Database
from webitel_tui.db.migrate import upgrade
from webitel_tui.db.tables import WebitelUser, utcnow
from webitel_tui.domain.paging import Cursor, PageRequest

EXTENSIONS = [
    "1200", "12", "1199", "7", "007", "0", "", "99", "100", "012",
    "98765432109876543210", "98765432109876543209", "9", "10", "", "00",
]  # fmt: skip
NUMERIC_ORDER = [
    "", "", "0", "00", "007", "7", "9", "10", "012", "12", "99", "100", "1199", "1200",
    "98765432109876543209", "98765432109876543210",
]  # fmt: skip
"""No extension first, then by value; the same number with leading zeros before it without."""


def rows(extensions: list[str]) -> list[dict[str, Any]]:
    rng = random.Random(5)
    now = utcnow()
    return [
        {
            "Id": uuid.UUID(int=rng.getrandbits(128)),
            "Name": f"user{number:03d}",
            "Extension": extension,
            "CreatedOn": now,
            "ModifiedOn": now,
            "Version": 1,
        }
        for number, extension in enumerate(extensions)
    ]


def shown(users: list[Any]) -> list[str]:
    return [user.extension or "" for user in users]


async def test_extensions_sort_as_numbers_page_after_page(db: Database) -> None:
    async with db.engine.begin() as connection:
        await connection.execute(insert(WebitelUser), rows(EXTENSIONS))
    for limit in (1, 3, 50):
        ascending = PageRequest(sort="extension", limit=limit)
        assert shown(await page_through(db, ascending)) == NUMERIC_ORDER, limit
        descending = ascending.model_copy(update={"descending": True})
        assert shown(await page_through(db, descending)) == NUMERIC_ORDER[::-1], limit
        # End: the list's end read backwards, in the list's order again.
        assert shown(await page_backwards(db, ascending)) == NUMERIC_ORDER, limit


async def test_a_thousand_extensions_in_numeric_order(db: Database) -> None:
    numbers = list(range(1, 1001))
    random.Random(3).shuffle(numbers)
    async with db.engine.begin() as connection:
        await connection.execute(insert(WebitelUser), rows([str(n) for n in numbers]))
    found = await page_through(db, PageRequest(sort="extension", limit=77))
    assert [int(extension) for extension in shown(found)] == list(range(1, 1001))


async def test_a_cursor_of_another_sort_is_refused(db: Database) -> None:
    from webitel_tui.domain.errors import ValidationError
    from webitel_tui.repositories import unit_of_work

    cursor = Cursor(values=("12",), id=uuid.uuid4())
    async with unit_of_work(db) as uow:
        try:
            await uow.webitel_users.page(PageRequest(sort="extension", after=cursor))
        except ValidationError:
            return
    raise AssertionError("a one-value cursor was taken for the three-part extension key")


async def test_the_extension_sort_seeks_its_expression_index(tmp_path: Path) -> None:
    """As every other sort (tests/test_query_plans.py): read from the index in either order,
    never sorted afterwards, a cursor a seek into it (on the key's first expression: SQLite
    seeks a row value only on plain columns)."""
    db = Database(f"sqlite:///{tmp_path}/crm.db")
    try:
        await upgrade(db)
        cursor = Cursor(values=("1212", "12"), id=uuid.uuid4())
        for descending in (False, True):
            request = PageRequest(sort="extension", descending=descending)
            for sent in (request, request.next(cursor), request.backwards(None),
                         request.backwards(cursor)):  # fmt: skip
                [plan] = await plans_of(db, partial(webitel_users_page, sent))
                assert "USING INDEX IX_WebitelUser_ExtensionNumber_Id" in plan, (sent, plan)
                assert "TEMP B-TREE" not in plan, (sent, plan)
                if sent.after is not None:
                    seek = "(<expr><?)" if sent.descending else "(<expr>>?)"
                    assert plan.startswith("SEARCH") and seek in plan, (sent, plan)
    finally:
        await db.dispose()


async def test_the_expression_index_is_there_on_both_databases(db: Database) -> None:
    from sqlalchemy import text

    query = (
        "SELECT sql FROM sqlite_master WHERE name = 'IX_WebitelUser_ExtensionNumber_Id'"
        if db.dialect == "sqlite"
        else "SELECT indexdef FROM pg_indexes WHERE indexname = 'IX_WebitelUser_ExtensionNumber_Id'"
    )
    async with db.engine.connect() as connection:
        [definition] = (await connection.execute(text(query))).scalars().all()
    assert "ltrim" in definition and "Extension" in definition
