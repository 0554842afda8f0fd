"""M4-M10 through the screens, against the simulator over loopback: the section, the card,
its details, delete, and a refusal that keeps what the admin typed."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable

import pytest
from textual.coordinate import Coordinate
from textual.message import Message
from textual.notifications import Notify
from textual.pilot import Pilot
from textual.widgets import Checkbox, DataTable, Input, Static

from tests.ui.conftest import make_app, wait_for
from tests.ui.test_designer import log_in_as
from tests.ui.test_shell import (
    _move_webitel_users_into_contact_center,
    sections_shown,
    workplace_shown,
)
from tests.webitel.conftest import fast_options
from webitel_tui.config import WebitelSettings
from webitel_tui.db.engine import Database
from webitel_tui.domain import known
from webitel_tui.domain.records import Actor
from webitel_tui.domain.rights import MANAGE_WEBITEL_USERS, RUN_GET_WEBITEL_USERS
from webitel_tui.domain.webitel_users import NewWebitelUser, WebitelUser
from webitel_tui.processes import provisioning, system_users
from webitel_tui.processes.provisioning import WebitelUserForm
from webitel_tui.repositories import unit_of_work
from webitel_tui.simulator import FaultConfig, FaultRule, RunningSimulator, start_simulator
from webitel_tui.simulator.model import SimRole
from webitel_tui.ui.app import WebitelTuiApp
from webitel_tui.ui.screens.dialogs import ActionsMenu, ConfirmDialog, SipPasswordDialog
from webitel_tui.ui.screens.lookup import LookupDialog
from webitel_tui.ui.screens.webitel_users import WebitelUserCard, WebitelUsersSection
from webitel_tui.webitel import InputUser, WebitelClient

SIZE_BIG = (120, 40)


@pytest.fixture
async def sim() -> AsyncIterator[RunningSimulator]:
    running = await start_simulator(users=20)
    try:
        yield running
    finally:
        await running.stop()


def app_for(demo_url: str, sim: RunningSimulator) -> WebitelTuiApp:
    webitel = WebitelSettings(
        url=sim.base_url,
        domain=sim.domain,
        username=sim.username,
        password=sim.password,
        timeout=3,
        retries=0,
    )
    return make_app(demo_url, webitel=webitel)


async def open_section(
    pilot: Pilot[None], app: WebitelTuiApp, login: str = "Supervisor"
) -> WebitelUsersSection:
    await log_in_as(pilot, app, login)
    await pilot.press("w")
    await wait_for(pilot, lambda: workplace_shown(app) == "Contact center", "Contact center")
    await wait_for(pilot, lambda: sections_shown(app)[:1] == ["Webitel users"], "its sections")
    await pilot.pause()
    await pilot.press("enter")  # "Webitel users" is the first section there
    await wait_for(pilot, lambda: bool(app.screen.query(WebitelUsersSection)), "the section")
    return app.screen.query_one(WebitelUsersSection)


def message_of(app: WebitelTuiApp) -> str:
    label = app.screen.query_one("#record-message", Static)
    return str(label.render()) if label.display else ""


async def fill_new_card(pilot: Pilot[None], app: WebitelTuiApp, login: str, ext: str) -> None:
    await pilot.press("n")
    await wait_for(pilot, lambda: isinstance(app.screen, WebitelUserCard), "the card")
    await pilot.press("f4")
    await wait_for(pilot, lambda: isinstance(app.screen, LookupDialog), "the user lookup")
    lookup = app.screen
    assert isinstance(lookup, LookupDialog)
    await wait_for(pilot, lambda: lookup.grid.table.row_count > 0, "the candidates")
    offered = [u.name for u in lookup.grid.records]
    # M4: portal users and inactive users are never offered; employees are.
    assert "mtkachenko" not in offered and "psavchenko" not in offered
    assert "Supervisor" in offered
    lookup.grid.table.move_cursor(row=offered.index(login))
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(app.screen, WebitelUserCard), "back on the card")
    card = app.screen
    assert card.query_one("#webitel-name", Input).value == login  # filled by itself
    card.query_one("#extension", Input).value = ext


async def test_m5_to_m10_through_the_screens(demo_url: str, sim: RunningSimulator) -> None:
    await _move_webitel_users_into_contact_center(demo_url)
    app = app_for(demo_url, sim)
    async with app.run_test(size=SIZE_BIG) as pilot:
        section = await open_section(pilot, app)
        await wait_for(
            pilot,
            lambda: (
                "This section has no records."
                in str(section.grid.query_one("#grid-empty", Static).render())
            ),
            "the empty section",
        )
        await fill_new_card(pilot, app, "okovalenko", "7001")
        card = app.screen
        assert isinstance(card, WebitelUserCard)
        assert "Olena Kovalenko" in str(card.query_one("#contact", Static).render())
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: card.record is not None, "saved")
        server = sim.state.user_by_username("okovalenko")
        assert server is not None and server.extension == "7001" and server.device is not None
        shown_id = str(card.query_one("#webitel-id", Static).render())
        assert shown_id == str(server.id)  # M5: filled from the server's answer
        # M10: STUN with the system setting's servers shown as the web phone's ICE settings.
        card.query_one("#enable-stun", Checkbox).value = True
        await pilot.pause()
        assert "stun:stun.l.google.com:19302" in str(card.query_one("#ice-settings").render())
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: card.record is not None and card.record.enable_stun, "STUN")
        # M7: + on User licenses, tick OPERATOR, Select.
        card.query_one("#licenses-detail", DataTable).focus()
        await pilot.press("plus")
        await wait_for(pilot, lambda: isinstance(app.screen, LookupDialog), "licenses lookup")
        licenses = app.screen
        assert isinstance(licenses, LookupDialog)
        await wait_for(pilot, lambda: licenses.grid.table.row_count == 5, "the licenses")
        products = [lic.product for lic in licenses.grid.records]
        licenses.grid.table.move_cursor(row=products.index("OPERATOR"))
        await pilot.press("space", "ctrl+s")
        await wait_for(pilot, lambda: len(card.licenses) == 1, "the license granted")
        operator = sim.state.license_by_product("OPERATOR")
        assert set(server.licenses) == {operator.id}
        # M9: + on User roles, pick "agents".
        card.query_one("#roles-detail", DataTable).focus()
        await pilot.press("plus")
        await wait_for(pilot, lambda: isinstance(app.screen, LookupDialog), "roles lookup")
        roles = app.screen
        assert isinstance(roles, LookupDialog)
        await wait_for(pilot, lambda: roles.grid.table.row_count > 0, "the roles")
        names = [role.name for role in roles.grid.records]
        roles.grid.table.move_cursor(row=names.index("agents"))
        await pilot.press("enter")  # single pick works too: Enter ticks, Select confirms
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: [r.name for r in card.roles] == ["agents"], "role added")
        assert 2 in server.roles
        # M8: Delete on the licenses detail, confirmed.
        card.query_one("#licenses-detail", DataTable).focus()
        await pilot.press("delete")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog), "confirmation")
        await pilot.press("y")
        await wait_for(pilot, lambda: card.licenses == [], "license revoked")
        assert server.licenses == {}
        await pilot.press("escape")
        await wait_for(pilot, lambda: bool(app.screen.query(WebitelUsersSection)), "the section")
        section = app.screen.query_one(WebitelUsersSection)
        await wait_for(pilot, lambda: section.grid.table.row_count == 1, "the new row")
        # M6: Delete from the grid; No changes nothing, Yes deletes on both sides.
        section.grid.table.focus()
        await pilot.press("delete")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog), "confirmation")
        await pilot.press("n")
        await pilot.pause()
        assert sim.state.user_by_username("okovalenko") is not None
        await pilot.press("delete")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog), "confirmation")
        await pilot.press("y")
        await wait_for(pilot, lambda: section.grid.table.row_count == 0, "deleted")
        assert sim.state.user_by_username("okovalenko") is None
    async with unit_of_work(Database(demo_url)) as uow:
        from webitel_tui.domain.paging import PageRequest

        assert (await uow.webitel_users.page(PageRequest())).items == []


async def test_a_refusal_keeps_the_card_and_offers_retry(
    demo_url: str, sim: RunningSimulator
) -> None:
    await _move_webitel_users_into_contact_center(demo_url)
    app = app_for(demo_url, sim)
    async with app.run_test(size=SIZE_BIG) as pilot:
        await open_section(pilot, app)
        await fill_new_card(pilot, app, "amelnyk", "1002")  # 1002 is Olena's on the server
        card = app.screen
        assert isinstance(card, WebitelUserCard)
        await pilot.press("ctrl+s")
        await wait_for(
            pilot,
            lambda: "already used on the Webitel server" in message_of(app),
            "the refusal",
        )
        assert card.query_one("#extension", Input).value == "1002"  # nothing lost
        card.query_one("#extension", Input).value = "7002"
        sim.app.set_faults(
            FaultConfig(rules=[FaultRule(kind="status", status=503, route="POST /api/users")])
        )
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog), "retry?")
        assert "Retry?" in app.screen.message  # type: ignore[attr-defined]
        sim.app.set_faults(FaultConfig())
        await pilot.press("y")
        await wait_for(pilot, lambda: card.record is not None, "saved on retry")
        assert [u.username for u in sim.state.users.values()].count("amelnyk") == 1
        assert "The record has been saved." in message_of(app)


async def test_an_older_server_shows_the_sip_password_once_with_a_copy_key(
    demo_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """A server before generate_device: the CRM made the device's SIP password, and the card
    shows it once, in a dialog: `c` copies it, Enter closes it. It is in no message, toast
    or log line."""
    caplog.set_level(logging.DEBUG)
    await _move_webitel_users_into_contact_center(demo_url)
    older = await start_simulator(users=20, generation=23)
    seen: list[Message] = []
    try:
        app = app_for(demo_url, older)
        async with app.run_test(size=SIZE_BIG, message_hook=seen.append) as pilot:
            await open_section(pilot, app)
            await fill_new_card(pilot, app, "okovalenko", "7001")
            card = app.screen
            await pilot.press("ctrl+s")
            await wait_for(
                pilot, lambda: isinstance(app.screen, SipPasswordDialog), "the SIP password"
            )
            dialog = app.screen
            server = older.state.user_by_username("okovalenko")
            assert server is not None and server.device is not None
            password = older.state.devices[server.device].password
            shown = str(dialog.query_one("#sip-password", Static).render())
            assert shown == f'SIP password of the device "okovalenko": {password}'
            await pilot.press("c")
            assert app.clipboard == password
            assert "Copied" in str(dialog.query_one("#sip-password-note", Static).render())
            await pilot.press("enter")
            await wait_for(pilot, lambda: app.screen is card, "back on the card")
            assert isinstance(card, WebitelUserCard)
            await wait_for(pilot, lambda: card.record is not None, "the saved record")
            assert "The record has been saved." in message_of(app)
            assert card.record is not None and card.record.default_device_id == server.device
    finally:
        await older.stop()
    notes = [m.notification.message for m in seen if isinstance(m, Notify)]
    assert all(password not in note for note in notes)
    assert all(password not in repr(message) for message in seen)
    assert password not in caplog.text


async def _a_change_the_crm_could_not_take(demo_url: str, sim: RunningSimulator) -> WebitelUser:
    """okovalenko on Webitel with 7005, in the CRM with no extension, and the reconcile item
    that says so."""
    db = Database(demo_url)
    async with unit_of_work(db) as uow:
        user = await uow.users.get_by_name("okovalenko")
        assert user is not None
    async with WebitelClient(fast_options(sim)) as client:
        form = WebitelUserForm(user_id=user.id, contact_id=user.contact_id, name="okovalenko")
        record = (await provisioning.create_webitel_user(db, Actor(), client, form)).record
        assert record.webitel_id is not None
        await client.patch_user(record.webitel_id, InputUser(extension="7005"))
    async with unit_of_work(db) as uow:
        await uow.reconcile.add(
            record.webitel_id, "okovalenko", "The CRM could not save it.", record_id=record.id
        )
    await db.dispose()
    return record


def started(app: WebitelTuiApp) -> bool:
    """The start's own Reconcile has ended (it would settle an item made before it ends)."""
    return all(w.is_finished for w in app.workers if w.group == "reconcile-at-start")


