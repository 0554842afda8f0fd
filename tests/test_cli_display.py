"""The command line quotes data too (issue 13): the terminal gets stand-ins for what it would
obey (domain/display.py), and the JSON lines keep the data exact, escaped."""

from __future__ import annotations

import io
import json

import pytest

from tests.hostile import HOSTILE
from webitel_tui.cli import _print_report, _progress_printer, _report_json
from webitel_tui.cli_users import Output
from webitel_tui.domain.display import HIDDEN, visible
from webitel_tui.processes.get_webitel_users import ImportConflict, ImportProgress, ImportReport

NAMES = list(HOSTILE.values())


def report() -> ImportReport:
    return ImportReport(
        created=NAMES[:3],
        linked=NAMES[3:6],
        conflicts=[ImportConflict(name, f'"{name}" is odd') for name in NAMES[6:9]],
        deleted_on_server=NAMES[9:12],
        errors=NAMES[12:],
    )


def test_the_import_report_shows_each_name_as_its_stand_ins(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _print_report(report(), limit=len(NAMES))
    out = capsys.readouterr().out
    assert all(HIDDEN.search(line) is None for line in out.split("\n"))  # only our breaks
    for name in NAMES[:3]:
        assert f"  {visible(name)}\n" in out  # one line each, a line break in it included


def test_the_import_report_as_json_is_the_same_data() -> None:
    line = _report_json(report())
    assert HIDDEN.search(line) is None
    data = json.loads(line)
    assert [c["name"] for c in data["conflicts"]] == NAMES[6:9]
    assert data["errors"] == NAMES[12:]


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_progress_line_shows_the_current_name_as_its_stand_ins() -> None:
    stream = Terminal()
    show = _progress_printer(stream)
    show(ImportProgress(processed=1, pages=1, current=HOSTILE["ansi"], done=True))
    line = stream.getvalue()
    assert line.startswith("\r") and line.endswith("\n")  # redrawn in place: ours
    assert HIDDEN.search(line[1:-1]) is None
    assert visible(HOSTILE["ansi"]) in line


def test_users_output_lines_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    Output(json=False).line(f"Deleted {HOSTILE['c1']}\nnext line")
    Output(json=True).json_line({"name": HOSTILE["nul"], "contact": HOSTILE["surrogate"]})
    Output(json=False).failed(f"The server said: {HOSTILE['osc-title']}", 1)
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert lines[:2] == [f"Deleted {visible(HOSTILE['c1'])}", "next line"]
    assert json.loads(lines[2]) == {"name": HOSTILE["nul"], "contact": HOSTILE["surrogate"]}
    assert HIDDEN.search(captured.out.replace("\n", "")) is None
    assert HIDDEN.search(captured.err.rstrip("\n")) is None
    assert visible(HOSTILE["osc-title"]) in captured.err
