"""Webitel users (M4-M10): each change on the server goes through the journaled path.

Create, update, delete, licenses and roles are each a `journal.ServerChange`: the CRM's
checks and the intent in one transaction, then the call, then the CRM takes the server's
state (see `journal`). The card, the section's actions and the headless commands call these
functions, and nothing else changes a user on the server.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from pydantic import SecretStr

from webitel_tui.db.engine import Database
from webitel_tui.db.ids import new_id
from webitel_tui.domain import passwords
from webitel_tui.domain.errors import DuplicateValueError, RecordConflictError, ValidationError
from webitel_tui.domain.records import Actor, Record
from webitel_tui.domain.rights import MANAGE_WEBITEL_USERS
from webitel_tui.domain.rules import (
    check_can_be_webitel_user,
    check_webitel_login,
    normalize_extension,
)
from webitel_tui.domain.server_changes import RecordChange, describe_changes, record_changes
from webitel_tui.domain.webitel_users import (
    DomainLicense,
    DomainRole,
    NewWebitelUser,
    WebitelUser,
)
from webitel_tui.i18n import _, tr
from webitel_tui.processes.auth import require_operation
from webitel_tui.processes.journal import (
    NeedsReconcile,
    ServerChange,
    WebitelRefused,
    on_server,
    read_failure,
    refusal,
    run,
)
from webitel_tui.processes.server_user import int_id, license_grants, record_values, shown_roles
from webitel_tui.repositories import UnitOfWork, unit_of_work
from webitel_tui.webitel import (
    DeviceProvisioningError,
    InputUser,
    License,
    NotFoundError,
    User,
    WebitelClient,
    WebitelError,
)

__all__ = [
    "CreatedWebitelUser",
    "NeedsReconcile",
    "Refreshed",
    "WebitelRefused",
    "WebitelUserForm",
    "change_licenses",
    "change_roles",
    "create_webitel_user",
    "delete_webitel_user",
    "refresh_from_webitel",
    "update_webitel_user",
]


class WebitelUserForm(Record):
    """The card's values. `record_id` is None for a new Webitel user."""

    record_id: uuid.UUID | None = None
    version: int = 0
    user_id: uuid.UUID | None = None
    contact_id: uuid.UUID | None = None
    name: str = ""
    extension: str | None = None
    enable_stun: bool = False


@dataclass(frozen=True)
class CreatedWebitelUser:
    """What a create made: the CRM record, and the SIP password of the user's new default
    device when the CRM chose it (older Webitel servers, whose devices need one from the
    client). That password is shown to the admin once: it is in no log, journal entry or
    CRM table, and its repr hides it."""

    record: WebitelUser
    sip_password: SecretStr | None = None

    @property
    def device_name(self) -> str:
        return self.record.default_device_name or self.record.name


def _checked_version(record: WebitelUser, version: int | None) -> None:
    """A stale card is refused before the server is touched."""
    if version is not None and record.version != version:
        raise RecordConflictError(_("Webitel user"), record.id)


@dataclass
class _Claim:
    """The record a server change is for. In the journal's transaction its version goes up
    (a card opened before is refused; while the change is unsettled every other change of
    the record is refused too); the CRM's write after the call checks that nobody wrote the
    record meanwhile, so no card's stale values overwrite another's."""

    record_id: uuid.UUID
    version: int | None
    """The card's version; None for "as it is now" (the headless and bulk changes)."""
    claimed: int = 0

    async def take(self, uow: UnitOfWork) -> WebitelUser:
        record = await uow.webitel_users.claim(self.record_id, self.version)
        self.claimed = record.version
        return record

    async def record(self, uow: UnitOfWork) -> WebitelUser:
        record = await uow.webitel_users.get(self.record_id)
        _checked_version(record, self.claimed)
        return record


async def _check_server_free(
    client: WebitelClient, login: str, extension: str | None, own_id: int | None = None
) -> None:
    """Look on the server before writing: a clear message naming who holds the value."""
    existing = await client.find_user_by_username(login)
    if existing is not None and int_id(existing.id) != own_id:
        raise DuplicateValueError(
            tr('The user name "{0}" already exists on the Webitel server.', login),
            "Webitel user name",
        )
    if extension is None:
        return
    page = await client.search_users(extension=extension, size=10)
    for user in page.items:
        if user.extension == extension and int_id(user.id) != own_id:
            raise DuplicateValueError(
                tr(
                    'The extension {0} is already used on the Webitel server by "{1}".',
                    extension,
                    user.name or user.username or user.id,
                ),
                "Extension",
            )