async def test_reconcile_from_the_actions_menu(demo_url: str, sim: RunningSimulator) -> None:
    """A change Webitel took and the CRM could not: the banner and the grid's marker show it,
    a quick filter lists only such records, and Actions > Reconcile takes the server's values
    over and both go away."""
    await _move_webitel_users_into_contact_center(demo_url)
    app = app_for(demo_url, sim)
    async with app.run_test(size=SIZE_BIG) as pilot:
        section = await open_section(pilot, app)
        # Made after the start, whose own Reconcile would have settled it already.
        await wait_for(pilot, lambda: started(app), "the start")
        record = await _a_change_the_crm_could_not_take(demo_url, sim)
        section.grid.reload()
        banner = section.query_one("#reconcile-banner", Static)
        await wait_for(pilot, lambda: section.grid.table.row_count == 1, "the record")
        await wait_for(pilot, lambda: banner.display, "the banner")
        assert str(banner.render()).splitlines() == [
            "To reconcile with Webitel: 1 (Actions > Reconcile)",
            "okovalenko: The CRM could not save it.",
        ]
        name = section.grid.table.get_cell_at(Coordinate(0, 1))  # past the tick column
        assert str(name) == "! okovalenko"  # the marker
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, ActionsMenu), "Actions")
        menu = app.screen
        assert isinstance(menu, ActionsMenu)
        assert [action for action, _caption in menu.items][-2:] == [
            "reconcile",
            "show-to-reconcile",
        ]
        await pilot.press("end", "enter")
        await wait_for(pilot, lambda: section.grid.request.filter == "to-reconcile", "filtered")
        await wait_for(pilot, lambda: section.grid.table.row_count == 1, "the record to reconcile")
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, ActionsMenu), "Actions")
        await pilot.press("end", "up", "enter")
        await wait_for(pilot, lambda: not banner.display, "reconciled")
        await wait_for(pilot, lambda: section.grid.table.row_count == 0, "none left to reconcile")
        assert [(o.resolved, o.note) for o in section.last_reconcile] == [
            (True, 'Updated the CRM record "okovalenko" from Webitel.')
        ]
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, ActionsMenu), "Actions")
        actions = [a for a, _c in app.screen.items]  # type: ignore[attr-defined]
        assert "reconcile" not in actions and actions[-1] == "show-all"
        await pilot.press("end", "enter")
        await wait_for(
            pilot,
            lambda: [r.extension for r in section.grid.records] == ["7005"],
            "7005",
        )
        assert str(section.grid.table.get_cell_at(Coordinate(0, 1))) == "okovalenko"
    async with unit_of_work(Database(demo_url)) as uow:
        assert await uow.reconcile.open_items() == []
        assert (await uow.webitel_users.get(record.id)).extension == "7005"


