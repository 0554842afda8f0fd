"""The simulator's domain: users, roles, licenses, devices and tokens, with Webitel's rules.

Every operation reads its request body with the simulator's own schemas (``schemas.py``) and
either returns the wire body or raises :class:`SimError`. Answers are proto3 JSON as the real
gateway sends them: plain dicts, int64 ids and timestamps as strings, and zero values left
out (no ``remain`` on a license with none left, no ``items`` and nothing else on an empty
page, no empty strings, lists or ``false``). The state is used from the server's event loop
only; tests that run the server in-process may read and tweak it directly (for example
``state.users[2].tfa = True``).

Two server generations are served (``generation``):

* 26 (the default, servers built from protos since 2026-06): ``POST /users`` takes
  ``?generate_device=true`` and ``device.*`` (``webitel/protos`` 624705b, 2026-05-28,
  ``webitel-go/users.proto`` ``CreateUserRequest``) and makes the user's SIP device;
* 23 (v23-v25, before that commit): no ``generate_device``. What such a server does with the
  unknown query parameter no public source settles: the gateway is not public, and
  grpc-gateway, which the protos' HTTP bindings are written for, logs and ignores a query
  parameter that names no field (``grpc-ecosystem/grpc-gateway : runtime/query.go``,
  ``populateFieldValueFromPath``: "field not found"). So generation 23 ignores it. And
  ``POST /devices`` requires a SIP password (``schemas.PasswordDevice``): with no
  ``generate_device`` nothing on such a server makes one up.
"""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Literal

from webitel_tui.simulator import schemas
from webitel_tui.simulator.model import (
    SimDevice,
    SimError,
    SimLicense,
    SimRole,
    SimToken,
    SimUser,
    bad_args,
    not_found,
)
from webitel_tui.simulator.schemas import ObjectId
from webitel_tui.simulator.seed import ADMIN_ROLE, build_seed

CURRENT_GENERATION = 26
GENERATIONS = (23, CURRENT_GENERATION)
"""The server generations served (see the module doc)."""

LegacyMode = Literal["off", "reject", "ignore"]
"""A test lever older than ``generation``: how a generation-26 server treats
``?generate_device=true``. ``off`` supports it; ``ignore`` drops it, as generation 23 does;
``reject`` answers 400 "unknown query parameter", a variant no public source shows, kept so
that the client's handling of such an answer stays tested. A generation-23 server never
supports it, whatever this says."""

Query = Mapping[str, Sequence[str]]
Wire = dict[str, Any]

_DEVICE_PARAMS = (
    "generate_device",
    "device.name",
    "device.account",
    "device.password",
    "device.generate_password",
)
"""``CreateUserRequest``'s query fields (``webitel-go/users.proto``, swagger ``POST /users``)."""
_SORTABLE_USER = {
    "id": lambda u: u.id,
    "name": lambda u: u.name.casefold(),
    "username": lambda u: u.username.casefold(),
    "extension": lambda u: u.extension,
    "email": lambda u: u.email.casefold(),
    "created_at": lambda u: u.created_at,
}


def now_ms() -> int:
    return int(time.time() * 1000)


def first(query: Query, key: str) -> str | None:
    values = query.get(key)
    return values[0] if values else None


def flag(query: Query, key: str) -> bool:
    return (first(query, key) or "").lower() in ("true", "1", "yes")


def int_param(query: Query, key: str, default: int) -> int:
    raw = first(query, key)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise bad_args(f"{key}: not a number") from None


def many(query: Query, key: str) -> list[str]:
    """A parameter given repeated or comma-separated."""
    return [part for value in query.get(key, ()) for part in value.split(",") if part]


def pattern(text: str) -> re.Pattern[str]:
    """Webitel's ``q``: ``*`` and ``?`` wildcards, case-insensitive, whole value (ILIKE)."""
    body = re.escape(text).replace(r"\*", ".*").replace(r"\?", ".")
    return re.compile(f"^{body}$", re.IGNORECASE | re.DOTALL)