async def _remove_from_server(client: WebitelClient, user_id: str, device_id: str | None) -> None:
    """The user and its default device, for good (a login can then be created again)."""
    await client.delete_user(user_id, permanent=True, missing_ok=True)
    if device_id is not None:
        await client.delete_device(device_id, permanent=True, missing_ok=True)


# Create (M5) -----------------------------------------------------------------------------------


async def create_webitel_user(
    db: Database, actor: Actor, client: WebitelClient, form: WebitelUserForm
) -> CreatedWebitelUser:
    """M5: the user on Webitel with its default device, then its CRM record; with the
    device's SIP password when the CRM chose it (to be shown once: `CreatedWebitelUser`)."""
    await require_operation(db, actor, MANAGE_WEBITEL_USERS)
    if form.user_id is None:
        raise ValidationError(
            tr("Fill in the required {0} field to save the record.", _("User")), "User"
        )
    login = check_webitel_login(form.name)
    extension = normalize_extension(form.extension)
    record_id = new_id()
    display = login
    sip_password: SecretStr | None = None

    async def check(uow: UnitOfWork) -> None:
        nonlocal display
        # M4: the process refuses portal users itself, whatever screen or import calls it.
        checked = await uow.webitel_users.check_new(
            login, extension, form.user_id, form.contact_id, check_can_be_webitel_user
        )
        assert checked.user is not None
        display = checked.user.contact_name or login

    async def call() -> User | None:
        nonlocal sip_password
        await _check_server_free(client, login, extension)
        new_user = InputUser(
            name=display,
            username=login,
            extension=extension,
            # Webitel wants a password; the phone registers with the device's own secret.
            password=SecretStr(passwords.random_password()),
        )
        try:
            created = await client.create_user(new_user, default_device=True)
        except DeviceProvisioningError as exc:
            # A half-made user is no use to anyone: it goes with its device, and the reason
            # is shown (the cause's words: the user asked for is not there).
            await _remove_from_server(client, exc.user_id, exc.device_id)
            cause = exc.__cause__
            raise refusal(cause if isinstance(cause, WebitelError) else exc) from exc
        # Only this call's answer carries it: a user read back after a lost answer has no
        # password the CRM knows (the older flow had not made its device yet).
        sip_password = created.sip_password
        return created.user

    def applied(server: User | None) -> bool:
        return server is not None and (server.extension or None) == extension

    async def settle(uow: UnitOfWork, server: User | None) -> WebitelUser:
        assert server is not None
        return await uow.webitel_users.create(
            NewWebitelUser(
                user_id=form.user_id,
                contact_id=form.contact_id,
                name=login,
                enable_stun=form.enable_stun,
                **record_values(server),
            ),
            record_id=record_id,
        )

    async def nothing_to_converge(_uow: UnitOfWork, _server: User | None) -> None:
        """The server has no such user, and neither has the CRM."""

    async def undo(server: User | None) -> None:
        assert server is not None
        await _remove_from_server(client, server.id, server.default_device_id)

    record = await run(
        db,
        actor,
        ServerChange(
            operation="create",
            record_id=record_id,
            webitel_id=None,
            name=login,
            intent={
                "user_id": str(form.user_id),
                "contact_id": str(form.contact_id) if form.contact_id else None,
                "extension": extension,
                "enable_stun": form.enable_stun,
            },
            check=check,
            call=call,
            read_back=lambda: client.find_user_by_username(login),
            applied=applied,
            settle=settle,
            converge=nothing_to_converge,
            undo=undo,
            learnt_id=lambda server: int_id(server.id) if server else None,
        ),
    )
    return CreatedWebitelUser(record, sip_password)


# Update: user name, extension, STUN ------------------------------------------------------------


