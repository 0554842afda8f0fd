"""The Process log and Change log sections and a card's History detail: lists newest first,
a run's report, the change log filtered by record, an entry with every value, the refusal
to a non-admin, and data shown as typed (tests/hostile.py), never obeyed.

The sections are mounted in the shell's main area as the shell mounts a section (the
workplace's side panel opening them is the shell's own test, tests/ui/test_sections.py).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select
from textual.containers import Vertical
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import DataTable, Label, Static

from tests.factories import make_user
from tests.hostile import HOSTILE
from tests.ui.conftest import fill_login, make_app, screen_name, wait_for
from tests.ui.pasting import assert_screen_shown
from tests.ui.test_screen_snapshots import app_of
from tests.ui.test_shell import sections_shown
from webitel_tui.db.engine import Database
from webitel_tui.db.ids import new_id
from webitel_tui.db.tables import SysChangeLog
from webitel_tui.domain import known
from webitel_tui.domain.changelog import Operation
from webitel_tui.domain.processes import ProcessStatus
from webitel_tui.domain.records import Actor
from webitel_tui.repositories import unit_of_work
from webitel_tui.ui.app import WebitelTuiApp
from webitel_tui.ui.screens.base import ShellContext
from webitel_tui.ui.screens.change_log import ChangeEntryDialog, ChangeLogSection
from webitel_tui.ui.screens.process_log import ProcessLogSection, ProcessRunPage
from webitel_tui.ui.screens.shell import ShellScreen
from webitel_tui.ui.widgets.history_detail import HistoryDetail
from webitel_tui.ui.widgets.section_grid import SectionGrid

SIZE = (120, 40)
MOMENT = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


async def admin_actor(db: Database) -> Actor:
    async with unit_of_work(db) as uow:
        admin = await uow.users.get_by_name("Supervisor")
    assert admin is not None
    return Actor(user_id=admin.id, contact_id=admin.contact_id)


async def add_runs(url: str) -> list[uuid.UUID]:
    """Two GetWebitelUsers runs by Supervisor: a completed one, then a failed one."""
    db = Database(url)
    try:
        actor = await admin_actor(db)
        ids = []
        for status, counts, message in (
            (ProcessStatus.COMPLETED, {"created": 3, "updated": 1, "conflicts": 2}, "3 created"),
            (ProcessStatus.FAILED, {"created": 0, "errors": 1}, "Loading stopped: 503"),
        ):
            async with unit_of_work(db, actor) as uow:
                process = await uow.processes.by_code(known.GET_WEBITEL_USERS_PROCESS_CODE)
                assert process is not None
                run = await uow.processes.start_run(process.id)
                await uow.processes.finish_run(run.id, status, counts, message)
                ids.append(run.id)
        return ids
    finally:
        await db.dispose()


async def add_entries(url: str, entries: list[dict[str, Any]]) -> None:
    """Change-log entries as the repositories write them, by Supervisor, a minute apart
    after every entry there is (the newest first in the log)."""
    db = Database(url)
    try:
        actor = await admin_actor(db)
        async with unit_of_work(db, actor) as uow:
            latest = await uow.session.scalar(select(func.max(SysChangeLog.CreatedOn)))
            start = max(latest or MOMENT, MOMENT)
            rows = [
                {
                    "Id": new_id(),
                    "CreatedOn": start + timedelta(minutes=step),
                    "CreatedById": actor.contact_id,
                    "OldValues": {},
                    "NewValues": {},
                    **entry,
                }
                for step, entry in enumerate(entries, start=1)
            ]
            await uow.session.execute(insert(SysChangeLog), rows)
    finally:
        await db.dispose()


async def shell_as(pilot: Pilot[None], login: str, password: str) -> ShellScreen:
    app = pilot.app
    await fill_login(pilot, login, password)
    await wait_for(pilot, lambda: screen_name(app) == "ShellScreen", "the shell")  # type: ignore[arg-type]
    screen = app.screen
    assert isinstance(screen, ShellScreen)
    return screen


async def mount_section(
    pilot: Pilot[None], build: Callable[[ShellContext], Widget], login: str = "Supervisor"
) -> Widget:
    """Log in and show a widget in the main area, as the shell shows a section (for what
    no workplace offers: a refused section, a card's detail)."""
    screen = await shell_as(pilot, login, login if login == "Supervisor" else "secret")
    main = screen.query_one("#main-area", Vertical)
    await main.query(".section").remove()
    screen.query_one("#main-message", Static).display = False
    section = build(screen.context)
    await main.mount(section)
    return section


async def offer_log_sections(url: str) -> None:
    """The Process log and Change log sections first in the General workplace."""
    db = Database(url)
    try:
        async with unit_of_work(db) as uow:
            workplace = await uow.workplaces.get_by_name("General")
            assert workplace is not None
            for code in ("ChangeLog", "ProcessLog"):
                section = await uow.workplaces.section_by_code(code)
                assert section is not None
                added = await uow.workplaces.add_sections(workplace.id, [section.id])
                link = next(s for s in added if s.section_id == section.id)
                await uow.workplaces.move_section(link.id, -10)
    finally:
        await db.dispose()


async def open_from_side_panel(pilot: Pilot[None], caption: str) -> Widget:
    """Log in as Supervisor and open the section `caption` of the General workplace."""
    app = app_of(pilot)
    await shell_as(pilot, "Supervisor", "Supervisor")
    await wait_for(pilot, lambda: caption in sections_shown(app), f"the {caption} section")
    await pilot.press(*["down"] * sections_shown(app).index(caption), "enter")
    await wait_for(pilot, lambda: bool(app.screen.query(".section")), "the section")
    return app.screen.query_one(".section", Widget)


def cells(grid: SectionGrid[Any], column: int) -> list[str]:
    table = grid.table
    return [table.get_row_at(row)[column].plain for row in range(table.row_count)]


async def loaded(pilot: Pilot[None], grid: SectionGrid[Any]) -> None:
    await wait_for(pilot, lambda: grid.total is not None and not grid.loading_page, "the rows")


async def test_process_log_lists_runs_newest_first_and_opens_a_report(demo_url: str) -> None:
    completed, failed = await add_runs(demo_url)
    await offer_log_sections(demo_url)
    app = make_app(demo_url)
    async with app.run_test(size=SIZE) as pilot:
        section = await open_from_side_panel(pilot, "Process log")
        assert isinstance(section, ProcessLogSection)
        grid = section.grid
        await loaded(pilot, grid)
        assert [run.id for run in grid.records] == [failed, completed]
        assert cells(grid, 3) == ["Failed", "Completed"]
        assert cells(grid, 4) == ["0", "3"]  # created
        assert cells(grid, 6) == ["", "2"]  # conflicts: not recorded by the failed run
        assert cells(grid, 0)[0] == "GetWebitelUsers"
        assert cells(grid, 8)[0] != ""  # who started it

        await pilot.press("down", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ProcessRunPage), "the run page")
        page = app.screen
        assert isinstance(page, ProcessRunPage)
        await wait_for(pilot, lambda: page.run is not None, "the run")
        table = page.query_one("#run-counts", DataTable)
        report = [tuple(cell.plain for cell in table.get_row_at(r)) for r in range(3)]
        assert report == [("Created", "3"), ("Updated", "1"), ("Conflicts", "2")]
        message = page.query_one("#run-message", Static)
        assert "3 created" in str(message.render())
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ShellScreen), "back in the list")


