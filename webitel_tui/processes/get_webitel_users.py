"""Business process GetWebitelUsers (M11, M12): make the CRM's Webitel users match the server.

The server's users are read a page at a time (memory does not grow with their number), each
page decided and committed before the next is read. For each server user:

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
by hand. CRM records whose Webitel user was not listed are asked for by id: those the server
says are deleted are reported, and removed only with `unlink_deleted`. Each run is kept in
the process log; `dry_run` writes nothing at all.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from typing import NamedTuple

from webitel_tui.db.engine import Database
from webitel_tui.domain import known, passwords
from webitel_tui.domain.contacts import NewContact
from webitel_tui.domain.errors import DomainError, DuplicateValueError, ValidationError
from webitel_tui.domain.holders import Holder, Holders, duplicate_among
from webitel_tui.domain.processes import ProcessStatus
from webitel_tui.domain.records import Actor
from webitel_tui.domain.rules import (
    check_can_be_webitel_user,
    check_webitel_login,
    normalize_extension,
)
from webitel_tui.domain.text import fold
from webitel_tui.domain.users import NewSystemUser, SystemUser, UserType
from webitel_tui.domain.webitel_users import (
    LicenseGrant,
    NewWebitelUser,
    RoleGrant,
    UserLicense,
    UserRole,
)
from webitel_tui.i18n import _, tr
from webitel_tui.processes.server_user import device, int_id, license_grants, shown_roles
from webitel_tui.repositories import UnitOfWork, unit_of_work
from webitel_tui.repositories.users import DUPLICATE
from webitel_tui.repositories.webitel_import import (
    LinkedId,
    LinkedRecord,
    MatchState,
    NamedContact,
    NewRows,
)
from webitel_tui.webitel import (
    NotFoundError,
    Page,
    User,
    WebitelClient,
    WebitelError,
    iter_pages,
    retryable,
)

log = logging.getLogger(__name__)

PROCESS_CODE = known.GET_WEBITEL_USERS_PROCESS_CODE
_DELETED_BATCH = 5000
_DECIDE_BATCH = 32
"""Users decided between two looks at the event loop: the TUI runs the import
in its own loop, and keys are served meanwhile."""


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
    """CRM records whose Webitel user the server, asked by id, says is deleted."""
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

    def extend(self, other: ImportReport) -> None:
        """Add what `other` (a part of the run, e.g. a page) did to this report."""
        for name in fields(self):
            mine = getattr(self, name.name)
            if isinstance(mine, list):
                mine.extend(getattr(other, name.name))

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


@dataclass(frozen=True)
class _Wanted:
    """A server user as the CRM record should look."""

    login: str
    extension: str | None
    device_id: int | None
    device_name: str
    licenses: list[LicenseGrant]
    roles: list[RoleGrant]


@dataclass(frozen=True)
class _Entry:
    user: User
    webitel_id: int
    label: str
    wanted: _Wanted | None
    """None when the server user cannot be a CRM record: `problem` says why."""
    problem: ValidationError | None = None

    def checked(self) -> _Wanted:
        if self.wanted is None:
            raise self.problem or ValidationError(self.label)
        return self.wanted


class _Update(NamedTuple):
    record: LinkedRecord
    wanted: _Wanted
    fields: dict[str, object]
    licenses_changed: bool
    roles_changed: bool


class _Page:
    """The decisions for one page, taken in the server's order against the CRM as read at the
    page's start plus what the page itself has decided so far (two namesakes on one page are
    handled as if they came in two runs). Pure: it writes nothing, `_Run.write` does."""

    def __init__(
        self,
        run: _Run,
        entries: Sequence[_Entry],
        linked: dict[int, LinkedRecord],
        state: MatchState,
        uow: UnitOfWork,
    ) -> None:
        self.run = run
        self.entries = entries
        self.linked = linked
        self.state = state
        self.repo = uow.webitel_import
        self.now = datetime.now(UTC)
        self.outcome = ImportReport()  # what the page does, added to the run's when committed
        self.updates: list[_Update] = []
        self.rows = NewRows()
        self.holders = Holders(state.holders)

    def decide(self, entry: _Entry) -> None:
        record = self.linked.get(entry.webitel_id)
        try:
            if record is not None:
                self.refresh(entry, record)
            elif entry.webitel_id == self.run.own_id:
                self.outcome.skipped.append(entry.label)
            else:
                self.link_or_create(entry)
        except (_Conflict, ValidationError) as exc:
            self.outcome.conflicts.append(ImportConflict(entry.label, str(exc)))

    def refresh(self, entry: _Entry, record: LinkedRecord) -> None:
        wanted = entry.checked()
        fields: dict[str, object] = {
            "name": wanted.login,
            "extension": wanted.extension,
            "default_device_id": wanted.device_id,
            "default_device_name": wanted.device_name,
        }
        current = {
            "name": record.name,
            "extension": record.extension,
            "default_device_id": record.default_device_id,
            "default_device_name": record.default_device_name,
        }
        changed = {key: value for key, value in fields.items() if current[key] != value}
        licenses_changed = record.licenses != _license_key(wanted.licenses)
        roles_changed = record.roles != _role_key(wanted.roles)
        if not (changed or licenses_changed or roles_changed):
            self.outcome.unchanged.append(entry.label)
            return
        if "name" in changed or "extension" in changed:
            holders = self.holders.of(wanted.login, wanted.extension, None, record.id)
            duplicate = duplicate_among(wanted.login, wanted.extension, None, holders)
            if duplicate is not None:
                raise duplicate
            self.holders.add(Holder(wanted.login, wanted.extension, "", record.user_id, record.id))
        self.updates.append(_Update(record, wanted, changed, licenses_changed, roles_changed))
        self.outcome.updated.append(entry.label)

    def match(
        self, display: str, login: str
    ) -> tuple[SystemUser | None, uuid.UUID | None, str, NamedContact | None]:
        """The CRM user to link (or None to create one), the contact to give a new one, that
        contact's name, and the matched contact itself."""
        if display:
            # A contact whose CRM users are all Webitel users already belongs to another
            # Webitel user of the same name: it is no candidate (nor an ambiguity).
            free: list[tuple[NamedContact, list[SystemUser]]] = []
            for contact in self.state.contacts.get(fold(display), []):
                unlinked = [u for u in contact.users if not self.holders.hold_user(u.id)]
                if unlinked or not contact.has_users:
                    free.append((contact, unlinked))
            if len(free) > 1:
                raise _Conflict(
                    tr(
                        '{0} CRM contacts are named "{1}": link the right one by hand.',
                        len(free),
                        display,
                    )
                )
            if free:
                contact, users = free[0]
                if len(users) > 1:
                    raise _Conflict(
                        tr(
                            'The contact "{0}" has {1} CRM users: link the right one by hand.',
                            display,
                            len(users),
                        )
                    )
                return (users[0] if users else None), contact.id, contact.name, contact
        by_name = self.state.users.get(login.casefold())
        if by_name is not None:
            return by_name, by_name.contact_id, by_name.contact_name, None
        return None, None, "", None

    def link_or_create(self, entry: _Entry) -> None:
        user = entry.user
        wanted = entry.checked()
        login = wanted.login
        display = " ".join((user.name or "").split())
        crm_user, contact_id, contact_name, contact = self.match(display, login)
        rows = NewRows()  # the page's only once every check has passed
        created = crm_user is None
        new_contact: NamedContact | None = None
        if crm_user is None:
            if contact_id is None:
                new_contact = self.repo.add_contact(
                    rows, self.now, NewContact(name=display or login, email=user.email or "")
                )
                contact_id, contact_name = new_contact.id, new_contact.name
            if login.casefold() in self.state.names_taken:
                raise DuplicateValueError(_(DUPLICATE), "User name")
            new_user = NewSystemUser(
                name=login,
                contact_id=contact_id,
                user_type=UserType.EMPLOYEE,
                email=user.email or "",
                force_change_password=True,
            )
            user_id = self.repo.add_user(
                rows,
                self.now,
                new_user,
                passwords.random_password(),
                contact_name,
                known.ALL_EMPLOYEES,
            )
            # Made from a validated NewSystemUser: not validated again (10,000 a run).
            crm_user = SystemUser.model_construct(
                id=user_id, contact_name=contact_name, **dict(new_user)
            )
        check_can_be_webitel_user(crm_user)
        holders = self.holders.of(login, wanted.extension, crm_user.id, None)
        duplicate = duplicate_among(login, wanted.extension, crm_user.id, holders)
        if duplicate is not None:
            raise duplicate
        record_id = self.repo.add_webitel_user(
            rows,
            self.now,
            NewWebitelUser(
                user_id=crm_user.id,
                contact_id=contact_id,
                name=login,
                extension=wanted.extension,
                webitel_id=entry.webitel_id,
                default_device_id=wanted.device_id,
                default_device_name=wanted.device_name,
            ),
            contact_name,
            wanted.licenses,
            wanted.roles,
        )
        # Decided: what the rest of the page sees from here on.
        if new_contact is not None:
            self.state.contacts.setdefault(fold(new_contact.name), []).append(new_contact)
            contact = new_contact
        self.holders.add(Holder(login, wanted.extension, contact_name, crm_user.id, record_id))
        if created:
            self.state.names_taken.add(login.casefold())
            self.state.users[login.casefold()] = crm_user
            if contact is not None:
                contact.users.append(crm_user)
        self.rows.extend(rows)
        (self.outcome.created if created else self.outcome.linked).append(entry.label)


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

    def entries(self, page: Page[User]) -> list[_Entry]:
        """A server page's users as entries; one whose id is not a number is an error."""
        entries: list[_Entry] = []
        for user in page.items:
            label = _label(user)
            if not user.id.isdigit():
                self.report.errors.append(
                    tr('The Webitel user "{0}" has an id that is not a number.', label)
                )
                continue
            try:
                entry = _Entry(user, int(user.id), label, self.wanted(user))
            except ValidationError as exc:
                entry = _Entry(user, int(user.id), label, None, exc)
            entries.append(entry)
        return entries

    async def read_page(self, number: int) -> Page[User]:
        return await self.client.search_users(page=number, sort=["+id"])

    async def run(self) -> None:
        info = await self.client.userinfo()
        self.own_id = int_id(info.user_id)
        # Role names for the "User roles" detail; the internal per-user roles stay hidden.
        self.role_names = {
            role.id: role.name or ""
            for role in await self.client.list_roles(include_user_roles=True)
            if not role.user
        }
        seen: set[int] = set()
        # A page is read, decided, written and committed before the next is asked for: no
        # transaction waits on the network, and a failing page leaves the ones before whole.
        async with contextlib.aclosing(iter_pages(self.read_page)) as pages:
            async for page in pages:
                self.pages += 1
                entries = self.entries(page)
                seen.update(entry.webitel_id for entry in entries)
                await self.handle_page(entries)
                if self.cancelled():
                    return  # the server was not read to the end: "deleted" cannot be told
        await self.find_deleted(seen)

    async def handle_page(self, entries: list[_Entry]) -> None:
        """Decide a page and write it in one transaction (undone on a dry run)."""
        try:
            outcome = await self.apply(entries)
        except DomainError:
            # Something the page's reading did not foresee (another admin saved a user in the
            # meantime): the page is undone and done again a user at a time, so that only the
            # user concerned is reported.
            log.info("GetWebitelUsers: a page was redone one user at a time", exc_info=True)
            outcome = ImportReport()
            for entry in entries:
                await self.apply_one(entry, outcome)
        self.report.extend(outcome)
        self.tell(entries[-1].label if entries else "")

    async def apply_one(self, entry: _Entry, outcome: ImportReport) -> None:
        try:
            single = await self.apply([entry])
        except ValidationError as exc:
            outcome.conflicts.append(ImportConflict(entry.label, str(exc)))
        except DomainError as exc:
            outcome.errors.append(f"{entry.label}: {exc}")
        else:
            outcome.extend(single)

    async def apply(self, entries: Sequence[_Entry]) -> ImportReport:
        """Decide users and write them in one transaction (rolled back on a dry run)."""
        async with _writing(self.db, self.actor, self.dry_run) as uow:
            page = await self.decided(uow, entries)
            await self.write(uow, page)
        return page.outcome

    async def read(self, uow: UnitOfWork, entries: Sequence[_Entry]) -> _Page:
        """What deciding `entries` needs from the CRM, read in `uow`."""
        linked = await uow.webitel_import.linked([e.webitel_id for e in entries])
        new = [e for e in entries if e.webitel_id not in linked and e.wanted is not None]
        looked_up = [e.wanted for e in entries if e.wanted is not None]
        state = await uow.webitel_import.match_state(
            contact_keys={fold(e.user.name or "") for e in new} - {""},
            user_keys={e.wanted.login.casefold() for e in new if e.wanted is not None},
            names={w.login for w in looked_up},
            extensions={w.extension for w in looked_up if w.extension is not None},
        )
        return _Page(self, entries, linked, state, uow)

    async def decided(self, uow: UnitOfWork, entries: Sequence[_Entry]) -> _Page:
        page = await self.read(uow, entries)
        await self.decide(page)
        return page

    async def decide(self, page: _Page) -> None:
        """Decide a page, looking at the event loop now and then (see `_DECIDE_BATCH`)."""
        for done, entry in enumerate(page.entries, 1):
            page.decide(entry)
            if done % _DECIDE_BATCH == 0:
                await asyncio.sleep(0)

    async def write(self, uow: UnitOfWork, page: _Page) -> None:
        """A decided page's changes, each with its change-log entry."""
        for update in page.updates:
            await self.write_update(uow, update)
        await uow.webitel_import.insert(page.rows)

    def wanted(self, user: User) -> _Wanted:
        device_id, device_name = device(user)
        return _Wanted(
            login=check_webitel_login(user.username or ""),
            extension=normalize_extension(user.extension),
            device_id=device_id,
            device_name=device_name,
            licenses=license_grants(user),
            roles=shown_roles(user, self.role_names),
        )

    async def write_update(self, uow: UnitOfWork, update: _Update) -> None:
        record_id = update.record.id
        if update.fields:
            record = await uow.webitel_users.get(record_id)
            await uow.webitel_users.update(record.model_copy(update=update.fields))
        if update.licenses_changed:
            await uow.webitel_users.set_licenses(record_id, update.wanted.licenses)
        if update.roles_changed:
            await uow.webitel_users.set_roles(record_id, update.wanted.roles)

    async def find_deleted(self, seen: set[int]) -> None:
        after: int | None = None
        while True:
            async with unit_of_work(self.db) as uow:
                batch = await uow.webitel_import.linked_after(after, _DELETED_BATCH)
            if not batch:
                return
            for record in batch:
                if record.webitel_id in seen or not await self.deleted_on_server(record):
                    continue
                self.report.deleted_on_server.append(record.name)
                if self.unlink_deleted:
                    async with _writing(self.db, self.actor, self.dry_run) as uow:
                        await uow.webitel_users.delete(record.id, record.version)
                    self.report.unlinked.append(record.name)
            after = batch[-1].webitel_id

    async def deleted_on_server(self, record: LinkedId) -> bool:
        """Whether the server, asked for the record's Webitel user by id, says it is gone.

        Missing from the list is no proof: paging by offset skips a live user when another
        admin deletes one on an earlier page meanwhile. Only a 404, or the user itself with
        `deleted_at` set (deleted without `permanent`), is; an error is reported and the
        record is left alone."""
        try:
            user = await self.client.get_user(record.webitel_id)
        except NotFoundError:
            return True
        except WebitelError as exc:
            self.report.errors.append(
                tr(
                    "{0}: whether the Webitel user still exists could not be read: {1}",
                    record.name,
                    exc.detail,
                )
            )
            return False
        return user.is_deleted


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
        raise ImportFailed(report.message, report, retryable=retryable(exc)) from exc
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
