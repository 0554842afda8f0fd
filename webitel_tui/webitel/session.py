"""The request pipeline: authentication, retries with backoff, and error mapping.

Retry rules, and why:

* A connect error means nothing reached the server, so any method is retried.
* 502/503/504 and a dropped connection are retried only on GET, PUT and DELETE: repeating
  them cannot apply a change twice. A POST is never repeated here; ``create_user`` looks the
  user up first (see ``client.py``).
* A read timeout is not retried: it already cost the whole timeout, and the UI should say so.
* A 401 with password auth logs in again once and repeats the request; with a ready token it
  is :class:`TokenExpiredError`, because nothing here can renew that token.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import re
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import httpx

from webitel_tui.webitel.errors import (
    AuthError,
    BadRequestError,
    ConnectFailedError,
    InvalidCredentialsError,
    LicenseError,
    MalformedResponseError,
    NetworkError,
    TokenExpiredError,
    TwoFactorRequiredError,
    WebitelError,
    WebitelTimeoutError,
    error_from_response,
)
from webitel_tui.webitel.options import WebitelOptions
from webitel_tui.webitel.wire import body_text, decode_json, parse_error, parse_login

__all__ = ["TOKEN_HEADER", "HttpSession", "Params", "is_unknown_parameter"]

log = logging.getLogger("webitel_tui.webitel")

TOKEN_HEADER = "X-Webitel-Access"
_IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE"})
_RETRY_STATUSES = frozenset({502, 503, 504})

ParamValue = str | int | bool | Sequence[str | int] | None
Params = Mapping[str, ParamValue]


def _query(params: Params | None) -> list[tuple[str, str | int | float | bool | None]]:
    """Repeated keys for lists (``fields=id&fields=name``), as Webitel's UI sends them."""
    out: list[tuple[str, str | int | float | bool | None]] = []
    for key, value in (params or {}).items():
        if value is None:
            continue
        if isinstance(value, bool):
            out.append((key, "true" if value else "false"))
        elif isinstance(value, str | int):
            out.append((key, str(value)))
        else:
            out.extend((key, str(item)) for item in value)
    return out


