"""Every bulk action of the Webitel users section through its screens and keys, against the
simulator: Space or ctrl+a ticks, `a` opens Actions, Enter chooses, the lookup gives the
license or role, the preview says what each user will get (and changes nothing), ctrl+s runs,
the report says what happened to each; afterwards the server and the CRM agree user by user
(the agreement rules of tests/test_fault_matrix.py). Then a run the server refuses for some
users, a fault on the second user, and Esc during a run."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import NamedTuple

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, OptionList, Static

from tests.ui import test_webitel_users
from tests.ui.conftest import wait_for
from tests.ui.test_card_layout import _webitel_users as webitel_users
from tests.ui.test_webitel_users import SIZE_BIG, app_for, open_section
from tests.webitel.conftest import fast_options, inject
from webitel_tui.db.engine import Database
from webitel_tui.domain.bulk import BulkKind
from webitel_tui.domain.records import Actor
from webitel_tui.domain.webitel_users import WebitelUser
from webitel_tui.processes import bulk, provisioning
from webitel_tui.repositories import unit_of_work
from webitel_tui.simulator import FaultRule, RunningSimulator
from webitel_tui.simulator.model import SimUser
from webitel_tui.ui.app import WebitelTuiApp
from webitel_tui.ui.screens.bulk import BulkScreen
from webitel_tui.ui.screens.dialogs import ActionsMenu
from webitel_tui.ui.screens.lookup import LookupDialog
from webitel_tui.ui.screens.webitel_users import WebitelUsersSection
from webitel_tui.webitel import InputUser, WebitelClient

sim = test_webitel_users.sim

PEOPLE = (("amelnyk", "7002"), ("jsmith", "7003"), ("okovalenko", "7001"))
NAMES = [login for login, _extension in PEOPLE]
"""The grid's order (sorted by name)."""
AMELNYK, JSMITH, OKOVALENKO = NAMES
CHANGE, CHANGED, NOTHING = "Will change", "Changed", "Nothing to do"
REFUSED, CANCELLED, IN_DOUBT = "Refused", "Not done (cancelled)", "Left for Reconcile"

Step = Callable[
    [Database, WebitelClient, RunningSimulator, dict[str, WebitelUser]], Awaitable[None]
]


# Through the screens -------------------------------------------------------------------------


async def tick(pilot: Pilot[None], section: WebitelUsersSection, names: list[str]) -> None:
    """Space on each of `names`' rows, moving down the grid; "all" is ctrl+a."""
    grid = section.grid
    await wait_for(pilot, lambda: grid.table.row_count == len(NAMES), "the rows")
    grid.table.focus()
    if names == NAMES:
        await pilot.press("ctrl+a")
    else:
        grid.table.move_cursor(row=0)
        for name in NAMES:
            if name in names:
                await pilot.press("space")
            await pilot.press("down")
    await wait_for(pilot, lambda: grid.ticked_count == len(names), "the ticks")


async def choose(pilot: Pilot[None], app: WebitelTuiApp, key: str) -> None:
    """`a`, then Enter on the Actions menu's item `key`."""
    await pilot.press("a")
    await wait_for(pilot, lambda: isinstance(app.screen, ActionsMenu), "Actions")
    options = app.screen.query_one("#menu-items", OptionList)
    options.highlighted = options.get_option_index(key)
    await pilot.press("enter")


async def pick(pilot: Pilot[None], app: WebitelTuiApp, kind: BulkKind, item: str) -> None:
    """Enter on `item` in the lookup: a license by its product, a role by its name."""
    await wait_for(pilot, lambda: isinstance(app.screen, LookupDialog), "the lookup")
    lookup = app.screen
    assert isinstance(lookup, LookupDialog)
    await wait_for(pilot, lambda: lookup.grid.table.row_count > 0, "the lookup's rows")
    by_product = kind in (BulkKind.GRANT_LICENSE, BulkKind.REVOKE_LICENSE)
    shown = [r.product if by_product else r.name for r in lookup.grid.records]
    lookup.grid.table.move_cursor(row=shown.index(item))
    await pilot.press("enter")


async def previewed(
    pilot: Pilot[None], app: WebitelTuiApp, kind: BulkKind, item: str = ""
) -> BulkScreen:
    await choose(pilot, app, f"bulk:{kind.value}")
    if item:
        await pick(pilot, app, kind, item)
    await wait_for(pilot, lambda: isinstance(app.screen, BulkScreen), "the bulk screen")
    screen = app.screen
    assert isinstance(screen, BulkScreen)
    await wait_for(pilot, lambda: screen.stage != "planning", "the preview")
    assert screen.stage == "previewed", text_of(screen, "#bulk-hint")
    return screen


