"""The Process log and Change log as pictures: the sections, a run's page, the change log
filtered by record; at 80x24 and 120x40, in English and in Ukrainian.

The logs hold fixed entries and runs (fixed ids, moments and names) in place of what the demo
data logged as it was built, and the clock shows UTC, so the pictures are the same on every
run and every machine.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import delete, insert
from textual.pilot import Pilot
from textual.widget import Widget

from tests.ui.conftest import make_app, wait_for
from tests.ui.test_logs import admin_actor, offer_log_sections
from tests.ui.test_screen_snapshots import SIZES, Navigate, SnapCompare, app_of, shell, steady
from webitel_tui.db.engine import Database
from webitel_tui.db.tables import SysChangeLog, SysProcessLog
from webitel_tui.domain import known
from webitel_tui.domain.changelog import Operation
from webitel_tui.domain.processes import ProcessStatus
from webitel_tui.i18n import set_language
from webitel_tui.repositories import unit_of_work
from webitel_tui.ui.screens.change_log import ChangeEntryDialog, ChangeLogSection
from webitel_tui.ui.screens.process_log import ProcessLogSection, ProcessRunPage
from webitel_tui.ui.widgets.section_grid import SectionGrid

MOMENT = datetime(2026, 3, 2, 9, 15, tzinfo=UTC)
JDOE = uuid.UUID(int=101)
CONTACT = uuid.UUID(int=102)
SETTING = uuid.UUID(int=103)


def _entries(contact_id: uuid.UUID | None) -> list[dict[str, object]]:
    def entry(
        step: int, entity: str, record: uuid.UUID, operation: Operation, old: object, new: object
    ) -> dict[str, object]:
        return {
            "Id": uuid.UUID(int=1000 + step),
            "CreatedOn": MOMENT + timedelta(minutes=7 * step),
            "CreatedById": contact_id,
            "EntitySchemaName": entity,
            "RecordId": record,
            "Operation": operation.value,
            "OldValues": old,
            "NewValues": new,
        }

    return [
        entry(1, "Contact", CONTACT, Operation.INSERT, {}, {"Name": "Olena Kovalenko"}),
        entry(
            2,
            "WebitelUser",
            JDOE,
            Operation.INSERT,
            {},
            {"Name": "okovalenko", "Extension": "1002", "EnableStun": False},
        ),
        entry(
            3, "WebitelUser", JDOE, Operation.UPDATE, {"Extension": "1002"}, {"Extension": "1999"}
        ),
        entry(4, "SysSettings", SETTING, Operation.UPDATE, {"Value": ""}, {"Value": "********"}),
        entry(
            5,
            "Contact",
            CONTACT,
            Operation.UPDATE,
            {"Name": "Olena Kovalenko"},
            {"Name": "Olena Koval"},
        ),
        entry(
            6,
            "WebitelUser",
            JDOE,
            Operation.UPDATE,
            {"EnableStun": False, "Name": "okovalenko"},
            {"EnableStun": True, "Name": "okoval"},
        ),
    ]


def _runs(contact_id: uuid.UUID | None, process_id: uuid.UUID) -> list[dict[str, object]]:
    def run(
        step: int, status: ProcessStatus, counts: dict[str, int], message: str
    ) -> dict[str, object]:
        started = MOMENT + timedelta(hours=step)
        return {
            "Id": uuid.UUID(int=2000 + step),
            "CreatedOn": started,
            "CreatedById": contact_id,
            "ModifiedOn": started,
            "ModifiedById": contact_id,
            "Version": 2,
            "SysProcessId": process_id,
            "StartedOn": started,
            "CompletedOn": started + timedelta(minutes=3, seconds=12),
            "Status": status.value,
            "Counts": counts,
            "Message": message,
            "Host": "crm-host",
            "Pid": 4242,
        }

    counts = {
        "created": 12,
        "updated": 3,
        "linked": 2,
        "unchanged": 25,
        "conflicts": 1,
        "deleted_on_server": 0,
        "unlinked": 0,
        "skipped": 1,
        "errors": 0,
    }
    return [
        run(1, ProcessStatus.COMPLETED, counts, "12 created, 3 updated, 2 linked, 25 unchanged"),
        run(
            2,
            ProcessStatus.FAILED,
            {**counts, "created": 0, "errors": 1},
            "Loading Webitel users stopped: the server answered 503.",
        ),
        run(3, ProcessStatus.CANCELLED, {**counts, "created": 4}, "The run was cancelled."),
    ]


async def _fixed_logs(url: str) -> None:
    await offer_log_sections(url)
    db = Database(url)
    try:
        actor = await admin_actor(db)
        async with unit_of_work(db) as uow:
            process = await uow.processes.by_code(known.GET_WEBITEL_USERS_PROCESS_CODE)
            assert process is not None
            await uow.session.execute(delete(SysChangeLog))
            await uow.session.execute(delete(SysProcessLog))
            await uow.session.execute(insert(SysChangeLog), _entries(actor.contact_id))
            await uow.session.execute(insert(SysProcessLog), _runs(actor.contact_id, process.id))
    finally:
        await db.dispose()


@pytest.fixture
def log_url(demo_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The demo database with the fixed logs; the clock in UTC."""
    asyncio.run(_fixed_logs(demo_url))
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield demo_url
    monkeypatch.undo()
    time.tzset()


