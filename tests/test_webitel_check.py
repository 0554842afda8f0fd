"""`webitel-tui webitel check`: what the configured Webitel server answers, changing nothing.

Against the simulator in both server generations it reports what it found and exits 0;
against a server that answers something else (an HTML page, another service's JSON, a wrong
path, nothing at all, a refused password) it says in one line which request failed and
exits 1; without a usable configuration, 3. Every server here is on loopback.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from webitel_tui.cli import main
from webitel_tui.simulator.runner import SimulatorThread, start_simulator_thread

SECRET = "check-Secret-42"
TOKEN = "check-Token-77"


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No setting of the machine's own: a config folder of the test, no WEBITEL_TUI_*."""
    for key in list(os.environ):
        if key.startswith("WEBITEL_TUI_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("WEBITEL_TUI_WEBITEL__RETRIES", "0")
    monkeypatch.setenv("WEBITEL_TUI_WEBITEL__TIMEOUT", "5")
    return monkeypatch


def point_at(
    env: pytest.MonkeyPatch,
    url: str,
    *,
    password: str = SECRET,
    domain: str = "demo",
    username: str = "admin",
) -> None:
    env.setenv("WEBITEL_TUI_WEBITEL__URL", url)
    env.setenv("WEBITEL_TUI_WEBITEL__DOMAIN", domain)
    env.setenv("WEBITEL_TUI_WEBITEL__USERNAME", username)
    env.setenv("WEBITEL_TUI_WEBITEL__PASSWORD", password)


@pytest.fixture(params=[23, 26], ids=["generation-23", "generation-26"])
def simulator(request: pytest.FixtureRequest) -> Iterator[SimulatorThread]:
    """A simulator of each generation whose SUPERVISOR license has none left (a real server
    then sends it without `remain`, as the simulator does)."""
    sim = start_simulator_thread(generation=request.param, users=12, password=SECRET)
    for lic in sim.state.licenses.values():
        if lic.product == "SUPERVISOR":
            lic.used = lic.limit = 2
    try:
        yield sim
    finally:
        sim.stop()


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["webitel", "check", *args])
    out, err = capsys.readouterr()
    return code, out, err


def failure_line(err: str) -> str:
    """The one line a failure is: nothing else on standard error (no traceback)."""
    [line] = err.splitlines()
    assert line.startswith("webitel-tui: The Webitel check failed at "), line
    return line


# Against the simulator: the findings, exit 0 ------------------------------------------------


def test_check_reports_what_the_simulator_answers(
    env: pytest.MonkeyPatch, simulator: SimulatorThread, capsys: pytest.CaptureFixture[str]
) -> None:
    point_at(env, simulator.base_url, domain=simulator.domain, username=simulator.username)
    requests_before = len(simulator.app.log)
    code, out, err = run(capsys)
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == f"Webitel server: {simulator.base_url}"
    assert f"Domain:         {simulator.domain}" in lines
    assert any(line.startswith(f"Logged in as:   {simulator.username} (user id ") for line in lines)
    # 12 users and the admin: more than a page of 5 on each list the simulator seeds.
    assert "Users:          5 on the first page, more follow" in lines
    assert "Devices:        5 on the first page, more follow" in lines
    assert any(line.startswith("Roles:          ") for line in lines)
    assert any(line.startswith("Licenses:       ") for line in lines)
    # A license with none left comes without `remain` (proto3): read as 0, not as unlimited.
    assert "  SUPERVISOR: 0 left of 2" in lines
    assert "Device flow:    learnt at the first create (device_mode = auto)" in lines
    assert lines[-1] == "Nothing was changed on the server."
    assert SECRET not in out
    # Read-only: one login, then GETs only.
    sent = list(simulator.app.log)[requests_before:]
    changing = [(method, path) for method, path in sent if method != "GET"]
    assert len(changing) == 1 and changing[0][0] == "POST" and changing[0][1].endswith("/login")


def test_check_json_against_the_simulator(
    env: pytest.MonkeyPatch, simulator: SimulatorThread, capsys: pytest.CaptureFixture[str]
) -> None:
    point_at(env, simulator.base_url, domain=simulator.domain, username=simulator.username)
    code, out, err = run(capsys, "--json")
    assert (code, err) == (0, "")
    [line] = out.splitlines()
    found: dict[str, Any] = json.loads(line)
    assert found["ok"] is True and found["changed"] is False
    assert (found["url"], found["domain"], found["account"], found["auth"]) == (
        simulator.base_url,
        simulator.domain,
        simulator.username,
        "password",
    )
    assert found["user_id"]
    assert set(found["lists"]) == {"users", "licenses", "roles", "devices"}
    assert found["lists"]["users"] == {
        "request": "GET /users?page=1&size=5",
        "count": 5,
        "more": True,
    }
    assert found["lists"]["devices"]["request"] == "GET /devices?page=1&size=5"
    assert len(found["licenses"]) == found["lists"]["licenses"]["count"]
    supervisor = next(item for item in found["licenses"] if item["product"] == "SUPERVISOR")
    assert (supervisor["remain"], supervisor["limit"]) == (0, 2)
    assert (found["device_mode"], found["device_flow"], found["device_flow_note"]) == (
        "auto",
        None,
        "learnt at the first create",
    )
    assert SECRET not in out