async def ran(pilot: Pilot[None], screen: BulkScreen) -> None:
    await pilot.press("ctrl+s")
    await wait_for(pilot, lambda: screen.stage == "done", "the run")


def text_of(screen: BulkScreen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


def report(screen: BulkScreen) -> list[tuple[str, str, str]]:
    """The table's lines: (user, outcome, details)."""
    table = screen.query_one("#bulk-lines", DataTable)
    return [
        (str(row[0]), str(row[1]), str(row[2]))
        for row in (table.get_row_at(index) for index in range(table.row_count))
    ]


def outcomes(screen: BulkScreen) -> list[str]:
    return [outcome for _name, outcome, _detail in report(screen)]


# The server and the CRM ----------------------------------------------------------------------


class Seen(NamedTuple):
    """A user as one side has it, in the terms both share (tests/test_fault_matrix.py)."""

    webitel_id: int | None
    extension: str | None
    device: int | None
    licenses: set[str]
    roles: set[int]


def on_server(sim: RunningSimulator) -> dict[str, Seen | None]:
    """Each user as the server has it, None once deleted."""
    state = sim.state
    users: dict[str, Seen | None] = {}
    for name in NAMES:
        user = state.user_by_username(name)
        users[name] = None
        if user is not None:
            users[name] = Seen(
                user.id,
                user.extension or None,
                user.device,
                set(user.licenses),
                {r for r in user.roles if not state.roles[r].user},
            )
    return users


async def in_crm(url: str) -> dict[str, Seen | None]:
    """Each user as the CRM has it; None once deleted."""
    db = Database(url)
    users: dict[str, Seen | None] = {}
    try:
        async with unit_of_work(db) as uow:
            for name in NAMES:
                record = await uow.webitel_users.find_by_name(name)
                users[name] = None
                if record is not None:
                    users[name] = Seen(
                        record.webitel_id,
                        record.extension,
                        record.default_device_id,
                        {g.license_id for g in await uow.webitel_users.licenses(record.id)},
                        {r.role_id for r in await uow.webitel_users.roles(record.id)},
                    )
    finally:
        await db.dispose()
    return users


async def stun_of(url: str) -> dict[str, bool]:
    db = Database(url)
    try:
        async with unit_of_work(db) as uow:
            return {
                name: record.enable_stun
                for name in NAMES
                if (record := await uow.webitel_users.find_by_name(name)) is not None
            }
    finally:
        await db.dispose()


async def to_reconcile(url: str) -> list[str]:
    db = Database(url)
    try:
        async with unit_of_work(db) as uow:
            return [item.name for item in await uow.reconcile.open_items()]
    finally:
        await db.dispose()


async def assert_agree(url: str, sim: RunningSimulator) -> None:
    assert await in_crm(url) == on_server(sim)
    assert await to_reconcile(url) == []


async def before(url: str, sim: RunningSimulator, *steps: Step) -> None:
    """The three users made as the card makes them, then `steps` (the card's functions)."""
    await webitel_users(url, sim, *PEOPLE)
    db = Database(url)
    try:
        async with WebitelClient(fast_options(sim)) as client:
            async with unit_of_work(db) as uow:
                found = {name: await uow.webitel_users.find_by_name(name) for name in NAMES}
            records = {name: record for name, record in found.items() if record is not None}
            for step in steps:
                await step(db, client, sim, records)
    finally:
        await db.dispose()


def server_user(sim: RunningSimulator, name: str) -> SimUser:
    user = sim.state.user_by_username(name)
    assert user is not None, name
    return user


def operator(sim: RunningSimulator) -> str:
    return sim.state.license_by_product("OPERATOR").id


def agents(sim: RunningSimulator) -> int:
    return next(role.id for role in sim.state.roles.values() if role.name == "agents")


def granted(*names: str) -> Step:
    async def step(
        db: Database, client: WebitelClient, sim: RunningSimulator, records: dict[str, WebitelUser]
    ) -> None:
        for name in names:
            await provisioning.change_licenses(
                db, Actor(), client, records[name].id, add=[operator(sim)]
            )

    return step


def with_role(*names: str) -> Step:
    async def step(
        db: Database, client: WebitelClient, sim: RunningSimulator, records: dict[str, WebitelUser]
    ) -> None:
        for name in names:
            await provisioning.change_roles(
                db, Actor(), client, records[name].id, add=[agents(sim)]
            )

    return step


def with_stun(*names: str) -> Step:
    async def step(
        db: Database, client: WebitelClient, sim: RunningSimulator, records: dict[str, WebitelUser]
    ) -> None:
        async with unit_of_work(db) as uow:
            current = [await uow.webitel_users.get(records[name].id) for name in names]
        for record in current:
            form = bulk.stun_form(record, stun=True)
            await provisioning.update_webitel_user(db, Actor(), client, form)

    return step


async def extension_changed_on_the_server(
    db: Database, client: WebitelClient, sim: RunningSimulator, records: dict[str, WebitelUser]
) -> None:
    webitel_id = records[JSMITH].webitel_id
    assert webitel_id is not None
    await client.patch_user(webitel_id, InputUser(extension="7999"))


# Each bulk action ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    kind: BulkKind
    item: str
    steps: tuple[Step, ...]
    ticked: list[str]
    preview: list[tuple[str, str]]
    """(outcome, details) of each ticked user, in the grid's order."""
    summary: str
    run: list[str]
    after: Callable[[RunningSimulator, dict[str, bool]], bool]
    """The server (and the STUN flags, which the CRM alone keeps) after the run."""
    run_details: list[str] = field(default_factory=list)


def holds_operator(*names: str) -> Callable[[RunningSimulator, dict[str, bool]], bool]:
    def check(sim: RunningSimulator, _stun: dict[str, bool]) -> bool:
        return [n for n in NAMES if operator(sim) in server_user(sim, n).licenses] == [*names]

    return check


def in_agents(*names: str) -> Callable[[RunningSimulator, dict[str, bool]], bool]:
    def check(sim: RunningSimulator, _stun: dict[str, bool]) -> bool:
        return [n for n in NAMES if agents(sim) in server_user(sim, n).roles] == [*names]

    return check


HAS, HAS_NOT = "Already has it.", "Does not have it."
CASES = [
    Case(
        BulkKind.GRANT_LICENSE,
        "OPERATOR",
        (granted(AMELNYK),),
        NAMES,
        [(NOTHING, HAS), (CHANGE, ""), (CHANGE, "")],
        "2 will change, 1 nothing to do",
        [NOTHING, CHANGED, CHANGED],
        holds_operator(*NAMES),
    ),
    Case(
        BulkKind.REVOKE_LICENSE,
        "OPERATOR",
        (granted(AMELNYK, OKOVALENKO),),
        NAMES,
        [(CHANGE, ""), (NOTHING, HAS_NOT), (CHANGE, "")],
        "2 will change, 1 nothing to do",
        [CHANGED, NOTHING, CHANGED],
        holds_operator(),
    ),
    Case(
        BulkKind.ADD_ROLE,
        "agents",
        (with_role(JSMITH),),
        [JSMITH, OKOVALENKO],
        [(NOTHING, HAS), (CHANGE, "")],
        "1 will change, 1 nothing to do",
        [NOTHING, CHANGED],
        in_agents(JSMITH, OKOVALENKO),
    ),
    Case(
        BulkKind.REMOVE_ROLE,
        "agents",
        (with_role(AMELNYK, JSMITH),),
        [AMELNYK, OKOVALENKO],
        [(CHANGE, ""), (NOTHING, HAS_NOT)],
        "1 will change, 1 nothing to do",
        [CHANGED, NOTHING],
        in_agents(JSMITH),  # not ticked: kept
    ),
    Case(
        BulkKind.STUN_ON,
        "",
        (with_stun(AMELNYK),),
        NAMES,
        [(NOTHING, ""), (CHANGE, ""), (CHANGE, "")],
        "2 will change, 1 nothing to do",
        [NOTHING, CHANGED, CHANGED],
        lambda _sim, stun: stun == dict.fromkeys(NAMES, True),
    ),
    Case(
        BulkKind.STUN_OFF,
        "",
        (with_stun(AMELNYK, JSMITH),),
        [JSMITH, OKOVALENKO],
        [(CHANGE, ""), (NOTHING, "")],
        "1 will change, 1 nothing to do",
        [CHANGED, NOTHING],
        lambda _sim, stun: stun == {AMELNYK: True, JSMITH: False, OKOVALENKO: False},
    ),
    Case(
        BulkKind.REFRESH,
        "",
        (extension_changed_on_the_server,),
        NAMES,
        [(CHANGE, "")] * 3,
        "3 will change",
        [CHANGED] * 3,
        lambda sim, _stun: server_user(sim, JSMITH).extension == "7999",
        [
            "Nothing changed: the record agrees with Webitel.",
            "Extension 7003 -> 7999 from the server",
            "Nothing changed: the record agrees with Webitel.",
        ],
    ),
    Case(
        BulkKind.DELETE,
        "",
        (),
        [AMELNYK, OKOVALENKO],
        [(CHANGE, ""), (CHANGE, "")],
        "2 will change",
        [CHANGED, CHANGED],
        lambda sim, _stun: [n for n in NAMES if sim.state.user_by_username(n)] == [JSMITH],
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[case.kind.value for case in CASES])
async def test_each_bulk_action_previewed_run_and_agreed(
    demo_url: str, sim: RunningSimulator, case: Case
) -> None:
    await before(demo_url, sim, *case.steps)
    server_before, stun_before = on_server(sim), await stun_of(demo_url)
    app = app_for(demo_url, sim)
    async with app.run_test(size=SIZE_BIG) as pilot:
        section = await open_section(pilot, app)
        await tick(pilot, section, case.ticked)
        screen = await previewed(pilot, app, case.kind, case.item)
        assert [(o, d) for _n, o, d in report(screen)] == case.preview
        assert [n for n, _o, _d in report(screen)] == case.ticked
        assert text_of(screen, "#bulk-summary") == case.summary
        assert "nothing has been changed yet" in text_of(screen, "#bulk-hint")
        # The preview changed nothing, on either side.
        assert on_server(sim) == server_before
        assert await stun_of(demo_url) == stun_before

        await ran(pilot, screen)
        assert outcomes(screen) == case.run
        if case.run_details:
            assert [d for _n, _o, d in report(screen)] == case.run_details
        assert text_of(screen, "#bulk-hint") == "Done. Esc closes."
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, BulkScreen), "closed")
        rows = len(NAMES) - (len(case.ticked) if case.kind is BulkKind.DELETE else 0)
        await wait_for(pilot, lambda: section.grid.table.row_count == rows, "the reloaded list")
    assert case.after(sim, await stun_of(demo_url))
    await assert_agree(demo_url, sim)


