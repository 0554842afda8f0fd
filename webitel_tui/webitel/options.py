"""Connection options of the Webitel client."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit, urlunsplit

from pydantic import SecretStr

__all__ = ["DEFAULT_PAGE_SIZE", "DeviceMode", "WebitelOptions", "api_url", "server_address"]

DeviceMode = Literal["auto", "query", "legacy", "none"]
"""How a new user gets its default SIP device.

``query``: ``POST /api/users?generate_device=true`` (servers built from protos >= 2026-05);
the server makes the device and its SIP password.
``legacy``: the older servers' two steps: ``POST /api/devices`` with a SIP password the client
generates, then PATCH the user; that password is handed back once (``CreatedUser``).
``auto``: ``query`` until the first answer tells the server's generation (a user without a
device: the server ignored the parameter; a 400 naming it: the server refused it), then
``query`` or ``legacy`` for the life of the client.
``none``: no device (for servers whose devices are managed elsewhere).
"""

DEFAULT_PAGE_SIZE = 1000
"""Chosen with ``bench/webitel_fetch.py`` (10,000 users over loopback, best of 3): a full fetch
took 0.56 s at 100 per page, 0.41 s at 200, 0.32 s at 500, 0.28 s at 1000 and 0.26 s at 2000.
1000 is the smallest size within 15 % of the fastest; larger pages save little more and make
each answer (about 1 kB per user) slower to arrive over a real network."""

_DEVICE_MODES: tuple[DeviceMode, ...] = ("auto", "query", "legacy", "none")


def api_url(base_url: str) -> str:
    """Normalise a base URL to the API root: ``https://host`` and ``https://host/api/`` both
    become ``https://host/api`` (Webitel's nginx serves the API under ``/api``)."""
    parts = urlsplit(base_url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError("the Webitel base URL must look like https://host or https://host/api")
    path = parts.path.rstrip("/")
    if not path.endswith("/api"):
        path = f"{path}/api"
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def server_address(url: str) -> str:
    """`url` without user info, query or fragment: what may be shown of it."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = f"{host}:{port}" if port is not None else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def _secret(value: SecretStr | str | None) -> SecretStr | None:
    if value is None or isinstance(value, SecretStr):
        return value
    return SecretStr(value)


@dataclass(frozen=True, slots=True)
class WebitelOptions:
    """Where and how to reach Webitel.

    Authenticate either with ``token`` (sent as ``X-Webitel-Access``; a 401 then means the
    token expired or was revoked) or with ``username``/``password``/``domain`` (the client logs
    in, and logs in again once when a request gets 401). ``username`` may be ``user@domain``.
    Secrets are held as :class:`pydantic.SecretStr`, so ``repr`` never shows them; plain
    strings passed in are wrapped.
    """

    base_url: str
    domain: str = ""
    username: str = ""
    password: SecretStr | str | None = None
    token: SecretStr | str | None = None
    timeout: float = 10.0
    page_size: int = DEFAULT_PAGE_SIZE
    device_mode: DeviceMode = "auto"
    retries: int = 2
    backoff: float = 0.25
    backoff_max: float = 4.0
    verify_tls: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "password", _secret(self.password))
        object.__setattr__(self, "token", _secret(self.token))
        if self.device_mode not in _DEVICE_MODES:
            raise ValueError(f"device_mode must be one of {', '.join(_DEVICE_MODES)}")
        if self.page_size < 1:
            raise ValueError("page_size must be at least 1")
        if self.retries < 0:
            raise ValueError("retries must not be negative")
        if self.timeout <= 0:
            raise ValueError("timeout must be positive")
        if self.backoff < 0 or self.backoff_max < 0:
            raise ValueError("backoff must not be negative")
        api_url(self.base_url)

    @property
    def api_url(self) -> str:
        return api_url(self.base_url)

    @property
    def shown_url(self) -> str:
        """The API address as messages may show it: no user info (a password may be in it)."""
        return server_address(self.api_url)

    @property
    def uses_token(self) -> bool:
        return self.token is not None

    def token_value(self) -> str | None:
        return self.token.get_secret_value() if isinstance(self.token, SecretStr) else self.token

    def password_value(self) -> str | None:
        if isinstance(self.password, SecretStr):
            return self.password.get_secret_value()
        return self.password
