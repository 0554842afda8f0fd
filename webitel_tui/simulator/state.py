"""The simulator's domain: users, roles, licenses, devices and tokens, with Webitel's rules.

Every operation either returns the wire body (plain dicts, ids and timestamps as strings,
empty fields left out like the real gateway does) or raises :class:`SimError`. The state is
used from the server's event loop only; tests that run the server in-process may read and
tweak it directly (for example ``state.users[2].tfa = True``).
"""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Literal

from pydantic import ValidationError

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
from webitel_tui.simulator.seed import ADMIN_ROLE, build_seed
from webitel_tui.webitel.wire import InputDevice, InputUser, ObjectRef

LegacyMode = Literal["off", "reject", "ignore"]
"""How the server treats ``?generate_device=true``: ``off`` supports it (a new server),
``reject`` answers 400 "unknown query parameter", ``ignore`` drops it silently."""

Query = Mapping[str, Sequence[str]]
Wire = dict[str, Any]

_DEVICE_PARAMS = ("generate_device", "device.name", "device.account", "device.password")
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
    # The real gateway omits empty fields: no "items" on an empty page, no "next" when false.
    body: Wire = {"page": page, "size": size}
    if items:
        body["items"] = items
    if more:
        body["next"] = True
    return body


def _id_of(ref: ObjectRef | None) -> int | None:
    if ref is None or ref.id is None or ref.id == "":
        return None
    try:
        return int(ref.id)
    except ValueError:
        raise bad_args(f"invalid id {ref.id!r}") from None


