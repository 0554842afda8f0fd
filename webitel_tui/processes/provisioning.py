"""Webitel users (M4-M10): every change goes to the Webitel server first, then to the CRM.

The order keeps the two from silently disagreeing: the server refuses before anything is
written in the CRM; when the CRM cannot save what the server accepted, the server change is
undone; when even that fails, a reconcile item says exactly what is left to fix.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from pydantic import SecretStr

from webitel_tui.db.engine import Database
from webitel_tui.domain import passwords
from webitel_tui.domain.errors import (
    DomainError,
    DuplicateValueError,
    RecordConflictError,
    ValidationError,
)
from webitel_tui.domain.records import Actor, Record
from webitel_tui.domain.rules import (
    check_can_be_webitel_user,
    check_webitel_login,
    normalize_extension,
)
from webitel_tui.domain.webitel_users import (
    LicenseGrant,
    NewWebitelUser,
    RoleGrant,
    UserLicense,
    UserRole,
    WebitelUser,
)
from webitel_tui.i18n import _, tr
from webitel_tui.repositories import UnitOfWork, unit_of_work
from webitel_tui.repositories.webitel_users import CheckedNew, PreparedRecord, check_new_user
from webitel_tui.webitel import (
    DeviceProvisioningError,
    InputUser,
    License,
    NetworkError,
    NotFoundError,
    Role,
    ServerError,
    User,
    WebitelClient,
    WebitelError,
    WebitelTimeoutError,
    announcing_sent,
)

log = logging.getLogger(__name__)
T = TypeVar("T")
U = TypeVar("U")


class WebitelRefused(DomainError):
    """The Webitel server refused or could not be reached; the text is the server's reason.

    `retryable` is true when trying again may help (no answer, timeout, 5xx)."""

    def __init__(self, message: str, *, retryable: bool = False) -> None:
        super().__init__(message)
        self.retryable = retryable


class NeedsReconcile(DomainError):
    """The CRM and Webitel disagree and it could not be undone: a reconcile item was kept."""


class WebitelUserForm(Record):
    """The card's values. `record_id` is None for a new Webitel user."""

    record_id: uuid.UUID | None = None
    version: int = 0
    user_id: uuid.UUID | None = None
    contact_id: uuid.UUID | None = None
    name: str = ""
    extension: str | None = None
    enable_stun: bool = False


def _refusal(exc: WebitelError) -> WebitelRefused:
    retryable = isinstance(exc, NetworkError | WebitelTimeoutError) or (
        isinstance(exc, ServerError) and exc.code in (None, 500, 502, 503, 504)
    )
    return WebitelRefused(tr("Webitel refused the change: {0}", exc.detail), retryable=retryable)


async def _on_server(call: Awaitable[T]) -> T:
    try:
        return await call
    except WebitelError as exc:
        raise _refusal(exc) from exc


def _int_id(value: str | None) -> int | None:
    return int(value) if value not in (None, "") else None


def _new_values(form: WebitelUserForm) -> tuple[str, str | None]:
    """The form's login and extension as they will be sent, or the refusal (no I/O)."""
    if form.user_id is None:
        raise ValidationError(
            tr("Fill in the required {0} field to save the record.", _("User")), "User"
        )
    return check_webitel_login(form.name), normalize_extension(form.extension)


async def _check_new_in_crm(
    db: Database, form: WebitelUserForm, login: str, extension: str | None
) -> tuple[str, CheckedNew]:
    """The CRM side of a new Webitel user: (display name, what the write may rely on)."""
    assert form.user_id is not None
    # M4: the process refuses portal users itself, whatever screen or import calls it (its
    # rule, applied to the user as the check reads it, in the same query).
    checked = await check_new_user(
        db, login, extension, form.user_id, form.contact_id, check_can_be_webitel_user
    )
    assert checked.user is not None
    return checked.user.contact_name or login, checked


@dataclass(frozen=True)
class _NewUser:
    """A new Webitel user that passed the checks: what to send, and its CRM record made ready
    for the write (the server's ids left to fill in)."""

    login: str
    extension: str | None
    display: str
    record: PreparedRecord


async def _while_sent(request: Awaitable[T], work: Callable[[], Awaitable[U]]) -> tuple[T, U]:
    """`request` (calls to Webitel) in a task and, once its first request is on the wire,
    `work`: the caller's own time hides in the server's. If `work` fails (or this is
    cancelled), the request is cancelled and ended first, and `work`'s failure wins."""
    sent = asyncio.Event()
    with announcing_sent(sent):
        on_server = asyncio.ensure_future(request)
    on_server.add_done_callback(lambda _: sent.set())  # also when no request got that far
    try:
        await sent.wait()
        done = await work()
    except BaseException:
        on_server.cancel()
        await asyncio.gather(on_server, return_exceptions=True)
        raise
    return await on_server, done


