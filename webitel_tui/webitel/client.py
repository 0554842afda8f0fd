"""The async Webitel client: every user, role, license and device operation of the product."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Sequence
from types import TracebackType
from typing import Any, Self
from urllib.parse import quote

import httpx

from webitel_tui.webitel.errors import (
    DeviceProvisioningError,
    MalformedResponseError,
    NotFoundError,
    WebitelError,
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

__all__ = ["Id", "WebitelClient"]

log = logging.getLogger("webitel_tui.webitel")

Id = str | int
"""Webitel int64 ids: sent as strings, numbers accepted."""


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
    ) -> User:
        """Create a user; with ``default_device`` it also gets a SIP device as ``device``.

        The device comes from ``?generate_device=true`` or from the legacy two-step flow,
        according to ``options.device_mode``. If the user is created but its device fails,
        :class:`DeviceProvisioningError` names the created user so the caller can compensate.
        """
        if not user.username:
            raise ValueError("a Webitel user needs a user name")
        name = device_name or user.username
        mode = self._device_mode if default_device else None
        params: Params | None = None
        if mode in ("auto", "query"):
            params = {
                "generate_device": True,
                "device.name": name,
                "device.generate_password": True,
            }
        try:
            created = await self._post_user(user, params)
        except WebitelError as exc:
            if mode != "auto" or not is_unknown_parameter(exc):
                raise
            log.info("Webitel does not know generate_device; creating devices the old way")
            self._device_mode = mode = "legacy"
            # A 400 is answered before anything is stored, so posting again is safe.
            created = await self._post_user(user, None)
        if not default_device:
            return created
        if created.device is not None:
            if self._device_mode == "auto":
                self._device_mode = "query"
            return created
        if mode in ("auto", "query"):
            # Older servers silently ignore unknown query parameters.
            log.info("Webitel ignored generate_device; adding the device the old way")
            if self._device_mode == "auto":
                self._device_mode = "legacy"
        return await self._attach_new_device(created, name)

    async def _post_user(self, user: InputUser, params: Params | None) -> User:
        """One POST, never repeated here: after an answer that was lost, whether the user was
        made is for the caller to read back (processes/journal.py)."""
        data = await self._call(
            "POST", "/users", params=params, json=user.to_wire(), idempotent=False
        )
        return parse_entity(User, data)

    async def _attach_new_device(self, user: User, name: str) -> User:
        try:
            device = await self.create_device(
                InputDevice(name=name, account=user.username or name, user=ObjectRef(id=user.id))
            )
            return await self.set_default_device(user.id, device.id, current=user)
        except WebitelError as exc:
            raise DeviceProvisioningError(user.id, exc) from exc

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
