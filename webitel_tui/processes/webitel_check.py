"""`webitel-tui webitel check`: what the configured Webitel server answers, changing nothing.

It logs in (or uses the token), asks who it is (``GET /userinfo``), and reads the first page
(`CHECK_PAGE_SIZE` items) of users, licenses, roles and devices: only GET requests after the
login, so the server is left as it was. What it found is a :class:`WebitelCheck`; the first
request that fails stops it with :class:`WebitelCheckFailed`, one line naming the request and
what went wrong (a server that answers something else than Webitel's API, no connection,
credentials refused).

The device flow (``generate_device`` on ``POST /users``, servers from 2026-06; or the device
made in two steps, v23-v25) shows only in the answer to a create: no read tells it. It is
"learnt at the first create" unless ``device_mode`` names it (see docs/webitel-compat.md).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, TypeVar

from webitel_tui.config import WebitelSettings
from webitel_tui.domain.errors import DomainError
from webitel_tui.processes.webitel_connection import ConnectionProblem, client_options
from webitel_tui.webitel import (
    AuthError,
    ConnectFailedError,
    InvalidCredentialsError,
    MalformedResponseError,
    NotFoundError,
    Page,
    PasswordExpiredError,
    TokenExpiredError,
    TwoFactorRequiredError,
    WebitelClient,
    WebitelError,
    WebitelOptions,
)
from webitel_tui.webitel.options import server_address

__all__ = [
    "CHECK_PAGE_SIZE",
    "LEARNT_AT_FIRST_CREATE",
    "LicenseFound",
    "ListFound",
    "WebitelCheck",
    "WebitelCheckFailed",
    "check_webitel",
    "server_address",
]

T = TypeVar("T")

CHECK_PAGE_SIZE = 5
"""Items read of each list: enough to see the answer's shape, little for a busy server."""

LEARNT_AT_FIRST_CREATE = "learnt at the first create"

DEVICE_FLOWS = {
    "query": "generate_device on POST /users (servers from 2026-06)",
    "legacy": "POST /devices with a SIP password, then PATCH /users/{id} (v23-v25)",
    "none": "users are created without a device",
}
"""What each device flow (``device_mode``) does, for the report."""

_ADDRESS_HINT = "is [webitel] url the Webitel API address (https://host/api)?"


class WebitelCheckFailed(DomainError):
    """A request of the check failed; the message names it and says why (one line)."""

    def __init__(self, message: str, *, request: str, cause: WebitelError) -> None:
        super().__init__(message)
        self.request = request
        self.cause = cause


@dataclass(frozen=True, slots=True)
class ListFound:
    """The first page of one list."""

    name: str
    """``users``, ``licenses``, ``roles`` or ``devices``."""
    request: str
    """The request that read it, e.g. ``GET /users?page=1&size=5``."""
    count: int
    """Items on the first page."""
    more: bool
    """Whether the server says more pages follow (``next: true``)."""


@dataclass(frozen=True, slots=True)
class LicenseFound:
    """A license of the first page; a count the server left out is 0 (proto3 drops zeros)."""

    id: str
    product: str
    name: str
    remain: int
    limit: int
    not_after: datetime | None

    def expired(self, now: datetime | None = None) -> bool:
        return self.not_after is not None and self.not_after <= (now or datetime.now(UTC))


@dataclass(frozen=True, slots=True)
class WebitelCheck:
    """What `check_webitel` found. Holds no secret: the URL is given without user info."""

    url: str
    domain: str
    account: str
    """The user name logged in as (or its name when the server gives no user name)."""
    user_id: str
    auth: Literal["password", "token"]
    lists: tuple[ListFound, ...]
    licenses: tuple[LicenseFound, ...]
    device_mode: str
    """The configured ``device_mode``."""
    device_flow: str | None
    """The device flow in use when it is known without a create, else ``None``."""
    device_flow_note: str
    """Where `device_flow` comes from, or `LEARNT_AT_FIRST_CREATE`."""

    def as_json(self) -> dict[str, Any]:
        return {
            "ok": True,
            "url": self.url,
            "domain": self.domain,
            "account": self.account,
            "user_id": self.user_id,
            "auth": self.auth,
            "lists": {
                found.name: {"request": found.request, "count": found.count, "more": found.more}
                for found in self.lists
            },
            "licenses": [
                {
                    "id": item.id,
                    "product": item.product,
                    "name": item.name,
                    "remain": item.remain,
                    "limit": item.limit,
                    "not_after": item.not_after.isoformat() if item.not_after else None,
                    "expired": item.expired(),
                }
                for item in self.licenses
            ],
            "device_mode": self.device_mode,
            "device_flow": self.device_flow,
            "device_flow_note": self.device_flow_note,
            "changed": False,
        }


