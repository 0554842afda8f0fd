"""Business process GetWebitelUsers (M11, M12): make the CRM's Webitel users match the server.

The server's users are read a page at a time (memory does not grow with their number). For
each one:

- already linked (same Webitel id): name, extension, default device, licenses and roles are
  brought in line, and only what differs is written (a second run writes nothing);
- otherwise it is linked to a CRM user found by the Webitel user's display name among the CRM
  contacts (case- and space-insensitive), then by the Webitel user name among the CRM user
  names; two contacts with that name, or a portal user, are conflicts: reported, not guessed;
- no match: a company employee (random password that must be changed at first login) and its
  contact are created, then linked.

Each server user is handled in a unit of work of its own, so a run killed half-way and started
again ends in the same state as one clean run. The account the connection logs in with is the
integration's own service account: it is skipped (reported as such) unless someone linked it
by hand. CRM records whose Webitel user no longer exists are reported, and removed only with
`unlink_deleted`. Each run is kept in the process log; `dry_run` writes nothing at all.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

from webitel_tui.db.engine import Database
from webitel_tui.domain import known, passwords
from webitel_tui.domain.contacts import NewContact
from webitel_tui.domain.errors import DomainError, ValidationError
from webitel_tui.domain.processes import ProcessStatus
from webitel_tui.domain.records import Actor
from webitel_tui.domain.rules import (
    check_can_be_webitel_user,
    check_webitel_login,
    normalize_extension,
)
from webitel_tui.domain.users import NewSystemUser, SystemUser, UserType
from webitel_tui.domain.webitel_users import (
    LicenseGrant,
    NewWebitelUser,
    RoleGrant,
    UserLicense,
    UserRole,
    WebitelUser,
)
from webitel_tui.i18n import _, tr
from webitel_tui.processes.provisioning import _grants, _int_id, _roles
from webitel_tui.repositories import UnitOfWork, unit_of_work
from webitel_tui.webitel import (
    NetworkError,
    ServerError,
    User,
    WebitelClient,
    WebitelError,
    WebitelTimeoutError,
)

log = logging.getLogger(__name__)

PROCESS_CODE = known.GET_WEBITEL_USERS_PROCESS_CODE
# Random, never typed: the full KDF cost buys nothing and 10,000 users must import quickly.
IMPORTED_PASSWORD_COST = 2**10
_DELETED_BATCH = 500


@dataclass(frozen=True)
class ImportConflict:
    """A server user that was not linked: `name` is its Webitel user name."""

    name: str
    reason: str

    def __str__(self) -> str:
        return f"{self.name}: {self.reason}"


@dataclass(frozen=True)
class ImportProgress:
    """Reported after each server user (and once when the run ends)."""

    processed: int
    """Server users handled so far (the total is not known until the last page)."""
    pages: int
    current: str
    created: int = 0
    updated: int = 0
    linked: int = 0
    unchanged: int = 0
    conflicts: int = 0
    errors: int = 0
    done: bool = False


@dataclass
class ImportReport:
    """What a run did (or, with `dry_run`, would do). Names are Webitel user names."""

    dry_run: bool = False
    status: ProcessStatus = ProcessStatus.RUNNING
    message: str = ""
    run_id: uuid.UUID | None = None
    created: list[str] = field(default_factory=list)
    """A CRM user (and its contact, unless one matched) was created and linked."""
    updated: list[str] = field(default_factory=list)
    linked: list[str] = field(default_factory=list)
    """Linked to an existing CRM user (found by contact name or user name)."""
    unchanged: list[str] = field(default_factory=list)
    conflicts: list[ImportConflict] = field(default_factory=list)
    deleted_on_server: list[str] = field(default_factory=list)
    """CRM records whose Webitel user no longer exists on the server."""
    unlinked: list[str] = field(default_factory=list)
    """Of those, the ones removed from the CRM (`unlink_deleted`)."""
    skipped: list[str] = field(default_factory=list)
    """The connection's own account."""
    errors: list[str] = field(default_factory=list)

    @property
    def processed(self) -> int:
        return (
            len(self.created)
            + len(self.updated)
            + len(self.linked)
            + len(self.unchanged)
            + len(self.conflicts)
            + len(self.skipped)
        )

    def counts(self) -> dict[str, int]:
        return {
            "created": len(self.created),
            "updated": len(self.updated),
            "linked": len(self.linked),
            "unchanged": len(self.unchanged),
            "conflicts": len(self.conflicts),
            "deleted_on_server": len(self.deleted_on_server),
            "unlinked": len(self.unlinked),
            "skipped": len(self.skipped),
            "errors": len(self.errors),
        }

    def summary(self) -> str:
        """One line, e.g. "0 created, 0 updated, 0 linked, 25 unchanged, ..."."""
        return tr(
            "{0} created, {1} updated, {2} linked, {3} unchanged, {4} conflicts, "
            "{5} deleted on the server, {6} errors",
            len(self.created),
            len(self.updated),
            len(self.linked),
            len(self.unchanged),
            len(self.conflicts),
            len(self.deleted_on_server),
            len(self.errors),
        )


