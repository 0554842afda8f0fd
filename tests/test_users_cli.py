"""`webitel-tui users ACTION` end to end: the command's own `main` on a demo CRM (made once, then
copied per test) and the built-in simulator over loopback, settings from environment
variables as a cron job gives them; one real process for the exit code the shell sees."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import uuid
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest

from tests.change_log import change_log
from tests.conftest import Templates
from tests.test_cli import run
from webitel_tui import cli, cli_users
from webitel_tui.db.engine import Database
from webitel_tui.domain import known
from webitel_tui.domain.paging import Page, PageRequest
from webitel_tui.domain.records import Actor
from webitel_tui.domain.rights import MANAGE_WEBITEL_USERS
from webitel_tui.domain.webitel_users import WebitelUser
from webitel_tui.processes import system_users
from webitel_tui.repositories import unit_of_work
from webitel_tui.repositories.webitel_users import WebitelUserRepository
from webitel_tui.simulator import FaultConfig, FaultRule
from webitel_tui.simulator.model import SimUser
from webitel_tui.simulator.runner import SimulatorThread, start_simulator_thread

T = TypeVar("T")

SIM_SECRET = "sim-Secret-4711"
"""The Webitel password the commands log in with: it must never be printed."""
AGENTS, SUPERVISORS = 2, 3
"""The simulator's seeded roles "agents" and "supervisors"."""


@dataclass
class Result:
    code: int
    out: str
    err: str

    @property
    def last(self) -> dict[str, Any]:
        """The JSON object a script reads: the last line of standard output."""
        answer: dict[str, Any] = json.loads(self.out.strip().splitlines()[-1])
        return answer

    @property
    def error_line(self) -> str:
        (line,) = self.err.strip().splitlines()
        return line


@dataclass
class Crm:
    url: str
    sim: SimulatorThread
    capsys: pytest.CaptureFixture[str]

    def main(self, *argv: str) -> Result:
        code = cli.main(list(argv))
        captured = self.capsys.readouterr()
        assert SIM_SECRET not in captured.out + captured.err
        assert "Traceback" not in captured.err
        return Result(code, captured.out, captured.err)

    def users(self, *args: str) -> Result:
        return self.main("users", *args)

    def ok(self, *args: str) -> dict[str, Any]:
        result = self.users(*args, "--json")
        assert result.code == 0, result.err
        assert result.last["ok"] is True
        return result.last

    def server_user(self, login: str) -> SimUser:
        user = self.sim.state.user_by_username(login)
        assert user is not None
        return user

    def faults(self, *rules: FaultRule) -> None:
        self.sim.app.set_faults(FaultConfig(rules=list(rules)))

    def record(self, login: str) -> WebitelUser | None:
        async def read(db: Database) -> WebitelUser | None:
            async with unit_of_work(db) as uow:
                return await uow.webitel_users.find_by_name(login)

        return self.on_db(read)

    def contact_of(self, crm_login: str) -> uuid.UUID | None:
        async def read(db: Database) -> uuid.UUID | None:
            async with unit_of_work(db) as uow:
                user = await uow.users.get_by_name(crm_login)
            assert user is not None
            return user.contact_id

        return self.on_db(read)

    def last_author(self, login: str) -> uuid.UUID | None:
        """Who the change log names for the record's latest change."""

        async def read(db: Database) -> uuid.UUID | None:
            async with unit_of_work(db) as uow:
                record = await uow.webitel_users.find_by_name(login)
                assert record is not None
                return (await change_log(uow, record.id))[0].created_by

        return self.on_db(read)

    def on_db(self, work: Callable[[Database], Awaitable[T]]) -> T:
        async def go() -> T:
            db = Database(self.url)
            try:
                return await work(db)
            finally:
                await db.dispose()

        return asyncio.run(go())


@pytest.fixture
def demo_template(templates: Templates) -> Path:
    """The run's demo CRM, copied for each test."""
    return templates.sqlite("demo")