async def _ready_in_crm(
    db: Database, actor: Actor, form: WebitelUserForm, login: str, extension: str | None
) -> tuple[str, PreparedRecord]:
    """The CRM side of a new Webitel user, checked, and its record made ready for the write:
    (display name, record)."""
    display, checked = await _check_new_in_crm(db, form, login, extension)
    record = PreparedRecord(
        db,
        actor,
        NewWebitelUser(
            user_id=form.user_id,
            contact_id=form.contact_id,
            name=login,
            extension=extension,
            enable_stun=form.enable_stun,
        ),
        checked,
    )
    return display, record


async def _check_new(
    db: Database, actor: Actor, client: WebitelClient, form: WebitelUserForm
) -> _NewUser:
    """Both sides only read, so the CRM check, and the record made ready for the write, run
    while the server's lookups are on the wire. The CRM's refusal still wins over the
    server's: it names the CRM record that holds a value and is never worth a Retry; the
    lookups are then dropped."""
    login, extension = _new_values(form)
    _, (display, record) = await _while_sent(
        _check_server_free(client, login, extension),
        lambda: _ready_in_crm(db, actor, form, login, extension),
    )
    return _NewUser(login, extension, display, record)


async def _check_server_free(
    client: WebitelClient, login: str, extension: str | None, own_id: int | None = None
) -> None:
    """Look on the server before writing: a clear message naming who holds the value."""
    existing = await _on_server(client.find_user_by_username(login))
    if existing is not None and _int_id(existing.id) != own_id:
        raise DuplicateValueError(
            tr('The user name "{0}" already exists on the Webitel server.', login),
            "Webitel user name",
        )
    if extension is None:
        return
    page = await _on_server(client.search_users(extension=extension, size=10))
    for user in page.items:
        if user.extension == extension and _int_id(user.id) != own_id:
            raise DuplicateValueError(
                tr(
                    'The extension {0} is already used on the Webitel server by "{1}".',
                    extension,
                    user.name or user.username or user.id,
                ),
                "Extension",
            )


async def _undo_or_keep(
    db: Database,
    actor: Actor,
    undo: Callable[[], Awaitable[object]],
    webitel_id: int | None,
    name: str,
    problem: str,
) -> NeedsReconcile:
    """After the CRM failed: undo the server change, or record what is left to reconcile."""
    try:
        await undo()
    except Exception:
        log.exception("undoing the Webitel change for %s failed", name)
        async with unit_of_work(db, actor) as uow:
            await uow.reconcile.add(webitel_id, name, problem)
        return NeedsReconcile(
            tr("{0} It is listed under Reconcile in the Webitel users section.", problem)
        )
    return NeedsReconcile(tr("{0} The change on Webitel was undone.", problem))


async def _post_new(client: WebitelClient, new: _NewUser) -> User:
    """Create the user on Webitel with its default device; a half-made user is removed."""
    new_user = InputUser(
        name=new.display,
        username=new.login,
        extension=new.extension,
        # Webitel wants a password; the phone registers with the device's own secret.
        password=SecretStr(passwords.random_password()),
    )
    try:
        return await client.create_user(new_user, default_device=True)
    except DeviceProvisioningError as exc:
        await _on_server(client.delete_user(exc.user_id, permanent=True, missing_ok=True))
        raise _refusal(exc) from exc
    except WebitelError as exc:
        raise _refusal(exc) from exc


async def _save_new(
    db: Database,
    actor: Actor,
    client: WebitelClient,
    form: WebitelUserForm,
    new: _NewUser,
    created: User,
) -> WebitelUser:
    """The CRM record of a user Webitel has just created; if the CRM cannot save it, the
    server user is deleted again (or a reconcile item says it is left)."""
    webitel_id = _int_id(created.id)
    try:
        device = created.device
        return await new.record.insert(
            webitel_id,
            _int_id(device.id) if device else None,
            (device.name or "") if device else "",
        )
    except Exception as exc:
        reason: Exception = exc
        if isinstance(exc, DuplicateValueError):
            # Someone took a value (or removed the user or contact) since the pre-check: the
            # pre-check again says exactly what, in the CRM's words.
            try:
                await _check_new_in_crm(db, form, new.login, new.extension)
            except DomainError as precise:
                reason = precise
        problem = tr(
            'Webitel created the user "{0}" (id {1}) but the CRM could not save it: {2}.',
            new.login,
            created.id,
            str(reason).rstrip("."),
        )
        raise await _undo_or_keep(
            db,
            actor,
            lambda: client.delete_user(created.id, permanent=True, missing_ok=True),
            webitel_id,
            new.login,
            problem,
        ) from exc