async def test_process_log_searches_by_process(demo_url: str) -> None:
    await add_runs(demo_url)
    await offer_log_sections(demo_url)
    app = make_app(demo_url)
    async with app.run_test(size=SIZE) as pilot:
        section = await open_from_side_panel(pilot, "Process log")
        assert isinstance(section, ProcessLogSection)
        grid = section.grid
        await loaded(pilot, grid)
        await pilot.press("slash", *"nothing-like-it")
        await wait_for(pilot, lambda: grid.total == 0, "no run found")
        grid.search_input.value = "webitelusers"
        await wait_for(pilot, lambda: grid.total == 2, "both runs found")


async def test_change_log_filters_by_record_and_opens_an_entry(demo_url: str) -> None:
    record, other = uuid.uuid4(), uuid.uuid4()
    await offer_log_sections(demo_url)
    await add_entries(
        demo_url,
        [
            {
                "EntitySchemaName": "WebitelUser",
                "RecordId": record,
                "Operation": Operation.INSERT.value,
                "NewValues": {"Name": "jdoe", "Extension": "1002", "Id": str(record)},
            },
            {
                "EntitySchemaName": "Contact",
                "RecordId": other,
                "Operation": Operation.INSERT.value,
                "NewValues": {"Name": "Someone"},
            },
            {
                "EntitySchemaName": "WebitelUser",
                "RecordId": record,
                "Operation": Operation.UPDATE.value,
                "OldValues": {"Extension": "1002"},
                "NewValues": {"Extension": "1999"},
            },
        ],
    )
    app = make_app(demo_url)
    async with app.run_test(size=SIZE) as pilot:
        section = await open_from_side_panel(pilot, "Change log")
        assert isinstance(section, ChangeLogSection)
        grid = section.grid
        await loaded(pilot, grid)
        everything = grid.total
        assert everything is not None and everything > 3  # the demo data's own entries
        # The newest first: the update, named from the record's Insert entry.
        assert cells(grid, 2)[:3] == ["Webitel user", "Contact", "Webitel user"]
        assert cells(grid, 3)[:3] == ["jdoe", "Someone", "jdoe"]
        assert cells(grid, 4)[:3] == ["Changed", "Added", "Added"]
        assert cells(grid, 5)[0] == "Extension: 1002 -> 1999"
        assert cells(grid, 5)[2] == "Name: jdoe; Extension: 1002"
        when = cells(grid, 0)
        assert when[:3] == sorted(when[:3], reverse=True)

        await pilot.press("f")
        await wait_for(pilot, lambda: grid.total == 2, "the record's history")
        assert {entry.record_id for entry in grid.records} == {record}
        caption = section.query_one("#change-log-caption", Label)
        assert "Webitel user jdoe" in str(caption.render())
        await pilot.press("escape")
        await wait_for(pilot, lambda: grid.total == everything, "the whole log again")
        assert "jdoe" not in str(caption.render())
        await pilot.press("f")
        await wait_for(pilot, lambda: grid.total == 2, "the history again")
        await pilot.press("f")
        await wait_for(pilot, lambda: grid.total == everything, "f again: the whole log")

        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ChangeEntryDialog), "the entry")
        values = app.screen.query_one("#change-values", DataTable)
        assert [cell.plain for cell in values.get_row_at(0)] == ["Extension", "1002", "1999"]
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ShellScreen), "back in the log")