def test_check_says_the_device_mode_set(
    env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    sim = start_simulator_thread(generation=23, users=2, password=SECRET)
    try:
        env.setenv("WEBITEL_TUI_WEBITEL__URL", sim.base_url)
        env.setenv("WEBITEL_TUI_WEBITEL__DOMAIN", sim.domain)
        env.setenv("WEBITEL_TUI_WEBITEL__USERNAME", sim.username)
        env.setenv("WEBITEL_TUI_WEBITEL__PASSWORD", SECRET)
        env.setenv("WEBITEL_TUI_WEBITEL__DEVICE_MODE", "legacy")
        code, out, err = run(capsys)
        assert (code, err) == (0, "")
        assert "on the first page, no more" in out.splitlines()[3]  # Users
        assert "Device flow:    legacy: POST /devices with a SIP password" in out
        assert "(set by device_mode)" in out
    finally:
        sim.stop()


def test_check_in_a_process_of_its_own(tmp_path: Path) -> None:
    """The installed command as cron runs it: exit 0, the findings, no secret."""
    sim = start_simulator_thread(generation=26, users=3, password=SECRET)
    try:
        environ = {k: v for k, v in os.environ.items() if not k.startswith("WEBITEL_TUI_")}
        environ.update(
            XDG_CONFIG_HOME=str(tmp_path / "config"),
            XDG_DATA_HOME=str(tmp_path / "data"),
            XDG_STATE_HOME=str(tmp_path / "state"),
            WEBITEL_TUI_WEBITEL__URL=sim.base_url,
            WEBITEL_TUI_WEBITEL__DOMAIN=sim.domain,
            WEBITEL_TUI_WEBITEL__USERNAME=sim.username,
            WEBITEL_TUI_WEBITEL__PASSWORD=SECRET,
        )
        result = subprocess.run(
            [sys.executable, "-m", "webitel_tui", "webitel", "check", "--json"],
            capture_output=True,
            text=True,
            env=environ,
            timeout=120,
            check=False,
        )
    finally:
        sim.stop()
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert found["ok"] is True and found["lists"]["users"]["count"] > 0
    assert SECRET not in result.stdout + result.stderr


# A server that answers something else: one line, exit 1 -------------------------------------


class _Canned(BaseHTTPRequestHandler):
    """Every request gets the same answer (`server.answer`: status, content type, body)."""

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        status, content_type, body = self.server.answer  # type: ignore[attr-defined]
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        if 300 <= status < 400:
            self.send_header("Location", "/login.html")
        self.end_headers()
        self.wfile.write(body)

    do_GET = _answer
    do_POST = _answer

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base's name
        pass


@pytest.fixture
def canned() -> Iterator[ThreadingHTTPServer]:
    """A loopback HTTP server that is not Webitel; set its `answer` before use."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Canned)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def _url(server: ThreadingHTTPServer) -> str:
    host, port = server.server_address[:2]
    return f"http://{host!s}:{port}/api"


HTML = b"<!doctype html><html><head><title>Welcome</title></head><body><h1>It works</h1></body>"
NGINX_404 = b"<html><head><title>404 Not Found</title></head><body><center><h1>404 Not Found</h1>"
SOME_JSON = json.dumps({"status": "ok", "service": "inventory", "version": "2.1"}).encode()
# Logs in and says who it is, but its lists are not Webitel's.
HALF_JSON = json.dumps(
    {"access_token": "t", "user_id": "1", "domain": "demo", "data": [1, 2], "total": 2}
).encode()


@pytest.mark.parametrize(
    ("answer", "request_named", "words"),
    [
        ((200, "text/html", HTML), "POST /login (logging in)", "not valid JSON"),
        ((404, "text/html", NGINX_404), "POST /login (logging in)", "404 Not Found"),
        ((302, "text/html", HTML), "POST /login (logging in)", "It works (302)"),
        (
            (200, "application/json", SOME_JSON),
            "POST /login (logging in)",
            "the login answer carried no access token",
        ),
        (
            (200, "application/json", HALF_JSON),
            "GET /users?page=1&size=5 (reading users)",
            "keys a page does not have (access_token, data, domain, total, user_id)",
        ),
        (
            (500, "text/plain", b"upstream exploded"),
            "POST /login (logging in)",
            "upstream exploded (500)",
        ),
    ],
    ids=["html-page", "nginx-404", "redirect", "unrelated-json", "unrelated-lists", "5xx"],
)
def test_a_server_that_is_not_webitel_is_one_line(
    env: pytest.MonkeyPatch,
    canned: ThreadingHTTPServer,
    capsys: pytest.CaptureFixture[str],
    answer: tuple[int, str, bytes],
    request_named: str,
    words: str,
) -> None:
    canned.answer = answer  # type: ignore[attr-defined]
    point_at(env, _url(canned))
    code, out, err = run(capsys)
    assert (code, out) == (1, "")
    line = failure_line(err)
    assert f"failed at {request_named} on {_url(canned)}: " in line
    assert words in line
    assert SECRET not in line


def test_unrelated_json_with_a_token_fails_at_userinfo(
    env: pytest.MonkeyPatch, canned: ThreadingHTTPServer, capsys: pytest.CaptureFixture[str]
) -> None:
    canned.answer = (200, "application/json", SOME_JSON)  # type: ignore[attr-defined]
    env.setenv("WEBITEL_TUI_WEBITEL__URL", _url(canned))
    env.setenv("WEBITEL_TUI_WEBITEL__TOKEN", TOKEN)
    code, out, err = run(capsys, "--json")
    assert code == 1
    line = failure_line(err)
    assert "failed at GET /userinfo (asking who is logged in)" in line
    assert "names no user" in line and TOKEN not in err + out
    [json_line] = out.splitlines()
    assert json.loads(json_line) == {
        "ok": False,
        "error": line.removeprefix("webitel-tui: "),
        "exit": 1,
    }


def test_a_wrong_path_on_the_simulator_is_one_line(
    env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    sim = start_simulator_thread(generation=26, users=1, password=SECRET)
    try:
        point_at(env, f"{sim.root_url}/webitel/api", domain=sim.domain, username=sim.username)
        code, out, err = run(capsys)
    finally:
        sim.stop()
    assert (code, out) == (1, "")
    line = failure_line(err)
    assert "failed at POST /login (logging in)" in line
    assert "(404, api.process.not_found)" in line and "Webitel API address" in line


def test_connection_refused_is_one_line(
    env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # A bound port that does not listen: Linux refuses connections to it, and no other
    # program can take it while the test holds it.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as idle:
        idle.bind(("127.0.0.1", 0))
        port = idle.getsockname()[1]
        point_at(env, f"http://127.0.0.1:{port}/api")
        code, out, err = run(capsys)
    assert (code, out) == (1, "")
    line = failure_line(err)
    assert f"failed at POST /login (logging in) on http://127.0.0.1:{port}/api" in line
    assert "cannot connect" in line


def test_a_wrong_password_is_one_line(
    env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    sim = start_simulator_thread(generation=23, users=1, password=SECRET)
    try:
        point_at(
            env, sim.base_url, password="Wrong-Pass-9", domain=sim.domain, username=sim.username
        )
        code, out, err = run(capsys)
    finally:
        sim.stop()
    assert (code, out) == (1, "")
    line = failure_line(err)
    assert "failed at POST /login (logging in)" in line
    assert "check [webitel] username, password and domain" in line
    assert "Wrong-Pass-9" not in err and SECRET not in err


def test_an_account_with_two_factor_login_is_one_line(
    env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    sim = start_simulator_thread(generation=26, users=1, password=SECRET)
    try:
        admin = sim.state.user_by_username(sim.username)
        assert admin is not None
        admin.tfa = True
        point_at(env, sim.base_url, domain=sim.domain, username=sim.username)
        code, out, err = run(capsys)
    finally:
        sim.stop()
    assert (code, out) == (1, "")
    line = failure_line(err)
    assert "failed at POST /login (logging in)" in line
    assert "Two-factor authentication is required" in line and "needs a [webitel] token" in line


# Configuration: exit 3 ----------------------------------------------------------------------


def test_no_url_configured_is_bad_configuration(
    env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys)
    assert (code, out) == (3, "")
    [line] = err.splitlines()
    assert "The Webitel connection is not set up" in line


def test_an_unusable_url_is_bad_configuration(
    env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    point_at(env, "ftp://webitel.example.com")
    code, out, err = run(capsys, "--json")
    assert code == 3
    [line] = err.splitlines()
    assert line.startswith("webitel-tui: The [webitel] settings cannot be used: ")
    assert json.loads(out.splitlines()[-1])["exit"] == 3


def test_no_credentials_is_bad_configuration(
    env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    env.setenv("WEBITEL_TUI_WEBITEL__URL", "http://127.0.0.1:9/api")
    env.setenv("WEBITEL_TUI_WEBITEL__USERNAME", "admin")
    code, out, err = run(capsys)
    assert (code, out) == (3, "")
    [line] = err.splitlines()
    assert "name no credentials" in line


def test_check_needs_its_action(
    env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["webitel"]) == 3
    assert "required" in capsys.readouterr().err