@pytest.fixture
def crm(
    demo_template: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> Iterator[Crm]:
    shutil.copy(demo_template, tmp_path / "crm.db")
    url = f"sqlite:///{tmp_path / 'crm.db'}"
    sim = start_simulator_thread(users=20, password=SIM_SECRET)
    for key in os.environ:
        if key.startswith("WEBITEL_TUI_"):
            monkeypatch.delenv(key)
    settings = {
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "WEBITEL_TUI_DATABASE__URL": url,
        "WEBITEL_TUI_WEBITEL__URL": sim.base_url,
        "WEBITEL_TUI_WEBITEL__DOMAIN": sim.domain,
        "WEBITEL_TUI_WEBITEL__USERNAME": sim.username,
        "WEBITEL_TUI_WEBITEL__PASSWORD": SIM_SECRET,
        "WEBITEL_TUI_WEBITEL__RETRIES": "0",
    }
    for key, value in settings.items():
        monkeypatch.setenv(key, value)
    try:
        yield Crm(url, sim, capsys)
    finally:
        sim.stop()


# Each action ----------------------------------------------------------------------------------


def test_create_then_show_and_list(crm: Crm) -> None:
    created = crm.ok("create", "okovalenko", "--extension", "7001", "--stun")
    server = crm.server_user("okovalenko")
    assert server.extension == "7001" and server.device is not None
    user = created["user"]
    assert (user["name"], user["crm_user"], user["contact"]) == (
        "okovalenko",
        "okovalenko",
        "Olena Kovalenko",
    )
    assert (user["extension"], user["webitel_id"], user["stun"]) == ("7001", server.id, True)
    assert created["licenses"] == [] and created["roles"] == [] and created["reconcile"] is None
    assert "sip_password" not in created  # the server made the device and its password

    shown = crm.users("show", "okovalenko")
    assert shown.code == 0 and shown.err == ""
    lines = shown.out.splitlines()
    assert lines[0].split() == ["Webitel", "user", "name", "okovalenko"]
    assert "Olena Kovalenko" in shown.out and "7001" in shown.out
    assert ["Enable", "STUN", "Yes"] in [line.split() for line in lines]

    crm.ok("create", "amelnyk")  # no extension, no STUN
    listed = crm.users("list", "--json")
    assert listed.code == 0
    *rows, last = [json.loads(line) for line in listed.out.splitlines()]
    assert last == {"ok": True, "count": 2}
    assert [(r["name"], r["extension"], r["stun"]) for r in rows] == [
        ("amelnyk", None, False),
        ("okovalenko", "7001", True),
    ]
    searched = crm.users("list", "--search", "kovalenko")
    assert searched.code == 0
    assert "okovalenko" in searched.out and "amelnyk" not in searched.out
    assert searched.out.splitlines()[-1] == "Webitel users: 1"


def test_create_on_an_older_server_prints_the_sip_password_once(
    crm: Crm, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before generate_device the CRM makes the device's SIP password: `create` prints it
    once, a line for a person and `sip_password` in the JSON; `show` never does."""
    older = start_simulator_thread(users=20, password=SIM_SECRET, generation=23)
    try:
        monkeypatch.setenv("WEBITEL_TUI_WEBITEL__URL", older.base_url)
        made = crm.users("create", "okovalenko", "--extension", "7001")
        assert made.code == 0, made.err
        server = older.state.user_by_username("okovalenko")
        assert server is not None and server.device is not None
        device = older.state.devices[server.device]
        lines = made.out.splitlines()
        assert lines[-2:] == [
            f'SIP password of the device "okovalenko": {device.password}',
            "It is shown only now: copy it and keep it safe.",
        ]
        assert made.out.count(device.password) == 1
        as_json = crm.ok("create", "amelnyk", "--extension", "7002")
        other = older.state.user_by_username("amelnyk")
        assert other is not None and other.device is not None
        assert as_json["sip_password"] == older.state.devices[other.device].password
        shown = crm.users("show", "okovalenko", "--json")
        assert device.password not in shown.out and "sip_password" not in shown.last
    finally:
        older.stop()


def test_list_streams_the_section_page_by_page(crm: Crm, monkeypatch: pytest.MonkeyPatch) -> None:
    for login in ("okovalenko", "amelnyk", "ibondarenko"):
        crm.ok("create", login)
    asked: list[PageRequest] = []
    real_page = WebitelUserRepository.page

    async def page(self: WebitelUserRepository, request: PageRequest) -> Page[WebitelUser]:
        asked.append(request)
        return await real_page(self, request)

    monkeypatch.setattr(WebitelUserRepository, "page", page)
    monkeypatch.setattr(cli_users, "LIST_PAGE", 2)
    listed = crm.users("list", "--json")
    *rows, last = [json.loads(line) for line in listed.out.splitlines()]
    assert [r["name"] for r in rows] == ["amelnyk", "ibondarenko", "okovalenko"]
    assert last["count"] == 3
    assert [(r.limit, r.after is None) for r in asked] == [(2, True), (2, False)]


def test_create_for_another_crm_user_and_contact(crm: Crm) -> None:
    created = crm.ok("create", "olena.desk", "--user", "okovalenko", "--contact", "andrii melnyk")
    assert (created["user"]["crm_user"], created["user"]["contact"]) == (
        "okovalenko",
        "Andrii Melnyk",
    )
    assert crm.server_user("olena.desk").name == "Olena Kovalenko"
    ambiguous = crm.users("create", "oshevchenko", "--contact", "Oleksandr Shevchenko")
    assert ambiguous.code == 3
    assert ambiguous.error_line == 'webitel-tui: Several contacts are named "Oleksandr Shevchenko".'
    assert crm.users("create", "jsmith", "--contact", "Nobody Here").code == 3
    assert crm.users("create", "ghost").code == 3  # no CRM user of that name
    assert crm.sim.state.user_by_username("jsmith") is None


def test_update_name_extension_and_stun(crm: Crm) -> None:
    crm.ok("create", "okovalenko", "--extension", "7001")
    updated = crm.ok("update", "okovalenko", "--extension", "7005", "--stun")
    assert (updated["user"]["extension"], updated["user"]["stun"]) == ("7005", True)
    assert crm.server_user("okovalenko").extension == "7005"
    cleared = crm.ok("update", "okovalenko", "--no-extension", "--no-stun")
    assert (cleared["user"]["extension"], cleared["user"]["stun"]) == (None, False)
    assert crm.server_user("okovalenko").extension == ""
    renamed = crm.ok("update", "okovalenko", "--name", "olena")
    assert renamed["user"]["name"] == "olena" and crm.server_user("olena")
    assert crm.users("show", "okovalenko").code == 3
    assert crm.users("update", "olena").code == 3  # nothing to change


def test_delete(crm: Crm) -> None:
    created = crm.ok("create", "okovalenko", "--extension", "7001")
    assert crm.ok("delete", "okovalenko") == {"ok": True, "deleted": "okovalenko"}
    assert crm.sim.state.user_by_username("okovalenko") is None
    assert created["user"]["webitel_id"] not in crm.sim.state.users
    assert crm.record("okovalenko") is None
    gone = crm.users("show", "okovalenko")
    assert gone.code == 3
    assert gone.error_line == 'webitel-tui: No Webitel user "okovalenko" in the CRM.'


def test_licenses_by_product_or_serial_and_roles_by_name_or_id(crm: Crm) -> None:
    crm.ok("create", "okovalenko", "--extension", "7001")
    operator = crm.sim.state.license_by_product("OPERATOR").id
    manager = crm.sim.state.license_by_product("MANAGER").id
    granted = crm.ok("grant-license", "okovalenko", "OPERATOR", manager)
    assert set(crm.server_user("okovalenko").licenses) == {operator, manager}
    assert {g["product"] for g in granted["licenses"]} == {"OPERATOR", "MANAGER"}
    assert granted["user"]["licenses"] == "MANAGER, OPERATOR"
    revoked = crm.ok("revoke-license", "okovalenko", "operator")
    assert set(crm.server_user("okovalenko").licenses) == {manager}
    assert [g["serial"] for g in revoked["licenses"]] == [manager]

    added = crm.ok("add-role", "okovalenko", "agents", str(SUPERVISORS))
    assert {AGENTS, SUPERVISORS} <= set(crm.server_user("okovalenko").roles)
    assert {r["name"] for r in added["roles"]} == {"agents", "supervisors"}
    removed = crm.ok("remove-role", "okovalenko", "AGENTS")
    assert AGENTS not in crm.server_user("okovalenko").roles
    assert [r["id"] for r in removed["roles"]] == [SUPERVISORS]

    unknown = crm.users("grant-license", "okovalenko", "GOLD")
    assert unknown.code == 3
    assert "CHAT, DEVICE, MANAGER, OPERATOR, SUPERVISOR" in unknown.error_line
    assert crm.users("add-role", "okovalenko", "janitors").code == 3


# Exit codes ----------------------------------------------------------------------------------


def test_a_refusal_is_exit_1_with_one_line_and_nothing_changed(crm: Crm) -> None:
    before = len(crm.sim.state.users)
    taken = crm.users("create", "okovalenko", "--extension", "1002", "--json")
    assert taken.code == 1
    message = 'The extension 1002 is already used on the Webitel server by "Olena Kovalenko".'
    assert taken.error_line == f"webitel-tui: {message}"
    assert taken.last == {"ok": False, "error": message, "exit": 1}
    assert len(crm.sim.state.users) == before and crm.record("okovalenko") is None

    portal = crm.users("create", "mtkachenko")
    assert portal.code == 1 and "Portal users cannot be Webitel users" in portal.error_line

    crm.ok("create", "okovalenko", "--extension", "7001")
    expired = crm.users("grant-license", "okovalenko", "CHAT")
    assert expired.code == 1
    assert "Webitel refused the change" in expired.error_line and "expired" in expired.error_line
    assert crm.server_user("okovalenko").licenses == {}


def test_an_unreachable_server_is_exit_1_naming_its_address_not_a_refusal(
    crm: Crm, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nothing listens at the configured address (whose user info must never be printed):
    every action that needs the server says so, with the address, and changes nothing."""
    crm.ok("create", "okovalenko", "--extension", "7001")
    monkeypatch.setenv("WEBITEL_TUI_WEBITEL__URL", f"http://admin:{SIM_SECRET}@127.0.0.1:9")
    expected = (
        "webitel-tui: Cannot reach the Webitel server at http://127.0.0.1:9/api. "
        "Nothing was changed."
    )
    for action in (
        ("create", "amelnyk", "--extension", "7002"),
        ("update", "okovalenko", "--extension", "7003"),
        ("grant-license", "okovalenko", "OPERATOR"),
        ("add-role", "okovalenko", "agents"),
        ("delete", "okovalenko"),
    ):
        result = crm.users(*action)
        assert (result.code, result.error_line) == (1, expected), action
    record = crm.record("okovalenko")
    assert record is not None and record.extension == "7001"
    assert crm.record("amelnyk") is None


def test_left_in_doubt_is_exit_2_until_reconcile_settles_it(crm: Crm) -> None:
    crm.ok("create", "okovalenko", "--extension", "7001")
    # The change is made but its answer is lost, and the user cannot be read back (the
    # searches before the change still answer, so the PATCH is sent).
    answer_lost = FaultRule(kind="status", status=500, route="PATCH /api/users/*", apply=True)
    no_read_back = FaultRule(kind="status", status=503, route="GET /api/users/*")
    crm.faults(answer_lost, no_read_back)
    doubt = crm.users("update", "okovalenko", "--extension", "7005", "--json")
    assert doubt.code == 2
    assert "It is listed under Reconcile" in doubt.error_line
    assert doubt.last["ok"] is False and doubt.last["exit"] == 2
    assert crm.server_user("okovalenko").extension == "7005"

    shown = crm.users("show", "okovalenko", "--json")  # the CRM alone: it still answers
    assert shown.code == 0
    assert shown.last["reconcile"]["operation"] == "update"
    assert shown.last["user"]["extension"] == "7001"

    still = crm.users("reconcile", "--json")  # the server still cannot be read
    assert still.code == 2
    assert still.last["items"][0]["resolved"] is False
    assert still.error_line == "webitel-tui: Reconciled: 0. Left open: 1."

    crm.faults()
    settled = crm.users("reconcile", "--json")
    assert settled.code == 0
    assert settled.last["items"] == [
        {
            "name": "okovalenko",
            "operation": "update",
            "resolved": True,
            "note": 'Updated the CRM record "okovalenko" from Webitel.',
        }
    ]
    assert crm.ok("show", "okovalenko")["user"]["extension"] == "7005"


@pytest.mark.parametrize(
    "argv",
    [
        ("users",),
        ("users", "create"),
        ("users", "frobnicate"),
        ("users", "list", "--bogus"),
        ("users", "update", "okovalenko", "--extension", "1", "--no-extension"),
        ("users", "show", "nobody"),
        ("users", "delete", "nobody"),
        ("users", "grant-license", "nobody", "OPERATOR"),
        ("--config", "/nonexistent/c.toml", "users", "list"),
    ],
)
def test_bad_usage_is_exit_3(crm: Crm, argv: tuple[str, ...]) -> None:
    result = crm.main(*argv)
    assert result.code == 3
    assert crm.main(*argv, "--json").last["exit"] == 3


def test_an_unconfigured_webitel_server_is_exit_3(
    crm: Crm, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("WEBITEL_TUI_WEBITEL__URL")
    result = crm.users("create", "okovalenko")
    assert result.code == 3 and "The Webitel connection is not set up" in result.error_line
    assert crm.users("list").code == 0  # the CRM alone needs no server


def test_changes_are_logged_as_the_acting_user(crm: Crm, monkeypatch: pytest.MonkeyPatch) -> None:
    crm.ok("create", "okovalenko", "--extension", "7001")
    assert crm.last_author("okovalenko") == crm.contact_of("Supervisor")
    # A plain employee acts only with "Manage Webitel users" (the Supervisor holds it).
    refused = crm.users("update", "okovalenko", "--stun", "--as", "amelnyk")
    assert (refused.code, refused.error_line) == (
        1,
        'webitel-tui: You do not have permission to run the operation "Manage Webitel users".',
    )

    async def grant_to_all_employees(db: Database) -> None:
        manage = next(
            o for o in await system_users.list_operations(db) if o.code == MANAGE_WEBITEL_USERS
        )
        async with unit_of_work(db) as uow:
            roles = [r for r in await uow.users.list_roles() if r.id == known.ALL_EMPLOYEES]
        await system_users.grant_operation(db, Actor(), manage.id, roles)

    crm.on_db(grant_to_all_employees)
    crm.ok("update", "okovalenko", "--stun", "--as", "amelnyk")
    assert crm.last_author("okovalenko") == crm.contact_of("amelnyk")
    monkeypatch.setenv("WEBITEL_TUI_SERVICE_LOGIN", "jsmith")
    crm.ok("update", "okovalenko", "--no-stun")
    assert crm.last_author("okovalenko") == crm.contact_of("jsmith")

    unknown = crm.users("update", "okovalenko", "--stun", "--as", "ghost")
    assert unknown.code == 3 and unknown.error_line == 'webitel-tui: No CRM user is named "ghost".'
    monkeypatch.setenv("WEBITEL_TUI_SERVICE_LOGIN", "ghost")
    unset = crm.users("list")
    assert unset.code == 3 and "set service_login" in unset.error_line
    portal = crm.users("list", "--as", "mtkachenko")
    assert portal.code == 3 and "only an active company employee" in portal.error_line

    async def deactivate(db: Database) -> None:
        async with unit_of_work(db) as uow:
            user = await uow.users.get_by_name("ibondarenko")
            assert user is not None
            await uow.users.update_user(user.model_copy(update={"active": False}))

    crm.on_db(deactivate)
    assert crm.users("list", "--as", "ibondarenko").code == 3
    assert crm.record("okovalenko") is not None and crm.last_author("okovalenko") == (
        crm.contact_of("jsmith")
    )


def test_the_shell_sees_the_exit_codes(demo_template: Path, tmp_path: Path) -> None:
    """A real process: argparse's usage error for `users` is 3, not argparse's 2."""
    usage = run(tmp_path, "users", "create", "--json")
    assert usage.returncode == 3
    assert "usage: webitel-tui users create" in usage.stderr
    assert json.loads(usage.stdout.splitlines()[-1])["exit"] == 3
    shutil.copy(demo_template, tmp_path / "crm.db")
    database = ("--database", f"sqlite:///{tmp_path / 'crm.db'}")
    listed = run(tmp_path, *database, "users", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    assert json.loads(listed.stdout.splitlines()[-1]) == {"ok": True, "count": 0}
    unknown = run(tmp_path, *database, "users", "show", "nobody")
    assert unknown.returncode == 3
    assert unknown.stderr == 'webitel-tui: No Webitel user "nobody" in the CRM.\n'


def test_bulk_grants_a_license_to_the_users_a_search_finds(crm: Crm) -> None:
    for login, extension in (("okovalenko", "7001"), ("amelnyk", "7002"), ("jsmith", "7003")):
        crm.ok("create", login, "--extension", extension)
    operator = crm.sim.state.license_by_product("OPERATOR")
    operator.limit = operator.used + 2
    logins = ("--logins", "amelnyk", "jsmith", "okovalenko")

    # A preview with a refusal to come exits 1 too (as import-csv --dry-run): a script sees it.
    previewed = crm.users("bulk", "grant-license", "OPERATOR", *logins, "--dry-run", "--json")
    assert previewed.code == 1
    preview = previewed.last
    assert preview["notes"] == ["No grants left of OPERATOR: 1 of 3 will not get it."]
    assert [u["outcome"] for u in preview["users"]] == ["change", "change", "refused"]
    assert not crm.server_user("amelnyk").licenses  # a preview changes nothing

    ran = crm.users("bulk", "grant-license", "OPERATOR", *logins, "--json")
    assert ran.code == 1  # one user was refused: said, the others done
    assert ran.last["counts"] == {"changed": 2, "refused": 1}
    assert crm.server_user("amelnyk").licenses and crm.server_user("jsmith").licenses
    assert not crm.server_user("okovalenko").licenses

    human = crm.users("bulk", "stun-on", "--search", "okoval")
    assert human.code == 0, human.err
    assert "Changed" in human.out
    record = crm.record("okovalenko")
    assert record is not None and record.enable_stun
    typo = crm.users("bulk", "add-role", "agentz", *logins, "--json")
    assert typo.code == 3 and 'No Webitel role "agentz"' in typo.err


def test_bulk_takes_the_users_of_a_csv_file_a_folder_or_filters(crm: Crm, tmp_path: Path) -> None:
    for login, extension in (("okovalenko", "7001"), ("amelnyk", "7002"), ("jsmith", "7103")):
        crm.ok("create", login, "--extension", extension)

    # A file `export` wrote, cut down to two users in a spreadsheet: its names are the users.
    exported = tmp_path / "users.csv"
    written = crm.users("export", "--csv", "--output", str(exported), "--where", "extension=70")
    assert written.code == 0, written.err
    lines = exported.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 3  # the header, amelnyk, okovalenko
    previewed = crm.users("bulk", "stun-on", "--from-csv", str(exported), "--dry-run", "--json")
    assert previewed.code == 0, previewed.err
    assert [u["login"] for u in previewed.last["users"]] == ["amelnyk", "okovalenko"]
    assert not any(crm.record(n).enable_stun for n in ("amelnyk", "okovalenko"))  # type: ignore[union-attr]
    ran = crm.users("bulk", "stun-on", "--from-csv", str(exported), "--json")
    assert ran.code == 0, ran.err
    assert ran.last["counts"] == {"changed": 2}
    assert [crm.record(n).enable_stun for n in ("amelnyk", "okovalenko", "jsmith")] == [  # type: ignore[union-attr]
        True,
        True,
        False,
    ]

    # A name the CRM does not know: refused with its row, before anything runs.
    wrong = tmp_path / "wrong.csv"
    wrong.write_text(lines[0] + "\n" + lines[1] + "\nnobody\n", encoding="utf-8")
    refused = crm.users("bulk", "stun-off", "--from-csv", str(wrong))
    assert refused.code == 3
    assert 'row 3: No Webitel user "nobody" in the CRM.' in refused.err
    assert crm.record("amelnyk").enable_stun  # type: ignore[union-attr]

    # A folder by the name the panel shows, with a filter by column: all of them.
    folder = crm.users("bulk", "stun-off", "--folder", "STUN on", "--where", "name=KOVAL", "--json")
    assert folder.code == 0, folder.err
    assert [u["login"] for u in folder.last["users"]] == ["okovalenko"]
    assert not crm.record("okovalenko").enable_stun  # type: ignore[union-attr]
    assert crm.record("amelnyk").enable_stun  # type: ignore[union-attr]

    unknown = crm.users("bulk", "stun-off", "--folder", "Night shift")
    assert unknown.code == 3
    assert 'No folder is named "Night shift". The folders: No license; STUN on' in unknown.err
    bad = crm.users("bulk", "stun-off", "--where", "colour=red")
    assert bad.code == 3 and "COLUMN=VALUE" in bad.err
    mixed = crm.users("bulk", "stun-off", "--from-csv", str(exported), "--folder", "STUN on")
    assert mixed.code == 3 and "give no --search, --folder or --where" in mixed.err
    nothing = crm.users("bulk", "stun-off")
    assert nothing.code == 3 and "Say which users" in nothing.err
    listed = crm.users("list", "--where", "stun=yes", "--json")
    assert listed.code == 0 and listed.last["count"] == 1