async def test_refresh_from_webitel_says_what_changed(demo_url: str, sim: RunningSimulator) -> None:
    """Actions > Refresh from Webitel: the toast names each value the server changed, or
    says that nothing did."""
    await _move_webitel_users_into_contact_center(demo_url)
    db = Database(demo_url)
    async with unit_of_work(db) as uow:
        user = await uow.users.get_by_name("okovalenko")
    assert user is not None
    form = WebitelUserForm(
        user_id=user.id, contact_id=user.contact_id, name="okovalenko", extension="7001"
    )
    async with WebitelClient(fast_options(sim)) as client:
        record = (await provisioning.create_webitel_user(db, Actor(), client, form)).record
        assert record.webitel_id is not None
        await client.patch_user(record.webitel_id, InputUser(extension="7999"))
    await db.dispose()
    seen: list[Message] = []
    app = app_for(demo_url, sim)
    async with app.run_test(size=SIZE_BIG, message_hook=seen.append) as pilot:
        section = await open_section(pilot, app)
        await wait_for(pilot, lambda: section.grid.table.row_count == 1, "the record")

        def told() -> list[str]:
            return [
                m.notification.message
                for m in seen
                if isinstance(m, Notify) and m.notification.title == "Refresh from Webitel"
            ]

        async def refresh() -> None:
            before = len(told())
            section.grid.table.focus()
            await pilot.press("a")
            await wait_for(pilot, lambda: isinstance(app.screen, ActionsMenu), "Actions")
            items = [action for action, _caption in app.screen.items]  # type: ignore[attr-defined]
            await pilot.press(*["down"] * items.index("refresh"), "enter")
            await wait_for(pilot, lambda: len(told()) > before, "the refresh's toast")

        await refresh()
        await refresh()
        assert told() == [
            "okovalenko:\nExtension 7001 -> 7999 from the server",
            "okovalenko:\nNothing changed: the record agrees with Webitel.",
        ]
        await wait_for(
            pilot, lambda: [r.extension for r in section.grid.records] == ["7999"], "7999"
        )


