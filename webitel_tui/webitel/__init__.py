"""Async client for the Webitel REST API (``reference/webitel-api.md``).

Only this package talks HTTP to Webitel. Typical use::

    options = WebitelOptions(base_url="https://pbx.example.com", domain="acme",
                             username="admin", password=SecretStr("..."))
    async with WebitelClient(options) as client:
        async for user in client.iter_users():
            ...
"""

from webitel_tui.webitel.client import CreatedUser, Id, WebitelClient, new_sip_password
from webitel_tui.webitel.errors import (
    AuthError,
    BadRequestError,
    ConflictError,
    ConnectFailedError,
    DeviceProvisioningError,
    InvalidCredentialsError,
    LicenseError,
    MalformedResponseError,
    NetworkError,
    NotFoundError,
    PasswordExpiredError,
    PermissionDeniedError,
    ServerError,
    TokenExpiredError,
    TwoFactorRequiredError,
    WebitelError,
    WebitelTimeoutError,
    in_doubt,
    retryable,
)
from webitel_tui.webitel.options import DEFAULT_PAGE_SIZE, DeviceMode, WebitelOptions
from webitel_tui.webitel.paging import checked_page, iter_items, iter_pages
from webitel_tui.webitel.wire import (
    Device,
    InputDevice,
    InputUser,
    License,
    LicenseGrant,
    ObjectRef,
    Page,
    Role,
    User,
    Userinfo,
)

__all__ = [
    "DEFAULT_PAGE_SIZE",
    "AuthError",
    "BadRequestError",
    "ConflictError",
    "ConnectFailedError",
    "CreatedUser",
    "Device",
    "DeviceMode",
    "DeviceProvisioningError",
    "Id",
    "InputDevice",
    "InputUser",
    "InvalidCredentialsError",
    "License",
    "LicenseError",
    "LicenseGrant",
    "MalformedResponseError",
    "NetworkError",
    "NotFoundError",
    "ObjectRef",
    "Page",
    "PasswordExpiredError",
    "PermissionDeniedError",
    "Role",
    "ServerError",
    "TokenExpiredError",
    "TwoFactorRequiredError",
    "User",
    "Userinfo",
    "WebitelClient",
    "WebitelError",
    "WebitelOptions",
    "WebitelTimeoutError",
    "checked_page",
    "in_doubt",
    "iter_items",
    "iter_pages",
    "new_sip_password",
    "retryable",
]
