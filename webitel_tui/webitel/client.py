"""The async Webitel client: every user, role, license and device operation of the product."""

from __future__ import annotations

import logging
import secrets
import string
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self
from urllib.parse import quote

import httpx
from pydantic import SecretStr

from webitel_tui.webitel.errors import (
    BadRequestError,
    DeviceProvisioningError,
    MalformedResponseError,
    NotFoundError,
    WebitelError,
    in_doubt,
)
from webitel_tui.webitel.options import DeviceMode, WebitelOptions
from webitel_tui.webitel.paging import PageFetcher, iter_items
from webitel_tui.webitel.session import HttpSession, Params, is_unknown_parameter
from webitel_tui.webitel.wire import (
    Device,
    InputDevice,
    InputUser,
    ItemT,
    License,
    ObjectRef,
    Page,
    Role,
    User,
    Userinfo,
    decode_json,
    parse_entity,
    parse_model,
    parse_page_json,
)

__all__ = ["CreatedUser", "Id", "WebitelClient", "new_sip_password"]

log = logging.getLogger("webitel_tui.webitel")

Id = str | int
"""Webitel int64 ids: sent as strings, numbers accepted."""


SIP_PASSWORD_LENGTH = 16
_SIP_PASSWORD_ALPHABET = string.ascii_letters + string.digits
"""Letters and digits, as Webitel's admin UI generates a device's password (12 of them:
``webitel/client : src/app/components/utils/generate-password-input.vue``); 16 here, about
95 random bits, and nothing a SIP phone's keypad or config file could mangle."""


def new_sip_password() -> SecretStr:
    """A SIP password for a device this client creates (Python's ``secrets``)."""
    return SecretStr(
        "".join(secrets.choice(_SIP_PASSWORD_ALPHABET) for _ in range(SIP_PASSWORD_LENGTH))
    )


@dataclass(frozen=True, slots=True)
class CreatedUser:
    """What :meth:`WebitelClient.create_user` made: the user as the server answered, and the
    SIP password of its default device when this client chose it (the older servers' device
    flow); None when the server made the password (``generate_device``) or no device was
    made. The password is handed over here once and kept nowhere else; its repr hides it."""

    user: User
    sip_password: SecretStr | None = None


def _seg(value: Id) -> str:
    return quote(str(value), safe="")


def _refs(ids: Sequence[str]) -> list[ObjectRef]:
    return [ObjectRef(id=item) for item in ids]


def _answer_to(exc: MalformedResponseError, path: str) -> MalformedResponseError:
    """`exc` naming the list request (``GET path``, never its query) whose answer it was."""
    if exc.path:
        return exc
    return MalformedResponseError(exc.detail, method="GET", path=path)


async def _walk(fetch: PageFetcher[ItemT], path: str) -> AsyncIterator[ItemT]:
    """Every item of the list at `path`, page after page (see `iter_items`)."""
    try:
        async for item in iter_items(fetch):
            yield item
    except MalformedResponseError as exc:
        raise _answer_to(exc, path) from None


