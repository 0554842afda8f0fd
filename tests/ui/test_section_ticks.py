"""Ticks in the Contacts and Accounts sections: Space ticks (Enter still opens), ctrl+a ticks
the whole list, Delete deletes the ticked after one question, each record on its own: one
refused (a contact of a CRM user) stops neither the others nor what was deleted."""

from __future__ import annotations

from textual.widgets import Static

from tests.ui.conftest import make_app, wait_for
from tests.ui.pasting import Toasts
from tests.ui.test_sections import log_in, names_in, open_section, section_of
from webitel_tui.db.engine import Database
from webitel_tui.domain.contacts import NewAccount, NewContact
from webitel_tui.domain.paging import PageRequest
from webitel_tui.repositories import unit_of_work
from webitel_tui.ui.screens.accounts import AccountsSection
from webitel_tui.ui.screens.contacts import ContactsSection
from webitel_tui.ui.screens.dialogs import ConfirmDialog


async def test_ticked_contacts_are_deleted_each_on_its_own(demo_url: str) -> None:
    db = Database(demo_url)
    try:
        async with unit_of_work(db) as uow:
            await uow.contacts.create(NewContact(name="Anna Free"))
    finally:
        await db.dispose()
    app = make_app(demo_url)
    toasts = Toasts()
    async with app.run_test(size=(120, 40), message_hook=toasts.hook) as pilot:
        await log_in(pilot, app)
        await open_section(pilot, app, "Contacts")
        await wait_for(pilot, lambda: section_of(app, ContactsSection) is not None, "Contacts")
        section = section_of(app, ContactsSection)
        assert section is not None
        grid = section.grid
        await wait_for(pilot, lambda: grid.table.row_count > 3, "the contacts")
        before = names_in(grid)
        # "Andrii Melnyk" is a CRM user's contact (refused); "Anna Free" is nobody's.
        grid.table.focus()
        grid.table.move_cursor(row=before.index("Andrii Melnyk"))
        await pilot.press("space")
        grid.table.move_cursor(row=before.index("Anna Free"))
        await pilot.press("space")
        count = section.query_one("#ticked-count", Static)
        assert count.display and "Records selected: 2" in str(count.render())

        await pilot.press("delete")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog), "the question")
        await pilot.press("y")
        await wait_for(
            pilot,
            lambda: "Anna Free" not in names_in(grid),
            "the deletable one deleted",
        )
        assert "Andrii Melnyk" in names_in(grid)
        await wait_for(
            pilot,
            lambda: any("Deleted: 1. Not deleted: 1." in n.message for n in toasts.seen),
            "why",
        )
        summary = next(n.message for n in toasts.seen if n.message.startswith("Deleted:"))
        assert "Andrii Melnyk: Selected items cannot be deleted" in summary
        assert not count.display  # the list was read again: nothing is ticked

        # ctrl+a ticks the whole list; again: none. Enter still opens.
        await pilot.press("ctrl+a")
        await wait_for(pilot, lambda: grid.ticked_count == len(before) - 1, "all ticked")
        await pilot.press("ctrl+a")
        await wait_for(pilot, lambda: grid.ticked_count == 0, "none ticked")
        await pilot.press("enter")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ContactPage", "the page")


async def test_ctrl_a_over_a_search_deletes_the_whole_list_it_finds(demo_url: str) -> None:
    """ctrl+a ticks what the search finds, loaded or not: Delete reads that list page by page
    and deletes each record of it, and no other."""
    db = Database(demo_url)
    try:
        async with unit_of_work(db) as uow:
            await uow.accounts.create(NewAccount(name="Kept"))
            for index in range(60):  # more than a page
                await uow.accounts.create(NewAccount(name=f"Gone {index:02d}"))
    finally:
        await db.dispose()
    app = make_app(demo_url)
    toasts = Toasts()
    async with app.run_test(size=(120, 40), message_hook=toasts.hook) as pilot:
        await log_in(pilot, app)
        await open_section(pilot, app, "Accounts")
        await wait_for(pilot, lambda: section_of(app, AccountsSection) is not None, "Accounts")
        section = section_of(app, AccountsSection)
        assert section is not None
        grid = section.grid
        await wait_for(pilot, lambda: grid.table.row_count > 0, "the accounts")
        await pilot.press("slash", *"gone", "enter")
        await wait_for(pilot, lambda: grid.total == 60, "the search")
        grid.table.focus()
        await pilot.press("ctrl+a")
        await wait_for(pilot, lambda: grid.ticked_count == 60, "all 60 ticked")
        await pilot.press("delete")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog), "the question")
        await pilot.press("y")
        await wait_for(pilot, lambda: grid.total == 0, "none left")
        said = [n.message for n in toasts.seen]
        assert any("Deleted: 60. Not deleted: 0." in m for m in said), said
    db = Database(demo_url)
    try:  # the others stay
        async with unit_of_work(db) as uow:
            left = await uow.accounts.page_accounts(PageRequest(limit=100))
    finally:
        await db.dispose()
    assert [account.name for account in left.items] == ["Kept"]