class ImportFailed(DomainError):
    """The run stopped (the server failed or could not be reached); `report` says how far
    it got. Everything done up to then is kept: running it again carries on."""

    def __init__(self, message: str, report: ImportReport, *, retryable: bool = False) -> None:
        super().__init__(message)
        self.report = report
        self.retryable = retryable


class _Conflict(DomainError):
    pass


class _DryRun(Exception):
    """Raised at the end of a dry-run unit of work so that it rolls back."""


@asynccontextmanager
async def _writing(db: Database, actor: Actor, dry_run: bool) -> AsyncIterator[UnitOfWork]:
    """A unit of work that commits, or with `dry_run` does everything and rolls it back."""
    try:
        async with unit_of_work(db, actor) as uow:
            yield uow
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass


def _utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _license_key(items: Sequence[UserLicense | LicenseGrant]) -> set[tuple[object, ...]]:
    return {(i.license_id, i.product, i.name, _utc(i.expires_on)) for i in items}


def _role_key(items: Sequence[UserRole | RoleGrant]) -> set[tuple[int, str]]:
    return {(i.role_id, i.name) for i in items}


def _label(user: User) -> str:
    return user.username or user.name or user.id


def _device(user: User) -> tuple[int | None, str]:
    if user.device is None or not user.device.id:
        return None, ""
    return _int_id(user.device.id), user.device.name or ""