async def update_webitel_user(
    db: Database, actor: Actor, client: WebitelClient, form: WebitelUserForm
) -> WebitelUser:
    """Save an existing card: user name and extension on Webitel, everything in the CRM."""
    await require_operation(db, actor, MANAGE_WEBITEL_USERS)
    assert form.record_id is not None
    record_id = form.record_id
    login = check_webitel_login(form.name)
    extension = normalize_extension(form.extension)
    async with unit_of_work(db) as uow:
        current = await uow.webitel_users.get(record_id)
    _checked_version(current, form.version)

    def from_form(record: WebitelUser) -> WebitelUser:
        return record.model_copy(
            update={
                "user_id": form.user_id,
                "contact_id": form.contact_id,
                "name": login,
                "extension": extension,
                "enable_stun": form.enable_stun,
            }
        )

    webitel_id = current.webitel_id
    if webitel_id is None or (login, extension) == (current.name, current.extension):
        # Nothing changes on the server: a plain CRM save, its version checked, refused
        # while a server change of the record is unsettled (its write would meet this one).
        async with unit_of_work(db, actor) as uow:
            if await uow.reconcile.unsettled_for(record_id) is not None:
                raise RecordConflictError(_("Webitel user"), record_id)
            return await uow.webitel_users.update(from_form(current))
    claim = _Claim(record_id, form.version)

    async def check(uow: UnitOfWork) -> None:
        await claim.take(uow)
        await uow.webitel_users.check_unique(login, extension, form.user_id, record_id)

    async def call() -> User:
        await _check_server_free(client, login, extension, webitel_id)
        return await client.patch_user(
            webitel_id, InputUser(username=login, extension=extension or "")
        )

    def applied(server: User) -> bool:
        return (server.username, server.extension or None) == (login, extension)

    async def settle(uow: UnitOfWork, server: User) -> WebitelUser:
        record = from_form(await claim.record(uow))
        return await uow.webitel_users.update(_with_server_fields(record, server))

    async def converge(uow: UnitOfWork, server: User) -> None:
        record = await claim.record(uow)
        await uow.webitel_users.update(_with_server_fields(record, server))

    return await run(
        db,
        actor,
        ServerChange(
            operation="update",
            record_id=record_id,
            webitel_id=webitel_id,
            name=login,
            intent={"username": login, "extension": extension},
            check=check,
            call=call,
            read_back=lambda: client.get_user(webitel_id),
            applied=applied,
            settle=settle,
            converge=converge,
        ),
    )


# Delete (M6) -----------------------------------------------------------------------------------


async def delete_webitel_user(
    db: Database, actor: Actor, client: WebitelClient, record_id: uuid.UUID, version: int
) -> None:
    """M6: delete permanently on Webitel, with the user's default device, then in the CRM."""
    await require_operation(db, actor, MANAGE_WEBITEL_USERS)
    async with unit_of_work(db) as uow:
        current = await uow.webitel_users.get(record_id)
    _checked_version(current, version)
    webitel_id = current.webitel_id
    if webitel_id is None:
        async with unit_of_work(db, actor) as uow:
            await uow.webitel_users.delete(record_id, version)
        return
    device_id = str(current.default_device_id) if current.default_device_id else None
    claim = _Claim(record_id, version)

    async def call() -> tuple[bool, bool]:
        await _remove_from_server(client, str(webitel_id), device_id)
        return False, False

    async def read_back() -> tuple[bool, bool]:
        """(the user is still there, its device is still there)"""
        return await _exists(client.get_user(webitel_id)), device_id is not None and (
            await _exists(client.get_device(device_id))
        )

    async def settle(uow: UnitOfWork, _left: tuple[bool, bool]) -> None:
        await uow.webitel_users.delete(record_id, (await claim.record(uow)).version)

    async def converge(uow: UnitOfWork, left: tuple[bool, bool]) -> None:
        if not left[0]:  # the user is gone, only its device was left
            await uow.webitel_users.delete(record_id, (await claim.record(uow)).version)

    await run(
        db,
        actor,
        ServerChange(
            operation="delete",
            record_id=record_id,
            webitel_id=webitel_id,
            name=current.name,
            intent={"deleted": True, "device_id": device_id},
            check=claim.take,
            call=call,
            read_back=read_back,
            applied=lambda left: not any(left),
            settle=settle,
            converge=converge,
        ),
    )


async def _exists(read: Awaitable[object]) -> bool:
    try:
        await read
    except NotFoundError:
        return False
    return True


# Licenses (M7/M8) and roles (M9) -----------------------------------------------------------------


async def _on_server_record(
    db: Database, record_id: uuid.UUID, version: int | None
) -> tuple[WebitelUser, int]:
    async with unit_of_work(db) as uow:
        record = await uow.webitel_users.get(record_id)
    _checked_version(record, version)
    if record.webitel_id is None:
        raise ValidationError(_("This Webitel user is not on the Webitel server yet."))
    return record, record.webitel_id