def _reason(exc: WebitelError) -> str:
    """The error's words without the request (the report names it), with status and id."""
    tail = [str(part) for part in (exc.code, exc.id) if part]
    return f"{exc.detail} ({', '.join(tail)})" if tail else exc.detail


def _hint(exc: WebitelError) -> str:
    if isinstance(exc, InvalidCredentialsError):
        return "check [webitel] username, password and domain"
    if isinstance(exc, TokenExpiredError):
        return "set a new [webitel] token"
    if isinstance(exc, TwoFactorRequiredError):
        return "an account with two-factor authentication needs a [webitel] token"
    if isinstance(exc, PasswordExpiredError):
        return "change the account's password in Webitel"
    if isinstance(exc, ConnectFailedError):
        return "is the server up, and the host and port in [webitel] url right?"
    if isinstance(exc, AuthError) and exc.code is None:
        # A login answered without a token: another service's JSON.
        return _ADDRESS_HINT
    if isinstance(exc, MalformedResponseError | NotFoundError):
        return _ADDRESS_HINT
    return ""


def _page_request(path: str) -> str:
    return f"GET {path}?page=1&size={CHECK_PAGE_SIZE}"


class _Steps:
    """Runs the check's requests one by one; the first failure becomes WebitelCheckFailed."""

    def __init__(self, url: str) -> None:
        self.url = url

    async def run(self, what: str, request: str, call: Callable[[], Awaitable[T]]) -> T:
        try:
            return await call()
        except WebitelError as exc:
            raise self.failed(what, request, exc) from exc

    def failed(self, what: str, request: str, exc: WebitelError) -> WebitelCheckFailed:
        hint = _hint(exc)
        message = (
            f"The Webitel check failed at {request} ({what}) on {self.url}: {_reason(exc)}"
            + (f"; {hint}" if hint else "")
        )
        return WebitelCheckFailed(message, request=request, cause=exc)


def _options(settings: WebitelSettings) -> WebitelOptions:
    """The client's options; settings it cannot use are ConnectionProblem (exit 3)."""
    try:
        options = client_options(settings)
    except ValueError as exc:  # the URL or another option the client cannot use
        raise ConnectionProblem(f"The [webitel] settings cannot be used: {exc}") from None
    if not options.uses_token and (not options.username or options.password_value() is None):
        raise ConnectionProblem(
            "The [webitel] settings name no credentials: set a token, or a username and password."
        )
    return options


def _device_flow(configured: str, in_use: str) -> tuple[str | None, str]:
    """(the flow, where it comes from): no read tells it, so ``auto`` leaves it unknown
    unless the client learnt it from an answer."""
    if configured != "auto":
        return configured, "set by device_mode"
    if in_use != "auto":
        return in_use, "told by the server's answers"
    return None, LEARNT_AT_FIRST_CREATE


async def check_webitel(settings: WebitelSettings) -> WebitelCheck:
    """Log in, read who we are and the first page of each list; change nothing."""
    options = _options(settings)
    url = server_address(options.api_url)
    steps = _Steps(url)
    async with WebitelClient(options) as client:
        if not options.uses_token:
            await steps.run("logging in", "POST /login", client.login)
        info = await steps.run("asking who is logged in", "GET /userinfo", client.userinfo)
        if not info.user_id:  # Webitel's Userinfo always has one; another JSON does not
            problem = MalformedResponseError(
                "the answer names no user (no user_id)", method="GET", path="/userinfo"
            )
            raise steps.failed("asking who is logged in", "GET /userinfo", problem)
        size = CHECK_PAGE_SIZE
        lists: list[ListFound] = []

        async def read(name: str, path: str, fetch: Callable[[], Awaitable[Page[T]]]) -> Page[T]:
            request = _page_request(path)
            page = await steps.run(f"reading {name}", request, fetch)
            lists.append(ListFound(name, request, len(page.items), page.next))
            return page

        await read("users", "/users", lambda: client.search_users(page=1, size=size))
        licenses = await read(
            "licenses", "/license", lambda: client.search_licenses(page=1, size=size)
        )
        await read("roles", "/roles", lambda: client.search_roles(page=1, size=size))
        await read("devices", "/devices", lambda: client.search_devices(page=1, size=size))
        flow, note = _device_flow(options.device_mode, client.device_mode)
    return WebitelCheck(
        url=url,
        domain=info.domain or options.domain,
        account=info.username or info.name or options.username,
        user_id=info.user_id or "",
        auth="token" if options.uses_token else "password",
        lists=tuple(lists),
        licenses=tuple(
            LicenseFound(
                id=item.id,
                product=item.product or "",
                name=item.name or "",
                remain=item.remain,
                limit=item.limit,
                not_after=item.not_after,
            )
            for item in licenses.items
        ),
        device_mode=options.device_mode,
        device_flow=flow,
        device_flow_note=note,
    )
