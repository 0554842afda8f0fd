"""The shell: title bar, side panel with the workplace's sections in Position order, keys."""

from __future__ import annotations

from textual.widgets import OptionList, Static

from tests.ui.conftest import SIZE, fill_login, make_app, screen_name, wait_for
from webitel_tui.db.engine import Database
from webitel_tui.domain import known
from webitel_tui.repositories import unit_of_work
from webitel_tui.ui.app import WebitelTuiApp
from webitel_tui.ui.screens.help import HelpScreen
from webitel_tui.ui.screens.shell import CHOOSE_SECTION, ShellScreen


def shell_of(app: WebitelTuiApp) -> ShellScreen:
    screen = app.screen
    assert isinstance(screen, ShellScreen)
    return screen


def workplace_shown(app: WebitelTuiApp) -> str:
    return str(shell_of(app).query_one("#workplace-name", Static).render())


def sections_shown(app: WebitelTuiApp) -> list[str]:
    options = shell_of(app).query_one("#sections", OptionList)
    return [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]


async def _move_webitel_users_into_contact_center(url: str) -> list[str]:
    """Add "Webitel users" to Contact center and move it to the top; returns the order."""
    db = Database(url)
    try:
        async with unit_of_work(db) as uow:
            workplace = await uow.workplaces.get_by_name(known.CONTACT_CENTER_WORKPLACE)
            section = await uow.workplaces.section_by_code(known.WEBITEL_USERS_SECTION_CODE)
            assert workplace is not None and section is not None
            added = await uow.workplaces.add_sections(workplace.id, [section.id])
            link = next(s for s in added if s.section_id == section.id)
            ordered = await uow.workplaces.move_section(link.id, -10)
        return [s.caption for s in ordered]
    finally:
        await db.dispose()


async def test_contact_center_sections_in_position_order(demo_url: str) -> None:
    expected = await _move_webitel_users_into_contact_center(demo_url)
    assert expected[0] == "Webitel users"
    app = make_app(demo_url)
    async with app.run_test(size=SIZE) as pilot:
        await fill_login(pilot, "Supervisor", "Supervisor")
        await wait_for(pilot, lambda: screen_name(app) == "ShellScreen", "the shell")
        await wait_for(pilot, lambda: workplace_shown(app) == "General", "the first workplace")
        assert sections_shown(app) == ["Contacts", "Accounts"]
        await pilot.press("w")
        await wait_for(
            pilot, lambda: workplace_shown(app) == known.CONTACT_CENTER_WORKPLACE, "Contact center"
        )
        assert sections_shown(app) == expected
        # Round the switcher: back to the first workplace, and "W" goes the other way.
        await pilot.press("w")
        await wait_for(pilot, lambda: workplace_shown(app) == "General", "General again")
        await pilot.press("W")
        await wait_for(
            pilot, lambda: workplace_shown(app) == known.CONTACT_CENTER_WORKPLACE, "back"
        )


async def test_arrows_and_enter_in_the_side_panel(demo_url: str) -> None:
    app = make_app(demo_url)
    async with app.run_test(size=SIZE) as pilot:
        await fill_login(pilot, "Supervisor", "Supervisor")
        await wait_for(pilot, lambda: screen_name(app) == "ShellScreen", "the shell")
        await wait_for(pilot, lambda: bool(sections_shown(app)), "the sections")

        def main_message() -> str:
            return str(shell_of(app).query_one("#main-message", Static).render())

        assert main_message() == CHOOSE_SECTION
        options = shell_of(app).query_one("#sections", OptionList)
        assert options.has_focus
        await pilot.press("down", "down", "up", "enter")
        assert options.highlighted == 1
        await wait_for(
            pilot, lambda: shell_of(app).open_section == "Accounts", "the chosen section"
        )
        assert not shell_of(app).query_one("#main-message", Static).display


async def test_user_name_comes_from_the_database_as_plain_text(demo_url: str) -> None:
    """A name with markup-like text is shown as typed, never read as markup."""
    db = Database(demo_url)
    try:
        async with unit_of_work(db) as uow:
            user = await uow.users.get_by_name("okovalenko")
            assert user is not None and user.contact_id is not None
            contact = await uow.contacts.get(user.contact_id)
            await uow.contacts.update(contact.model_copy(update={"name": "[bold]Olena[/]"}))
    finally:
        await db.dispose()
    app = make_app(demo_url)
    async with app.run_test(size=SIZE) as pilot:
        await fill_login(pilot, "okovalenko", "okovalenko")
        await wait_for(pilot, lambda: screen_name(app) == "ShellScreen", "the shell")
        title = str(shell_of(app).query_one("#title-user", Static).render())
        assert title == "[bold]Olena[/]"
        assert app.logged_in is not None and not app.logged_in.is_admin


async def test_help_lists_the_shell_keys_and_a_remapped_key(demo_url: str) -> None:
    app = make_app(demo_url, keymap={"shell.next_workplace": "ctrl+o", "app.help": "f2"})
    async with app.run_test(size=SIZE) as pilot:
        await fill_login(pilot, "Supervisor", "Supervisor")
        await wait_for(pilot, lambda: screen_name(app) == "ShellScreen", "the shell")
        await wait_for(pilot, lambda: workplace_shown(app) == "General", "the first workplace")
        await pilot.press("w")  # remapped away: does nothing now
        await pilot.press("ctrl+o")
        await wait_for(
            pilot, lambda: workplace_shown(app) == known.CONTACT_CENTER_WORKPLACE, "switched"
        )
        await pilot.press("f2")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), "the help")
        help_screen = app.screen
        assert isinstance(help_screen, HelpScreen)
        rows = {text: keys for keys, text in help_screen.rows}
        assert rows["Switch to the next workplace"] == "^o"
        assert rows["Keys of this screen"] == "f2"
        assert rows["Quit the app"] == "^q"
        assert "Move between sections" in rows
        await pilot.press("escape")
        await wait_for(pilot, lambda: screen_name(app) == "ShellScreen", "the shell again")
