"""Export to CSV asks where to write (the documents or home folder by default), never replaces
a file without a Yes, and keeps what was typed when the folder cannot be written."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import platformdirs
import pytest
from textual.message import Message
from textual.notifications import Notify
from textual.pilot import Pilot
from textual.widgets import Input, OptionList

from tests.ui.conftest import make_app, wait_for
from tests.ui.test_shell import _move_webitel_users_into_contact_center
from tests.ui.test_webitel_users import SIZE_BIG, _a_record_and_grants, open_section
from webitel_tui.ui.app import WebitelTuiApp
from webitel_tui.ui.screens.dialogs import ActionsMenu, ConfirmDialog
from webitel_tui.ui.screens.save_as import SaveAsDialog


@pytest.fixture
def documents(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A home folder with a documents folder, both under `tmp_path` (never the real home)."""
    home = tmp_path / "home"
    folder = home / "Documents"
    folder.mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setattr(platformdirs, "user_documents_dir", lambda: str(folder))
    return folder


async def open_export_prompt(pilot: Pilot[None], app: WebitelTuiApp) -> SaveAsDialog:
    section = await open_section(pilot, app)
    await wait_for(pilot, lambda: section.grid.table.row_count == 1, "the record")
    await pilot.press("a")
    await wait_for(pilot, lambda: isinstance(app.screen, ActionsMenu), "Actions")
    menu = app.screen
    assert isinstance(menu, ActionsMenu)
    menu.query_one(OptionList).highlighted = [a for a, _c in menu.items].index("export")
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(app.screen, SaveAsDialog), "the file prompt")
    prompt = app.screen
    assert isinstance(prompt, SaveAsDialog)
    assert app.focused is prompt.query_one("#prompt-value", Input)
    return prompt


def notes(seen: list[Message]) -> list[str]:
    return [m.notification.message for m in seen if isinstance(m, Notify)]


def rows_in(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def files_in(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir())


def without_documents(documents: Path) -> Path:
    """No documents folder: the home folder is offered; returns it."""
    documents.rmdir()
    return documents.parent


async def test_the_prompt_offers_the_documents_folder_and_enter_writes_there(
    demo_url: str, documents: Path
) -> None:
    await _move_webitel_users_into_contact_center(demo_url)
    await _a_record_and_grants(demo_url)
    app = make_app(demo_url)
    seen: list[Message] = []
    async with app.run_test(size=SIZE_BIG, message_hook=seen.append) as pilot:
        prompt = await open_export_prompt(pilot, app)
        typed = prompt.typed
        assert re.fullmatch(re.escape(str(documents)) + r"/webitel-users-\d{8}-\d{6}\.csv", typed)
        assert prompt.problem == ""
        await pilot.press("enter")
        await wait_for(pilot, lambda: bool(notes(seen)), "the notification")
        assert not isinstance(app.screen, SaveAsDialog)
        assert notes(seen) == [f"1 records exported to {typed}"]
    lines = rows_in(Path(typed))
    assert lines[0][0] == "Webitel user name" and [line[0] for line in lines[1:]] == ["amelnyk"]
    assert files_in(documents) == [Path(typed).name]


async def test_an_existing_file_is_replaced_only_after_a_yes(
    demo_url: str, documents: Path
) -> None:
    await _move_webitel_users_into_contact_center(demo_url)
    await _a_record_and_grants(demo_url)
    existing = documents / "users.csv"
    existing.write_text("keep me\n", encoding="utf-8")
    app = make_app(demo_url)
    seen: list[Message] = []
    async with app.run_test(size=SIZE_BIG, message_hook=seen.append) as pilot:
        prompt = await open_export_prompt(pilot, app)
        prompt.query_one("#prompt-value", Input).value = "~/Documents/users.csv"
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog), "the question")
        question = app.screen
        assert isinstance(question, ConfirmDialog)
        assert question.message == f"The file {existing} already exists. Replace it?"
        await pilot.press("n")
        await wait_for(pilot, lambda: app.screen is prompt, "back to the prompt")
        assert prompt.typed == "~/Documents/users.csv"
        await app.workers.wait_for_complete()
        assert existing.read_text(encoding="utf-8") == "keep me\n" and notes(seen) == []

        await pilot.press("enter")  # Enter on the question is No: its focus is on No
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog), "the question")
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen is prompt, "back to the prompt")
        assert existing.read_text(encoding="utf-8") == "keep me\n"

        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog), "the question")
        await pilot.press("y")
        await wait_for(pilot, lambda: bool(notes(seen)), "the notification")
        assert notes(seen) == [f"1 records exported to {existing}"]
    assert [line[0] for line in rows_in(existing)[1:]] == ["amelnyk"]


async def test_a_folder_that_cannot_be_written_keeps_the_prompt_and_the_path(
    demo_url: str, documents: Path
) -> None:
    await _move_webitel_users_into_contact_center(demo_url)
    await _a_record_and_grants(demo_url)
    home = without_documents(documents)
    app = make_app(demo_url)
    seen: list[Message] = []
    async with app.run_test(size=SIZE_BIG, message_hook=seen.append) as pilot:
        prompt = await open_export_prompt(pilot, app)
        assert prompt.typed.startswith(f"{home}/webitel-users-")
        bad = str(home / "missing" / "users.csv")
        field = prompt.query_one("#prompt-value", Input)
        field.value = bad
        await pilot.press("enter")
        await wait_for(pilot, lambda: prompt.problem != "", "the problem")
        assert prompt.problem == f"The folder {home / 'missing'} does not exist."
        assert app.screen is prompt and prompt.typed == bad and app.focused is field
        await pilot.press("x")  # typing on clears the line
        await wait_for(pilot, lambda: prompt.problem == "", "the line cleared")
        assert prompt.typed == bad + "x"
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, SaveAsDialog), "cancelled")
        await app.workers.wait_for_complete()
        assert notes(seen) == []
    assert files_in(home) == []
