"""CSV import of Webitel users (issue 16): the file as the export writes it, read back with
its changes and only them; headless end to end (`users export`, `users import-csv`) on a demo
CRM and the simulator over loopback, as tests/test_users_cli.py runs the other commands."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.hostile import HOSTILE
from tests.test_users_cli import AGENTS, SIM_SECRET, Crm, Result, demo_template
from webitel_tui.db.engine import Database
from webitel_tui.domain.contacts import NewContact
from webitel_tui.domain.csv_rows import (
    Column,
    CsvFileError,
    decode,
    read_csv,
)
from webitel_tui.domain.users import NewSystemUser, UserType
from webitel_tui.i18n import set_language
from webitel_tui.processes.csv_import import PROCESS_CODE
from webitel_tui.processes.process_log import run_ended, start_run_alone
from webitel_tui.repositories import unit_of_work
from webitel_tui.simulator import FaultConfig, FaultRule
from webitel_tui.simulator.runner import start_simulator_thread

__all__ = ["demo_template"]  # the fixture, shared with tests/test_users_cli.py

HEADER = "Webitel user name,Contact,Extension,User id,Default device,Licenses,Roles,STUN"


# The file, read back (pure) ------------------------------------------------------------------


def test_the_export_header_in_either_language_with_a_bom_and_semicolons() -> None:
    english = read_csv(
        decode(f"{HEADER}\r\nokovalenko,Olena,1002,7,dev,OPERATOR,agents,Yes\r\n".encode())
    )
    assert [(r.name, r.extension, r.licenses, r.roles, r.stun) for r in english.rows] == [
        ("okovalenko", "1002", ("OPERATOR",), ("agents",), True)
    ]
    assert english.ignored == ["User id", "Default device"]
    ukrainian = (
        "\ufeffІм'я користувача Webitel;Внутрішній номер;Ліцензії;Ролі;STUN\n"
        'okovalenko;1003;"MANAGER, OPERATOR";;Ні\n'
    )
    read = read_csv(decode(ukrainian.encode("utf-8")))
    assert read.delimiter == ";"
    [row] = read.rows
    assert (row.extension, row.licenses, row.roles, row.stun) == (
        "1003",
        ("MANAGER", "OPERATOR"),
        (),
        False,
    )
    assert row.contact is None and row.crm_user is None  # no such column: left as they are


def test_each_bad_cell_is_named_by_row_and_column() -> None:
    text = "\n".join(
        [
            "Webitel user name,Extension,STUN,CRM user",
            "good.one,1001,No,",
            "has space,1002,No,",
            "bad.ext,12a,No,",
            "bad.stun,1003,maybe,",
            "good.one,1004,No,",
            ",1005,No,",
            "'=formula.like,1006,Yes,",
        ]
    )
    read = read_csv(text)
    assert [r.name for r in read.rows] == ["good.one"]
    assert [(p.row, p.column) for p in read.problems] == [
        (3, Column.NAME),
        (4, Column.EXTENSION),
        (5, Column.STUN),
        (6, Column.NAME),
        (7, Column.NAME),
        (8, Column.NAME),
    ]
    assert "also in row 2" in read.problems[3].message
    assert str(read.problems[1]).startswith("Row 4, Extension: ")


def test_a_file_that_is_no_csv_of_users_is_refused_whole() -> None:
    with pytest.raises(CsvFileError, match="not UTF-8"):
        decode(b"Webitel user name\n\xff\xfe")
    with pytest.raises(CsvFileError, match='no "Webitel user name" column'):
        read_csv("Name,Phone\nx,1\n")
    with pytest.raises(CsvFileError, match="empty"):
        read_csv("")


# End to end ----------------------------------------------------------------------------------


def make_crm(
    template: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    users: int,
) -> Iterator[Crm]:
    shutil.copy(template, tmp_path / "crm.db")
    url = f"sqlite:///{tmp_path / 'crm.db'}"
    sim = start_simulator_thread(users=users, password=SIM_SECRET)
    for key in os.environ:
        if key.startswith("WEBITEL_TUI_"):
            monkeypatch.delenv(key)
    settings = {
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "HOME": str(tmp_path / "home"),
        "WEBITEL_TUI_DATABASE__URL": url,
        "WEBITEL_TUI_WEBITEL__URL": sim.base_url,
        "WEBITEL_TUI_WEBITEL__DOMAIN": sim.domain,
        "WEBITEL_TUI_WEBITEL__USERNAME": sim.username,
        "WEBITEL_TUI_WEBITEL__PASSWORD": SIM_SECRET,
        "WEBITEL_TUI_WEBITEL__RETRIES": "0",
    }
    (tmp_path / "home").mkdir()
    for key, value in settings.items():
        monkeypatch.setenv(key, value)
    try:
        yield Crm(url, sim, capsys)
    finally:
        sim.stop()


@pytest.fixture
def crm(
    demo_template: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> Iterator[Crm]:
    yield from make_crm(demo_template, tmp_path, monkeypatch, capsys, 20)


@pytest.fixture
def big_crm(
    demo_template: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> Iterator[Crm]:
    yield from make_crm(demo_template, tmp_path, monkeypatch, capsys, 1001)


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    yield
    set_language("en")  # a command switches the process's language


def loaded(crm: Crm) -> None:
    """The server's users in the CRM, by GetWebitelUsers."""
    assert crm.main("run-process", "GetWebitelUsers").code == 0