async def create_webitel_user(
    db: Database, actor: Actor, client: WebitelClient, form: WebitelUserForm
) -> WebitelUser:
    """M5: create the user on Webitel with its default device, then the CRM record.

    Nothing is written anywhere until both the CRM and the server have said the values are
    free; the CRM write then relies on that check (its unique and foreign keys refuse a race,
    which undoes the server user like any other CRM failure)."""
    new = await _check_new(db, actor, client, form)
    created = await _post_new(client, new)
    return await _save_new(db, actor, client, form, new, created)


async def update_webitel_user(
    db: Database, actor: Actor, client: WebitelClient, form: WebitelUserForm
) -> WebitelUser:
    """Save an existing card: name and extension on Webitel, everything in the CRM."""
    assert form.record_id is not None
    login = check_webitel_login(form.name)
    extension = normalize_extension(form.extension)
    async with unit_of_work(db) as uow:
        current = await uow.webitel_users.get(form.record_id)
    if current.version != form.version:
        # Checked before the server is touched, so a stale card changes nothing anywhere.
        raise RecordConflictError(_("Webitel user"), current.id)
    server_changed = (login, extension) != (current.name, current.extension)
    if server_changed and current.webitel_id is not None:
        await _check_server_free(client, login, extension, current.webitel_id)
        await _on_server(
            client.patch_user(
                current.webitel_id, InputUser(username=login, extension=extension or "")
            )
        )
    try:
        async with unit_of_work(db, actor) as uow:
            return await uow.webitel_users.update(
                current.model_copy(
                    update={
                        "user_id": form.user_id,
                        "contact_id": form.contact_id,
                        "name": login,
                        "extension": extension,
                        "enable_stun": form.enable_stun,
                    }
                )
            )
    except DomainError as exc:
        if not server_changed or current.webitel_id is None:
            raise
        webitel_id = current.webitel_id
        problem = tr('Webitel saved the user "{0}" but the CRM could not: {1}.', login, exc)
        raise await _undo_or_keep(
            db,
            actor,
            lambda: client.patch_user(
                webitel_id, InputUser(username=current.name, extension=current.extension or "")
            ),
            webitel_id,
            login,
            problem,
        ) from exc


async def delete_webitel_user(
    db: Database, actor: Actor, client: WebitelClient, record_id: uuid.UUID, version: int
) -> None:
    """M6: delete permanently on Webitel, then in the CRM."""
    async with unit_of_work(db) as uow:
        current = await uow.webitel_users.get(record_id)
    if current.version != version:
        raise RecordConflictError(_("Webitel user"), record_id)
    if current.webitel_id is not None:
        # Already gone on the server (deleted there by hand) is what we want anyway.
        await _on_server(client.delete_user(current.webitel_id, permanent=True, missing_ok=True))
    try:
        async with unit_of_work(db, actor) as uow:
            await uow.webitel_users.delete(record_id, version)
    except Exception as exc:
        problem = tr(
            'Webitel deleted the user "{0}" (id {1}) but the CRM could not: {2}.',
            current.name,
            current.webitel_id,
            exc,
        )
        async with unit_of_work(db, actor) as uow:
            await uow.reconcile.add(current.webitel_id, current.name, problem)
        raise NeedsReconcile(
            tr("{0} It is listed under Reconcile in the Webitel users section.", problem)
        ) from exc


def _grants(user: User) -> list[LicenseGrant]:
    return [
        LicenseGrant(
            license_id=grant.id or "",
            product=grant.prod or "",
            name=grant.name or "",
            expires_on=grant.expires_at,
        )
        for grant in user.license
        if grant.id
    ]


def _roles(user: User, names: dict[str, str]) -> list[RoleGrant]:
    return [
        RoleGrant(role_id=int(ref.id), name=ref.name or names.get(ref.id, ""))
        for ref in user.roles
        if ref.id and ref.id.isdigit()
    ]


async def _server_record(db: Database, record_id: uuid.UUID) -> WebitelUser:
    async with unit_of_work(db) as uow:
        record = await uow.webitel_users.get(record_id)
    if record.webitel_id is None:
        raise ValidationError(_("This Webitel user is not on the Webitel server yet."))
    return record


