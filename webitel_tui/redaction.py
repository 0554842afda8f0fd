"""The secrets of the settings (passwords, tokens, a database URL's password), kept out of
every text the program shows or writes: messages, tracebacks, the log, the error details."""

from __future__ import annotations

from urllib.parse import urlsplit

from webitel_tui.config import Settings

_SECRETS: set[str] = set()
"""The secrets of the settings read: never in a message."""


def remember_secrets(settings: Settings) -> None:
    for secret in (settings.webitel.password, settings.webitel.token):
        if secret is not None and secret.get_secret_value():
            _SECRETS.add(secret.get_secret_value())
    try:
        password = urlsplit(settings.database.url).password
    except ValueError:
        password = None
    if password:
        _SECRETS.add(password)


def hide_secrets(text: str, *, known: bool = True) -> str:
    """`text` as it is but for URL passwords and (with `known`) the settings' passwords and
    tokens, replaced by *** (a traceback `--debug` shows, too)."""
    from webitel_tui.db.engine import mask_url

    text = mask_url(text)
    if known:
        for secret in sorted(_SECRETS, key=len, reverse=True):
            text = text.replace(secret, "***")
    return text