def rows_of(path: Path) -> list[dict[str, str]]:
    text = path.read_text(encoding="utf-8-sig")
    delimiter = ";" if ";" in text.splitlines()[0] else ","
    return list(csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter))


def write(
    path: Path, rows: list[dict[str, str]], *, delimiter: str = ",", bom: bool = False
) -> None:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), delimiter=delimiter)
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(("\ufeff" if bom else "") + out.getvalue(), encoding="utf-8", newline="")


def add_employees(crm: Crm, logins: list[str]) -> None:
    async def add(db: Database) -> None:
        async with unit_of_work(db) as uow:
            for login in logins:
                contact = await uow.contacts.create(NewContact(name=f"Csv {login}"))
                await uow.users.create_user(
                    NewSystemUser(name=login, contact_id=contact.id, user_type=UserType.EMPLOYEE),
                    None,
                )

    crm.on_db(add)


def import_csv(crm: Crm, path: Path, *args: str) -> Result:
    return crm.users("import-csv", str(path), "--json", *args)


def counts(result: Result) -> dict[str, int]:
    answer: dict[str, int] = result.last["counts"]
    return {key: value for key, value in answer.items() if value}


def test_round_trip_of_a_thousand_users(big_crm: Crm, tmp_path: Path) -> None:
    """The issue's Done-when: export 1,000 users, change 50 rows and add 20 in the file,
    import: exactly 50 updated and 20 created; a rerun changes nothing."""
    crm = big_crm
    loaded(crm)
    exported = tmp_path / "all.csv"
    made = crm.users("export", "--output", str(exported), "--bom")
    assert made.code == 0, made.err
    assert exported.read_bytes().startswith(b"\xef\xbb\xbf")
    rows = rows_of(exported)
    assert made.out.startswith(f"{len(rows)} records exported to ") and len(rows) >= 990
    assert list(rows[0]) == HEADER.split(",")

    changed = rows[100:150]
    for number, row in enumerate(changed):
        if number < 25:
            row["Extension"] = str(880_000 + number)
        elif number < 40:
            row["STUN"] = "No" if row["STUN"] == "Yes" else "Yes"
        else:
            roles = [r for r in row["Roles"].split(", ") if r]
            row["Roles"] = (
                ", ".join(r for r in roles if r != "agents")
                if "agents" in roles
                else ", ".join([*roles, "agents"])
            )
    new = [f"csv.new{n:02d}" for n in range(20)]
    add_employees(crm, new)
    for number, login in enumerate(new):
        rows.append(
            {
                **dict.fromkeys(rows[0], ""),
                "Webitel user name": login,
                # Half named by their contact, half by the CRM user of the same name.
                "Contact": f"Csv {login}" if number % 2 else "",
                "Extension": str(890_000 + number),
                "Licenses": "OPERATOR" if number < 5 else "",
                "Roles": "agents" if number < 5 else "",
                "STUN": "Yes",
            }
        )
    edited = tmp_path / "edited.csv"
    write(edited, rows, delimiter=";", bom=True)  # as Excel writes it in many locales

    preview = import_csv(crm, edited, "--dry-run")
    assert preview.code == 0, preview.err
    assert counts(preview) == {"updated": 50, "created": 20, "unchanged": len(rows) - 70}
    assert crm.sim.state.user_by_username(new[0]) is None  # a preview changes nothing

    done = import_csv(crm, edited)
    assert done.code == 0, done.err
    assert counts(done) == {"updated": 50, "created": 20, "unchanged": len(rows) - 70}
    assert crm.server_user(changed[0]["Webitel user name"]).extension == "880000"
    created = crm.server_user(new[0])
    assert created.extension == "890000" and AGENTS in created.roles and created.licenses
    assert crm.record(new[1]) is not None

    again = import_csv(crm, edited)
    assert again.code == 0, again.err
    assert counts(again) == {"unchanged": len(rows)}

    async def runs(db: Database) -> list[str]:
        async with unit_of_work(db) as uow:
            process = await uow.processes.by_code(PROCESS_CODE)
            assert process is not None
            return [run.status.value for run in await uow.processes.recent_runs(process.id)]

    assert crm.on_db(runs) == ["Completed", "Completed"]  # the preview is no run