async def test_the_card_shows_its_unsettled_change_and_f5_reconciles_it(
    demo_url: str, sim: RunningSimulator
) -> None:
    await _move_webitel_users_into_contact_center(demo_url)
    app = app_for(demo_url, sim)
    async with app.run_test(size=SIZE_BIG) as pilot:
        section = await open_section(pilot, app)
        await wait_for(pilot, lambda: started(app), "the start")
        record = await _a_change_the_crm_could_not_take(demo_url, sim)
        section.grid.reload()
        await wait_for(pilot, lambda: section.grid.table.row_count == 1, "the record")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, WebitelUserCard), "the card")
        card = app.screen
        assert isinstance(card, WebitelUserCard)
        await wait_for(pilot, lambda: card.open_item is not None, "the banner")
        assert message_of(app) == (
            "Not settled with Webitel: The CRM could not save it. F5: Reconcile."
        )
        await pilot.press("f5")
        await wait_for(pilot, lambda: card.open_item is None, "reconciled")
        await wait_for(
            pilot, lambda: card.query_one("#extension", Input).value == "7005", "7005 shown"
        )
        assert message_of(app) == 'Updated the CRM record "okovalenko" from Webitel.'
        assert card.record is not None and card.record.id == record.id


async def test_a_change_left_unsettled_is_reconciled_at_start(
    demo_url: str, sim: RunningSimulator
) -> None:
    await _move_webitel_users_into_contact_center(demo_url)
    record = await _a_change_the_crm_could_not_take(demo_url, sim)
    app = app_for(demo_url, sim)
    async with app.run_test(size=SIZE_BIG) as pilot:
        section = await open_section(pilot, app)
        await wait_for(
            pilot,
            lambda: [o.resolved for o in app.reconciled_at_start] == [True],
            "the start's Reconcile",
        )
        section.grid.reload()
        await wait_for(
            pilot, lambda: [r.extension for r in section.grid.records] == ["7005"], "7005"
        )
    async with unit_of_work(Database(demo_url)) as uow:
        assert await uow.reconcile.open_items() == []
        assert (await uow.webitel_users.get(record.id)).extension == "7005"


