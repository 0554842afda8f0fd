"""One typed hierarchy for everything that can go wrong when talking to Webitel.

Every error carries Webitel's own ``id``, ``code``, ``detail`` and ``status`` text (the body of
``webitel-go-kit`` interceptors: ``{"id","code","detail","status"}``) so that the UI can show
the server's words. No error text ever contains a token or a password: messages are built
only from the server's error body, the HTTP method and the request path (never the query).
"""

from __future__ import annotations

import re
from typing import Any

__all__ = [
    "AuthError",
    "BadRequestError",
    "ConflictError",
    "ConnectFailedError",
    "DeviceProvisioningError",
    "InvalidCredentialsError",
    "LicenseError",
    "MalformedResponseError",
    "NetworkError",
    "NotFoundError",
    "PasswordExpiredError",
    "PermissionDeniedError",
    "ServerError",
    "TokenExpiredError",
    "TwoFactorRequiredError",
    "WebitelError",
    "WebitelTimeoutError",
    "in_doubt",
]


class WebitelError(Exception):
    """Base class: ``id``/``code``/``detail``/``status`` mirror Webitel's error body.

    ``code`` is the HTTP status code (Webitel puts the same number in the body) or ``None``
    when no answer came back (network, timeout). ``status`` is the reason text such as
    ``"Bad Request"``.
    """

    default_detail = "Webitel request failed"

    def __init__(
        self,
        detail: str | None = None,
        *,
        id: str = "",  # noqa: A002 - Webitel's field name, kept so the UI can match on it
        code: int | None = None,
        status: str = "",
        method: str = "",
        path: str = "",
    ) -> None:
        self.id = id
        self.code = code
        self.detail = detail or self.default_detail
        self.status = status
        self.method = method
        self.path = path
        super().__init__(self._message())

    def context(self) -> dict[str, Any]:
        """The server's id and code and the request: for an error that restates this one."""
        return {
            "id": self.id,
            "code": self.code,
            "status": self.status,
            "method": self.method,
            "path": self.path,
        }

    def _message(self) -> str:
        where = f"{self.method} {self.path}: " if self.method or self.path else ""
        tail = []
        if self.code is not None:
            tail.append(str(self.code))
        if self.id:
            tail.append(self.id)
        suffix = f" ({', '.join(tail)})" if tail else ""
        return f"{where}{self.detail}{suffix}"

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(id={self.id!r}, code={self.code!r}, "
            f"detail={self.detail!r}, status={self.status!r})"
        )


class AuthError(WebitelError):
    """The server did not accept who we are (HTTP 401, or a login that failed)."""

    default_detail = "Not authenticated"


class InvalidCredentialsError(AuthError):
    default_detail = "Invalid user name, password or domain"


class TokenExpiredError(AuthError):
    """A ready-made access token was refused: nothing we can do but ask for a new one."""

    default_detail = "The access token has expired or was revoked"


class PasswordExpiredError(AuthError):
    """Login answered 412: ``app.password.expired`` or ``app.password.force_change``."""

    default_detail = "The password has expired and must be changed"

    @property
    def must_change(self) -> bool:
        return self.id == "app.password.force_change"


class TwoFactorRequiredError(AuthError):
    """Login answered with a 2FA session id instead of a token.

    The session id is kept off the message and repr: it lets whoever holds it finish a login.
    """

    default_detail = "Two-factor authentication is required for this account"

    def __init__(self, session_id: str, detail: str | None = None) -> None:
        self._session_id = session_id
        super().__init__(detail, method="POST", path="/login")

    @property
    def session_id(self) -> str:
        return self._session_id


class PermissionDeniedError(WebitelError):
    default_detail = "Permission denied"


class NotFoundError(WebitelError):
    default_detail = "Not found"


class BadRequestError(WebitelError):
    default_detail = "The server rejected the request"


class ConflictError(BadRequestError):
    """A unique value is taken (user name, extension, device name or account).

    Webitel answers these with 400 (gRPC AlreadyExists/InvalidArgument), so the class is
    picked from the error text; ``field`` names the clashing field when the text says it.
    """

    default_detail = "A record with the same unique value already exists"

    field: str | None = None


class LicenseError(BadRequestError):
    """A license cannot be granted (none left, expired, unknown), or the Webitel account the
    CRM signs in with holds no license for what it asked (``app.context.auth.license.err``,
    "User has no license grants" in Webitel's UI): a refusal either way, not a bad login."""

    default_detail = "The license cannot be granted"


class ServerError(WebitelError):
    default_detail = "Webitel server error"


class WebitelTimeoutError(WebitelError, TimeoutError):
    default_detail = "Webitel did not answer in time"