def test_ten_bad_rows_are_each_reported_and_the_good_ones_done(crm: Crm, tmp_path: Path) -> None:
    add_employees(crm, ["csv.a", "csv.b"])
    path = tmp_path / "bad.csv"
    path.write_text(
        "\n".join(
            [
                "Webitel user name,Contact,Extension,Licenses,Roles,STUN,CRM user",
                "csv.a,,7101,,,No,",  # 2: good (a new user for the CRM user of its name)
                "bad name,,7102,,,No,",  # 3
                "bad.ext,,71x3,,,No,",  # 4
                "bad.stun,,7104,,,perhaps,",  # 5
                "csv.a,,7105,,,No,",  # 6: the name again
                "nobody.here,,7106,,,No,",  # 7: no such CRM user
                "bad.contact,Nobody At All,7107,,,No,",  # 8
                "bad.license,,7108,GOLD,,No,csv.b",  # 9
                "bad.role,,7109,,janitors,No,csv.b",  # 10
                "bad.user,,7110,,,No,ghost",  # 11
                ",,7111,,,No,",  # 12: no name
            ]
        ),
        encoding="utf-8",
    )
    result = import_csv(crm, path)
    assert result.code == 1
    lines = result.out.splitlines()
    rows = [json.loads(line) for line in lines[:-1]]
    by_row = {row["row"]: (row["outcome"], row["column"]) for row in rows}
    assert by_row == {
        2: ("created", None),
        3: ("error", "Webitel user name"),
        4: ("error", "Extension"),
        5: ("error", "STUN"),
        6: ("error", "Webitel user name"),
        7: ("error", "CRM user"),
        8: ("error", "Contact"),
        9: ("error", "Licenses"),
        10: ("error", "Roles"),
        11: ("error", "CRM user"),
        12: ("error", "Webitel user name"),
    }
    assert result.last["ok"] is False and result.last["exit"] == 1
    assert crm.server_user("csv.a").extension == "7101"
    human = crm.users("import-csv", str(path), "--dry-run")
    assert "Row 4  bad.ext  Error  Extension: " in human.out