# Refusals, faults and a cancel ---------------------------------------------------------------


async def test_users_the_server_refuses_are_reported_and_the_others_changed(
    demo_url: str, sim: RunningSimulator
) -> None:
    """Between the preview and the run, another admin takes all but one grant of OPERATOR
    and deletes okovalenko on the server: the first user gets it, the two others are refused
    in the server's words, and the run does not stop."""
    await before(demo_url, sim)
    app = app_for(demo_url, sim)
    async with app.run_test(size=SIZE_BIG) as pilot:
        section = await open_section(pilot, app)
        await tick(pilot, section, NAMES)
        screen = await previewed(pilot, app, BulkKind.GRANT_LICENSE, "OPERATOR")
        assert outcomes(screen) == [CHANGE] * 3
        lic = sim.state.license_by_product("OPERATOR")
        lic.limit = lic.used + 1
        gone = sim.state.user_by_username(OKOVALENKO)
        admin = sim.state.user_by_username(sim.username)
        assert gone is not None and admin is not None
        sim.state.delete_user(admin, gone.id, permanent=True)

        await ran(pilot, screen)
        lines = report(screen)
        assert [o for _n, o, _d in lines] == [CHANGED, REFUSED, REFUSED]
        assert "Webitel refused the change" in lines[1][2]
        assert "no grants left" in lines[1][2]
        assert "Webitel refused the change" in lines[2][2]
        assert text_of(screen, "#bulk-summary") == "1 changed, 2 refused"
    crm, server = await in_crm(demo_url), on_server(sim)
    assert {n: crm[n] for n in (AMELNYK, JSMITH)} == {n: server[n] for n in (AMELNYK, JSMITH)}
    assert operator(sim) in server_user(sim, AMELNYK).licenses
    # The card's rule for a user gone from the server: refused, the record kept as it was
    # (Refresh or GetWebitelUsers tell the admin), no reconcile item.
    assert server[OKOVALENKO] is None
    kept = crm[OKOVALENKO]
    assert kept is not None and kept.licenses == set()
    assert await to_reconcile(demo_url) == []