def page_of(items: Sequence[Any], query: Query, default: int) -> tuple[list[Any], int, int, bool]:
    """(items of the page, page, page size, whether more follow)."""
    page = max(1, int_param(query, "page", 1))
    size = int_param(query, "size", default)
    if size < 1:
        size = default
    start = (page - 1) * size
    chunk = list(items[start : start + size + 1])
    return chunk[:size], page, size, len(chunk) > size


def listing(items: list[Wire], page: int, size: int, more: bool) -> Wire:
    """A page in proto3 JSON: ``next`` only when true, ``size`` only when not 0. An empty page
    is ``{}``: with no results there is nothing to report but zero values, which proto3 JSON
    leaves out (the client reads ``{}`` as the empty page, ``webitel/wire.py``)."""
    if not items:
        return {}
    body: Wire = {"page": page}
    if size:
        body["size"] = size
    if more:
        body["next"] = True
    body["items"] = items
    return body


def proto3(body: Wire) -> Wire:
    """``body`` without what proto3 JSON leaves out: ``None``, ``""``, ``0``, ``false``, ``[]``
    and ``{}``, in nested objects too (the elements of a list are kept as they are)."""
    out: Wire = {}
    for key, value in body.items():
        if isinstance(value, dict):
            value = proto3(value)
        elif isinstance(value, list):
            value = [proto3(item) if isinstance(item, dict) else item for item in value]
        if value is None or value is False or value in ("", 0, [], {}):
            continue
        out[key] = value
    return out


def ms(value: int | None) -> str | None:
    """An int64 timestamp on the wire: a string, left out when 0."""
    return str(value) if value else None


def _id_of(ref: ObjectId | None) -> int | None:
    return ref.id if ref is not None and ref.id else None


