from __future__ import annotations

import csv
import errno
import json
import os
from datetime import datetime
from pathlib import Path

import platformdirs
import pytest
from sqlalchemy import insert

from tests.test_paging_large import generate_rows
from webitel_tui.db.engine import Database
from webitel_tui.db.tables import WebitelUser
from webitel_tui.domain.csv_cells import FORMULA_STARTS
from webitel_tui.domain.paging import PageRequest
from webitel_tui.domain.records import Actor
from webitel_tui.domain.webitel_users import RoleGrant
from webitel_tui.processes.export import (
    HEADER,
    ExportTargetError,
    default_export_path,
    export_target,
    export_webitel_users,
)
from webitel_tui.repositories import unit_of_work


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


async def test_a_server_name_that_looks_like_a_formula_is_written_quoted(
    db: Database, tmp_path: Path
) -> None:
    rows = generate_rows(count=3)
    hostile = '=HYPERLINK("http://x","y")'
    rows[0] = {**rows[0], "Name": hostile, "SearchText": hostile.lower()}
    rows[1] = {**rows[1], "ContactName": "@SUM(A1)", "LicensesText": "+OPERATOR"}
    async with db.engine.begin() as connection:
        await connection.execute(insert(WebitelUser), rows)
    target = tmp_path / "hostile.csv"
    assert await export_webitel_users(db, Actor(), PageRequest(sort="name"), target) == 3
    with target.open(newline="", encoding="utf-8") as handle:
        cells = [cell for line in list(csv.reader(handle))[1:] for cell in line]
    assert "'" + hostile in cells and hostile not in cells
    assert "'@SUM(A1)" in cells and "'+OPERATOR" in cells
    assert not [cell for cell in cells if cell.startswith(FORMULA_STARTS)]
    assert 'HYPERLINK(""http://x"",""y"")' in target.read_text(encoding="utf-8")  # csv quoting


async def test_a_write_that_fails_says_so_in_one_line_and_leaves_nothing(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "full.csv"

    def no_space(self: Path, other: Path) -> Path:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Path, "replace", no_space)
    with pytest.raises(ExportTargetError) as raised:
        await export_webitel_users(db, Actor(), PageRequest(sort="name"), target)
    assert str(raised.value) == f"Could not write {target}: No space left on device."
    assert not target.exists() and leftovers(tmp_path) == []


# Where to write: the default, and what can be written ---------------------------------------


def test_the_default_is_the_documents_folder_with_a_dated_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home, documents = tmp_path / "home", tmp_path / "home" / "Docs"
    documents.mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setattr(platformdirs, "user_documents_dir", lambda: str(documents))
    now = datetime(2026, 11, 3, 9, 5, 7)
    assert default_export_path(now) == documents / "webitel-users-20261103-090507.csv"
    documents.rmdir()  # no documents folder: the home folder
    assert default_export_path(now) == home / "webitel-users-20261103-090507.csv"


def test_the_target_is_checked_before_anything_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    assert export_target(" ~/a.csv ", tmp_path / "x") == tmp_path / "a.csv"
    assert export_target("b.csv", tmp_path) == tmp_path / "b.csv"  # a bare name: in the folder
    assert export_target(str(tmp_path / "c.csv"), Path("/elsewhere")) == tmp_path / "c.csv"
    problems = {
        "": "Enter the name of the file to write.",
        "  ": "Enter the name of the file to write.",
        str(tmp_path): f"{tmp_path} is a folder. Add a file name.",
        str(tmp_path / "missing" / "d.csv"): f"The folder {tmp_path / 'missing'} does not exist.",
    }
    for typed, message in problems.items():
        with pytest.raises(ExportTargetError) as raised:
            export_target(typed, tmp_path)
        assert str(raised.value) == message
    monkeypatch.setattr(os, "access", lambda path, mode: False)  # as root, chmod is not enough
    with pytest.raises(ExportTargetError) as raised:
        export_target("e.csv", tmp_path)
    assert str(raised.value) == f"You cannot write to the folder {tmp_path}."


async def test_roles_column_and_a_bom_for_excel(db: Database, tmp_path: Path) -> None:
    rows = generate_rows(count=2)
    async with db.engine.begin() as connection:
        await connection.execute(insert(WebitelUser), rows)
    first = sorted(rows, key=lambda row: row["Name"])[0]
    async with unit_of_work(db) as uow:
        await uow.webitel_users.set_roles(
            first["Id"],
            [RoleGrant(role_id=3, name="supervisors"), RoleGrant(role_id=2, name="agents")],
        )
    target = tmp_path / "roles.csv"
    assert await export_webitel_users(db, Actor(), PageRequest(sort="name"), target, bom=True) == 2
    data = target.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and data.count(b"\xef\xbb\xbf") == 1
    lines = list(csv.reader(data.decode("utf-8-sig").splitlines()))
    assert lines[0] == list(HEADER) and HEADER[6] == "Roles"
    assert lines[1][6] == "agents, supervisors" and lines[2][6] == ""
    plain = tmp_path / "plain.csv"
    await export_webitel_users(db, Actor(), PageRequest(sort="name"), plain)
    assert not plain.read_bytes().startswith(b"\xef\xbb\xbf")


async def test_json_lines_keep_the_values_typed(db: Database, tmp_path: Path) -> None:
    rows = generate_rows(count=3)
    rows[0] = {**rows[0], "Name": "=1+2", "SearchText": "=1+2"}
    async with db.engine.begin() as connection:
        await connection.execute(insert(WebitelUser), rows)
    target = tmp_path / "users.jsonl"
    count = await export_webitel_users(db, Actor(), PageRequest(sort="name"), target, as_json=True)
    objects = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert count == len(objects) == 3
    assert objects[0]["name"] == "=1+2"  # JSON opens in no spreadsheet: no quote added
    assert set(objects[0]) == {
        "name", "contact", "extension", "user_id", "default_device", "licenses", "roles", "stun"
    }  # fmt: skip
    assert isinstance(objects[0]["stun"], bool) and isinstance(objects[0]["licenses"], list)
