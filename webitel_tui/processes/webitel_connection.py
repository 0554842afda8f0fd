"""The Webitel connection as configured: client options, and "test connection"."""

from __future__ import annotations

from webitel_tui.config import WebitelSettings
from webitel_tui.domain.errors import DomainError
from webitel_tui.i18n import N_, _, tr
from webitel_tui.webitel import WebitelClient, WebitelError, WebitelOptions

NOT_CONFIGURED = N_(
    "The Webitel connection is not set up: set [webitel] url, domain and a token or user "
    "name and password in the configuration."
)


class ConnectionProblem(DomainError):
    """The Webitel server could not be used; the text says why, in the server's words."""


def client_options(settings: WebitelSettings) -> WebitelOptions:
    if not settings.configured:
        raise ConnectionProblem(_(NOT_CONFIGURED))
    return WebitelOptions(
        base_url=settings.url,
        domain=settings.domain,
        username=settings.username,
        password=settings.password,
        token=settings.token,
        timeout=settings.timeout,
        page_size=settings.page_size,
        device_mode=settings.device_mode,
        retries=settings.retries,
    )


async def test_connection(settings: WebitelSettings) -> str:
    """Log in (or use the token) and ask who we are; the answer for the admin."""
    options = client_options(settings)
    try:
        async with WebitelClient(options) as client:
            info = await client.userinfo()
    except WebitelError as exc:
        raise ConnectionProblem(tr("The connection failed: {0}", exc)) from None
    who = info.username or info.name or "?"
    return tr('Connected to the Webitel domain "{0}" as {1}.', info.domain or settings.domain, who)