def test_hostile_cells_are_refused_by_row_and_column(crm: Crm, tmp_path: Path) -> None:
    loaded(crm)
    add_employees(crm, ["csv.h"])
    rows = [{"Webitel user name": "csv.h", "Contact": "", "Extension": "7201"}]
    for text in HOSTILE.values():
        if "\x00" in text or "\ud800" in text:
            continue  # no such file decodes: refused whole, below
        rows.append({"Webitel user name": text[:200], "Contact": "", "Extension": ""})
        rows.append(
            {"Webitel user name": "olena.kovalenko", "Contact": text[:500], "Extension": ""}
        )
    path = tmp_path / "hostile.csv"
    write(path, rows)
    result = import_csv(crm, path)
    assert result.code == 1
    outcomes = [json.loads(line) for line in result.out.splitlines()[:-1]]
    assert outcomes[0]["outcome"] == "created"
    for outcome in outcomes[1:]:
        assert outcome["outcome"] in ("error", "conflict"), outcome
        assert outcome["column"] in ("Webitel user name", "Contact", "CRM user"), outcome
    assert "\x1b" not in result.out and "\x9b" not in result.out
    nul = tmp_path / "nul.csv"
    nul.write_bytes(b"Webitel user name\nnul\x00byte\n")
    refused = crm.users("import-csv", str(nul))
    assert refused.code in (1, 3) and "Traceback" not in refused.err
    surrogate = tmp_path / "bytes.csv"
    surrogate.write_bytes(b"Webitel user name\nlone\xed\xa0\x80\n")
    assert crm.users("import-csv", str(surrogate)).code == 3


def test_a_fault_mid_run_leaves_crm_and_server_agreeing_or_a_reconcile_item(
    crm: Crm, tmp_path: Path
) -> None:
    loaded(crm)
    exported = tmp_path / "all.csv"
    assert crm.users("export", "--output", str(exported)).code == 0
    rows = rows_of(exported)
    targets = [row for row in rows if row["Extension"]][:3]
    for number, row in enumerate(targets):
        row["Extension"] = str(7300 + number)
    path = tmp_path / "edited.csv"
    write(path, rows)
    # The second PATCH is carried out but its answer lost, and the read-back fails too.
    crm.faults(
        FaultRule(kind="drop", route="PATCH /api/users/*", apply=True, count=1),
        FaultRule(kind="status", status=503, route="GET /api/users/*", count=2),
    )
    first = import_csv(crm, path)
    assert first.code == 2, first.err  # left in doubt, as the other `users` commands say it
    crm.faults()
    assert counts(first) == {"in_doubt": 1, "updated": 2, "unchanged": len(rows) - 3}
    in_doubt = crm.users("show", targets[0]["Webitel user name"], "--json").last["reconcile"]
    assert in_doubt is not None and in_doubt["operation"] == "update"
    assert crm.users("reconcile").code == 0
    again = import_csv(crm, path)
    assert again.code == 0, again.err
    assert counts(again) == {"unchanged": len(rows)}  # the server had taken it: Reconcile saw
    for row in targets:
        record = crm.record(row["Webitel user name"])
        assert record is not None
        assert record.extension == row["Extension"] == crm.server_user(record.name).extension


def test_export_to_stdout_and_as_json(crm: Crm, tmp_path: Path) -> None:
    loaded(crm)
    shown = crm.users("export", "--output", "-", "--search", "kovalenko")
    assert shown.code == 0
    lines = shown.out.splitlines()
    assert lines[0] == HEADER and any(line.startswith("olena.kovalenko,") for line in lines)
    as_json = crm.users("export", "--json", "--output", "-")
    assert as_json.code == 0 and as_json.last["ok"] is True
    assert as_json.last["count"] == len(as_json.out.splitlines()) - 1
    default = crm.ok("export")  # --json: JSON Lines, and the result as JSON
    assert Path(default["path"]).parent == tmp_path / "home"  # never the current folder
    assert Path(default["path"]).suffix == ".jsonl"
    assert crm.users("export", "--csv", "--json").code == 3