class SimulatorState:
    def __init__(
        self,
        *,
        users: int = 200,
        seed: int = 1,
        username: str = "admin",
        password: str = "admin",
        domain: str = "demo",
        user_password: str = "demo",
        legacy_devices: LegacyMode = "off",
        default_page_size: int = 16,
        totp_code: str = "123456",
        generation: int = CURRENT_GENERATION,
    ) -> None:
        if generation not in GENERATIONS:
            raise ValueError(f"generation must be one of {', '.join(map(str, GENERATIONS))}")
        self.generation = generation
        self.user_count = users
        self.seed = seed
        self.admin_username = username
        self.admin_password = password
        self.domain = domain
        self.user_password = user_password
        self.initial_legacy_devices: LegacyMode = legacy_devices
        self.default_page_size = default_page_size
        self.totp_code = totp_code
        self.reset()

    # -- set-up ---------------------------------------------------------------------------

    def reset(self) -> None:
        """Back to the seeded data; tokens and run-time switches are dropped."""
        data = build_seed(
            users=self.user_count,
            seed=self.seed,
            admin_username=self.admin_username,
            admin_password=self.admin_password,
            domain=self.domain,
            user_password=self.user_password,
        )
        self.legacy_devices: LegacyMode = self.initial_legacy_devices
        self.users: dict[int, SimUser] = {}
        self.roles: dict[int, SimRole] = {role.id: role for role in data.roles}
        self.licenses: dict[str, SimLicense] = {lic.id: lic for lic in data.licenses}
        self.devices: dict[int, SimDevice] = {dev.id: dev for dev in data.devices}
        self.tokens: dict[str, SimToken] = {}
        self.tfa_sessions: dict[str, int] = {}
        self.token_expiry_after: int | None = None
        self.requests = 0
        self._by_username: dict[str, int] = {}
        self._by_extension: dict[str, int] = {}
        self._wire_cache: dict[int, Wire] = {}
        self._next_role = max(self.roles) + 1
        self._next_device = max(self.devices, default=0) + 1
        for user in data.users:
            self._add_user(user)
        self._next_user = max(self.users) + 1

    def _add_user(self, user: SimUser) -> None:
        role = SimRole(id=self._next_role, name=user.username, user=True)
        self._next_role += 1
        self.roles[role.id] = role
        user.own_role = role.id
        self.users[user.id] = user
        self._by_username[user.username.casefold()] = user.id
        if user.extension:
            self._by_extension[user.extension] = user.id

    def user_by_username(self, username: str) -> SimUser | None:
        user_id = self._by_username.get(username.casefold())
        return self.users.get(user_id) if user_id is not None else None

    def license_by_product(self, product: str) -> SimLicense:
        return next(lic for lic in self.licenses.values() if lic.product == product)

    # -- authentication -------------------------------------------------------------------

    def issue_token(self, user: SimUser | str) -> str:
        """A new access token for ``user`` (also what a long-lived API key is)."""
        target = self.user_by_username(user) if isinstance(user, str) else user
        if target is None:
            raise KeyError(user)
        token = secrets.token_urlsafe(24)
        self.tokens[token] = SimToken(user_id=target.id)
        return token

    def revoke_tokens(self) -> None:
        for token in self.tokens.values():
            token.revoked = True

    def login(self, payload: object) -> Wire:
        data = schemas.read(schemas.LoginRequest, payload)
        username, password, domain = data.username or "", data.password or "", data.domain or ""
        if "@" in username:
            username, _, domain = username.rpartition("@")
        denied = SimError(401, "api.process.unauthenticated", "invalid user name or password")
        if domain and domain != self.domain:
            raise denied
        user = self.user_by_username(username)
        if user is None or user.deleted_at is not None or user.password != password:
            raise denied
        if user.password_expired:
            raise SimError(412, "app.password.expired", "the password has expired")
        if user.force_password_change:
            raise SimError(412, "app.password.force_change", "the password must be changed")
        if user.tfa:
            session = secrets.token_urlsafe(12)
            self.tfa_sessions[session] = user.id
            return {"id": session}
        return {"access_token": self.issue_token(user), "token_type": "Bearer"}

    def login_2fa(self, payload: object) -> Wire:
        data = schemas.read(schemas.LoginTfaRequest, payload)
        user_id = self.tfa_sessions.get(data.id)
        if user_id is None or data.totp != self.totp_code:
            raise SimError(401, "api.process.unauthenticated", "invalid two-factor code")
        del self.tfa_sessions[data.id]
        return {"access_token": self.issue_token(self.users[user_id]), "token_type": "Bearer"}

    def authenticate(self, token: str | None) -> SimUser:
        if not token:
            raise SimError(401, "api.process.unauthenticated", "no access token")
        record = self.tokens.get(token)
        if record is None:
            raise SimError(401, "api.process.unauthenticated", "invalid access token")
        record.uses += 1
        if self.token_expiry_after is not None and record.uses > self.token_expiry_after:
            record.revoked = True
        if record.revoked:
            raise SimError(401, "api.process.unauthenticated", "the access token has expired")
        user = self.users.get(record.user_id)
        if user is None or user.deleted_at is not None:
            raise SimError(401, "api.process.unauthenticated", "the user no longer exists")
        return user

    def logout(self, token: str | None, payload: object) -> Wire:
        schemas.read(schemas.LogoutRequest, payload)
        if token and token in self.tokens:
            self.tokens[token].revoked = True
        return {}

    @staticmethod
    def require_admin(actor: SimUser) -> None:
        if not (actor.is_admin or ADMIN_ROLE in actor.roles):
            raise SimError(
                403,
                "api.context.permissions.app_error",
                f"user {actor.username} has no write access to this object class",
            )

    def userinfo(self, actor: SimUser) -> Wire:
        wire = self.user_wire(actor)
        permissions = (
            [{"id": p, "name": p, "usage": f"{p} any object"} for p in ("add", "read", "write")]
            if actor.is_admin
            else [{"id": "read", "name": "read", "usage": "read any object"}]
        )
        return proto3(
            {
                "dc": "1",
                "domain": self.domain,
                "user_id": str(actor.id),
                "name": actor.name,
                "username": actor.username,
                "extension": actor.extension,
                "chat_name": actor.chat_name,
                "scope": [
                    {"id": "1", "class": "users", "access": "rwxd", "obac": True, "rbac": False},
                    {"id": "2", "class": "devices", "access": "rwxd", "obac": True, "rbac": False},
                ],
                "roles": wire.get("roles", []),
                "license": wire.get("license", []),
                "permissions": permissions,
                "updated_at": ms(actor.updated_at),
                "expires_at": ms(now_ms() + 12 * 3600 * 1000),
            }
        )

    # -- wire forms -----------------------------------------------------------------------

    def _ref(self, records: Mapping[int, SimUser | SimRole | SimDevice], ident: int) -> Wire:
        record = records.get(ident)
        if record is not None:
            return {"id": str(ident), "name": record.name}
        return {"id": str(ident), "name": "deleted user" if records is self.users else ""}

    def user_wire(self, user: SimUser) -> Wire:
        """``User`` (``webitel-go/users.proto``), flat, in proto3 JSON."""
        cached = self._wire_cache.get(user.id)
        if cached is not None:
            return cached
        grants = [
            {
                "id": lic.id,
                "prod": lic.product,
                "name": lic.name,
                "scope": lic.scope,
                "issued_at": ms(issued),
                "expires_at": ms(lic.not_after),
            }
            for serial, issued in user.licenses.items()
            if (lic := self.licenses.get(serial)) is not None
        ]
        deleted = user.deleted_at is not None
        body = proto3(
            {
                "id": str(user.id),
                "name": user.name,
                "username": user.username,
                "extension": user.extension,
                "email": user.email,
                "chat_name": user.chat_name,
                # UserPresence (presence.proto): expires is int32 seconds, not a timestamp.
                "presence": {
                    "status": user.presence,
                    "note": user.presence_note,
                    "expires": user.presence_expires,
                },
                "roles": [self._ref(self.roles, role) for role in user.roles],
                "license": grants,
                "devices": [self._ref(self.devices, dev) for dev in user.devices],
                "device": None if user.device is None else self._ref(self.devices, user.device),
                "contact": user.contact,
                "profile": user.profile,
                "force_password_change": user.force_password_change,
                "created_at": ms(user.created_at),
                "created_by": self._ref(self.users, user.created_by),
                "updated_at": ms(user.updated_at),
                "updated_by": self._ref(self.users, user.updated_by),
                "deleted_at": ms(user.deleted_at),
                "deleted_by": self._ref(self.users, user.deleted_by or 1) if deleted else None,
            }
        )
        self._wire_cache[user.id] = body
        return body

    def role_wire(self, role: SimRole) -> Wire:
        """``Role`` (``webitel-go/roles.proto``)."""
        return proto3(
            {
                "id": str(role.id),
                "name": role.name,
                "description": role.description,
                "user": role.user,
                "permissions": [{"id": p, "name": p} for p in role.permissions],
            }
        )

    def license_wire(self, lic: SimLicense) -> Wire:
        """``LicenseV1`` (``webitel-go/customers.proto``): ``limit`` and ``remain`` are int32,
        so a license with no grants left comes without ``remain``."""
        return proto3(
            {
                "id": lic.id,
                "product": lic.product,
                "name": lic.name,
                "not_before": ms(lic.not_before),
                "not_after": ms(lic.not_after),
                "limit": lic.limit,
                "remain": lic.remain,
                "scope": lic.scope,
            }
        )

    def device_wire(self, device: SimDevice) -> Wire:
        """``Device`` (``webitel-go/devices.proto``): ``logged_in`` is an int64 (unix ms, a
        string), ``hotdesks`` a list of strings; the SIP ``password`` is never sent back."""
        owner = device.user_id
        return proto3(
            {
                "id": str(device.id),
                "name": device.name,
                "account": device.account,
                "user": self._ref(self.users, owner) if owner is not None else None,
                "logged_in": ms(device.logged_in),
                "hotdesk": device.hotdesk,
                "hotdesks": device.hotdesks,
                "brand": device.brand,
                "model": device.model,
                "mac": device.mac,
                "ip": device.ip,
                "created_at": ms(device.created_at),
                "updated_at": ms(device.updated_at),
            }
        )

    def _touch(self, *users: SimUser) -> None:
        for user in users:
            self._wire_cache.pop(user.id, None)

    # -- users ----------------------------------------------------------------------------

    def search_users(self, query: Query) -> Wire:
        """The filters the client sends (``username``, ``extension``: Webitel's ``*``/``?``
        patterns; ``any``: deleted users too), ``sort`` and paging."""
        tests: list[Callable[[SimUser], bool]] = []
        if not flag(query, "any"):
            tests.append(lambda u: u.deleted_at is None)
        for key in ("username", "extension"):
            value = first(query, key)
            if value:
                rx_field = pattern(value)
                tests.append(lambda u, k=key, r=rx_field: bool(r.match(getattr(u, k))))  # type: ignore[misc]
        users = [u for u in self.users.values() if all(test(u) for test in tests)]
        ordered = self._sorted(users, many(query, "sort"))
        chunk, page, size, more = page_of(ordered, query, self.default_page_size)
        return listing([self.user_wire(u) for u in chunk], page, size, more)

    @staticmethod
    def _sorted(users: list[SimUser], sort: list[str]) -> list[SimUser]:
        for spec in reversed(sort):
            descending = spec.startswith(("-", "!"))
            key = spec.lstrip("+-! ")
            getter = _SORTABLE_USER.get(key)
            if getter is None:
                raise bad_args(f"sort: unknown field {key!r}")
            users = sorted(users, key=getter, reverse=descending)
        return users

    def get_user(self, user_id: int) -> SimUser:
        user = self.users.get(user_id)
        if user is None:
            raise not_found(f"user {user_id}")
        return user

    def create_user(self, actor: SimUser, payload: object, query: Query) -> Wire:
        self.require_admin(actor)
        data = schemas.read(schemas.NewUser, payload)
        generate = self._device_request(query)
        self._check_username(data.username, None)
        if data.extension:
            self._check_extension(data.extension, None)
        roles = self._roles_of(data.roles) if data.roles is not None else []
        devices = self._devices_of(data.devices, data.device, None)
        licenses = self._licenses_to_grant(set(), data.license)
        new_device = self._generated_device(generate, data.username)
        stamp = now_ms()
        user = SimUser(
            id=self._next_user,
            name=data.name or data.username,
            username=data.username,
            password=data.password or "",
            extension=data.extension or "",
            email=data.email or "",
            chat_name=data.chat_name or "",
            roles=roles,
            devices=devices[0],
            device=devices[1],
            contact=self._contact(data.contact),
            profile=dict(data.profile or {}),
            force_password_change=bool(data.force_password_change),
            created_at=stamp,
            updated_at=stamp,
            created_by=actor.id,
            updated_by=actor.id,
        )
        self._next_user += 1
        self._add_user(user)
        self._apply_licenses(user, licenses, stamp)
        for device_id in user.devices:
            self.devices[device_id].user_id = user.id
        self._give_device(user, new_device)
        return self.user_wire(user)

    def update_user(self, actor: SimUser, user_id: int, payload: object, query: Query) -> Wire:
        self.require_admin(actor)
        user = self.get_user(user_id)
        data = schemas.read(schemas.InputUser, payload)
        generate = self._device_request(query)
        if data.username is not None:
            if not data.username:
                raise bad_args("username must not be empty")
            self._check_username(data.username, user.id)
        if data.extension:
            self._check_extension(data.extension, user.id)
        roles = self._roles_of(data.roles) if data.roles is not None else None
        devices: tuple[list[int], int | None] | None = None
        if data.devices is not None or data.device is not None:
            current = (
                data.devices if data.devices is not None else [ObjectId(id=d) for d in user.devices]
            )
            devices = self._devices_of(current, data.device, user.id)
        licenses = self._licenses_to_grant(set(user.licenses), data.license)
        new_device = None
        if user.device is None:
            new_device = self._generated_device(generate, user.username)
        stamp = now_ms()
        if data.username is not None and data.username != user.username:
            del self._by_username[user.username.casefold()]
            user.username = data.username
            self._by_username[user.username.casefold()] = user.id
        if data.extension is not None and data.extension != user.extension:
            self._by_extension.pop(user.extension, None)
            user.extension = data.extension
            if user.extension:
                self._by_extension[user.extension] = user.id
        for key in ("name", "email", "chat_name"):
            value = getattr(data, key)
            if value is not None:
                setattr(user, key, value)
        if data.password is not None:
            user.password = data.password
            user.password_expired = False
        if data.force_password_change is not None:
            user.force_password_change = data.force_password_change
        if data.profile is not None:
            user.profile = dict(data.profile)
        if data.contact is not None:
            user.contact = self._contact(data.contact)
        if roles is not None:
            user.roles = roles
        if devices is not None:
            for device_id in user.devices:
                if device_id not in devices[0] and device_id in self.devices:
                    self.devices[device_id].user_id = None
            user.devices, user.device = devices
            for device_id in user.devices:
                self.devices[device_id].user_id = user.id
        if data.license is not None:
            self._apply_licenses(user, licenses, stamp)
        self._give_device(user, new_device)
        user.updated_at = stamp
        user.updated_by = actor.id
        self._touch(user)
        return self.user_wire(user)

    def delete_user(self, actor: SimUser, user_id: int, permanent: bool) -> Wire:
        self.require_admin(actor)
        user = self.get_user(user_id)
        if user.id == actor.id:
            raise bad_args("you cannot delete yourself")
        deleted = self.user_wire(user)
        if permanent:
            self._drop_user(user)
        else:
            user.deleted_at = now_ms()
            user.deleted_by = actor.id
            self._touch(user)
        return {"deleted": [deleted]}

    def _drop_user(self, user: SimUser) -> None:
        for serial in user.licenses:
            lic = self.licenses.get(serial)
            if lic is not None:
                lic.used -= 1
        for device in self.devices.values():
            if device.user_id == user.id:
                device.user_id, device.logged_in = None, 0
        if user.own_role is not None:
            self.roles.pop(user.own_role, None)
        self._by_username.pop(user.username.casefold(), None)
        if self._by_extension.get(user.extension) == user.id:
            del self._by_extension[user.extension]
        for token in self.tokens.values():
            if token.user_id == user.id:
                token.revoked = True
        del self.users[user.id]
        self._touch(user)

    # -- user validation helpers ----------------------------------------------------------

    def _device_request(self, query: Query) -> dict[str, str] | None:
        """What ``generate_device`` asks for; ``None`` when it asks for nothing, or when the
        server does not know it (generation 23 ignores it: see the module doc)."""
        asked = [key for key in _DEVICE_PARAMS if key in query]
        if not asked:
            return None
        if self.legacy_devices == "reject":
            raise bad_args(f'unknown query parameter "{asked[0]}"')
        if (
            self.generation < CURRENT_GENERATION
            or self.legacy_devices == "ignore"
            or not flag(query, "generate_device")
        ):
            return None
        return {key: first(query, key) or "" for key in _DEVICE_PARAMS}

    def _generated_device(self, asked: dict[str, str] | None, login: str) -> SimDevice | None:
        """The device ``generate_device`` asks for, named after ``login`` unless told."""
        if asked is None:
            return None
        return self._new_device(
            asked.get("device.name") or login,
            asked.get("device.account") or login,
            asked.get("device.password") or secrets.token_urlsafe(12),
        )

    def _give_device(self, user: SimUser, device: SimDevice | None) -> None:
        """Store a generated device as the user's default one."""
        if device is not None:
            self._store_device(device, user)
            user.devices.append(device.id)
            user.device = device.id

    def _check_username(self, username: str, own_id: int | None) -> None:
        if not re.fullmatch(r"[A-Za-z0-9._@-]{1,64}", username):
            raise bad_args(f"username {username!r}: use letters, digits, '.', '_', '-' or '@'")
        holder = self._by_username.get(username.casefold())
        if holder is not None and holder != own_id:
            raise SimError(
                400,
                "store.sql_user.save.unique_username",
                f"user name {username} already exists in domain {self.domain}",
            )

    def _check_extension(self, extension: str, own_id: int | None) -> None:
        if not extension.isdigit():
            raise bad_args(f"extension {extension!r}: digits only")
        holder = self._by_extension.get(extension)
        if holder is not None and holder != own_id:
            raise SimError(
                400,
                "store.sql_user.save.unique_extension",
                f"extension {extension} already exists in domain {self.domain}",
            )

    def _roles_of(self, refs: list[ObjectId]) -> list[int]:
        out: list[int] = []
        for ref in refs:
            role_id = _id_of(ref)
            if role_id is None or role_id not in self.roles:
                raise bad_args(f"role {ref.id} not found")
            if role_id not in out:
                out.append(role_id)
        return out

    def _devices_of(
        self, refs: list[ObjectId] | None, default: ObjectId | None, owner: int | None
    ) -> tuple[list[int], int | None]:
        devices: list[int] = []
        for ref in refs or []:
            device_id = _id_of(ref)
            if device_id is None or device_id not in self.devices:
                raise bad_args(f"device {ref.id} not found")
            holder = self.devices[device_id].user_id
            if holder is not None and holder != owner and holder in self.users:
                raise bad_args(f"device {device_id} belongs to user {holder}")
            if device_id not in devices:
                devices.append(device_id)
        default_id = _id_of(default)
        if default_id is not None and default_id not in devices:
            devices.extend(self._devices_of([ObjectId(id=default_id)], None, owner)[0])
        return devices, default_id

    def _licenses_to_grant(
        self, held: set[str], refs: list[schemas.LicenseUser] | None
    ) -> dict[str, SimLicense]:
        """Validate the wanted license list; return the wanted licenses by serial."""
        if refs is None:
            return {serial: self.licenses[serial] for serial in held if serial in self.licenses}
        wanted: dict[str, SimLicense] = {}
        stamp = now_ms()
        for ref in refs:
            serial = ref.id or ""
            lic = self.licenses.get(serial)
            if lic is None:
                raise SimError(400, "app.license.not_found", f"license {serial} not found")
            if serial not in held:
                if lic.not_after <= stamp:
                    raise SimError(
                        400, "app.license.product.expired", f"product: {lic.product} expired"
                    )
                if lic.remain <= 0:
                    raise SimError(
                        400,
                        "app.license.grant.limit",
                        f"product: {lic.product} license has no grants left (limit {lic.limit})",
                    )
            wanted[serial] = lic
        return wanted

    def _apply_licenses(self, user: SimUser, wanted: Mapping[str, SimLicense], stamp: int) -> None:
        for serial in list(user.licenses):
            if serial not in wanted:
                del user.licenses[serial]
                if serial in self.licenses:
                    self.licenses[serial].used -= 1
        for serial, lic in wanted.items():
            if serial not in user.licenses:
                user.licenses[serial] = stamp
                lic.used += 1

    @staticmethod
    def _contact(ref: ObjectId | None) -> dict[str, str] | None:
        if ref is None or not ref.id:
            return None
        return {"id": str(ref.id), "name": ref.name or ""}

    # -- roles and licenses ---------------------------------------------------------------

    def search_roles(self, query: Query) -> Wire:
        chunk, page, _, more = page_of(list(self.roles.values()), query, self.default_page_size)
        items = [self.role_wire(r) for r in chunk]
        # Echoes the size asked for, even one below 1 (the page is cut at the default size).
        return listing(items, page, int_param(query, "size", self.default_page_size), more)

    def search_licenses(self, query: Query) -> Wire:
        stamp = now_ms()
        items: Iterable[SimLicense] = self.licenses.values()
        if flag(query, "valid"):
            items = [lic for lic in items if lic.not_after > stamp and lic.remain > 0]
        chunk, page, _, more = page_of(list(items), query, self.default_page_size)
        # GET /api/license does not echo size (LicenseV1's list answer has no size field).
        return listing([self.license_wire(lic) for lic in chunk], page, 0, more)

    # -- devices --------------------------------------------------------------------------

    def _new_device(self, name: str, account: str, password: str) -> SimDevice:
        for device in self.devices.values():
            for key, wanted in (("name", name), ("account", account)):
                if getattr(device, key).casefold() == wanted.casefold():
                    error_id = f"store.sql_device.save.unique_{key}"
                    raise SimError(400, error_id, f"device {key} {wanted} already exists")
        stamp = now_ms()
        return SimDevice(0, name, account, password, created_at=stamp, updated_at=stamp)

    def _store_device(self, device: SimDevice, owner: SimUser | None) -> None:
        device.id = self._next_device
        self._next_device += 1
        device.user_id = owner.id if owner else None
        self.devices[device.id] = device

    def get_device(self, device_id: int) -> SimDevice:
        device = self.devices.get(device_id)
        if device is None:
            raise not_found(f"device {device_id}")
        return device

    def search_devices(self, query: Query) -> Wire:
        """``GET /api/devices``: paging only (``SearchDeviceRequest``, ``devices.proto``)."""
        chunk, page, size, more = page_of(
            list(self.devices.values()), query, self.default_page_size
        )
        return listing([self.device_wire(d) for d in chunk], page, size, more)

    def create_device(self, actor: SimUser, payload: object) -> Wire:
        """``POST /api/devices``; the body's schema depends on the generation (a password is
        required on 23, made up when missing on 26: ``schemas.DEVICE_SCHEMAS``)."""
        self.require_admin(actor)
        data = schemas.read(schemas.DEVICE_SCHEMAS[self.generation], payload)
        owner_id = _id_of(data.user)
        owner = self.get_user(owner_id) if owner_id is not None else None
        device = self._new_device(
            data.name, data.account or data.name, data.password or secrets.token_urlsafe(12)
        )
        device.hotdesk = bool(data.hotdesk)
        device.hotdesks = list(data.hotdesks or [])
        device.brand, device.model = data.brand or "", data.model or ""
        device.mac, device.ip = data.mac or "", data.ip or ""
        self._store_device(device, owner)
        return self.device_wire(device)

    def delete_device(self, actor: SimUser, device_id: int) -> Wire:
        self.require_admin(actor)
        device = self.get_device(device_id)
        body = self.device_wire(device)
        for user in self.users.values():
            if device_id in user.devices or user.device == device_id:
                user.devices = [d for d in user.devices if d != device_id]
                if user.device == device_id:
                    user.device = None
                self._touch(user)
        del self.devices[device_id]
        return {"deleted": [body]}

    def summary(self) -> Wire:
        return {
            "domain": self.domain,
            "generation": self.generation,
            "users": len(self.users),
            "deleted_users": sum(1 for u in self.users.values() if u.deleted_at is not None),
            "roles": len(self.roles),
            "devices": len(self.devices),
            "licenses": [self.license_wire(lic) for lic in self.licenses.values()],
            "legacy_devices": self.legacy_devices,
            "token_expiry_after": self.token_expiry_after,
            "requests": self.requests,
        }