async def test_a_detail_change_is_the_cards_own_and_its_save_is_no_conflict(
    demo_url: str, sim: RunningSimulator
) -> None:
    """A license added on the card raises the record's version; the card takes it, so that
    the next ctrl+s saves instead of reporting another user's change."""
    await _move_webitel_users_into_contact_center(demo_url)
    app = app_for(demo_url, sim)
    async with app.run_test(size=SIZE_BIG) as pilot:
        section = await open_section(pilot, app)
        await wait_for(pilot, lambda: started(app), "the start")
        await _a_change_the_crm_could_not_take(demo_url, sim)
        async with unit_of_work(Database(demo_url)) as uow:
            (item,) = await uow.reconcile.open_items()
            await uow.reconcile.resolve(item.id)  # no reconcile item here
        section.grid.reload()
        await wait_for(pilot, lambda: section.grid.table.row_count == 1, "the record")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, WebitelUserCard), "the card")
        card = app.screen
        assert isinstance(card, WebitelUserCard)
        await wait_for(pilot, lambda: card.record is not None, "loaded")
        operator = sim.state.license_by_product("OPERATOR").id
        card._change_detail("licenses-detail", add=[operator])
        await wait_for(pilot, lambda: [g.license_id for g in card.licenses] == [operator], "+")
        card.query_one("#extension", Input).value = "7011"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: message_of(app) == "The record has been saved.", "saved")
    assert sim.state.user_by_username("okovalenko").extension == "7011"  # type: ignore[union-attr]


