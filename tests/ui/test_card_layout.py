"""The Webitel user card at 80x24 (issue 15, "A card that fits 80x24"): the header fields and
the active tab's detail on the screen without scrolling, the details as tabs reached by keys,
and a refused save that puts the message right under the bad field, which takes the focus.
The same error line on the other record pages (the system user's mismatched passwords)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import Checkbox, DataTable, Input, Static, TabbedContent

from tests.ui.conftest import make_app, wait_for
from tests.ui.test_designer import log_in_as
from tests.ui.test_shell import _move_webitel_users_into_contact_center
from tests.ui.test_system_settings import open_settings
from tests.ui.test_webitel_users import app_for, open_section
from tests.webitel.conftest import fast_options
from webitel_tui.db.engine import Database
from webitel_tui.domain.records import Actor
from webitel_tui.processes import provisioning
from webitel_tui.processes.provisioning import WebitelUserForm
from webitel_tui.repositories import unit_of_work
from webitel_tui.simulator import RunningSimulator, start_simulator
from webitel_tui.ui.app import WebitelTuiApp
from webitel_tui.ui.screens.help import help_rows
from webitel_tui.ui.screens.lookup import LookupDialog
from webitel_tui.ui.screens.system_users import UserPage
from webitel_tui.ui.screens.webitel_users import WebitelUserCard
from webitel_tui.ui.screens.workplaces import WorkplacePage, WorkplaceSetupScreen
from webitel_tui.webitel import WebitelClient

SMALL = (80, 24)
BIG = (120, 40)
HEADER = (
    "#crm-user",
    "#webitel-name",
    "#contact",
    "#extension",
    "#webitel-id",
    "#default-device",
    "#enable-stun",
    "#ice-settings",
)


@pytest.fixture
async def sim() -> AsyncIterator[RunningSimulator]:
    running = await start_simulator(users=20)
    try:
        yield running
    finally:
        await running.stop()


async def _webitel_users(url: str, sim: RunningSimulator, *logins: tuple[str, str]) -> None:
    """Webitel users made the way the card makes them, before the app starts."""
    await _move_webitel_users_into_contact_center(url)
    db = Database(url)
    try:
        async with WebitelClient(fast_options(sim)) as client:
            for login, extension in logins:
                async with unit_of_work(db) as uow:
                    user = await uow.users.get_by_name(login)
                assert user is not None
                form = WebitelUserForm(
                    user_id=user.id, contact_id=user.contact_id, name=login, extension=extension
                )
                await provisioning.create_webitel_user(db, Actor(), client, form)
    finally:
        await db.dispose()


async def open_card(pilot: Pilot[None], app: WebitelTuiApp) -> WebitelUserCard:
    """The card of the first Webitel user of the section, loaded."""
    section = await open_section(pilot, app)
    await wait_for(pilot, lambda: section.grid.table.row_count > 0, "the records")
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(app.screen, WebitelUserCard), "the card")
    card = app.screen
    assert isinstance(card, WebitelUserCard)
    await wait_for(pilot, lambda: card.record is not None, "the record")
    await pilot.pause()
    return card


def on_screen(widget: Widget) -> bool:
    """Wholly inside the terminal and inside every container around it (no scrolling)."""
    region = widget.region
    width, height = widget.app.size
    if not widget.display or region.width == 0 or region.height == 0:
        return False
    inside = region.x >= 0 and region.y >= 0
    inside = inside and region.right <= width and region.bottom <= height
    return inside and widget.screen.find_widget(widget).region == region


def tab_of(card: WebitelUserCard) -> str:
    return card.query_one("#card-tabs", TabbedContent).active


def focused_id(app: WebitelTuiApp) -> str | None:
    return app.focused.id if app.focused is not None else None


def message_of(app: WebitelTuiApp) -> str:
    label = app.screen.query_one("#record-message", Static)
    return str(label.render()) if label.display else ""


def line_under(field: Widget) -> str | None:
    """The text of the error line right after `field` (or after its row, when it has its
    caption beside it), if there is one."""
    row = field.parent
    assert isinstance(row, Widget)
    anchor = row if row.has_class("field-row") else field
    assert anchor.parent is not None
    siblings = list(anchor.parent.children)
    after = siblings[siblings.index(anchor) + 1 :]
    if not after or not after[0].has_class("field-error"):
        return None
    line = after[0]
    assert isinstance(line, Static)
    return str(line.render())


def right_under(field: Widget, line: Widget) -> bool:
    """`line` starts on the screen row after `field` ends, and in its column."""
    return line.region.y == field.region.bottom and line.region.x == field.region.x


@pytest.mark.parametrize("size", [SMALL, BIG], ids=["80x24", "120x40"])
async def test_the_header_and_the_active_detail_fit(
    demo_url: str, sim: RunningSimulator, size: tuple[int, int]
) -> None:
    await _webitel_users(demo_url, sim, ("okovalenko", "7001"))
    app = app_for(demo_url, sim)
    async with app.run_test(size=size) as pilot:
        card = await open_card(pilot, app)
        for selector in HEADER:
            assert on_screen(card.query_one(selector)), selector
        licenses = card.query_one("#licenses-detail", DataTable)
        assert tab_of(card) == "tab-licenses"
        assert on_screen(licenses)
        # The detail takes the rest of the screen: header, rows, down to the footer.
        assert licenses.region.height >= 4
        assert licenses.region.bottom == size[1] - 2  # the page's padding, then the footer
        stun = card.query_one("#enable-stun", Checkbox)
        ice = card.query_one("#ice-settings")
        assert ice.region.y == stun.region.bottom  # the STUN servers right under Enable STUN
        primary, server = card.query_one("#card-primary"), card.query_one("#card-server")
        if size == BIG:  # the server's fields beside the primary ones
            assert server.region.x >= primary.region.right
            assert server.region.y == primary.region.y
        else:  # under them, the values in line with the primary ones
            assert server.region.y >= primary.region.bottom
            values = [card.query_one(s).region.x for s in ("#webitel-name", "#webitel-id")]
            assert values[0] == values[1]
        # The fields size to the screen: to the end of their column, whatever its width.
        for selector in ("#webitel-name", "#extension", "#crm-user", "#contact"):
            assert card.query_one(selector).region.right == primary.region.right, selector
        assert server.region.right == size[0] - 2  # the page's padding


async def test_every_tab_is_reached_by_keys(demo_url: str, sim: RunningSimulator) -> None:
    await _webitel_users(demo_url, sim, ("okovalenko", "7001"))
    app = app_for(demo_url, sim)
    async with app.run_test(size=SMALL) as pilot:
        card = await open_card(pilot, app)
        assert focused_id(app) == "webitel-name"
        # Tab: the header's fields, then the tab bar and the active tab's grid.
        chain = [w.id or type(w).__name__ for w in card.focus_chain]
        assert chain == [
            "webitel-name",
            "extension",
            "enable-stun",
            "ContentTabs",
            "licenses-detail",
        ]
        # alt+digit and F6 from a text field, which keeps what it holds.
        await pilot.press("alt+2")
        assert (tab_of(card), focused_id(app)) == ("tab-roles", "roles-detail")
        assert card.query_one("#webitel-name", Input).value == "okovalenko"
        card.query_one("#extension", Input).focus()
        await pilot.press("f6")
        assert (tab_of(card), focused_id(app)) == ("tab-devices", "devices-detail")
        assert card.query_one("#extension", Input).value == "7001"
        # ] and [ outside a text field: next and previous, round the end.
        await pilot.press("left_square_bracket")
        assert (tab_of(card), focused_id(app)) == ("tab-roles", "roles-detail")
        await pilot.press("right_square_bracket")
        assert (tab_of(card), focused_id(app)) == ("tab-devices", "devices-detail")
        devices = card.query_one("#devices-detail", DataTable)
        assert on_screen(devices)
        record = card.record
        assert record is not None and record.default_device_id is not None
        assert [str(cell) for cell in devices.get_row_at(0)] == [
            record.default_device_name,
            str(record.default_device_id),
        ]
        await pilot.press("right_square_bracket")
        assert tab_of(card) == "tab-history"
        history = card.query_one("#tab-history DataTable", DataTable)
        assert app.focused is history and on_screen(history)
        await wait_for(pilot, lambda: history.row_count > 0, "the record's history")
        await pilot.press("right_square_bracket")
        assert tab_of(card) == "tab-licenses"
        await pilot.press("left_square_bracket")
        assert tab_of(card) == "tab-history"
        for number, pane in enumerate(("licenses", "roles", "devices", "history"), 1):
            await pilot.press(f"alt+{number}")
            assert tab_of(card) == f"tab-{pane}"
            assert on_screen(card.query_one(f"#tab-{pane}"))
        # In a text field [ and ] are typed.
        name = card.query_one("#webitel-name", Input)
        name.focus()
        await pilot.press("end", "right_square_bracket")
        assert name.value == "okovalenko]" and tab_of(card) == "tab-history"
        # F1 names the keys: in a text field those that work there.
        assert {"f6", "alt+1", "alt+4"} <= set(card.active_bindings)
        await pilot.press("alt+1")
        keys = {b.binding.id for b in card.active_bindings.values()}
        assert {"webitel.next_tab", "webitel.previous_tab", "webitel.tab_licenses"} <= keys
        told = {text for _keys, text in help_rows(card)}
        assert {"Next tab (Licenses, Roles, Devices, History)", "History tab"} <= told


async def test_after_adding_a_license_the_licenses_tab_has_the_keys(
    demo_url: str, sim: RunningSimulator
) -> None:
    await _webitel_users(demo_url, sim, ("okovalenko", "7001"))
    app = app_for(demo_url, sim)
    async with app.run_test(size=SMALL) as pilot:
        card = await open_card(pilot, app)
        await pilot.press("alt+2", "alt+1", "plus")  # `+` on the Licenses tab
        await wait_for(pilot, lambda: isinstance(app.screen, LookupDialog), "licenses lookup")
        lookup = app.screen
        assert isinstance(lookup, LookupDialog)
        await wait_for(pilot, lambda: lookup.grid.table.row_count == 5, "the licenses")
        # Meanwhile the card moved to another tab and field (a lookup closes on any state).
        card.query_one("#card-tabs", TabbedContent).active = "tab-roles"
        products = [lic.product for lic in lookup.grid.records]
        lookup.grid.table.move_cursor(row=products.index("OPERATOR"))
        await pilot.press("space", "ctrl+s")
        await wait_for(pilot, lambda: len(card.licenses) == 1, "the license granted")
        await wait_for(pilot, lambda: app.screen is card, "back on the card")
        await pilot.pause()
        licenses = card.query_one("#licenses-detail", DataTable)
        assert tab_of(card) == "tab-licenses"
        assert app.focused is licenses and licenses.row_count == 1
        assert on_screen(licenses)


async def test_a_duplicate_name_is_shown_under_the_name_which_takes_the_focus(
    demo_url: str, sim: RunningSimulator
) -> None:
    await _webitel_users(demo_url, sim, ("okovalenko", "7001"), ("amelnyk", "7002"))
    app = app_for(demo_url, sim)
    async with app.run_test(size=SMALL) as pilot:
        card = await open_card(pilot, app)
        name = card.query_one("#webitel-name", Input)
        taken = "amelnyk" if name.value == "okovalenko" else "okovalenko"
        name.value = taken
        card.query_one("#extension", Input).value = "7100"
        card.query_one("#extension", Input).focus()
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: line_under(name) is not None, "the line under the name")
        await pilot.pause()
        expected = f'The Webitel user name "{taken}" is already used by another Webitel user.'
        assert line_under(name) == expected
        assert message_of(app) == expected  # under the caption too: the same text
        assert app.focused is name and on_screen(name)
        line = card.query_one(".field-error")
        assert on_screen(line) and right_under(name, line)
        assert name.value == taken and card.query_one("#extension", Input).value == "7100"
        # The next attempt clears it; a refusal of another field puts it there.
        name.value = card.record.name if card.record else ""
        card.query_one("#extension", Input).value = "7002" if taken == "amelnyk" else "7001"
        await pilot.press("ctrl+s")
        extension = card.query_one("#extension", Input)
        await wait_for(pilot, lambda: line_under(extension) is not None, "the extension's")
        assert line_under(name) is None and len(card.query(".field-error")) == 1
        assert app.focused is extension


async def test_a_card_saved_without_a_user_says_so_under_the_user(
    demo_url: str, sim: RunningSimulator
) -> None:
    await _move_webitel_users_into_contact_center(demo_url)
    app = app_for(demo_url, sim)
    async with app.run_test(size=SMALL) as pilot:
        await open_section(pilot, app)
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, WebitelUserCard), "the card")
        card = app.screen
        card.query_one("#webitel-name", Input).value = "someone"
        await pilot.press("ctrl+s")
        user = card.query_one("#crm-user")
        await wait_for(pilot, lambda: line_under(user) is not None, "the line under User")
        assert line_under(user) == "Fill in the required User field to save the record."
        assert card.query_one("#webitel-name", Input).value == "someone"


async def test_mismatched_passwords_are_shown_under_the_confirmation(demo_url: str) -> None:
    app = make_app(demo_url)
    async with app.run_test(size=SMALL) as pilot:
        await log_in_as(pilot, app, "Supervisor")
        await pilot.press("ctrl+g", "down", "enter")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "SystemUsersScreen", "users")
        await pilot.press("n")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ActionsMenu", "New menu")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, UserPage), "the new user page")
        page = app.screen
        page.query_one("#new-contact", Input).value = "Taras Shevchuk"
        page.query_one("#user-name", Input).value = "tshevchuk"
        page.query_one("#password", Input).value = "Secret-12345-x"
        confirmation = page.query_one("#confirmation", Input)
        confirmation.value = "Secret-12345-y"
        page.query_one("#user-name", Input).focus()
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: line_under(confirmation) is not None, "the error line")
        await pilot.pause()
        assert line_under(confirmation) == "Passwords do not match"
        assert message_of(app) == "Passwords do not match"
        assert app.focused is confirmation and on_screen(confirmation)
        line = page.query_one(".field-error")
        assert on_screen(line) and right_under(confirmation, line)
        assert page.query_one("#user-name", Input).value == "tshevchuk"
        assert page.query_one("#password", Input).value == "Secret-12345-x"
        assert confirmation.value == "Secret-12345-y"


async def test_a_refused_stun_server_is_shown_under_its_field(demo_url: str) -> None:
    app = make_app(demo_url)
    async with app.run_test(size=SMALL) as pilot:
        page = await open_settings(pilot, app)
        field = page.query_one("#stun-servers", Input)
        field.value = "stun:stun.example.org:3478, http://nope"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: line_under(field) is not None, "the error line")
        shown = line_under(field)
        assert shown is not None and "http://nope" in shown and shown == message_of(app)
        assert app.focused is field and field.value == "stun:stun.example.org:3478, http://nope"


async def test_a_taken_workplace_name_is_shown_under_the_name(demo_url: str) -> None:
    app = make_app(demo_url)
    async with app.run_test(size=SMALL) as pilot:
        await log_in_as(pilot, app, "Supervisor")
        await pilot.press("ctrl+g", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, WorkplaceSetupScreen), "setup")
        setup = app.screen
        assert isinstance(setup, WorkplaceSetupScreen)
        await wait_for(pilot, lambda: setup.table.row_count == 2, "the workplaces")
        await pilot.press("enter")  # General
        await wait_for(pilot, lambda: isinstance(app.screen, WorkplacePage), "the page")
        page = app.screen
        assert isinstance(page, WorkplacePage)
        name = page.name_input
        await wait_for(pilot, lambda: name.value == "General", "the name")
        name.value = "Contact center"
        page.table.focus()
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: line_under(name) is not None, "the error line")
        assert line_under(name) == 'A workplace named "Contact center" already exists.'
        assert app.focused is name and name.value == "Contact center"
        line = page.query_one(".field-error")
        assert on_screen(line) and right_under(name, line)