async def _section(pilot: Pilot[None], position: int, kind: type[Widget]) -> SectionGrid[Any]:
    """Open the General workplace's section at `position` (offer_log_sections: Process log,
    then Change log) and wait for its rows."""
    app = app_of(pilot)
    await shell(pilot)
    await pilot.press(*["down"] * position, "enter")
    await wait_for(pilot, lambda: bool(app.screen.query(kind)), "the section")
    grid: SectionGrid[Any] = app.screen.query_one(kind).query_one(SectionGrid)
    await wait_for(pilot, lambda: grid.total is not None, "the rows")
    return grid


async def process_log(pilot: Pilot[None]) -> None:
    await _section(pilot, 0, ProcessLogSection)


async def process_run(pilot: Pilot[None]) -> None:
    app = app_of(pilot)
    await process_log(pilot)
    await pilot.press("down", "enter")  # the failed run
    await wait_for(pilot, lambda: isinstance(app.screen, ProcessRunPage), "the run page")
    page = app.screen
    assert isinstance(page, ProcessRunPage)
    await wait_for(pilot, lambda: page.run is not None, "the run")


async def change_log(pilot: Pilot[None]) -> None:
    await _section(pilot, 1, ChangeLogSection)


async def change_log_by_record(pilot: Pilot[None]) -> None:
    grid = await _section(pilot, 1, ChangeLogSection)
    await pilot.press("f")  # the newest entry's record: okoval's history
    await wait_for(pilot, lambda: grid.total == 3, "the record's history")


async def change_entry(pilot: Pilot[None]) -> None:
    app = app_of(pilot)
    await _section(pilot, 1, ChangeLogSection)
    await pilot.press("enter")  # okoval's newest change
    await wait_for(pilot, lambda: isinstance(app.screen, ChangeEntryDialog), "the entry")


CASES: list[tuple[str, Navigate]] = [
    ("process_log", process_log),
    ("process_run", process_run),
    ("change_log", change_log),
    ("change_log_by_record", change_log_by_record),
    ("change_entry", change_entry),
]


@pytest.fixture
def english_afterwards() -> Iterator[None]:
    """The language is process-wide: the tests after a Ukrainian picture expect English."""
    yield
    set_language("en")


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("navigate", [pytest.param(n, id=name) for name, n in CASES])
def test_log_screen(
    snap_compare: SnapCompare, log_url: str, navigate: Navigate, size: tuple[int, int]
) -> None:
    assert snap_compare(make_app(log_url), terminal_size=size, run_before=steady(navigate))


@pytest.mark.usefixtures("english_afterwards")
@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("navigate", [pytest.param(n, id=name) for name, n in CASES])
def test_log_screen_in_ukrainian(
    snap_compare: SnapCompare, log_url: str, navigate: Navigate, size: tuple[int, int]
) -> None:
    app = make_app(log_url, language="uk")
    assert snap_compare(app, terminal_size=size, run_before=steady(navigate))