class HttpSession:
    """Owns the httpx client and the access token; sends one logical request at a time."""

    def __init__(
        self,
        options: WebitelOptions,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.options = options
        self._http = httpx.AsyncClient(
            base_url=options.api_url,
            timeout=httpx.Timeout(options.timeout),
            verify=options.verify_tls,
            transport=transport,
            headers={"Accept": "application/json"},
            follow_redirects=False,
        )
        self._token: str | None = options.token_value()
        self._login_lock = asyncio.Lock()

    async def aclose(self) -> None:
        await self._http.aclose()

    @property
    def has_token(self) -> bool:
        return self._token is not None

    def forget_token(self) -> None:
        self._token = None

    # -- authentication -------------------------------------------------------------------

    def _login_body(self) -> dict[str, str]:
        options = self.options
        password = options.password_value()
        if not options.username or password is None:
            raise AuthError("no Webitel credentials: set a token, or a user name and password")
        body = {"username": options.username, "password": password}
        if options.domain and "@" not in options.username:
            body["domain"] = options.domain
        return body

    async def login(self) -> None:
        """``POST /api/login`` with the configured user name, password and domain."""
        async with self._login_lock:
            await self._login_locked()

    async def _login_locked(self) -> None:
        body = self._login_body()
        log.info("logging in to Webitel as %s", self.options.username)
        data = await self._exchange("POST", "/login", json=body, authenticated=False)
        self._accept_login(decode_json(data))

    async def login_2fa(self, session_id: str, totp: str) -> None:
        """Finish a login that answered with a 2FA session (``POST /api/login/2fa``)."""
        async with self._login_lock:
            body = {"id": session_id, "totp": totp}
            data = await self._exchange("POST", "/login/2fa", json=body, authenticated=False)
            self._accept_login(decode_json(data))

    def _accept_login(self, data: object) -> None:
        result = parse_login(data)
        if result.access_token is None:
            if result.id:
                raise TwoFactorRequiredError(result.id)
            raise AuthError(
                "the login answer carried no access token", method="POST", path="/login"
            )
        self._token = result.access_token.get_secret_value()

    async def _current_token(self) -> str:
        if self._token is not None:
            return self._token
        if self.options.uses_token:
            # A configured token that was refused once is not sent again.
            raise TokenExpiredError()
        async with self._login_lock:
            if self._token is None:
                await self._login_locked()
        assert self._token is not None
        return self._token

    # -- requests -------------------------------------------------------------------------

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Params | None = None,
        json: Any = None,
        idempotent: bool | None = None,
    ) -> bytes:
        """Send an authenticated request and return its body (JSON, decoded by the caller:
        a list is parsed in one go)."""
        relogged = False
        while True:
            token = await self._current_token()
            try:
                return await self._exchange(
                    method, path, params=params, json=json, idempotent=idempotent, token=token
                )
            except AuthError as exc:
                if exc.code != 401 or isinstance(exc, InvalidCredentialsError):
                    raise
                if self._token == token:
                    self._token = None
                if self.options.uses_token:
                    raise TokenExpiredError(
                        f"the access token has expired or was revoked ({exc.detail})",
                        **exc.context(),
                    ) from None
                if relogged:
                    raise
                relogged = True
                log.info("Webitel answered 401; logging in again")

    async def _exchange(
        self,
        method: str,
        path: str,
        *,
        params: Params | None = None,
        json: Any = None,
        idempotent: bool | None = None,
        token: str | None = None,
        authenticated: bool = True,
    ) -> bytes:
        safe = method in _IDEMPOTENT if idempotent is None else idempotent
        headers = {TOKEN_HEADER: token} if token is not None else None
        query = _query(params)
        attempt = 0
        while True:
            started = time.perf_counter()
            try:
                response = await self._http.request(
                    method, path, params=query, json=json, headers=headers
                )
            except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                if attempt < self.options.retries:
                    attempt += 1
                    await self._sleep_backoff(attempt, None)
                    continue
                raise ConnectFailedError(
                    f"cannot connect to Webitel ({type(exc).__name__})",
                    url=self.options.shown_url,
                    method=method,
                    path=path,
                ) from None
            except httpx.TimeoutException:
                raise WebitelTimeoutError(
                    f"no answer within {self.options.timeout:g} s", method=method, path=path
                ) from None
            except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as exc:
                if safe and attempt < self.options.retries:
                    attempt += 1
                    await self._sleep_backoff(attempt, None)
                    continue
                raise NetworkError(
                    f"the connection was dropped ({type(exc).__name__})", method=method, path=path
                ) from None
            except httpx.HTTPError as exc:
                raise NetworkError(
                    f"HTTP failure ({type(exc).__name__})", method=method, path=path
                ) from None
            status = response.status_code
            log.debug(
                "%s %s -> %d in %.0f ms",
                method,
                path,
                status,
                1000 * (time.perf_counter() - started),
            )
            if status in _RETRY_STATUSES and safe and attempt < self.options.retries:
                attempt += 1
                await self._sleep_backoff(attempt, response.headers.get("retry-after"))
                continue
            # Login may answer 300 (SSO providers exist) with a normal body.
            if status < 300 or (status == 300 and not authenticated):
                return response.content
            raise self._error(response, method, path, authenticated=authenticated)

    def _error(
        self, response: httpx.Response, method: str, path: str, *, authenticated: bool
    ) -> WebitelError:
        try:
            body = parse_error(decode_json(response.content))
        except MalformedResponseError:
            # A proxy's HTML page or a plain-text answer: its words still say what went wrong.
            body = None
            detail = body_text(response.content)
        else:
            detail = body.detail if body else ""
        status = response.status_code
        error = error_from_response(
            status,
            id=body.id if body else "",
            detail=detail,
            status=body.status if body and body.status else response.reason_phrase,
            method=method,
            path=path,
        )
        if (
            not authenticated
            and status in (400, 401)
            and path.startswith("/login")
            and not isinstance(error, LicenseError)  # right password, no license grants
        ):
            # Some Webitel versions answer a wrong password with 400 instead of 401.
            return InvalidCredentialsError(
                detail or None,
                id=error.id,
                code=status,
                status=error.status,
                method=method,
                path=path,
            )
        return error

    async def _sleep_backoff(self, attempt: int, retry_after: str | None) -> None:
        delay = min(self.options.backoff_max, self.options.backoff * 2 ** (attempt - 1))
        delay *= random.uniform(0.5, 1.0)  # jitter keeps concurrent retries apart
        if retry_after is not None:
            with contextlib.suppress(ValueError):
                delay = max(delay, min(float(retry_after), self.options.backoff_max))
        log.debug("retrying in %.2f s (attempt %d)", delay, attempt)
        await asyncio.sleep(delay)


_UNKNOWN_WORDS = re.compile(r"unknown|unsupported|unrecogni[sz]ed|not found|no field", re.I)


def is_unknown_parameter(error: WebitelError, names: Iterable[str]) -> bool:
    """True for a 400 that refuses one of the query parameters ``names`` as unknown (a
    server older than them).

    Only a refusal that names one of them counts: ``unknown field "nmae"`` is about the
    request body and says nothing of what the server makes of the query, and a conflict or
    a license refusal is about the data."""
    if type(error) is not BadRequestError or error.code != 400:
        return False
    text = f"{error.id} {error.detail}"
    named = any(re.search(rf"(?<![\w.]){re.escape(name)}(?![\w.])", text) for name in names)
    return named and _UNKNOWN_WORDS.search(text) is not None
