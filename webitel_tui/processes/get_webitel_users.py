"""Business process GetWebitelUsers (M11, M12): make the CRM's Webitel users match the server.

The server's users are read a page at a time (memory does not grow with their number), each
page decided and committed before the next is read. For each server user:

- already linked (same Webitel id): name, extension, default device, licenses and roles are
  brought in line, and only what differs is written (a second run writes nothing);
- otherwise it is linked to a CRM user found by the Webitel user's display name among the CRM
  contacts (case- and space-insensitive), then by the Webitel user name among the CRM user
  names; two contacts with that name, or a portal user, are conflicts: reported, not guessed;
  so is a name whose only contacts already belong to other Webitel users (a contact whose CRM
  users are all linked is no candidate, and a second contact of its name is never made);
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

from webitel_tui.db.engine import Database
from webitel_tui.db.ids import new_id
from webitel_tui.domain import known
from webitel_tui.domain.errors import DomainError, ValidationError
from webitel_tui.domain.import_matching import (
    NewLink,
    PageDecisions,
    ServerEntry,
    Update,
    Wanted,
)
from webitel_tui.domain.limits import parse_id
from webitel_tui.domain.processes import ProcessStatus
from webitel_tui.domain.records import Actor
from webitel_tui.domain.rights import RUN_GET_WEBITEL_USERS
from webitel_tui.domain.rules import check_webitel_login, normalize_extension
from webitel_tui.i18n import _, tr
from webitel_tui.processes.auth import require_operation
from webitel_tui.processes.process_log import record_end, start_run_alone
from webitel_tui.processes.server_user import (
    USER_ID,
    device,
    int_id,
    license_grants,
    shown_roles,
)
from webitel_tui.repositories import UnitOfWork, unit_of_work
from webitel_tui.repositories.webitel_import import LinkedId
from webitel_tui.webitel import (
    ConnectFailedError,
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
        """How many users each list holds, by the list's name."""
        return {
            name.name: len(value)
            for name in fields(self)
            if isinstance(value := getattr(self, name.name), list)
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


def _label(user: User) -> str:
    return user.username or user.name or user.id


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
        counts = self.report.counts()
        self.progress(
            ImportProgress(
                processed=self.report.processed,
                pages=self.pages,
                current=current,
                created=counts["created"],
                updated=counts["updated"],
                linked=counts["linked"],
                unchanged=counts["unchanged"],
                conflicts=counts["conflicts"],
                errors=counts["errors"],
                done=done,
            )
        )

    def entries(self, page: Page[User]) -> list[ServerEntry]:
        """A server page's users as entries; one whose id is not a number is an error."""
        entries: list[ServerEntry] = []
        for user in page.items:
            label = _label(user)
            if not user.id.isdigit():
                self.report.errors.append(
                    tr('The Webitel user "{0}" has an id that is not a number.', label)
                )
                continue
            try:
                webitel_id = parse_id(user.id, USER_ID)
            except ValidationError as exc:  # beyond int64: no CRM record can keep it
                self.report.errors.append(f"{label}: {exc}")
                continue
            wanted: Wanted | None = None
            problem: ValidationError | None = None
            try:
                wanted = self.wanted(user)
            except ValidationError as exc:
                problem = exc
            display = " ".join((user.name or "").split())
            entries.append(
                ServerEntry(webitel_id, label, display, user.email or "", wanted, problem)
            )
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

    async def handle_page(self, entries: list[ServerEntry]) -> None:
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

    async def apply_one(self, entry: ServerEntry, outcome: ImportReport) -> None:
        try:
            single = await self.apply([entry])
        except ValidationError as exc:
            outcome.conflicts.append(ImportConflict(entry.label, str(exc)))
        except DomainError as exc:
            outcome.errors.append(f"{entry.label}: {exc}")
        else:
            outcome.extend(single)

    async def apply(self, entries: Sequence[ServerEntry]) -> ImportReport:
        """Decide users and write them in one transaction (rolled back on a dry run)."""
        outcome = ImportReport()  # added to the run's report once committed
        updates: list[Update] = []
        links: list[NewLink] = []
        async with _writing(self.db, self.actor, self.dry_run) as uow:
            decisions = await self.read(uow, entries)
            for done, entry in enumerate(entries, 1):
                try:
                    decision = decisions.decide(entry)
                except ValidationError as exc:
                    outcome.conflicts.append(ImportConflict(entry.label, str(exc)))
                    continue
                if isinstance(decision, Update):
                    updates.append(decision)
                    outcome.updated.append(entry.label)
                elif isinstance(decision, NewLink):
                    links.append(decision)
                    (outcome.created if decision.created else outcome.linked).append(entry.label)
                else:
                    getattr(outcome, decision.value).append(entry.label)
                if done % _DECIDE_BATCH == 0:
                    await asyncio.sleep(0)
            for update in updates:
                await self.write_update(uow, update)
            await uow.webitel_import.add(datetime.now(UTC), links)
        return outcome

    async def read(self, uow: UnitOfWork, entries: Sequence[ServerEntry]) -> PageDecisions:
        """What deciding `entries` needs from the CRM, read in `uow`."""
        linked = await uow.webitel_import.linked([e.webitel_id for e in entries])
        new = [e for e in entries if e.webitel_id not in linked and e.wanted is not None]
        looked_up = [e.wanted for e in entries if e.wanted is not None]
        state = await uow.webitel_import.match_state(
            contact_keys={e.contact_key for e in new} - {""},
            user_keys={e.wanted.login.casefold() for e in new if e.wanted is not None},
            names={w.login for w in looked_up},
            extensions={w.extension for w in looked_up if w.extension is not None},
        )
        return PageDecisions(linked, state, self.own_id, new_id)

    def wanted(self, user: User) -> Wanted:
        """The server user as its CRM record should look; a `ValidationError` names the
        first value the CRM cannot keep (the user is then a conflict)."""
        device_id, device_name = device(user)
        wanted = Wanted(
            login=check_webitel_login(user.username or ""),
            extension=normalize_extension(user.extension),
            device_id=device_id,
            device_name=device_name,
            licenses=license_grants(user),
            roles=shown_roles(user, self.role_names),
        )
        wanted.check()  # before any of it is looked up in the CRM
        return wanted

    async def write_update(self, uow: UnitOfWork, update: Update) -> None:
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
    await record_end(db, actor, report.run_id, status, report.counts(), report.message)


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
    says which); raises `ImportFailed` (with the partial report) when the server fails, and
    `ProcessAlreadyRunningError` (nothing done) while another run goes on."""
    await require_operation(db, actor, RUN_GET_WEBITEL_USERS)
    report = ImportReport(dry_run=dry_run)
    async with unit_of_work(db, actor) as uow:
        process = await uow.processes.by_code(PROCESS_CODE)
        if process is None or not process.enabled:
            raise DomainError(tr('The business process "{0}" is not available.', PROCESS_CODE))
        # Never beside a live run of another program or screen: each would take the users
        # the other has just linked for conflicts. A dry run is refused beside one too (its
        # preview would show those conflicts), but it logs no run, so it stops none itself:
        # it commits nothing that a real run could trip over.
        run = await start_run_alone(uow, process, log=not dry_run)
        report.run_id = None if run is None else run.id
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
        reason = exc.detail
        if isinstance(exc, ConnectFailedError) and exc.url:
            reason = tr("cannot reach the Webitel server at {0}", exc.url)
        report.message = tr("Loading Webitel users stopped: {0}", reason)
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
