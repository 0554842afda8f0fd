"""The Webitel users section's folders and quick filters through the keys: `f` shows the
folder panel (Down shows each folder in the list, Enter goes to it; n / F2 / Delete make,
rename and delete a folder), ticked records go into a static folder and out of it, `c`
filters by a column, `x` clears, and the folder and conditions are there again at the next
login."""

from __future__ import annotations

from textual.pilot import Pilot
from textual.widgets import Static

from tests.ui import test_webitel_users
from tests.ui.conftest import wait_for
from tests.ui.test_card_layout import _webitel_users as webitel_users
from tests.ui.test_webitel_users import SIZE_BIG, app_for, open_section
from webitel_tui.db.engine import Database
from webitel_tui.domain.folders import FolderKind, folder_filter
from webitel_tui.domain.paging import PageRequest
from webitel_tui.repositories import unit_of_work
from webitel_tui.simulator import RunningSimulator
from webitel_tui.ui.app import WebitelTuiApp
from webitel_tui.ui.screens.dialogs import ActionsMenu, ConfirmDialog
from webitel_tui.ui.screens.prompt import PromptDialog
from webitel_tui.ui.screens.webitel_users import WebitelUsersSection

sim = test_webitel_users.sim

PEOPLE = (("amelnyk", "7002"), ("jsmith", "7103"), ("okovalenko", "7001"))


def names(section: WebitelUsersSection) -> list[str]:
    return [record.name for record in section.grid.records]


def line_of(section: WebitelUsersSection) -> str:
    line = section.query_one("#filter-line", Static)
    return str(line.render()) if line.display else ""


async def shows(
    pilot: Pilot[None], section: WebitelUsersSection, wanted: list[str], what: str
) -> None:
    await wait_for(
        pilot,
        lambda: names(section) == wanted and section.grid.total == len(wanted),
        what,
    )


async def choose(pilot: Pilot[None], app: WebitelTuiApp, action: str) -> None:
    await wait_for(pilot, lambda: isinstance(app.screen, ActionsMenu), "a menu")
    menu = app.screen
    assert isinstance(menu, ActionsMenu)
    keys = [key for key, _caption in menu.items]
    assert action in keys, keys
    menu.dismiss(action)


async def answer(pilot: Pilot[None], app: WebitelTuiApp, text: str) -> None:
    await wait_for(pilot, lambda: isinstance(app.screen, PromptDialog), "the prompt")
    await pilot.press("ctrl+u", *text, "enter")


async def test_folders_and_filters_through_the_keys(demo_url: str, sim: RunningSimulator) -> None:
    await webitel_users(demo_url, sim, *PEOPLE)
    app = app_for(demo_url, sim)
    async with app.run_test(size=SIZE_BIG) as pilot:
        section = await open_section(pilot, app)
        await shows(pilot, section, ["amelnyk", "jsmith", "okovalenko"], "all records")
        assert line_of(section) == ""

        # The panel: All, the seeded folders; Down shows each in the list.
        await pilot.press("f")
        panel = section.folder_panel
        await wait_for(pilot, lambda: len(panel.items) >= 5, "the folders")
        assert panel.option_list.has_focus
        captions = [item.caption for item in panel.items]
        assert captions[:5] == [
            "All Webitel users",
            "No license",
            "STUN on",
            "Not linked to a CRM user",
            "Needs reconcile",
        ]
        await pilot.press("down")  # No license: none has one yet
        await shows(pilot, section, ["amelnyk", "jsmith", "okovalenko"], "No license")
        assert line_of(section).startswith("Folder: No license")
        await pilot.press("down")  # STUN on: nobody
        await shows(pilot, section, [], "STUN on")

        # n: a new static folder, shown at once (empty).
        await pilot.press("n")
        await answer(pilot, app, "Night shift")
        await wait_for(pilot, lambda: "Night shift" in [i.caption for i in panel.items], "it")
        assert line_of(section).startswith("Folder: Night shift")
        await shows(pilot, section, [], "the new folder")

        # Enter on All goes to the list; two ticked go into the folder by Actions.
        panel.option_list.highlighted = 0
        await pilot.press("enter")
        await shows(pilot, section, ["amelnyk", "jsmith", "okovalenko"], "all again")
        assert section.grid.table.has_focus
        await pilot.press("space", "down", "down", "space")  # amelnyk, okovalenko
        await pilot.press("a")
        await choose(pilot, app, "folder:add")
        await wait_for(pilot, lambda: isinstance(app.screen, ActionsMenu), "the folders menu")
        menu = app.screen
        assert isinstance(menu, ActionsMenu)
        assert [caption for _key, caption in menu.items] == ["Night shift", "New folder"]
        night = next(i for i in panel.items if i.caption == "Night shift")
        menu.dismiss(night.filter)
        await wait_for(pilot, lambda: not isinstance(app.screen, ActionsMenu), "added")

        section.folder_panel.option_list.focus()
        panel.option_list.highlighted = [i.caption for i in panel.items].index("Night shift")
        await shows(pilot, section, ["amelnyk", "okovalenko"], "the static folder")

        # Taken out again (the folder shown is static: Actions offers it).
        section.grid.table.focus()
        await pilot.press("ctrl+a")  # the whole folder
        await wait_for(pilot, lambda: section.grid.ticked_count == 2, "ticked")
        await pilot.press("a")
        await choose(pilot, app, "folder:remove")
        await shows(pilot, section, [], "emptied")

        # F2 renames, Delete deletes (after a Yes): the list shows all records again.
        panel.option_list.focus()
        await pilot.press("f2")
        await answer(pilot, app, "No license")  # taken: said under the field, kept
        prompt = app.screen
        assert isinstance(prompt, PromptDialog)
        assert 'A folder named "No license" already exists.' in prompt.problem
        assert prompt.typed == "No license"
        await pilot.press("ctrl+u", *"Late shift", "enter")
        await wait_for(pilot, lambda: line_of(section).startswith("Folder: Late shift"), "renamed")
        await pilot.press("delete")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog), "the question")
        await pilot.press("y")
        await wait_for(pilot, lambda: "Late shift" not in [i.caption for i in panel.items], "gone")
        await shows(pilot, section, ["amelnyk", "jsmith", "okovalenko"], "all records")
        assert line_of(section) == ""

        # c: a condition on a column (the menu lists the columns that take one).
        await pilot.press("escape")  # the panel hides; the list has the focus
        assert not panel.display and section.grid.table.has_focus
        await pilot.press("c")
        await choose(pilot, app, "extension")
        await answer(pilot, app, "70")
        await shows(pilot, section, ["amelnyk", "okovalenko"], "extension starts with 70")
        assert line_of(section).startswith('Extension starts with "70"')
        await pilot.press("c")
        await choose(pilot, app, "name")
        await answer(pilot, app, "KOVAL")
        await shows(pilot, section, ["okovalenko"], "both conditions")
        assert 'Extension starts with "70" · Webitel user name contains "KOVAL"' in line_of(section)

    # The next login finds the list as it was left: the conditions, and what they read.
    app = app_for(demo_url, sim)
    async with app.run_test(size=SIZE_BIG) as pilot:
        section = await open_section(pilot, app)
        await shows(pilot, section, ["okovalenko"], "the conditions kept")
        assert 'Webitel user name contains "KOVAL"' in line_of(section)
        await pilot.press("c")
        await choose(pilot, app, "remove:extension")
        await shows(pilot, section, ["okovalenko"], "one condition less")
        await pilot.press("x")
        await shows(pilot, section, ["amelnyk", "jsmith", "okovalenko"], "cleared")
        assert line_of(section) == ""