# Rights: "Manage Webitel users" and "Run GetWebitelUsers" ----------------------------------------


def offered(app: WebitelTuiApp) -> set[str]:
    """The ids of the bindings the focused screen offers (the keys, the footer, the help)."""
    return {b.binding.id or "" for b in app.screen.active_bindings.values() if b.enabled}


def palette(app: WebitelTuiApp) -> list[str]:
    return [command.title for command in app.get_system_commands(app.screen)]


async def _a_record_and_grants(url: str, *operations: str) -> None:
    """A Webitel user in the CRM (no server needed to show it), and `operations` granted to
    "All employees" (okovalenko's role) by an administrator."""
    db = Database(url)
    try:
        async with unit_of_work(db) as uow:
            user = await uow.users.get_by_name("amelnyk")
            assert user is not None
            await uow.webitel_users.create(
                NewWebitelUser(
                    user_id=user.id, contact_id=user.contact_id, name="amelnyk", extension="7002"
                )
            )
            roles = [r for r in await uow.users.list_roles() if r.id == known.ALL_EMPLOYEES]
        for operation in await system_users.list_operations(db):
            if operation.code in operations:
                await system_users.grant_operation(db, Actor(), operation.id, roles)
    finally:
        await db.dispose()


async def test_without_the_rights_the_section_and_the_card_are_read_only(demo_url: str) -> None:
    """A plain employee sees the Webitel users, and has no way to change one or to run the
    import: not by a key, the palette, the Actions menu or Run process (F9)."""
    await _move_webitel_users_into_contact_center(demo_url)
    await _a_record_and_grants(demo_url)
    app = make_app(demo_url)
    async with app.run_test(size=SIZE_BIG) as pilot:
        section = await open_section(pilot, app, "okovalenko")
        await wait_for(pilot, lambda: section.grid.table.row_count == 1, "the record")
        shell = app.screen
        keys = offered(app)
        assert {"section.new", "section.delete", "shell.run_process"}.isdisjoint(keys)
        assert "section.actions" in keys
        assert not [t for t in palette(app) if t.startswith(("New", "Delete", "Run process"))]
        await pilot.press("n", "delete", "f9", "ctrl+r", "insert")
        await pilot.pause()
        assert app.screen is shell
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, ActionsMenu), "Actions")
        assert [action for action, _caption in app.screen.items] == ["export"]  # type: ignore[attr-defined]
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is shell, "the section again")

        await pilot.press("enter")  # the card opens, to read
        await wait_for(pilot, lambda: isinstance(app.screen, WebitelUserCard), "the card")
        card = app.screen
        assert isinstance(card, WebitelUserCard) and card.read_only
        await wait_for(pilot, lambda: card.record is not None, "the record loaded")
        assert all(field.disabled for field in card.query(Input))
        assert card.query_one("#enable-stun", Checkbox).disabled
        assert message_of(app) == (
            'Read only: changing Webitel users needs the "Manage Webitel users" permission.'
        )
        keys = offered(app)
        assert {"record.save", "record.cancel", "webitel.select_user", "detail.add"}.isdisjoint(
            keys
        )
        assert "record.close" in keys
        assert not [t for t in palette(app) if t.startswith(("Save", "Cancel", "Add"))]
        card.query_one("#licenses-detail", DataTable).focus()
        await pilot.press("ctrl+s", "plus", "delete", "f4")
        await pilot.pause()
        assert app.screen is card
        assert "Saving" not in message_of(app)
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is shell, "closed")
    async with unit_of_work(Database(demo_url)) as uow:
        record = await uow.webitel_users.find_by_name("amelnyk")
        assert record is not None and record.version == 1