def _edited(current: Sequence[str], add: Sequence[str], remove: Sequence[str]) -> list[str]:
    """The server's list with the admin's additions and removals: another admin's change
    made meanwhile is kept."""
    kept = [item for item in current if item not in remove]
    return kept + [item for item in dict.fromkeys(add) if item not in kept]


@dataclass(frozen=True)
class _UserList:
    """One of a Webitel user's lists that Webitel replaces whole on a PATCH."""

    operation: str
    held: Callable[[User], list[str]]
    send: Callable[[WebitelClient, int, list[str]], Awaitable[User]]
    take: Callable[[UnitOfWork, uuid.UUID, User], Awaitable[object]]
    """The CRM's detail becomes the server's list."""


async def change_licenses(
    db: Database,
    actor: Actor,
    client: WebitelClient,
    record_id: uuid.UUID,
    *,
    add: Sequence[str] = (),
    remove: Sequence[str] = (),
    version: int | None = None,
) -> WebitelUser:
    """M7/M8: grant the licenses `add` and revoke `remove` (license serials). `version`, when
    given, is the card's: a stale card is refused. The record is returned with its new
    version."""
    await require_operation(db, actor, MANAGE_WEBITEL_USERS)
    licenses = _UserList(
        "licenses",
        lambda user: user.license_ids,
        lambda client, user_id, ids: client.set_user_licenses(user_id, ids),
        lambda uow, record_id, server: uow.webitel_users.set_licenses(
            record_id, license_grants(server)
        ),
    )
    return await _change_list(db, actor, client, record_id, licenses, add, remove, version)


async def change_roles(
    db: Database,
    actor: Actor,
    client: WebitelClient,
    record_id: uuid.UUID,
    *,
    add: Sequence[int] = (),
    remove: Sequence[int] = (),
    version: int | None = None,
) -> WebitelUser:
    """M9: add the roles `add` and remove `remove` (Webitel role ids; roles are defined on
    Webitel only). Webitel's internal per-user role stays, as the server's list is edited."""
    await require_operation(db, actor, MANAGE_WEBITEL_USERS)
    names = await role_names(client)
    roles = _UserList(
        "roles",
        lambda user: user.role_ids,
        lambda client, user_id, ids: client.set_user_roles(user_id, ids),
        lambda uow, record_id, server: uow.webitel_users.set_roles(
            record_id, shown_roles(server, names)
        ),
    )
    added, removed = [str(role) for role in add], [str(role) for role in remove]
    return await _change_list(db, actor, client, record_id, roles, added, removed, version)


async def _change_list(
    db: Database,
    actor: Actor,
    client: WebitelClient,
    record_id: uuid.UUID,
    listed: _UserList,
    add: Sequence[str],
    remove: Sequence[str],
    version: int | None,
) -> WebitelUser:
    """Items added to and removed from one of the user's lists, through the journaled path:
    the PATCH is built from the server's list as it is, never from the card's view."""
    record, webitel_id = await _on_server_record(db, record_id, version)
    claim = _Claim(record_id, version)

    async def call() -> User:
        user = await client.get_user(webitel_id)
        wanted = _edited(listed.held(user), add, remove)
        if wanted == listed.held(user):
            return user
        return await listed.send(client, webitel_id, wanted)

    def applied(server: User) -> bool:
        held = set(listed.held(server))
        return set(add) <= held and not held & set(remove)

    async def settle(uow: UnitOfWork, server: User) -> WebitelUser:
        await claim.record(uow)
        await listed.take(uow, record_id, server)
        return await uow.webitel_users.get(record_id)

    async def converge(uow: UnitOfWork, server: User) -> None:
        await settle(uow, server)

    return await run(
        db,
        actor,
        ServerChange(
            operation=listed.operation,
            record_id=record_id,
            webitel_id=webitel_id,
            name=record.name,
            intent={"add": list(add), "remove": list(remove)},
            check=claim.take,
            call=call,
            read_back=lambda: client.get_user(webitel_id),
            applied=applied,
            settle=settle,
            converge=converge,
        ),
    )


# Lookups and the server's state as the CRM keeps it ------------------------------------------


def _domain_license(found: License, now: datetime) -> DomainLicense:
    return DomainLicense(
        id=found.id,
        product=found.product or "",
        name=found.name or "",
        expires_on=found.not_after,
        limit=found.limit,
        remain=found.remain,
        expired=found.is_expired(now),
        grantable=found.is_grantable(now),
    )