class NetworkError(WebitelError, ConnectionError):
    default_detail = "Cannot reach the Webitel server"


class ConnectFailedError(NetworkError):
    """No connection could be opened, so the request never left this machine. ``url`` is the
    server's address as it may be shown (no user info: see ``options.server_address``)."""

    default_detail = "Cannot connect to the Webitel server"

    def __init__(self, detail: str | None = None, *, url: str = "", **context: Any) -> None:
        self.url = url
        super().__init__(detail, **context)


class MalformedResponseError(WebitelError):
    default_detail = "Webitel sent a response this client cannot read"


def in_doubt(exc: WebitelError) -> bool:
    """Whether the server may or may not have carried out the request that raised ``exc``.

    True when the request was sent but no definite answer came back: the connection broke,
    the answer timed out or could not be read, a 5xx (a proxy may answer for a server that
    went on working), or a 401 to a request that was sent. False when nothing was sent (a
    connect failure, missing credentials) and for the definite refusals (the other 4xx).
    """
    if isinstance(exc, ConnectFailedError):
        return False
    if isinstance(exc, NetworkError | WebitelTimeoutError | ServerError | MalformedResponseError):
        return True
    return isinstance(exc, AuthError) and exc.code == 401


def retryable(exc: WebitelError) -> bool:
    """Whether the same request may succeed if it is sent again: it got no answer (no
    connection, a broken one, a timeout) or a 5xx. An answer that could not be read would
    come again, and a 4xx is a refusal."""
    return isinstance(exc, NetworkError | WebitelTimeoutError | ServerError)


NO_LICENSE_IDS = frozenset({"app.context.auth.license.err", "app.context.authz.license.err"})
"""Webitel's ids for "the signed-in user has no license grants" (the second one is what
older releases of Webitel's login app matched: ``webitel/web-client-auth``)."""
_NO_LICENSE_DETAIL = "The Webitel account in use has no license grants"

_CONFLICT_RE = re.compile(r"already exist|duplicate|unique|is taken|in use", re.IGNORECASE)
_LICENSE_RE = re.compile(r"licen[cs]e|\bproduct\b", re.IGNORECASE)
_FIELD_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("username", re.compile(r"user[ _.]?name|login", re.IGNORECASE)),
    ("extension", re.compile(r"extension", re.IGNORECASE)),
    ("account", re.compile(r"account", re.IGNORECASE)),
    ("name", re.compile(r"\bname\b", re.IGNORECASE)),
)


def _conflict_field(text: str) -> str | None:
    for field, pattern in _FIELD_PATTERNS:
        if pattern.search(text):
            return field
    return None


def error_from_response(
    http_status: int,
    *,
    id: str = "",  # noqa: A002 - Webitel's field name
    detail: str = "",
    status: str = "",
    method: str = "",
    path: str = "",
) -> WebitelError:
    """Pick the error class for an HTTP error answer and its (already parsed) body."""
    text = f"{id} {detail}"
    cls: type[WebitelError]
    if id in NO_LICENSE_IDS and http_status >= 400:
        # Whatever the status (not public): logging in again or retrying cannot help.
        cls = LicenseError
        detail = detail or _NO_LICENSE_DETAIL
    elif http_status == 401:
        cls = AuthError
    elif http_status == 412:
        cls = PasswordExpiredError
    elif http_status == 403:
        cls = PermissionDeniedError
    elif http_status == 404:
        cls = NotFoundError
    elif http_status == 409 or (400 <= http_status < 500 and _CONFLICT_RE.search(text)):
        cls = ConflictError
    elif 400 <= http_status < 500 and _LICENSE_RE.search(text):
        cls = LicenseError
    elif 400 <= http_status < 500:
        cls = BadRequestError
    elif http_status >= 500:
        cls = ServerError
    else:
        cls = MalformedResponseError
        detail = detail or f"unexpected HTTP status {http_status}"
    error = cls(detail or None, id=id, code=http_status, status=status, method=method, path=path)
    if isinstance(error, ConflictError):
        error.field = _conflict_field(text)
    return error


class DeviceProvisioningError(WebitelError):
    """The user was created but its default device could not be set up.

    ``user_id`` names the user that now exists on the server, and ``device_id`` the device
    made for it, if one was (its answer came, or it was found after an answer that was lost),
    so that the caller can delete both (compensate); the original error is ``__cause__``.
    """

    default_detail = "The user was created but its default device could not be set up"

    def __init__(self, user_id: str, cause: WebitelError, device_id: str | None = None) -> None:
        self.user_id = user_id
        self.device_id = device_id
        super().__init__(
            f"user {user_id} was created, but its default device failed: {cause.detail}",
            **cause.context(),
        )