async def test_granting_the_rights_to_the_users_role_offers_the_changes(demo_url: str) -> None:
    await _move_webitel_users_into_contact_center(demo_url)
    await _a_record_and_grants(demo_url, MANAGE_WEBITEL_USERS, RUN_GET_WEBITEL_USERS)
    app = make_app(demo_url)
    async with app.run_test(size=SIZE_BIG) as pilot:
        section = await open_section(pilot, app, "okovalenko")
        await wait_for(pilot, lambda: section.grid.table.row_count == 1, "the record")
        assert {"section.new", "section.delete", "shell.run_process"} <= offered(app)
        assert {"New (n)", "Run process (f9)"} <= set(palette(app))
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, ActionsMenu), "Actions")
        assert [action for action, _caption in app.screen.items] == [  # type: ignore[attr-defined]
            "load",
            "refresh",
            "export",
            "import-csv",
        ]
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, ActionsMenu), "closed")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, WebitelUserCard), "the card")
        card = app.screen
        assert isinstance(card, WebitelUserCard) and not card.read_only
        await wait_for(pilot, lambda: card.record is not None, "the record loaded")
        assert not card.query_one("#webitel-name", Input).disabled
        assert "record.save" in offered(app)


async def test_only_the_import_right_offers_the_import_and_not_the_changes(demo_url: str) -> None:
    await _move_webitel_users_into_contact_center(demo_url)
    await _a_record_and_grants(demo_url, RUN_GET_WEBITEL_USERS)
    app = make_app(demo_url)
    async with app.run_test(size=SIZE_BIG) as pilot:
        section = await open_section(pilot, app, "okovalenko")
        await wait_for(pilot, lambda: section.grid.table.row_count == 1, "the record")
        keys = offered(app)
        assert "shell.run_process" in keys and "section.new" not in keys
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, ActionsMenu), "Actions")
        assert [action for action, _caption in app.screen.items] == ["load", "export"]  # type: ignore[attr-defined]


async def test_a_card_starts_loading_its_record_once(
    demo_url: str, sim: RunningSimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Textual calls `on_mount` of every class of the screen: a subclass that also called
    its parent's started the load twice (the first worker cancelled by the second)."""
    starts: list[WebitelUserCard] = []
    start = WebitelUserCard._load

    def counted(card: WebitelUserCard) -> object:
        starts.append(card)
        return start(card)

    monkeypatch.setattr(WebitelUserCard, "_load", counted)
    await _move_webitel_users_into_contact_center(demo_url)
    app = app_for(demo_url, sim)
    async with app.run_test(size=SIZE_BIG) as pilot:
        await open_section(pilot, app)
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, WebitelUserCard), "the card")
        await wait_for(pilot, lambda: bool(starts), "the load")
        await pilot.pause(0.2)
        assert len(starts) == 1


async def test_tab_moves_between_fields_only(demo_url: str, sim: RunningSimulator) -> None:
    """No invisible Tab stop: the page's scrolling container is not in the focus chain."""
    await _move_webitel_users_into_contact_center(demo_url)
    app = app_for(demo_url, sim)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_section(pilot, app)
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, WebitelUserCard), "the card")
        chain = app.screen.focus_chain
        assert chain and all(isinstance(w, (Input, Checkbox, DataTable)) for w in chain), chain
        first = app.focused
        for _ in chain:
            await pilot.press("tab")
            assert isinstance(app.focused, (Input, Checkbox, DataTable)), app.focused
        assert app.focused is first  # round the chain and back