async def test_the_change_log_is_refused_to_a_non_admin(demo_url: str) -> None:
    db = Database(demo_url)
    try:
        async with unit_of_work(db) as uow:
            await make_user(uow, "operator")
    finally:
        await db.dispose()
    app = make_app(demo_url)
    async with app.run_test(size=SIZE) as pilot:
        section = await mount_section(pilot, ChangeLogSection, login="operator")
        await pilot.pause()
        refusal = section.query_one("#change-log-refused", Static)
        assert "Only system administrators" in str(refusal.render())
        assert not section.query(SectionGrid)
        await pilot.press("f")  # no key to the log
        assert not section.query(SectionGrid)


async def test_history_detail_shows_one_records_history(demo_url: str) -> None:
    record = uuid.uuid4()
    await add_entries(
        demo_url,
        [
            {
                "EntitySchemaName": "WebitelUser",
                "RecordId": record,
                "Operation": Operation.INSERT.value,
                "NewValues": {"Name": "jdoe", "Extension": "1002"},
            },
            {
                "EntitySchemaName": "Contact",
                "RecordId": uuid.uuid4(),
                "Operation": Operation.INSERT.value,
                "NewValues": {"Name": "Someone"},
            },
            {
                "EntitySchemaName": "WebitelUser",
                "RecordId": record,
                "Operation": Operation.DELETE.value,
                "OldValues": {"Name": "jdoe", "Extension": "1999", "EnableStun": True},
            },
        ],
    )
    app = make_app(demo_url)
    async with app.run_test(size=SIZE) as pilot:

        def history(context: ShellContext) -> Widget:
            detail = HistoryDetail(context, record)
            detail.add_class("section")
            return detail

        detail = await mount_section(pilot, history)
        assert isinstance(detail, HistoryDetail)
        grid = detail.grid
        await loaded(pilot, grid)
        assert grid.total == 2
        assert cells(grid, 2) == ["Deleted", "Added"]
        assert cells(grid, 3) == [
            "Name: jdoe; Extension: 1999; Enable STUN: Yes",
            cells(grid, 3)[1],
        ]
        assert not grid.search_input.display or not grid.search_input.region.area
        detail.show_record(uuid.uuid4())
        await wait_for(pilot, lambda: grid.total == 0, "another record: no history")


async def test_hostile_values_in_the_change_log_are_shown_not_obeyed(demo_url: str) -> None:
    entries = [
        {
            "EntitySchemaName": name,
            "RecordId": uuid.uuid4(),
            "Operation": Operation.UPDATE.value,
            "OldValues": {"Name": text, text: text},
            "NewValues": {"Name": text[::-1], text: "x"},
        }
        for name, text in HOSTILE.items()
        if name != "long"
    ]
    await offer_log_sections(demo_url)  # first: its own entries would be the newest
    await add_entries(demo_url, entries)
    app: WebitelTuiApp = make_app(demo_url)
    async with app.run_test(size=SIZE) as pilot:
        section = await open_from_side_panel(pilot, "Change log")
        assert isinstance(section, ChangeLogSection)
        grid = section.grid
        await loaded(pilot, grid)
        assert_screen_shown(app, "the change log")
        for _step in range(4):
            await pilot.press("enter")
            await wait_for(pilot, lambda: isinstance(app.screen, ChangeEntryDialog), "entry")
            assert_screen_shown(app, "an entry")
            await pilot.press("escape", "down")
            await wait_for(pilot, lambda: isinstance(app.screen, ShellScreen), "the log")
        await pilot.press("f")
        await wait_for(pilot, lambda: grid.total == 1, "one record's history")
        assert_screen_shown(app, "a record's history")