class WebitelClient:
    """One Webitel domain, reached with one set of credentials.

    Use as ``async with WebitelClient(options) as client: ...`` or call :meth:`aclose`.
    It logs in lazily on the first request when a user name and password are configured.
    ``transport`` is for tests (an httpx mock transport).
    """

    def __init__(
        self,
        options: WebitelOptions,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._options = options
        self._session = HttpSession(options, transport=transport)
        self._device_mode: DeviceMode = options.device_mode

    def __repr__(self) -> str:
        return f"WebitelClient(url={self._options.api_url!r}, domain={self._options.domain!r})"

    @property
    def options(self) -> WebitelOptions:
        return self._options

    @property
    def device_mode(self) -> DeviceMode:
        """The device flow in use; ``auto`` becomes ``query`` or ``legacy`` once learnt."""
        return self._device_mode

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._session.aclose()

    async def _call(self, method: str, path: str, **options: Any) -> object:
        """A request's decoded JSON answer; `options` as `HttpSession.request` takes them."""
        return decode_json(await self._session.request(method, path, **options))

    async def _get(self, path: str, params: Params | None = None) -> object:
        return await self._call("GET", path, params=params)

    async def _get_page(self, model: type[ItemT], path: str, params: Params) -> Page[ItemT]:
        body = await self._session.request("GET", path, params=params)
        try:
            return parse_page_json(model, body)
        except MalformedResponseError as exc:
            raise _answer_to(exc, path) from None

    # -- authentication -------------------------------------------------------------------

    async def login(self) -> None:
        """Log in now (otherwise the first request does). Raises an :class:`AuthError`."""
        await self._session.login()

    async def login_2fa(self, session_id: str, totp: str) -> None:
        """Finish a login that raised :class:`TwoFactorRequiredError` with the TOTP code."""
        await self._session.login_2fa(session_id, totp)

    async def logout(self) -> None:
        if self._session.has_token:
            await self._call("POST", "/logout", json={})
        self._session.forget_token()

    async def userinfo(self) -> Userinfo:
        return parse_model(Userinfo, await self._get("/userinfo"))

    # -- users ----------------------------------------------------------------------------

    async def search_users(
        self,
        *,
        page: int = 1,
        size: int | None = None,
        sort: Sequence[str] | None = None,
        username: str | None = None,
        extension: str | None = None,
        include_deleted: bool = False,
    ) -> Page[User]:
        """One page of ``GET /api/users``; ``sort`` items look like ``+name`` or ``-id``."""
        params: Params = {
            "page": page,
            "size": size or self._options.page_size,
            "username": username,
            "extension": extension,
            "sort": list(sort) if sort else None,
            "any": True if include_deleted else None,
        }
        return await self._get_page(User, "/users", params)

    def iter_users(
        self,
        *,
        username: str | None = None,
        include_deleted: bool = False,
        page_size: int | None = None,
    ) -> AsyncIterator[User]:
        """Every matching user, page after page until the server says ``next: false``."""

        async def fetch(number: int) -> Page[User]:
            return await self.search_users(
                page=number, size=page_size, username=username, include_deleted=include_deleted
            )

        return _walk(fetch, "/users")

    async def list_users(self, *, page_size: int | None = None) -> list[User]:
        return [user async for user in self.iter_users(page_size=page_size)]

    async def get_user(self, user_id: Id) -> User:
        return parse_entity(User, await self._get(f"/users/{_seg(user_id)}"))

    async def find_user_by_username(
        self, username: str, *, include_deleted: bool = False
    ) -> User | None:
        """The user whose login is exactly ``username`` (the server filter may be a pattern)."""
        wanted = username.casefold()
        async for user in self.iter_users(username=username, include_deleted=include_deleted):
            if (user.username or "").casefold() == wanted:
                return user
        return None

    async def create_user(
        self,
        user: InputUser,
        *,
        default_device: bool = True,
        device_name: str | None = None,
    ) -> CreatedUser:
        """Create a user; with ``default_device`` (and a ``device_mode`` other than ``none``)
        it also gets a SIP device as its default ``device``.

        The device comes from ``?generate_device=true`` (the server makes its SIP password) or
        from the older servers' two steps (this client makes the password, and returns it
        once in :class:`CreatedUser`), according to ``options.device_mode``; ``auto`` learns
        which from the first answer and keeps it (see :attr:`device_mode`). If the user is
        created but its device fails, :class:`DeviceProvisioningError` names the created user
        (and the device, if one was made) so the caller can compensate.
        """
        if not user.username:
            raise ValueError("a Webitel user needs a user name")
        mode = self._device_mode if default_device else "none"
        if mode == "none":
            return CreatedUser(await self._post_user(user, None))
        name = device_name or user.username
        if mode == "legacy":
            return await self._attach_new_device(await self._post_user(user, None), name)
        params: Params = {
            "generate_device": True,
            "device.name": name,
            "device.generate_password": True,
        }
        try:
            created = await self._post_user(user, params)
        except BadRequestError as exc:
            if mode != "auto" or not is_unknown_parameter(exc, params):
                raise
            self._learn("legacy", "refuses generate_device")
            # A 400 is answered before anything is stored, so posting again is safe.
            return await self._attach_new_device(await self._post_user(user, None), name)
        if created.device is not None:
            self._learn("query", "makes devices with generate_device")
            return CreatedUser(created)
        # An older server ignores the query parameters it does not know (grpc-gateway does).
        self._learn("legacy", "ignores generate_device")
        return await self._attach_new_device(created, name)

    def _learn(self, mode: DeviceMode, why: str) -> None:
        """``auto`` becomes what the server's answer showed, once for the client's life."""
        if self._device_mode == "auto":
            self._device_mode = mode
            log.info("Webitel %s: new users get their devices the %s way", why, mode)

    async def _post_user(self, user: InputUser, params: Params | None) -> User:
        """One POST, never repeated here: after an answer that was lost, whether the user was
        made is for the caller to read back (processes/journal.py)."""
        data = await self._call(
            "POST", "/users", params=params, json=user.to_wire(), idempotent=False
        )
        return parse_entity(User, data)

    async def _attach_new_device(self, user: User, name: str) -> CreatedUser:
        """The older servers' default device: ``POST /devices`` with an account and a SIP
        password (as Webitel's admin UI sends them), then the user PATCHed to use it."""
        password = new_sip_password()
        device: Device | None = None
        try:
            device = await self.create_device(
                InputDevice(
                    name=name,
                    account=user.username or name,
                    password=password,
                    user=ObjectRef(id=user.id),
                )
            )
            linked = await self.set_default_device(user.id, device.id, current=user)
        except WebitelError as exc:
            made = device.id if device is not None else await self._device_left(exc, name, user)
            raise DeviceProvisioningError(user.id, exc, device_id=made) from exc
        return CreatedUser(linked, password)

    async def _device_left(self, exc: WebitelError, name: str, owner: User) -> str | None:
        """The device a ``POST /devices`` whose answer was lost may have made for ``owner``
        (looked up by name), so that it can be removed with the user; None if there is none,
        or the look-up failed too (logged)."""
        if not in_doubt(exc):
            return None

        async def fetch(number: int) -> Page[Device]:
            params: Params = {"page": number, "size": self._options.page_size, "name": name}
            return await self._get_page(Device, "/devices", params)

        wanted = name.casefold()
        try:
            async for device in _walk(fetch, "/devices"):
                owned = device.user is not None and device.user.id == owner.id
                if owned and (device.name or "").casefold() == wanted:
                    return device.id
        except WebitelError:
            log.warning("could not look up the device %s after its answer was lost", name)
        return None

    async def patch_user(self, user_id: Id, changes: InputUser) -> User:
        """``PATCH /api/users/{id}`` with only the set fields; lists replace the whole set."""
        data = await self._call("PATCH", f"/users/{_seg(user_id)}", json=changes.to_wire())
        return parse_entity(User, data)

    async def delete_user(
        self, user_id: Id, *, permanent: bool = True, missing_ok: bool = False
    ) -> None:
        """Delete a user; ``permanent=False`` is Webitel's soft delete (``deleted_at`` set)."""
        try:
            await self._call("DELETE", f"/users/{_seg(user_id)}", params={"permanent": permanent})
        except NotFoundError:
            if not missing_ok:
                raise

    async def set_user_licenses(self, user_id: Id, license_ids: Sequence[str]) -> User:
        return await self.patch_user(user_id, InputUser(license=_refs(license_ids)))

    async def set_user_roles(self, user_id: Id, role_ids: Sequence[str]) -> User:
        return await self.patch_user(user_id, InputUser(roles=_refs(role_ids)))

    async def set_default_device(
        self, user_id: Id, device_id: Id, *, current: User | None = None
    ) -> User:
        """Make ``device_id`` the user's default device (and one of its ``devices``)."""
        user = current or await self.get_user(user_id)
        device_ids = user.device_ids
        if str(device_id) not in device_ids:
            device_ids = [*device_ids, str(device_id)]
        return await self.patch_user(
            user_id, InputUser(devices=_refs(device_ids), device=ObjectRef(id=str(device_id)))
        )

    # -- roles ----------------------------------------------------------------------------

    async def search_roles(self, *, page: int = 1, size: int | None = None) -> Page[Role]:
        params: Params = {"page": page, "size": size or self._options.page_size}
        return await self._get_page(Role, "/roles", params)

    async def list_roles(self, *, include_user_roles: bool = False) -> list[Role]:
        """All roles; Webitel's internal per-user roles (``user: true``) are left out unless
        asked for, because they are not meant to be granted."""

        async def fetch(number: int) -> Page[Role]:
            return await self.search_roles(page=number)

        roles = _walk(fetch, "/roles")
        return [role async for role in roles if include_user_roles or not role.user]

    # -- licenses -------------------------------------------------------------------------

    async def search_licenses(
        self, *, valid: bool | None = None, page: int = 1, size: int | None = None
    ) -> Page[License]:
        """``GET /api/license``; ``valid=True`` keeps only licenses that can still be granted."""
        params: Params = {"page": page, "size": size or self._options.page_size, "valid": valid}
        return await self._get_page(License, "/license", params)

    async def list_licenses(self, *, valid: bool | None = None) -> list[License]:
        async def fetch(number: int) -> Page[License]:
            return await self.search_licenses(valid=valid, page=number)

        return [item async for item in _walk(fetch, "/license")]

    # -- devices --------------------------------------------------------------------------

    async def search_devices(self, *, page: int = 1, size: int | None = None) -> Page[Device]:
        """One page of ``GET /api/devices`` (``SearchDeviceRequest``, ``devices.proto``)."""
        params: Params = {"page": page, "size": size or self._options.page_size}
        return await self._get_page(Device, "/devices", params)

    async def create_device(self, device: InputDevice) -> Device:
        data = await self._call("POST", "/devices", json=device.to_wire(), idempotent=False)
        return parse_entity(Device, data)

    async def get_device(self, device_id: Id) -> Device:
        return parse_entity(Device, await self._get(f"/devices/{_seg(device_id)}"))

    async def delete_device(
        self, device_id: Id, *, permanent: bool = True, missing_ok: bool = False
    ) -> None:
        try:
            await self._call(
                "DELETE", f"/devices/{_seg(device_id)}", params={"permanent": permanent}
            )
        except NotFoundError:
            if not missing_ok:
                raise