class _Run:
    def __init__(
        self,
        db: Database,
        actor: Actor,
        client: WebitelClient,
        report: ImportReport,
        *,
        unlink_deleted: bool,
        progress: Callable[[ImportProgress], None] | None,
        cancel: asyncio.Event | None,
    ) -> None:
        self.db = db
        self.actor = actor
        self.client = client
        self.report = report
        self.dry_run = report.dry_run
        self.unlink_deleted = unlink_deleted
        self.progress = progress
        self.cancel = cancel
        self.pages = 0
        self.role_names: dict[str, str] = {}
        self.own_id: int | None = None

    def cancelled(self) -> bool:
        return self.cancel is not None and self.cancel.is_set()

    def tell(self, current: str, *, done: bool = False) -> None:
        if self.progress is None:
            return
        r = self.report
        self.progress(
            ImportProgress(
                processed=r.processed,
                pages=self.pages,
                current=current,
                created=len(r.created),
                updated=len(r.updated),
                linked=len(r.linked),
                unchanged=len(r.unchanged),
                conflicts=len(r.conflicts),
                errors=len(r.errors),
                done=done,
            )
        )

    async def run(self) -> None:
        info = await self.client.userinfo()
        self.own_id = _int_id(info.user_id)
        # Role names for the "User roles" detail; the internal per-user roles stay hidden.
        self.role_names = {
            role.id: role.name or ""
            for role in await self.client.list_roles(include_user_roles=True)
            if not role.user
        }
        seen: set[int] = set()
        number = 1
        while not self.cancelled():
            page = await self.client.search_users(page=number, sort=["+id"])
            self.pages += 1
            await self.handle_page(page.items, seen)
            if not page.next or not page.items:
                break
            number += 1
        if self.cancelled():
            return  # the server was not read to the end: "deleted" cannot be told
        await self.find_deleted(seen)

    async def handle_page(self, users: Sequence[User], seen: set[int]) -> None:
        ids = {wid for wid in (_int_id(u.id) for u in users) if wid is not None}
        async with unit_of_work(self.db) as uow:
            linked = await uow.webitel_users.by_webitel_ids(ids)
            licenses, roles = await uow.webitel_users.details_of([r.id for r in linked.values()])
        for user in users:
            if self.cancelled():
                return
            label = _label(user)
            webitel_id = _int_id(user.id) if user.id.isdigit() else None
            if webitel_id is None:
                self.report.errors.append(
                    tr('The Webitel user "{0}" has an id that is not a number.', label)
                )
                continue
            seen.add(webitel_id)
            record = linked.get(webitel_id)
            try:
                if record is not None:
                    await self.refresh(record, user, label, licenses[record.id], roles[record.id])
                elif webitel_id == self.own_id:
                    self.report.skipped.append(label)
                else:
                    await self.link_or_create(user, webitel_id, label)
            except (_Conflict, ValidationError) as exc:
                self.report.conflicts.append(ImportConflict(label, str(exc)))
            except DomainError as exc:
                self.report.errors.append(f"{label}: {exc}")
            self.tell(label)

    def wanted(
        self, user: User
    ) -> tuple[str, str | None, int | None, str, list[LicenseGrant], list[RoleGrant]]:
        login = check_webitel_login(user.username or "")
        extension = normalize_extension(user.extension)
        device_id, device_name = _device(user)
        roles = [r for r in _roles(user, self.role_names) if str(r.role_id) in self.role_names]
        return login, extension, device_id, device_name, _grants(user), roles

    async def refresh(
        self,
        record: WebitelUser,
        user: User,
        label: str,
        licenses: list[UserLicense],
        roles: list[UserRole],
    ) -> None:
        login, extension, device_id, device_name, grants, role_grants = self.wanted(user)
        fields = {
            "name": login,
            "extension": extension,
            "default_device_id": device_id,
            "default_device_name": device_name,
        }
        fields_changed = any(getattr(record, key) != value for key, value in fields.items())
        licenses_changed = _license_key(licenses) != _license_key(grants)
        roles_changed = _role_key(roles) != _role_key(role_grants)
        if not (fields_changed or licenses_changed or roles_changed):
            self.report.unchanged.append(label)
            return
        async with _writing(self.db, self.actor, self.dry_run) as uow:
            if fields_changed:
                await uow.webitel_users.update(record.model_copy(update=fields))
            if licenses_changed:
                await uow.webitel_users.set_licenses(record.id, grants)
            if roles_changed:
                await uow.webitel_users.set_roles(record.id, role_grants)
        self.report.updated.append(label)

    async def match(
        self, uow: UnitOfWork, display: str, login: str
    ) -> tuple[SystemUser | None, uuid.UUID | None]:
        """The CRM user to link (or None to create one) and the contact to give a new one."""
        if display:
            # A contact whose CRM users are all Webitel users already belongs to another
            # Webitel user of the same name: it is no candidate (nor an ambiguity).
            free: list[tuple[uuid.UUID, list[SystemUser]]] = []
            for contact in await uow.contacts.find_by_name(display):
                users = await uow.users.find_by_contact(contact.id)
                unlinked = [u for u in users if await uow.webitel_users.find_by_user(u.id) is None]
                if unlinked or not users:
                    free.append((contact.id, unlinked))
            if len(free) > 1:
                raise _Conflict(
                    tr(
                        '{0} CRM contacts are named "{1}": link the right one by hand.',
                        len(free),
                        display,
                    )
                )
            if free:
                contact_id, users = free[0]
                if len(users) > 1:
                    raise _Conflict(
                        tr(
                            'The contact "{0}" has {1} CRM users: link the right one by hand.',
                            display,
                            len(users),
                        )
                    )
                return (users[0] if users else None), contact_id
        by_name = await uow.users.get_by_name(login)
        if by_name is not None:
            return by_name, by_name.contact_id
        return None, None

    async def link_or_create(self, user: User, webitel_id: int, label: str) -> None:
        login, extension, device_id, device_name, grants, role_grants = self.wanted(user)
        display = " ".join((user.name or "").split())
        async with _writing(self.db, self.actor, self.dry_run) as uow:
            crm_user, contact_id = await self.match(uow, display, login)
            created = crm_user is None
            if crm_user is None:
                if contact_id is None:
                    contact = await uow.contacts.create(
                        NewContact(name=display or login, email=user.email or "")
                    )
                    contact_id = contact.id
                crm_user = await uow.users.create_user(
                    NewSystemUser(
                        name=login,
                        contact_id=contact_id,
                        user_type=UserType.EMPLOYEE,
                        email=user.email or "",
                        force_change_password=True,
                    ),
                    passwords.random_password(),
                    password_cost=IMPORTED_PASSWORD_COST,
                )
                await uow.users.add_to_role(crm_user.id, known.ALL_EMPLOYEES)
            check_can_be_webitel_user(crm_user)
            record = await uow.webitel_users.create(
                NewWebitelUser(
                    user_id=crm_user.id,
                    contact_id=crm_user.contact_id or contact_id,
                    name=login,
                    extension=extension,
                    webitel_id=webitel_id,
                    default_device_id=device_id,
                    default_device_name=device_name,
                )
            )
            if grants:
                await uow.webitel_users.set_licenses(record.id, grants)
            if role_grants:
                await uow.webitel_users.set_roles(record.id, role_grants)
        (self.report.created if created else self.report.linked).append(label)

    async def find_deleted(self, seen: set[int]) -> None:
        after: int | None = None
        while True:
            async with unit_of_work(self.db) as uow:
                batch = await uow.webitel_users.linked_after(after, _DELETED_BATCH)
            if not batch:
                return
            for record in batch:
                if record.webitel_id in seen:
                    continue
                self.report.deleted_on_server.append(record.name)
                if self.unlink_deleted:
                    async with _writing(self.db, self.actor, self.dry_run) as uow:
                        await uow.webitel_users.delete(record.id, record.version)
                    self.report.unlinked.append(record.name)
            after = batch[-1].webitel_id