async def test_a_folder_left_and_deleted_since_opens_the_whole_list(
    demo_url: str, sim: RunningSimulator
) -> None:
    await webitel_users(demo_url, sim, *PEOPLE)
    app = app_for(demo_url, sim)
    async with app.run_test(size=SIZE_BIG) as pilot:
        section = await open_section(pilot, app)
        await pilot.press("f")
        await wait_for(pilot, lambda: len(section.folder_panel.items) >= 5, "the folders")
        await pilot.press("n")
        await answer(pilot, app, "Gone soon")
        await wait_for(pilot, lambda: line_of(section).startswith("Folder: Gone soon"), "shown")
        await shows(pilot, section, [], "the new folder")
    db = Database(demo_url)
    try:  # another admin deletes it meanwhile
        async with unit_of_work(db) as uow:
            folder = next(f for f in await uow.folders.folders() if f.name == "Gone soon")
            await uow.folders.delete(folder.id, folder.version)
    finally:
        await db.dispose()
    app = app_for(demo_url, sim)
    async with app.run_test(size=SIZE_BIG) as pilot:
        section = await open_section(pilot, app)
        await shows(pilot, section, ["amelnyk", "jsmith", "okovalenko"], "the whole list")
        assert line_of(section) == ""
        assert section.grid.request.where == () and section.grid.request.filter == ""


async def test_filters_saved_as_a_dynamic_folder(demo_url: str, sim: RunningSimulator) -> None:
    await webitel_users(demo_url, sim, *PEOPLE)
    app = app_for(demo_url, sim)
    async with app.run_test(size=SIZE_BIG) as pilot:
        section = await open_section(pilot, app)
        await shows(pilot, section, ["amelnyk", "jsmith", "okovalenko"], "all records")
        await pilot.press("c")
        await choose(pilot, app, "extension")
        await answer(pilot, app, "70")
        await shows(pilot, section, ["amelnyk", "okovalenko"], "extension starts with 70")
        await pilot.press("c")
        await choose(pilot, app, "save-as-folder")
        await answer(pilot, app, "Seventy")
        await wait_for(pilot, lambda: line_of(section).startswith("Folder: Seventy"), "shown")
        assert section.grid.request.where == ()
        await shows(pilot, section, ["amelnyk", "okovalenko"], "the folder's records")

    # A folder of conditions, not of records: what it shows is read when it is opened.
    db = Database(demo_url)
    try:
        async with unit_of_work(db) as uow:
            folder = next(f for f in await uow.folders.folders() if f.name == "Seventy")
            assert folder.kind is FolderKind.DYNAMIC
            assert [(c.column, c.value) for c in folder.conditions] == [("extension", "70")]
            page = await uow.webitel_users.page(PageRequest(filter=folder_filter(folder.id)))
            assert [u.name for u in page.items] == ["amelnyk", "okovalenko"]
    finally:
        await db.dispose()