async def available_licenses(client: WebitelClient) -> list[DomainLicense]:
    """The licenses lookup: all of the domain's licenses (a handful), grantable or not."""
    found = await on_server(client.list_licenses())
    now = datetime.now(UTC)
    return [_domain_license(each, now) for each in found]


async def assignable_roles(client: WebitelClient) -> list[DomainRole]:
    """The roles lookup: Webitel's roles without the internal per-user ones."""
    found = await on_server(client.list_roles(include_user_roles=False))
    # The CRM keeps a role by its int64 id (as Webitel defines it); a role the server sends
    # with another id could not be kept, so it is not offered.
    return [
        DomainRole(id=int(role.id), name=role.name or "") for role in found if role.id.isdigit()
    ]


def license_refusal(grant: DomainLicense) -> str | None:
    """Why the license cannot be granted ("Expired", "No grants left"), or None: it can.
    The licenses lookup shows such a license dimmed and does not let it be ticked."""
    if grant.expired:
        return _("Expired")
    # A count the server left out is 0 (proto3 drops zeros): Webitel has no unlimited license.
    if grant.remain <= 0:
        return _("No grants left")
    return None


def license_availability(grant: DomainLicense) -> str:
    """ "N of M available", or why it cannot be granted."""
    return license_refusal(grant) or tr("{0} of {1} available", grant.remain, grant.limit)


async def role_names(client: WebitelClient) -> dict[str, str]:
    """The names of the roles the CRM shows, by id (Webitel's per-user internal roles are
    left out: Webitel owns them and the CRM never shows them)."""
    every_role = await on_server(client.list_roles(include_user_roles=True))
    return {role.id: role.name or "" for role in every_role if not role.user}


def _with_server_fields(record: WebitelUser, server: User) -> WebitelUser:
    return record.model_copy(
        update={"name": server.username or record.name, **record_values(server)}
    )


async def match_details(
    uow: UnitOfWork, record_id: uuid.UUID, server: User, names: dict[str, str]
) -> None:
    """The record's "User licenses" and "User roles" become the server user's."""
    await uow.webitel_users.set_licenses(record_id, license_grants(server))
    await uow.webitel_users.set_roles(record_id, shown_roles(server, names))


async def bring_in_line(
    uow: UnitOfWork, record: WebitelUser, server: User, names: dict[str, str]
) -> WebitelUser:
    """Make the CRM record what the server has: name, extension, user id, default device,
    licenses, roles (Refresh from Webitel and Reconcile; the change log records it)."""
    updated = await uow.webitel_users.update(_with_server_fields(record, server))
    await match_details(uow, record.id, server, names)
    return await uow.webitel_users.get(updated.id)


@dataclass(frozen=True)
class Refreshed:
    """What "Refresh from Webitel" made of a record: the record as it now is, and what the
    server's values changed on it (none: the record agreed with Webitel)."""

    record: WebitelUser
    changes: list[RecordChange]

    def describe(self) -> list[str]:
        """The admin's lines, e.g. "Extension 1002 -> 1999 from the server" (data: show them
        through `display.visible`)."""
        return describe_changes(self.changes)


async def refresh_from_webitel(
    db: Database, actor: Actor, client: WebitelClient, record_id: uuid.UUID
) -> Refreshed:
    """Read the user from Webitel and bring the CRM record in line (name, extension,
    default device, licenses, roles), saying what changed; a user deleted on the server is
    reported, not dropped."""
    await require_operation(db, actor, MANAGE_WEBITEL_USERS)
    record, webitel_id = await _on_server_record(db, record_id, None)
    try:
        server = await client.get_user(webitel_id)
    except NotFoundError:
        raise WebitelRefused(
            tr('The user "{0}" no longer exists on the Webitel server.', record.name)
        ) from None
    except WebitelError as exc:
        raise read_failure(exc) from exc
    names = await role_names(client)
    async with unit_of_work(db, actor) as uow:
        licenses = await uow.webitel_users.licenses(record_id)
        roles = await uow.webitel_users.roles(record_id)
        updated = await bring_in_line(uow, record, server, names)
        changes = record_changes(
            record,
            updated,
            licenses=(licenses, await uow.webitel_users.licenses(record_id)),
            roles=(roles, await uow.webitel_users.roles(record_id)),
        )
    return Refreshed(updated, changes)