def _parse(model: type[InputUser] | type[InputDevice], payload: object) -> Any:
    if not isinstance(payload, dict):
        raise bad_args("the request body must be a JSON object")
    try:
        return model.model_validate(payload)
    except ValidationError as exc:
        problem = exc.errors(include_url=False, include_input=False)[0]
        where = ".".join(str(part) for part in problem["loc"])
        raise bad_args(f"{where}: {problem['msg']}") from None


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
    ) -> None:
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
        if not isinstance(payload, dict):
            raise bad_args("the request body must be a JSON object")
        username = str(payload.get("username") or "")
        password = str(payload.get("password") or "")
        domain = str(payload.get("domain") or "")
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
        if not isinstance(payload, dict):
            raise bad_args("the request body must be a JSON object")
        user_id = self.tfa_sessions.get(str(payload.get("id") or ""))
        if user_id is None or str(payload.get("totp") or "") != self.totp_code:
            raise SimError(401, "api.process.unauthenticated", "invalid two-factor code")
        del self.tfa_sessions[str(payload["id"])]
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

    def logout(self, token: str | None) -> Wire:
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
        return {
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
            "updated_at": str(actor.updated_at),
            "expires_at": str(now_ms() + 12 * 3600 * 1000),
        }

    # -- wire forms -----------------------------------------------------------------------

    def _ref(self, records: Mapping[int, SimUser | SimRole | SimDevice], ident: int) -> Wire:
        record = records.get(ident)
        if record is not None:
            return {"id": str(ident), "name": record.name}
        return {"id": str(ident), "name": "deleted user" if records is self.users else ""}

    def user_wire(self, user: SimUser) -> Wire:
        cached = self._wire_cache.get(user.id)
        if cached is not None:
            return cached
        body: Wire = {
            "id": str(user.id),
            "name": user.name,
            "username": user.username,
            "extension": user.extension,
        }
        if user.email:
            body["email"] = user.email
        if user.chat_name:
            body["chat_name"] = user.chat_name
        if user.presence:
            body["presence"] = {"status": user.presence}
        if user.roles:
            body["roles"] = [self._ref(self.roles, role) for role in user.roles]
        if user.licenses:
            grants = []
            for serial, issued in user.licenses.items():
                lic = self.licenses.get(serial)
                if lic is None:
                    continue
                grants.append(
                    {
                        "id": lic.id,
                        "prod": lic.product,
                        "name": lic.name,
                        "scope": lic.scope,
                        "issued_at": str(issued),
                        "expires_at": str(lic.not_after),
                    }
                )
            body["license"] = grants
        if user.devices:
            body["devices"] = [self._ref(self.devices, dev) for dev in user.devices]
        if user.device is not None:
            body["device"] = self._ref(self.devices, user.device)
        if user.contact:
            body["contact"] = dict(user.contact)
        if user.profile:
            body["profile"] = dict(user.profile)
        if user.force_password_change:
            body["force_password_change"] = True
        body["created_at"] = str(user.created_at)
        body["created_by"] = self._ref(self.users, user.created_by)
        body["updated_at"] = str(user.updated_at)
        body["updated_by"] = self._ref(self.users, user.updated_by)
        if user.deleted_at is not None:
            body["deleted_at"] = str(user.deleted_at)
            body["deleted_by"] = self._ref(self.users, user.deleted_by or 1)
        self._wire_cache[user.id] = body
        return body

    def role_wire(self, role: SimRole) -> Wire:
        body: Wire = {"id": str(role.id), "name": role.name}
        if role.description:
            body["description"] = role.description
        if role.user:
            body["user"] = True
        if role.permissions:
            body["permissions"] = [{"id": p, "name": p} for p in role.permissions]
        return body

    def license_wire(self, lic: SimLicense) -> Wire:
        return {
            "id": lic.id,
            "product": lic.product,
            "name": lic.name,
            "not_before": str(lic.not_before),
            "not_after": str(lic.not_after),
            "limit": lic.limit,
            "remain": lic.remain,
            "scope": lic.scope,
        }

    def device_wire(self, device: SimDevice) -> Wire:
        body: Wire = {"id": str(device.id), "name": device.name, "account": device.account}
        if device.user_id is not None:
            body["user"] = self._ref(self.users, device.user_id)
        if device.hotdesk:
            body["hotdesk"] = True
        for key in ("brand", "model", "mac", "ip"):
            value = getattr(device, key)
            if value:
                body[key] = value
        body["created_at"] = str(device.created_at)
        body["updated_at"] = str(device.updated_at)
        return body

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
        data: InputUser = _parse(InputUser, payload)
        generate = self._device_request(query)
        if not data.username:
            raise bad_args("username is required")
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
            password=data.password.get_secret_value() if data.password else "",
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
        data: InputUser = _parse(InputUser, payload)
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
                data.devices
                if data.devices is not None
                else [ObjectRef(id=str(d)) for d in user.devices]
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
            user.password = data.password.get_secret_value()
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
                device.user_id = None
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
        asked = [key for key in _DEVICE_PARAMS if key in query]
        if not asked:
            return None
        if self.legacy_devices == "reject":
            raise bad_args(f'unknown query parameter "{asked[0]}"')
        if self.legacy_devices == "ignore" or not flag(query, "generate_device"):
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

    def _roles_of(self, refs: list[ObjectRef]) -> list[int]:
        out: list[int] = []
        for ref in refs:
            role_id = _id_of(ref)
            if role_id is None or role_id not in self.roles:
                raise bad_args(f"role {ref.id} not found")
            if role_id not in out:
                out.append(role_id)
        return out

    def _devices_of(
        self, refs: list[ObjectRef] | None, default: ObjectRef | None, owner: int | None
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
            devices.extend(self._devices_of([ObjectRef(id=str(default_id))], None, owner)[0])
        return devices, default_id

    def _licenses_to_grant(
        self, held: set[str], refs: list[ObjectRef] | None
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
    def _contact(ref: ObjectRef | None) -> dict[str, str] | None:
        if ref is None or not ref.id:
            return None
        return {"id": ref.id, "name": ref.name or ""}

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
        body = listing([self.license_wire(lic) for lic in chunk], page, 0, more)
        del body["size"]  # GET /api/license does not echo size
        return body

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

    def create_device(self, actor: SimUser, payload: object) -> Wire:
        self.require_admin(actor)
        data: InputDevice = _parse(InputDevice, payload)
        if not data.name:
            raise bad_args("device name is required")
        owner_id = _id_of(data.user)
        owner = self.get_user(owner_id) if owner_id is not None else None
        device = self._new_device(
            data.name,
            data.account or data.name,
            data.password.get_secret_value() if data.password else secrets.token_urlsafe(12),
        )
        device.hotdesk = bool(data.hotdesk)
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
            "users": len(self.users),
            "deleted_users": sum(1 for u in self.users.values() if u.deleted_at is not None),
            "roles": len(self.roles),
            "devices": len(self.devices),
            "licenses": [self.license_wire(lic) for lic in self.licenses.values()],
            "legacy_devices": self.legacy_devices,
            "token_expiry_after": self.token_expiry_after,
            "requests": self.requests,
        }