async def test_exhausted_and_expired_licenses_are_dimmed_and_cannot_be_ticked(
    demo_url: str, sim: RunningSimulator
) -> None:
    """The lookup shows why a license cannot be granted and never sends it to the server."""
    await _move_webitel_users_into_contact_center(demo_url)
    app = app_for(demo_url, sim)
    seen: list[Message] = []
    async with app.run_test(size=SIZE_BIG, message_hook=seen.append) as pilot:
        await open_section(pilot, app)
        await fill_new_card(pilot, app, "okovalenko", "7001")
        card = app.screen
        assert isinstance(card, WebitelUserCard)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: card.record is not None, "saved")
        server = sim.state.user_by_username("okovalenko")
        assert server is not None
        card.query_one("#licenses-detail", DataTable).focus()
        await pilot.press("plus")
        await wait_for(pilot, lambda: isinstance(app.screen, LookupDialog), "licenses lookup")
        lookup = app.screen
        assert isinstance(lookup, LookupDialog)
        table = lookup.grid.table
        await wait_for(pilot, lambda: table.row_count == 5, "the licenses")
        products = [lic.product for lic in lookup.grid.records]

        def row(product: str) -> list[str]:
            return [str(cell) for cell in table.get_row_at(products.index(product))]

        def dimmed(product: str) -> bool:
            cells = table.get_row_at(products.index(product))[1:]  # not the tick column
            styles = [str(span.style) for cell in cells for span in cell.spans]
            return bool(styles) and all("dim" in style for style in styles)

        assert "No grants left" in row("SUPERVISOR") and dimmed("SUPERVISOR")
        assert "Expired" in row("CHAT") and dimmed("CHAT")
        assert not dimmed("OPERATOR") and "available" in " ".join(row("OPERATOR"))

        def told() -> list[str]:
            return [m.notification.message for m in seen if isinstance(m, Notify)]

        def says(reason: str) -> Callable[[], bool]:
            return lambda: f"Cannot be selected: {reason}" in told()

        grid = lookup.grid
        changes_before = [r for r in sim.app.log if r[0] != "GET"]
        for product, reason in (("SUPERVISOR", "No grants left"), ("CHAT", "Expired")):
            table.move_cursor(row=products.index(product))
            await pilot.press("space")
            await wait_for(pilot, says(reason), reason)
            await pilot.press("enter")
            await pilot.pause()
            assert grid.selected == {}
            assert row(product)[0] == ""  # no tick
            await pilot.press("ctrl+s")  # nothing ticked: the one under the cursor says why
            await pilot.pause()
            assert app.screen is lookup
        assert told().count("Cannot be selected: Expired") == 3
        assert [r for r in sim.app.log if r[0] != "GET"] == changes_before
        assert server.licenses == {}
        # A grantable license is still ticked and granted.
        table.move_cursor(row=products.index("OPERATOR"))
        await pilot.press("space", "ctrl+s")
        await wait_for(pilot, lambda: len(card.licenses) == 1, "the license granted")
        assert set(server.licenses) == {sim.state.license_by_product("OPERATOR").id}


async def test_the_roles_lookup_is_sorted_as_its_header_says(
    demo_url: str, sim: RunningSimulator
) -> None:
    """Webitel sends its roles in its own order: the lookup lists them by name (without
    regard to case) under "Name ▲", and reversed when the header is chosen again; the count
    is the list's length."""
    for role_id, name in ((901, "zeta desk"), (902, "Alpha team"), (903, "beta")):
        sim.state.roles[role_id] = SimRole(id=role_id, name=name)
    await _move_webitel_users_into_contact_center(demo_url)
    app = app_for(demo_url, sim)
    async with app.run_test(size=SIZE_BIG) as pilot:
        await open_section(pilot, app)
        await fill_new_card(pilot, app, "okovalenko", "7001")
        card = app.screen
        assert isinstance(card, WebitelUserCard)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: card.record is not None, "saved")
        card.query_one("#roles-detail", DataTable).focus()
        await pilot.press("plus")
        await wait_for(pilot, lambda: isinstance(app.screen, LookupDialog), "roles lookup")
        lookup = app.screen
        assert isinstance(lookup, LookupDialog)
        grid = lookup.grid
        await wait_for(pilot, lambda: grid.table.row_count > 3, "the roles")
        names = [role.name for role in grid.records]
        assert names == sorted(names, key=str.casefold), names
        assert names.index("Alpha team") < names.index("beta") < names.index("zeta desk")
        assert grid.total == len(names)
        grid.sort_by("name")  # the header again: descending
        await wait_for(
            pilot,
            lambda: [r.name for r in grid.records] == list(reversed(names)),
            "the roles in reverse",
        )