def _retryable(exc: WebitelError) -> bool:
    return isinstance(exc, NetworkError | WebitelTimeoutError) or (
        isinstance(exc, ServerError) and exc.code in (None, 500, 502, 503, 504)
    )


async def _finish(db: Database, actor: Actor, report: ImportReport, status: ProcessStatus) -> None:
    report.status = status
    if report.run_id is None:
        return
    try:
        async with unit_of_work(db, actor) as uow:
            await uow.processes.finish_run(report.run_id, status, report.counts(), report.message)
    except Exception:
        log.exception("could not record the end of the GetWebitelUsers run %s", report.run_id)


async def run_import(
    db: Database,
    actor: Actor,
    client: WebitelClient,
    *,
    dry_run: bool = False,
    unlink_deleted: bool = False,
    progress: Callable[[ImportProgress], None] | None = None,
    cancel: asyncio.Event | None = None,
) -> ImportReport:
    """Run GetWebitelUsers. Returns the report when it completes or is cancelled (`status`
    says which); raises `ImportFailed` (with the partial report) when the server fails."""
    report = ImportReport(dry_run=dry_run)
    async with unit_of_work(db, actor) as uow:
        process = await uow.processes.by_code(PROCESS_CODE)
        if process is None or not process.enabled:
            raise DomainError(tr('The business process "{0}" is not available.', PROCESS_CODE))
        if not dry_run:
            report.run_id = (await uow.processes.start_run(process.id)).id
    work = _Run(
        db,
        actor,
        client,
        report,
        unlink_deleted=unlink_deleted,
        progress=progress,
        cancel=cancel,
    )
    try:
        await work.run()
    except WebitelError as exc:
        report.message = tr("Loading Webitel users stopped: {0}", exc.detail)
        report.errors.append(report.message)
        await _finish(db, actor, report, ProcessStatus.FAILED)
        work.tell("", done=True)
        raise ImportFailed(report.message, report, retryable=_retryable(exc)) from exc
    except asyncio.CancelledError:
        report.message = _("The run was cancelled.")
        await _finish(db, actor, report, ProcessStatus.CANCELLED)
        raise
    except BaseException as exc:
        report.message = tr("Loading Webitel users stopped: {0}", exc)
        report.errors.append(report.message)
        await _finish(db, actor, report, ProcessStatus.FAILED)
        raise
    if work.cancelled():
        report.message = _("The run was cancelled.")
        await _finish(db, actor, report, ProcessStatus.CANCELLED)
    else:
        report.message = report.summary()
        await _finish(db, actor, report, ProcessStatus.COMPLETED)
    work.tell("", done=True)
    return report