def patch_of(user_id: int, **fields: object) -> FaultRule:
    return FaultRule.model_validate(
        {"kind": "status", "route": f"PATCH /api/users/{user_id}", **fields}
    )


@dataclass(frozen=True)
class Fault:
    name: str
    rules: Callable[[int], list[FaultRule]]
    """The rules for the 2nd user's Webitel id."""
    second: str
    detail: str
    summary: str
    left_open: bool = False


FAULTS = [
    # The grant is made, its answer lost: read back, it is there.
    Fault(
        "answer-lost",
        lambda uid: [patch_of(uid, status=503, apply=True, count=1)],
        CHANGED,
        "",
        "3 changed",
    ),
    # Not made, twice: read back, it is not there; nothing changed anywhere.
    Fault(
        "not-taken",
        lambda uid: [patch_of(uid, status=503, count=2)],
        REFUSED,
        "Webitel did not take the change",
        "2 changed, 1 refused",
    ),
    # Made, its answer lost, and the read-back fails too: left for Reconcile.
    Fault(
        "unknown",
        lambda uid: [
            FaultRule(kind="slow", route=f"GET /api/users/{uid}", count=1),  # the call's read
            patch_of(uid, status=503, apply=True, count=1),
            FaultRule(kind="status", route=f"GET /api/users/{uid}", status=503),
        ],
        IN_DOUBT,
        "It is listed under Reconcile",
        "2 changed, 1 left for reconcile",
        left_open=True,
    ),
]


