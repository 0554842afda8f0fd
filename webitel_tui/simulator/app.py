"""The simulator as a plain ASGI application (served by uvicorn).

API routes live under ``/api`` like behind Webitel's nginx. Request bodies are read with the
simulator's own schemas (``schemas.py``): an unknown, missing or ill-typed field is a 400 in
Webitel's error shape. ``generation`` (23 or 26) picks the server generation served (see
``state.py``). The admin routes under
``/__sim__/`` are never faulted and need no token:

* ``GET /__sim__/state``: counts, licenses and switches;
* ``GET|POST|DELETE /__sim__/faults``: read, replace (JSON :class:`FaultConfig`) or clear faults;
* ``POST /__sim__/mode``: ``{"legacy_devices": "off"|"reject"|"ignore"}``;
* ``POST /__sim__/tokens/revoke``: every issued token stops working;
* ``POST /__sim__/reset``: reseed the data and go back to the faults given at start.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from collections import deque
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from pydantic import ValidationError

from webitel_tui.simulator.faults import FaultConfig, FaultPlan, FaultRule, MalformedBody
from webitel_tui.simulator.model import SimError, SimUser, bad_args
from webitel_tui.simulator.state import CURRENT_GENERATION, Query, SimulatorState, flag

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


@dataclass
class Request:
    method: str
    path: str
    query: Query
    body: bytes
    token: str | None
    params: dict[str, str] = field(default_factory=dict)
    user: SimUser | None = None

    def json(self) -> object:
        if not self.body.strip():
            return {}
        try:
            return json.loads(self.body)
        except ValueError:
            raise bad_args("the request body is not valid JSON") from None

    @property
    def id(self) -> int:
        """The ``{id}`` of the path."""
        try:
            return int(self.params["id"])
        except ValueError:
            raise bad_args("id: not an id") from None

    @property
    def actor(self) -> SimUser:
        assert self.user is not None
        return self.user


Handler = Callable[[SimulatorState, Request], object]
_ID = "/(?P<id>[^/]+)"


def _routes() -> list[tuple[str, re.Pattern[str], bool, Handler]]:
    """(method, path regex, needs a token, handler)."""
    table: list[tuple[str, str, bool, Handler]] = [
        ("POST", "/login", False, lambda s, r: s.login(r.json())),
        ("POST", "/login/2fa", False, lambda s, r: s.login_2fa(r.json())),
        ("POST", "/logout", True, lambda s, r: s.logout(r.token, r.json())),
        ("GET", "/userinfo", True, lambda s, r: s.userinfo(r.actor)),
        ("GET", "/users", True, lambda s, r: s.search_users(r.query)),
        ("POST", "/users", True, lambda s, r: s.create_user(r.actor, r.json(), r.query)),
        ("GET", f"/users{_ID}", True, lambda s, r: s.user_wire(s.get_user(r.id))),
        ("PATCH", f"/users{_ID}", True, _update_user),
        ("DELETE", f"/users{_ID}", True, _delete_user),
        ("GET", "/roles", True, lambda s, r: s.search_roles(r.query)),
        ("GET", "/license", True, lambda s, r: s.search_licenses(r.query)),
        ("GET", "/devices", True, lambda s, r: s.search_devices(r.query)),
        ("POST", "/devices", True, lambda s, r: s.create_device(r.actor, r.json())),
        ("GET", f"/devices{_ID}", True, lambda s, r: s.device_wire(s.get_device(r.id))),
        ("DELETE", f"/devices{_ID}", True, lambda s, r: s.delete_device(r.actor, r.id)),
    ]
    return [(m, re.compile(f"^/api{p}/?$"), auth, h) for m, p, auth, h in table]


def _update_user(state: SimulatorState, request: Request) -> object:
    return state.update_user(request.actor, request.id, request.json(), request.query)


def _delete_user(state: SimulatorState, request: Request) -> object:
    return state.delete_user(request.actor, request.id, flag(request.query, "permanent"))


def _encode(payload: object) -> bytes:
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


async def _respond(send: Send, status: int, payload: object) -> None:
    await _respond_raw(send, status, _encode(payload))


async def _respond_raw(
    send: Send, status: int, body: bytes, content_type: bytes = b"application/json"
) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", content_type),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def _until_disconnect(receive: Receive, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            while (await receive())["type"] != "http.disconnect":
                pass


_HTML_PAGE = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    b"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
    b"</body>\r\n</html>\r\n"
)
# (body, content type) of a malformed 200 answer; the HTML page is what a proxy in front of
# the API sends when it answers in the API's place.
_MALFORMED: dict[MalformedBody, tuple[bytes, bytes]] = {
    "truncated": (b'{"items":[{"id":"1","name":"trunc', b"application/json"),
    "html": (_HTML_PAGE, b"text/html"),
    "wrong-shape": (b'{"result":"ok"}', b"application/json"),
    "empty": (b"{}", b"application/json"),
}


class SimulatorApp:
    """ASGI callable. ``hold_seconds`` bounds a ``timeout`` fault (then it answers 504)."""

    def __init__(
        self,
        state: SimulatorState,
        faults: FaultConfig | None = None,
        *,
        hold_seconds: float = 30.0,
    ) -> None:
        self.state = state
        self.initial_faults = faults or FaultConfig()
        self.hold_seconds = hold_seconds
        self.faults = FaultPlan(self.initial_faults)
        self.state.token_expiry_after = self.initial_faults.token_expiry_after
        self._routes = _routes()
        self.log: deque[tuple[str, str]] = deque(maxlen=2000)
        """The last API requests as (method, path), for tests that count calls."""

    def set_faults(self, config: FaultConfig) -> None:
        self.faults = FaultPlan(config)
        self.state.token_expiry_after = config.token_expiry_after

    def reset(self) -> None:
        self.state.reset()
        self.log.clear()
        self.set_faults(self.initial_faults)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body.extend(message.get("body", b""))
            if not message.get("more_body"):
                break
        method = str(scope["method"]).upper()
        path = str(scope["path"])
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        token = headers.get("x-webitel-access") or (query.get("access_token") or [None])[0]
        if token is None and headers.get("authorization", "").lower().startswith("bearer "):
            token = headers["authorization"][7:].strip()
        request = Request(method, path, query, bytes(body), token)
        if path.startswith("/__sim__/"):
            await self._admin(request, send)
            return
        await self._api(request, receive, send)

    async def _api(self, request: Request, receive: Receive, send: Send) -> None:
        self.state.requests += 1
        self.log.append((request.method, request.path))
        config = self.faults.config
        if config.latency_ms:
            await asyncio.sleep(config.latency_ms / 1000)
        rule = self.faults.pick(request.method, request.path)
        if rule is not None and rule.apply and rule.kind != "slow":
            self._dispatch(request)
        if rule is not None and await self._misbehave(rule, receive, send):
            return
        status, payload = self._dispatch(request)
        await _respond(send, status, payload)

    def _dispatch(self, request: Request) -> tuple[int, object]:
        known_path = False
        for method, regex, needs_token, handler in self._routes:
            match = regex.match(request.path)
            if match is None:
                continue
            known_path = True
            if method != request.method:
                continue
            request.params = match.groupdict()
            try:
                if needs_token:
                    request.user = self.state.authenticate(request.token)
                return 200, handler(self.state, request)
            except SimError as exc:
                return exc.code, exc.body()
        if known_path:
            return 405, SimError(405, "api.process.method", "method not allowed").body()
        error = SimError(404, "api.process.not_found", f"no route {request.path}")
        return 404, error.body()

    async def _misbehave(self, rule: FaultRule, receive: Receive, send: Send) -> bool:
        """Apply a fault; False means "go on and answer normally" (a slow rule)."""
        if rule.kind == "slow":
            await asyncio.sleep(rule.latency_ms / 1000)
            return False
        if rule.kind == "status":
            error_id = {
                400: "api.process.bad_args",
                401: "api.process.unauthenticated",
                403: "api.process.unauthorized",
                404: "api.process.not_found",
            }.get(rule.status, "api.process.internal")
            error = SimError(rule.status, error_id, f"simulated fault: HTTP {rule.status}")
            await _respond(send, rule.status, error.body())
            return True
        if rule.kind == "malformed":
            body, content_type = _MALFORMED[rule.body]
            await _respond_raw(send, 200, body, content_type)
            return True
        if rule.kind == "timeout":
            # Say nothing until the client gives up (disconnects) or hold_seconds pass.
            await _until_disconnect(receive, self.hold_seconds)
            error = SimError(504, "api.process.timeout", "simulated fault: upstream timeout")
            with contextlib.suppress(Exception):
                await _respond(send, 504, error.body())
            return True
        await self._drop(receive, send)
        return True

    async def _drop(self, receive: Receive, send: Send) -> None:
        # uvicorn's send() is a bound method of the request cycle that owns the transport;
        # closing it drops the connection without a response, as a crashed proxy would.
        transport = getattr(getattr(send, "__self__", None), "transport", None)
        if transport is None:
            raise ConnectionAbortedError("simulated fault: dropped connection")
        transport.close()
        await _until_disconnect(receive, 1.0)

    async def _admin(self, request: Request, send: Send) -> None:
        route = (request.method, request.path.rstrip("/"))
        try:
            if route == ("GET", "/__sim__/state"):
                payload: object = self.state.summary()
            elif route == ("GET", "/__sim__/faults"):
                payload = self.faults.describe()
            elif route == ("POST", "/__sim__/faults"):
                self.set_faults(FaultConfig.model_validate(request.json()))
                payload = self.faults.describe()
            elif route == ("DELETE", "/__sim__/faults"):
                self.set_faults(FaultConfig())
                payload = self.faults.describe()
            elif route == ("POST", "/__sim__/mode"):
                body = request.json()
                mode = body.get("legacy_devices") if isinstance(body, dict) else None
                if mode not in ("off", "reject", "ignore"):
                    raise bad_args('legacy_devices must be "off", "reject" or "ignore"')
                self.state.legacy_devices = mode
                payload = {"legacy_devices": mode}
            elif route == ("POST", "/__sim__/tokens/revoke"):
                self.state.revoke_tokens()
                payload = {}
            elif route == ("POST", "/__sim__/reset"):
                self.reset()
                payload = self.state.summary()
            else:
                raise SimError(404, "api.process.not_found", f"no admin route {request.path}")
        except ValidationError as exc:
            await _respond(send, 400, bad_args(str(exc)).body())
            return
        except SimError as exc:
            await _respond(send, exc.code, exc.body())
            return
        await _respond(send, 200, payload)


def create_app(
    state: SimulatorState | None = None,
    *,
    faults: FaultConfig | None = None,
    hold_seconds: float = 30.0,
    generation: int = CURRENT_GENERATION,
    **state_options: Any,
) -> SimulatorApp:
    """The ASGI app serving Webitel's API of ``generation`` (23 or 26); ``state_options`` go
    to :class:`SimulatorState` when no state is given."""
    if state is None:
        state = SimulatorState(generation=generation, **state_options)
    elif state.generation != generation:
        raise ValueError(f"the state serves generation {state.generation}, not {generation}")
    return SimulatorApp(state, faults, hold_seconds=hold_seconds)