def test_a_second_run_beside_a_live_one_is_refused(crm: Crm, tmp_path: Path) -> None:
    path = tmp_path / "one.csv"
    path.write_text("Webitel user name,Extension\nokovalenko,7001\n", encoding="utf-8")

    async def start(db: Database) -> uuid.UUID | None:
        async with unit_of_work(db) as uow:
            process = await uow.processes.ensure(PROCESS_CODE, "Import Webitel users from CSV")
            run = await start_run_alone(uow, process)
        return None if run is None else run.id

    live = crm.on_db(start)
    try:
        refused = crm.users("import-csv", str(path))
        assert refused.code == 1
        assert "ImportWebitelUsersFromCsv is already running since" in refused.error_line
        assert crm.sim.state.user_by_username("okovalenko") is None
    finally:
        run_ended(live)
    assert crm.users("import-csv", str(path)).code == 0


@pytest.mark.parametrize("point", ["early", "late"])
def test_a_run_killed_half_way_is_resumed_by_running_it_again(
    crm: Crm, tmp_path: Path, point: str
) -> None:
    """`users import-csv` killed with SIGKILL during its rows (100 ms a request); a Reconcile
    (what every start of the app does) settles a row cut mid-way, and the rerun does the
    rest: every user once on the server, the CRM agreeing, the rows done "unchanged"."""
    logins = [f"csv.k{number}" for number in range(6)]
    add_employees(crm, logins)
    path = tmp_path / "six.csv"
    path.write_text(
        "Webitel user name,Extension,Roles\n"
        + "".join(f"{login},{7400 + n},agents\n" for n, login in enumerate(logins)),
        encoding="utf-8",
    )
    crm.sim.app.set_faults(FaultConfig(latency_ms=100))
    child = subprocess.Popen(
        [sys.executable, "-m", "webitel_tui", "users", "import-csv", str(path)],
        env=dict(os.environ),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        wanted = 1 if point == "early" else 3
        while sum(crm.sim.state.user_by_username(login) is not None for login in logins) < wanted:
            assert time.monotonic() < deadline, "the import did not get going"
            time.sleep(0.01)
        time.sleep(0.15)  # into the next request
    finally:
        child.kill()
        child.wait()
    crm.faults()
    assert crm.users("reconcile").code in (0, 2)
    assert crm.users("reconcile").code == 0
    again = import_csv(crm, path)
    assert again.code == 0, again.err
    done = counts(again)
    # A row done before the kill: unchanged; one cut after its create: its role is added now.
    assert set(done) <= {"created", "updated", "unchanged"}
    assert done.get("created", 0) <= len(logins) - wanted
    for number, login in enumerate(logins):
        assert [u.username for u in crm.sim.state.users.values()].count(login) == 1
        server = crm.server_user(login)
        record = crm.record(login)
        assert record is not None and record.webitel_id == server.id
        assert record.extension == server.extension == str(7400 + number)
        assert AGENTS in server.roles
    assert counts(import_csv(crm, path)) == {"unchanged": 6}


def test_a_file_exported_in_ukrainian_imports_back_unchanged(crm: Crm, tmp_path: Path) -> None:
    loaded(crm)
    path = tmp_path / "uk.csv"
    assert crm.users("export", "--lang", "uk", "--output", str(path)).code == 0
    header = path.read_text(encoding="utf-8").splitlines()[0]
    assert header.startswith("Ім'я користувача Webitel,Контакт,Внутрішній номер,")
    assert ",Так" in path.read_text(encoding="utf-8") or ",Ні" in path.read_text(encoding="utf-8")
    again = import_csv(crm, path)
    assert again.code == 0, again.err
    assert counts(again) == {"unchanged": len(path.read_text(encoding="utf-8").splitlines()) - 1}
