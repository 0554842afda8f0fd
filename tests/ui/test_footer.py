"""The footer at 80 columns: F1 first and always there (also on a dialog), the keys that
matter on the screen next, and a key that does not fit left out whole, never cut."""

from __future__ import annotations

import pytest
from rich.cells import cell_len
from textual.pilot import Pilot

from tests.ui.conftest import fill_login, make_app, wait_for
from tests.ui.test_shell import (
    _move_webitel_users_into_contact_center,
    sections_shown,
    workplace_shown,
)
from tests.ui.test_webitel_users import _a_record_and_grants, open_section
from webitel_tui.i18n import set_language
from webitel_tui.ui.app import WebitelTuiApp
from webitel_tui.ui.screens.lookup import LookupDialog
from webitel_tui.ui.screens.shell import ShellScreen
from webitel_tui.ui.screens.webitel_users import WebitelUserCard, WebitelUsersSection
from webitel_tui.ui.widgets.keys_footer import KeysFooter, footer_bindings

WIDTH = 80


def footer_of(app: WebitelTuiApp) -> KeysFooter:
    return app.screen.query_one(KeysFooter)


def line(app: WebitelTuiApp) -> str:
    return str(footer_of(app).render())


def check_whole(app: WebitelTuiApp) -> None:
    """F1 first; each key shown is there whole (key and caption), within the width; the
    keys left out are the ones after those that fit, or ones too long for the room left."""
    footer = footer_of(app)
    text = line(app)
    assert cell_len(text) <= WIDTH
    assert footer.shown_keys[0] == "f1"
    assert text.startswith(f"f1 {footer_bindings(app.screen)[0].binding.description}")
    for entry in footer_bindings(app.screen):
        item = f"{app.get_key_display(entry.binding)} {entry.binding.description}"
        if entry.binding.key in footer.shown_keys:
            assert item in text


async def settled(pilot: Pilot[None], app: WebitelTuiApp) -> None:
    await wait_for(pilot, lambda: bool(app.screen.query(KeysFooter)), "the footer")
    await pilot.pause()


@pytest.fixture
def english_afterwards() -> object:
    yield None
    set_language("en")


@pytest.mark.usefixtures("english_afterwards")
@pytest.mark.parametrize("language", ["en", "uk"])
async def test_f1_and_run_process_fit_on_the_webitel_users_section(
    demo_url: str, language: str
) -> None:
    """The issue's picture: "...w Workplace  ^g De" with F9 and F1 cut."""
    await _move_webitel_users_into_contact_center(demo_url)
    await _a_record_and_grants(demo_url)
    app = make_app(demo_url, language=language)
    async with app.run_test(size=(WIDTH, 24)) as pilot:
        await fill_login(pilot, "Supervisor", "Supervisor")
        await wait_for(pilot, lambda: isinstance(app.screen, ShellScreen), "the shell")
        await wait_for(pilot, lambda: bool(sections_shown(app)), "the sections")
        await settled(pilot, app)
        check_whole(app)
        assert {"f1", "f9"} <= set(footer_of(app).shown_keys)
        first = workplace_shown(app)
        await pilot.press("w")  # Contact center, "Webitel users" its first section
        await wait_for(pilot, lambda: workplace_shown(app) != first, "the next workplace")
        await wait_for(pilot, lambda: bool(sections_shown(app)), "its sections")
        await pilot.pause()
        await pilot.press("enter")
        await wait_for(pilot, lambda: bool(app.screen.query(WebitelUsersSection)), "the section")
        section = app.screen.query_one(WebitelUsersSection)
        await wait_for(pilot, lambda: section.grid.table.row_count == 1, "the record")
        await settled(pilot, app)
        check_whole(app)
        shown = footer_of(app).shown_keys
        assert {"f1", "f9", "n", "delete", "a", "slash"} <= set(shown)
        # Sort and Columns have their own places (the header, F1): after the section's keys.
        assert "o" not in shown or shown.index("o") > shown.index("f9")

        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, WebitelUserCard), "the card")
        await settled(pilot, app)
        check_whole(app)
        assert {"f1", "ctrl+s", "escape"} <= set(footer_of(app).shown_keys)


async def test_f1_is_in_a_lookups_footer_and_works_there(demo_url: str) -> None:
    await _move_webitel_users_into_contact_center(demo_url)
    app = make_app(demo_url)
    async with app.run_test(size=(WIDTH, 24)) as pilot:
        await open_section(pilot, app)
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, WebitelUserCard), "the card")
        await pilot.press("f4")
        await wait_for(pilot, lambda: isinstance(app.screen, LookupDialog), "the user lookup")
        await settled(pilot, app)
        check_whole(app)
        await pilot.press("f1")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "HelpScreen", "the help")
        await pilot.press("f1")
        await wait_for(pilot, lambda: isinstance(app.screen, LookupDialog), "the lookup again")


async def test_keys_that_do_not_fit_are_left_out_whole(demo_url: str) -> None:
    """At 50 columns the section keeps F1 and what fits after it, nothing cut."""
    await _move_webitel_users_into_contact_center(demo_url)
    app = make_app(demo_url)
    async with app.run_test(size=(50, 24)) as pilot:
        await open_section(pilot, app)
        await settled(pilot, app)
        text = line(app)
        assert cell_len(text) <= 50
        shown = footer_of(app).shown_keys
        assert shown[0] == "f1"
        assert len(shown) < len(footer_bindings(app.screen)) + 1
        for entry in footer_bindings(app.screen):
            item = f"{app.get_key_display(entry.binding)} {entry.binding.description}"
            assert (item in text) == (entry.binding.key in shown)


async def test_question_mark_is_typed_in_a_field_and_opens_the_help_elsewhere(
    demo_url: str,
) -> None:
    """F1 and "?" are priority keys (F1 works on a dialog), yet a field takes its "?"."""
    await _move_webitel_users_into_contact_center(demo_url)
    app = make_app(demo_url)
    async with app.run_test(size=(WIDTH, 24)) as pilot:
        section = await open_section(pilot, app)
        await pilot.press("slash", *"a?b")
        await wait_for(pilot, lambda: section.grid.search_input.value == "a?b", "a?b typed")
        assert type(app.screen).__name__ != "HelpScreen"
        section.grid.table.focus()
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "HelpScreen", "the help")
