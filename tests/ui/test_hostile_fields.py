"""The hostile-string corpus (issue 13) through a record page and the search box, on SQLite
and on PostgreSQL: each string pasted into the fields of a new system user (a pasted text is
how control characters reach a field: a terminal sends ESC as a key), then saved.

What the database keeps is what the field held, character for character; what the page and
the grid show is the stand-in form (domain/display.py), never the raw text. Values the CRM
cannot keep (NUL, a lone surrogate, over 250 characters) are refused with the input kept,
and searching for them finds nothing, on both databases, without an error.
"""

from __future__ import annotations

import uuid

from textual.message import Message
from textual.notifications import Notification, Notify
from textual.pilot import Pilot
from textual.widgets import Input, Static

from tests.hostile import HOSTILE
from tests.ui.conftest import make_app, screen_name, wait_for
from tests.ui.pasting import Toasts, assert_screen_shown, assert_shown, drawn, paste
from tests.ui.test_system_users import message_of, new_user, open_system_users
from webitel_tui.db.engine import Database
from webitel_tui.domain.display import visible, visible_in_place
from webitel_tui.repositories import unit_of_work
from webitel_tui.ui.app import WebitelTuiApp
from webitel_tui.ui.screens.dialogs import ConfirmDialog
from webitel_tui.ui.screens.system_users import SystemUsersScreen

SIZE = (120, 40)
PASSWORD = "Passw0rd-1"
SAVED = "The record has been saved."


async def users_named(db: Database, ids: list[uuid.UUID]) -> dict[uuid.UUID, tuple[str, str]]:
    async with unit_of_work(db) as uow:
        found = {}
        for user_id in ids:
            user = await uow.users.get(user_id)
            found[user_id] = (user.name, user.contact_name)
        return found


async def search(pilot: Pilot[None], users: SystemUsersScreen, text: str) -> Input:
    await paste(pilot, users.grid.search_input, text)
    return users.grid.search_input


async def through_the_page(
    pilot: Pilot[None], app: WebitelTuiApp, users: SystemUsersScreen, case: str, text: str
) -> tuple[uuid.UUID, str, str] | None:
    """`text` pasted into a new user's name and new contact, saved; then searched for.
    Returns the saved user's id, name and contact (None: refused)."""
    page = await new_user(pilot, app, 0)  # Company employee
    name = await paste(pilot, page.query_one("#user-name", Input), text)
    contact = await paste(pilot, page.query_one("#new-contact", Input), text)
    for field_id in ("password", "confirmation"):
        page.query_one(f"#{field_id}", Input).value = PASSWORD
    await pilot.press("ctrl+s")
    label = page.query_one("#record-message", Static)
    await wait_for(
        pilot,
        lambda: label.has_class("-error") or (message_of(app) == SAVED and page.user is not None),
        f"{case}: saved or refused",
    )
    refused = label.has_class("-error")
    # Once saved, the new contact is the user's contact, shown beside the field.
    for field_id, value in (("user-name", name), ("new-contact", contact if refused else "")):
        field = page.query_one(f"#{field_id}", Input)
        assert field.value == value, case  # the true value stays in the field
        assert_shown(drawn(field), raw=value)
        if value:
            assert drawn(field) in visible_in_place(value) + " ", case
    assert_shown(str(label.render()), raw=text)
    assert_screen_shown(app, case)
    if refused:
        await pilot.press("escape")  # unsaved changes: leave them
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog), case)
        await pilot.press("y")
    else:
        caption = str(page.query_one("#record-caption", Static).render())
        assert caption == visible(f"System user: {name}"), case
        shown = str(page.query_one("#contact-shown", Static).render())
        assert shown == visible(contact), case
        await pilot.press("escape")
    await wait_for(pilot, lambda: app.screen is users, f"{case}: back to the list")
    # The search box: the saved user is found by its name; the refused finds nothing.
    field = await search(pilot, users, text)
    assert_shown(drawn(field), raw=text)
    grid = users.grid
    user_id = page.user_id
    if refused or user_id is None:
        empty = grid.query_one("#grid-empty", Static)
        await wait_for(
            pilot, lambda: grid.table.row_count == 0 and empty.display, f"{case}: nothing found"
        )
        found = None
    else:
        await wait_for(
            pilot, lambda: user_id in [r.id for r in grid.records], f"{case}: the user found"
        )
        cells = grid.table.get_row(str(user_id))
        assert [str(cells[0]), str(cells[1])] == [visible(name), visible(contact)]
        found = (user_id, name, contact)
    grid.search_input.value = ""
    grid.table.focus()  # "n" is New there, not a letter of the search
    return found


async def test_hostile_strings_through_a_record_page_and_the_search_box(
    demo_database_url: str,
) -> None:
    toasts = Toasts()
    app: WebitelTuiApp = make_app(demo_database_url)
    saved: dict[uuid.UUID, tuple[str, str]] = {}
    refused: list[str] = []
    async with app.run_test(size=SIZE, message_hook=toasts.hook) as pilot:
        users = await open_system_users(pilot, app)
        for case, text in HOSTILE.items():
            found = await through_the_page(pilot, app, users, case, text)
            if found is None:
                refused.append(case)
            else:
                user_id, name, contact = found
                saved[user_id] = (name, contact)
    # Read back from the database: exactly what the fields held.
    db = Database(demo_database_url)
    try:
        assert await users_named(db, list(saved)) == saved
    finally:
        await db.dispose()
    assert set(refused) == {"nul", "surrogate", "long"}, refused
    toasts.assert_no_error("the System users page")


async def test_every_toast_shows_the_data_it_quotes_as_stand_ins(demo_url: str) -> None:
    """One place, the app's `notify`, for every toast: a screen's, a widget's, the app's own.
    Our line breaks stay; the data's control characters do not reach the terminal."""
    toasts: list[Notification] = []

    def hook(message: Message) -> None:
        if isinstance(message, Notify):
            toasts.append(message.notification)

    app = make_app(demo_url)
    async with app.run_test(size=SIZE, message_hook=hook) as pilot:
        await wait_for(pilot, lambda: screen_name(app) == "LoginScreen", "the login screen")
        app.screen.notify(
            f"Reconciled: 1.\n{HOSTILE['ansi']}: {HOSTILE['newline-tab']}",
            title=HOSTILE["c1"],
            markup=False,
        )
        await wait_for(pilot, lambda: bool(toasts), "the toast")
    [toast] = toasts
    shown = f"Reconciled: 1.\n{visible(HOSTILE['ansi'])}: two\nlines␉and a tab"
    assert (toast.message, toast.title) == (shown, visible(HOSTILE["c1"]))