async def set_licenses(
    db: Database,
    actor: Actor,
    client: WebitelClient,
    record_id: uuid.UUID,
    license_ids: Sequence[str],
) -> list[UserLicense]:
    """M7/M8: the user's licenses become exactly `license_ids` (Webitel's full-list PATCH)."""
    record = await _server_record(db, record_id)
    assert record.webitel_id is not None
    user = await _on_server(client.set_user_licenses(record.webitel_id, list(license_ids)))
    async with unit_of_work(db, actor) as uow:
        return await uow.webitel_users.set_licenses(record_id, _grants(user))


async def set_roles(
    db: Database,
    actor: Actor,
    client: WebitelClient,
    record_id: uuid.UUID,
    roles: Sequence[RoleGrant],
) -> list[UserRole]:
    """M9: the user's roles become exactly `roles` (roles are defined on Webitel only)."""
    record = await _server_record(db, record_id)
    assert record.webitel_id is not None
    # The per-user internal role stays: Webitel owns it and the CRM never shows it.
    internal_ids = {
        role.id
        for role in await _on_server(client.list_roles(include_user_roles=True))
        if role.user
    }
    current = await _on_server(client.get_user(record.webitel_id))
    kept = [ref.id for ref in current.roles if ref.id in internal_ids]
    wanted = [str(role.role_id) for role in roles]
    user = await _on_server(client.set_user_roles(record.webitel_id, kept + wanted))
    names = {str(role.role_id): role.name for role in roles}
    granted = [r for r in _roles(user, names) if str(r.role_id) in set(wanted)]
    async with unit_of_work(db, actor) as uow:
        return await uow.webitel_users.set_roles(record_id, granted)


async def available_licenses(client: WebitelClient) -> list[License]:
    """The licenses lookup: all of the domain's licenses (a handful), grantable or not."""
    return await _on_server(client.list_licenses())


async def assignable_roles(client: WebitelClient) -> list[Role]:
    """The roles lookup: Webitel's roles without the internal per-user ones."""
    return await _on_server(client.list_roles(include_user_roles=False))


def license_availability(grant: License, now: datetime | None = None) -> str:
    """ "N of M available", or why it cannot be granted."""
    if grant.is_expired(now):
        return _("Expired")
    if grant.limit is None:
        return _("Unlimited")
    return tr("{0} of {1} available", grant.remain or 0, grant.limit)


async def role_names(client: WebitelClient) -> dict[str, str]:
    """The names of the roles the CRM shows, by id (Webitel's per-user internal roles are
    left out: Webitel owns them and the CRM never shows them)."""
    every_role = await _on_server(client.list_roles(include_user_roles=True))
    return {role.id: role.name or "" for role in every_role if not role.user}


def server_values(server: User) -> dict[str, object]:
    """The CRM record's fields as the Webitel server has them."""
    return {
        "extension": server.extension or None,
        "webitel_id": _int_id(server.id),
        "default_device_id": _int_id(server.device.id) if server.device else None,
        "default_device_name": (server.device.name or "") if server.device else "",
    }


async def match_details(
    uow: UnitOfWork, record_id: uuid.UUID, server: User, names: dict[str, str]
) -> None:
    """The record's "User licenses" and "User roles" become the server user's."""
    await uow.webitel_users.set_licenses(record_id, _grants(server))
    granted = [r for r in _roles(server, names) if str(r.role_id) in names]
    await uow.webitel_users.set_roles(record_id, granted)


async def bring_in_line(
    uow: UnitOfWork, record: WebitelUser, server: User, names: dict[str, str]
) -> WebitelUser:
    """Make the CRM record what the server has: name, extension, user id, default device,
    licenses, roles (Refresh from Webitel and Reconcile; the change log records it)."""
    updated = await uow.webitel_users.update(
        record.model_copy(update={"name": server.username or record.name, **server_values(server)})
    )
    await match_details(uow, record.id, server, names)
    return await uow.webitel_users.get(updated.id)


async def refresh_from_webitel(
    db: Database, actor: Actor, client: WebitelClient, record_id: uuid.UUID
) -> WebitelUser:
    """Read the user from Webitel and bring the CRM record in line (name, extension,
    default device, licenses, roles); a user deleted on the server is reported, not dropped."""
    record = await _server_record(db, record_id)
    assert record.webitel_id is not None
    try:
        server = await client.get_user(record.webitel_id)
    except NotFoundError:
        raise WebitelRefused(
            tr('The user "{0}" no longer exists on the Webitel server.', record.name)
        ) from None
    except WebitelError as exc:
        raise _refusal(exc) from exc
    names = await role_names(client)
    async with unit_of_work(db, actor) as uow:
        return await bring_in_line(uow, record, server, names)
