"""Pure business rules, with the messages the admin sees."""

from __future__ import annotations

import re

from webitel_tui.domain.display import visible
from webitel_tui.domain.errors import RequiredFieldError, ValidationError
from webitel_tui.domain.limits import EXTENSION, WEBITEL_USER_NAME, Limit, check_text
from webitel_tui.domain.users import SystemUser, UserType
from webitel_tui.i18n import _, tr

# Webitel: Latin letters, digits, "-", "_", "."; no "@" and no spaces.
_WEBITEL_LOGIN = re.compile(r"[A-Za-z0-9._-]+")


def require(value: str | None, field: str | Limit) -> str:
    """The stripped value, or Creatio's "Fill in the required ... field" error. `field` is
    the caption, or the field's limit (domain/limits.py), which the value is checked against
    too."""
    limit = field if isinstance(field, Limit) else None
    caption = limit.caption if limit is not None else str(field)
    if value is None or not value.strip():
        raise RequiredFieldError(caption)
    if limit is not None:
        check_text(value.strip(), limit)
    return value.strip()


def normalize_extension(value: str | None) -> str | None:
    """Digits only, at most 50 of them; empty means "no extension" (allowed, with a warning
    in the card)."""
    if value is None or not value.strip():
        return None
    extension = value.strip()
    check_text(extension, EXTENSION)
    return extension


def check_webitel_login(value: str) -> str:
    login = require(value, WEBITEL_USER_NAME)
    if not _WEBITEL_LOGIN.fullmatch(login):
        raise ValidationError(
            _(
                "The Webitel user name may contain only Latin letters, digits, "
                '"-", "_" and "." (no "@" and no spaces).'
            ),
            "Webitel user name",
        )
    return login


def check_passwords_match(password: str, confirmation: str) -> None:
    if password != confirmation:
        raise ValidationError(_("Passwords do not match"), "Password confirmation")


def check_can_be_webitel_user(user: SystemUser) -> None:
    """M4: portal users are never telephony users; inactive users make no calls either."""
    if user.user_type is UserType.PORTAL:
        raise ValidationError(
            tr(
                '"{0}" is a portal user. Portal users cannot be Webitel users: '
                "phone integration is not available to them.",
                user.name,
            ),
            "User",
        )
    if not user.active:
        raise ValidationError(
            tr('"{0}" is not active and cannot be made a Webitel user.', user.name), "User"
        )


_ICE_SERVER = re.compile(
    r"(?:stuns?|turns?):(?:\[[0-9a-f:.]+\]|[a-z0-9.-]{1,253})(?::[0-9]{1,5})?"
    r"(?:\?transport=(?:udp|tcp))?",
    re.IGNORECASE,
)
"""A STUN or TURN URI (RFC 7064, RFC 7065): scheme, host name or address, optional port and
(TURN) transport. Nothing else is an address a phone could use."""
_QUOTED = 60
"""Characters of a refused entry quoted in the message (a pasted page must not fill it)."""


def parse_ice_servers(text: str) -> list[str]:
    """The STUN/TURN server list of the system setting: URLs separated by spaces or commas."""
    servers = [part for part in re.split(r"[\s,]+", text.strip()) if part]
    for server in servers:
        if _ICE_SERVER.fullmatch(server) is None:
            quoted = server if len(server) <= _QUOTED else server[:_QUOTED] + "…"
            raise ValidationError(
                tr(
                    '"{0}" is not a STUN or TURN server address (stun:host:port, turn:host:port).',
                    visible(quoted),
                ),
                "STUN/TURN servers",
            )
    return servers
