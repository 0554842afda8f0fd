from __future__ import annotations

import csv
from pathlib import Path

from sqlalchemy import insert

from tests.test_paging_large import generate_rows
from webitel_tui.db.engine import Database
from webitel_tui.db.tables import WebitelUser
from webitel_tui.domain.paging import PageRequest
from webitel_tui.domain.records import Actor
from webitel_tui.processes.export import export_webitel_users


async def test_export_follows_the_filter_and_streams_pages(db: Database, tmp_path: Path) -> None:
    rows = generate_rows()[:2500]
    rows[0] = {**rows[0], "Name": 'quote"d,comma', "SearchText": 'quote"d,comma'}
    async with db.engine.begin() as connection:
        await connection.execute(insert(WebitelUser), rows)
    target = tmp_path / "all.csv"
    count = await export_webitel_users(db, Actor(), PageRequest(sort="name"), target)
    with target.open(newline="", encoding="utf-8") as handle:
        lines = list(csv.reader(handle))
    assert count == 2500 and len(lines) == 2501
    assert lines[0][0] == "Webitel user name"
    assert [line[0] for line in lines[1:]] == sorted(r["Name"] for r in rows)
    assert 'quote"d,comma' in [line[0] for line in lines[1:]]
    searched = tmp_path / "searched.csv"
    count = await export_webitel_users(
        db, Actor(), PageRequest(sort="name", descending=True, search="user0001"), searched
    )
    with searched.open(newline="", encoding="utf-8") as handle:
        names = [line[0] for line in list(csv.reader(handle))[1:]]
    assert count == len(names) > 0
    assert names == sorted(names, reverse=True) and all("user0001" in n for n in names)
    assert leftovers(tmp_path) == []


def leftovers(folder: Path) -> list[Path]:
    return list(folder.glob(".*.part"))