@pytest.mark.parametrize("fault", FAULTS, ids=[f.name for f in FAULTS])
async def test_a_fault_on_the_second_user_as_the_card_has_it(
    demo_url: str, sim: RunningSimulator, fault: Fault
) -> None:
    await before(demo_url, sim)
    app = app_for(demo_url, sim)
    async with app.run_test(size=SIZE_BIG) as pilot:
        section = await open_section(pilot, app)
        await tick(pilot, section, NAMES)
        screen = await previewed(pilot, app, BulkKind.GRANT_LICENSE, "OPERATOR")
        second = sim.state.user_by_username(JSMITH)
        assert second is not None
        inject(sim, *fault.rules(second.id))

        await ran(pilot, screen)
        lines = report(screen)
        assert [o for _n, o, _d in lines] == [CHANGED, fault.second, CHANGED]
        assert fault.detail in lines[1][2]
        assert text_of(screen, "#bulk-summary") == fault.summary
        assert all(sim.app.faults.describe()["fired"])  # type: ignore[arg-type]
        inject(sim)
        crm, server = await in_crm(demo_url), on_server(sim)
        for name in (AMELNYK, OKOVALENKO):
            assert crm[name] == server[name]
            assert operator(sim) in server_user(sim, name).licenses
        if not fault.left_open:
            await assert_agree(demo_url, sim)
            return
        # Made on the server, not known to the CRM: marked to reconcile, and Reconcile from
        # the section's Actions settles it.
        assert crm[JSMITH] != server[JSMITH]
        assert await to_reconcile(demo_url) == [JSMITH]
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, BulkScreen), "closed")
        banner = section.query_one("#reconcile-banner", Static)
        await wait_for(
            pilot, lambda: "To reconcile with Webitel: 1" in str(banner.render()), "the banner"
        )
        await choose(pilot, app, "reconcile")
        await wait_for(pilot, lambda: not section.open_items, "the reconcile")
    await assert_agree(demo_url, sim)
    assert operator(sim) in server_user(sim, JSMITH).licenses


async def test_esc_during_a_run_stops_after_the_user_in_hand(
    demo_url: str, sim: RunningSimulator
) -> None:
    """Each delete is slow: Esc while the first is on the server; it is finished and kept,
    the two others are not started, and the screen stays to show so."""
    await before(demo_url, sim)
    app = app_for(demo_url, sim)
    async with app.run_test(size=SIZE_BIG) as pilot:
        section = await open_section(pilot, app)
        await tick(pilot, section, NAMES)
        screen = await previewed(pilot, app, BulkKind.DELETE)
        first = sim.state.user_by_username(AMELNYK)
        assert first is not None
        inject(sim, FaultRule(kind="slow", route="DELETE /api/users/*", latency_ms=400))
        await pilot.press("ctrl+s")
        deleting = ("DELETE", f"/api/users/{first.id}")
        await wait_for(pilot, lambda: deleting in sim.app.log, "the first delete")
        assert screen.stage == "running"
        assert "Esc stops after the user in hand" in text_of(screen, "#bulk-hint")
        await pilot.press("escape")
        await wait_for(pilot, lambda: screen.stage == "done", "the run's end")
        assert app.screen is screen  # Esc stopped the run; it did not close the screen
        assert outcomes(screen) == [CHANGED, CANCELLED, CANCELLED]
        assert text_of(screen, "#bulk-summary") == "1 changed, 2 not done (cancelled)"
        inject(sim)
        await pilot.press("escape")
        await wait_for(pilot, lambda: section.grid.table.row_count == 2, "the reloaded list")
    server = on_server(sim)
    assert server[AMELNYK] is None and server[JSMITH] and server[OKOVALENKO]
    await assert_agree(demo_url, sim)
