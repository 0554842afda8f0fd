"""CSV import of Webitel users: a file as the export writes it (domain/csv_rows.py), edited in
a spreadsheet, loaded back with its changes, and only them.

Preview first (`dry_run`): per row what a run would do, nothing written: created, updated
(with the field changes), unchanged, a conflict with the reason, or an error naming the row
and the column. The run takes the rows one after the other, each through the journaled
process functions the card calls (`processes.provisioning`: create, then user name /
extension / STUN, then the license and role diffs): one path per operation. A bad row is
reported and the run goes on.

A row names its record by the Webitel user name. A new name is a create, for the CRM user the
"CRM user" column names, else the contact's only CRM user, else the CRM user of that name
(as `users create` takes it). The wanted values are compared with the CRM's record, which
holds what the server answered: a rerun of the same file finds nothing to do, and a run
killed half-way is resumed by running it again (the rows done come out "unchanged"). A row
cut in the middle of a server call is the journal's to settle, as any interrupted change:
its record (or, for a create, its name) has an open reconcile item, the row is reported as a
conflict until Reconcile (run at every start of the app, or `webitel-tui users reconcile`)
has brought the CRM in line with the server; the rerun then does what is left.

Each run (not a preview) is kept in the Process log as "ImportWebitelUsersFromCsv", and a
second run beside a live one is refused (each would read the other's half-done rows).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from webitel_tui.db.engine import Database
from webitel_tui.db.seed_data import CSV_IMPORT_CAPTION, CSV_IMPORT_DESCRIPTION
from webitel_tui.domain import known
from webitel_tui.domain.csv_rows import (
    CAPTIONS,
    LIST_SEPARATOR,
    CellProblem,
    Column,
    CsvFile,
    CsvFileError,
    CsvRow,
    decode,
    holds,
    license_serials,
    read_csv,
    role_id,
    split_list,
    yes_no,
)
from webitel_tui.domain.errors import DomainError, RecordConflictError, ValidationError
from webitel_tui.domain.processes import ProcessStatus
from webitel_tui.domain.records import Actor
from webitel_tui.domain.rights import MANAGE_WEBITEL_USERS
from webitel_tui.domain.rules import check_can_be_webitel_user
from webitel_tui.domain.text import fold
from webitel_tui.domain.users import SystemUser
from webitel_tui.domain.webitel_users import DomainLicense, DomainRole, UserLicense, WebitelUser
from webitel_tui.i18n import N_, _, tr
from webitel_tui.processes import provisioning
from webitel_tui.processes.auth import require_operation
from webitel_tui.processes.journal import NeedsReconcile, WebitelRefused
from webitel_tui.processes.process_log import record_end, start_run_alone
from webitel_tui.processes.provisioning import WebitelUserForm
from webitel_tui.processes.reconcile import open_items
from webitel_tui.repositories import UnitOfWork, unit_of_work
from webitel_tui.webitel import WebitelClient

PROCESS_CODE = known.CSV_IMPORT_PROCESS_CODE
PROCESS_CAPTION = CSV_IMPORT_CAPTION
PROCESS_DESCRIPTION = CSV_IMPORT_DESCRIPTION
MAX_FILE_BYTES = 64 * 1024 * 1024
"""Far beyond 100,000 users; a bigger file is no export of this app."""


class Outcome(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    CONFLICT = "conflict"
    """The row is right, the CRM or the server refuses it (a value held, no grants left)."""
    ERROR = "error"
    """A cell is wrong (a name no one has, an extension with letters): fix the file."""
    IN_DOUBT = "in_doubt"
    """Whether Webitel took the change is not known: a reconcile item was kept."""


OUTCOME_CAPTIONS = {
    Outcome.CREATED: N_("Created"),
    Outcome.UPDATED: N_("Updated"),
    Outcome.UNCHANGED: N_("Unchanged"),
    Outcome.CONFLICT: N_("Conflict"),
    Outcome.ERROR: N_("Error"),
    Outcome.IN_DOUBT: N_("Left for Reconcile"),
}
DONE = (Outcome.CREATED, Outcome.UPDATED, Outcome.UNCHANGED)
COUNT_KEYS = {
    Outcome.CREATED: "created",
    Outcome.UPDATED: "updated",
    Outcome.UNCHANGED: "unchanged",
    Outcome.CONFLICT: "conflicts",
    Outcome.ERROR: "errors",
    Outcome.IN_DOUBT: "in_doubt",
}

_FIELD_COLUMNS = {
    "Webitel user name": Column.NAME,
    "Extension": Column.EXTENSION,
    "User": Column.CRM_USER,
    "Contact": Column.CONTACT,
    "Licenses": Column.LICENSES,
    "Roles": Column.ROLES,
}
"""The column of a `ValidationError`'s field (the card's captions)."""


@dataclass(frozen=True)
class RowOutcome:
    """What a row did (or, in a preview, would do)."""

    row: int
    name: str
    outcome: Outcome
    changes: tuple[str, ...] = ()
    """The admin's lines, e.g. "Extension: 1001 → 1002" (data: show them through `visible`)."""
    column: Column | None = None
    reason: str = ""
    sip_password: SecretStr | None = None
    """A new user's device password on an older Webitel server: shown once, kept nowhere."""

    @property
    def caption(self) -> str:
        return _(OUTCOME_CAPTIONS[self.outcome])

    @property
    def details(self) -> str:
        """One line: the reason (with its column), or the changes."""
        if self.reason:
            where = _(CAPTIONS[self.column]) + ": " if self.column is not None else ""
            return where + self.reason
        return "; ".join(self.changes)

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "row": self.row,
            "name": self.name,
            "outcome": self.outcome.value,
            "changes": list(self.changes),
            "column": _(CAPTIONS[self.column]) if self.column is not None else None,
            "reason": self.reason or None,
        }
        if self.sip_password is not None:
            data["sip_password"] = self.sip_password.get_secret_value()
        return data


@dataclass
class CsvImportReport:
    dry_run: bool = False
    status: ProcessStatus = ProcessStatus.RUNNING
    message: str = ""
    run_id: uuid.UUID | None = None
    rows: list[RowOutcome] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """Rows by outcome, named as the Process log names GetWebitelUsers' counts."""
        counted = dict.fromkeys(COUNT_KEYS.values(), 0)
        for row in self.rows:
            counted[COUNT_KEYS[row.outcome]] += 1
        return counted

    @property
    def ok(self) -> bool:
        """Every row done (or, in a preview, doable)."""
        return all(row.outcome in DONE for row in self.rows)

    def summary(self) -> str:
        counts = self.counts()
        return tr(
            "{0} created, {1} updated, {2} unchanged, {3} conflicts, {4} errors, "
            "{5} left for Reconcile",
            *(counts[COUNT_KEYS[outcome]] for outcome in Outcome),
        )


@dataclass(frozen=True)
class CsvImportProgress:
    """Reported after each row."""

    done: int
    total: int
    last: RowOutcome


class CsvImportError(DomainError):
    """The file cannot be imported at all (unreadable, no such CSV): nothing was done."""


def read_import_file(typed: str | Path) -> CsvFile:
    """The rows of the file `typed` names (`~` expanded), each checked; `CsvImportError`
    says in one line why a file cannot be read at all. Blocking: a worker thread's work."""
    path = Path(typed).expanduser()
    if not str(typed).strip():
        raise CsvImportError(_("Enter the name of the file to import."))
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise CsvImportError(tr("{0} is too large for a file of Webitel users.", path))
        data = path.read_bytes()
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise CsvImportError(tr("Could not read {0}: {1}.", path, reason)) from exc
    try:
        return read_csv(decode(data))
    except CsvFileError as exc:
        raise CsvImportError(f"{path}: {exc}") from exc


# Deciding a row ---------------------------------------------------------------------------------


class _Refused(Exception):
    def __init__(self, outcome: Outcome, column: Column | None, reason: str) -> None:
        super().__init__(reason)
        self.outcome = outcome
        self.column = column
        self.reason = reason


def _error(column: Column | None, reason: str) -> _Refused:
    return _Refused(Outcome.ERROR, column, reason)


def _conflict(column: Column | None, reason: str) -> _Refused:
    return _Refused(Outcome.CONFLICT, column, reason)


def _from_validation(exc: ValidationError, default: Column | None = None) -> _Refused:
    return _conflict(_FIELD_COLUMNS.get(exc.field or "", default), str(exc))


def _changed(column: Column, old: str, new: str) -> str:
    none = _("(none)")
    return f"{_(CAPTIONS[column])}: {old or none} → {new or none}"


def _listed(column: Column, added: Sequence[str], removed: Sequence[str]) -> str:
    items = [f"+{item}" for item in added] + [f"−{item}" for item in removed]
    return f"{_(CAPTIONS[column])}: {LIST_SEPARATOR.join(items)}"


@dataclass
class _Plan:
    row: CsvRow
    record: WebitelUser | None
    form: WebitelUserForm | None = None
    """The create, or the update of the record's own fields (None: they stay)."""
    license_add: list[str] = field(default_factory=list)
    license_remove: list[str] = field(default_factory=list)
    role_add: list[int] = field(default_factory=list)
    role_remove: list[int] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.record is None or bool(
            self.form
            or self.license_add
            or self.license_remove
            or self.role_add
            or self.role_remove
        )


class _Planner:
    """Decides rows against the CRM as it is now; the catalogue of licenses and roles is the
    server's, read once per run."""

    def __init__(
        self,
        db: Database,
        licenses: list[DomainLicense],
        roles: list[DomainRole],
        waiting: set[str],
        *,
        dry_run: bool,
    ) -> None:
        self.db = db
        self.licenses = licenses
        self.roles = roles
        self.role_names = {role.id: role.name or str(role.id) for role in roles}
        self.waiting = waiting
        """Names with an unsettled change (a create of them may be one): Reconcile first."""
        self.remain = {lic.id: lic.remain for lic in licenses}
        """Grants left per license, counting the grants this run has planned."""
        self.dry_run = dry_run
        self.claimed: dict[tuple[str, str], int] = {}
        """In a preview: (what, value) a row before this one will take, by its row number."""

    async def plan(self, row: CsvRow) -> _Plan:
        async with unit_of_work(self.db) as uow:
            record = await uow.webitel_users.find_by_name(row.name)
            if record is None:
                plan = await self._create(uow, row)
            else:
                plan = await self._update(uow, row, record)
            await self._lists(uow, plan)
            if (
                plan.record is not None
                and plan.changed
                and await uow.reconcile.unsettled_for(plan.record.id) is not None
            ):
                raise _conflict(None, _waiting_reason())
        self._claim(plan)
        self._take_grants(plan)
        return plan

    async def _crm_user(self, uow: UnitOfWork, login: str) -> SystemUser:
        user = await uow.users.get_by_name(login)
        if user is None:
            raise _error(Column.CRM_USER, tr('No CRM user is named "{0}".', login))
        return user

    async def _contact_id(self, uow: UnitOfWork, name: str) -> uuid.UUID:
        found = await uow.contacts.find_by_name(name)
        if not found:
            raise _error(Column.CONTACT, tr('No contact is named "{0}".', name))
        if len(found) > 1:
            raise _conflict(Column.CONTACT, tr('Several contacts are named "{0}".', name))
        return found[0].id

    async def _user_of_contact(
        self, uow: UnitOfWork, name: str, contact_id: uuid.UUID
    ) -> SystemUser:
        """The contact's CRM user, as the card's F4 fills it; none or several: said."""
        users = await uow.users.users_of_contact(contact_id)
        if len(users) == 1:
            return users[0]
        column = _(CAPTIONS[Column.CRM_USER])
        if not users:
            message = tr('The contact "{0}" has no CRM user: add a "{1}" column.', name, column)
            raise _error(Column.CONTACT, message)
        message = tr(
            'The contact "{0}" has {1} CRM users: name one in a "{2}" column.',
            name,
            len(users),
            column,
        )
        raise _conflict(Column.CONTACT, message)

    async def _create(self, uow: UnitOfWork, row: CsvRow) -> _Plan:
        if row.name in self.waiting:
            raise _conflict(Column.NAME, _waiting_reason())
        contact_id = None if row.contact is None else await self._contact_id(uow, row.contact)
        if row.crm_user is not None:
            user = await self._crm_user(uow, row.crm_user)
        elif contact_id is not None:
            assert row.contact is not None
            user = await self._user_of_contact(uow, row.contact, contact_id)
        else:
            user = await self._crm_user(uow, row.name)
        try:
            check_can_be_webitel_user(user)
            await uow.webitel_users.check_unique(row.name, row.extension, user.id, None)
        except ValidationError as exc:
            raise _from_validation(exc, Column.CRM_USER) from None
        stun = bool(row.stun)
        form = WebitelUserForm(
            user_id=user.id,
            contact_id=contact_id if contact_id is not None else user.contact_id,
            name=row.name,
            extension=row.extension,
            enable_stun=stun,
        )
        changes = [f"{_(CAPTIONS[Column.CRM_USER])}: {user.name}"]
        if row.extension:
            changes.append(f"{_(CAPTIONS[Column.EXTENSION])}: {row.extension}")
        if stun:
            changes.append(f"{_(CAPTIONS[Column.STUN])}: {yes_no(stun)}")
        return _Plan(row, None, form, changes=changes)

    async def _update(self, uow: UnitOfWork, row: CsvRow, record: WebitelUser) -> _Plan:
        plan = _Plan(row, record)
        extension = row.extension if row.has_extension else record.extension
        stun = record.enable_stun if row.stun is None else row.stun
        contact_id, user_id = record.contact_id, record.user_id
        if extension != record.extension:
            plan.changes.append(_changed(Column.EXTENSION, record.extension or "", extension or ""))
        if stun != record.enable_stun:
            plan.changes.append(_changed(Column.STUN, yes_no(record.enable_stun), yes_no(stun)))
        if row.contact is not None and fold(row.contact) != fold(record.contact_name):
            contact_id = await self._contact_id(uow, row.contact)
            plan.changes.append(_changed(Column.CONTACT, record.contact_name, row.contact))
        if row.crm_user is not None:
            user = await self._crm_user(uow, row.crm_user)
            if user.id != record.user_id:
                try:
                    check_can_be_webitel_user(user)
                except ValidationError as exc:
                    raise _from_validation(exc, Column.CRM_USER) from None
                user_id = user.id
                old = await uow.users.find(record.user_id) if record.user_id else None
                plan.changes.append(_changed(Column.CRM_USER, old.name if old else "", user.name))
        if not plan.changes:
            return plan
        try:
            await uow.webitel_users.check_unique(row.name, extension, user_id, record.id)
        except ValidationError as exc:
            raise _from_validation(exc) from None
        plan.form = WebitelUserForm(
            record_id=record.id,
            version=record.version,
            user_id=user_id,
            contact_id=contact_id,
            name=record.name,
            extension=extension,
            enable_stun=stun,
        )
        return plan

    async def _lists(self, uow: UnitOfWork, plan: _Plan) -> None:
        """The license and role diffs: what the row lists against what the record holds."""
        row, record = plan.row, plan.record
        if row.licenses is not None:
            wanted = row.licenses
            # The cell as the export wrote it: nothing to look up (most rows of a rerun).
            products = {fold(item) for item in split_list(record.licenses_text)} if record else None
            if products != {fold(item) for item in wanted}:
                held = [] if record is None else await uow.webitel_users.licenses(record.id)
                self._license_diff(plan, wanted, held)
        if row.roles is not None:
            held_roles = [] if record is None else await uow.webitel_users.roles(record.id)
            held_ids = [role.role_id for role in held_roles]
            try:
                wanted_ids = list(dict.fromkeys(role_id(name, self.roles) for name in row.roles))
            except ValidationError as exc:
                raise _error(Column.ROLES, str(exc)) from None
            plan.role_add = [role for role in wanted_ids if role not in held_ids]
            plan.role_remove = [role for role in held_ids if role not in wanted_ids]
            if plan.role_add or plan.role_remove:
                names = self.role_names
                plan.changes.append(
                    _listed(
                        Column.ROLES,
                        [names.get(role, str(role)) for role in plan.role_add],
                        [
                            next((r.name for r in held_roles if r.role_id == role), str(role))
                            for role in plan.role_remove
                        ],
                    )
                )

    def _license_diff(
        self, plan: _Plan, wanted: Sequence[str], held: Sequence[UserLicense]
    ) -> None:
        known = [
            lic.model_copy(update={"grantable": lic.grantable and self.remain.get(lic.id, 0) > 0})
            for lic in self.licenses
        ]
        products = {lic.id: lic.product or lic.name for lic in self.licenses}
        try:
            for item in wanted:
                if any(holds(item, grant) for grant in held):
                    continue
                [serial] = license_serials(item, known, [], grant=True)
                if serial not in plan.license_add:
                    plan.license_add.append(serial)
        except ValidationError as exc:
            raise _error(Column.LICENSES, str(exc)) from None
        plan.license_remove = [
            grant.license_id for grant in held if not any(holds(item, grant) for item in wanted)
        ]
        for serial in plan.license_add:
            license_ = next(lic for lic in known if lic.id == serial)
            refusal = provisioning.license_refusal(
                license_.model_copy(update={"remain": self.remain.get(serial, 0)})
            )
            if refusal is not None:
                raise _conflict(Column.LICENSES, f"{products.get(serial) or serial}: {refusal}")
        if plan.license_add or plan.license_remove:
            removed = {grant.license_id: grant.product or grant.name for grant in held}
            plan.changes.append(
                _listed(
                    Column.LICENSES,
                    [products.get(serial) or serial for serial in plan.license_add],
                    [removed[serial] or serial for serial in plan.license_remove],
                )
            )

    def _claim(self, plan: _Plan) -> None:
        """In a preview, a value an earlier row takes is refused as the run's CRM would."""
        if not self.dry_run or plan.form is None:
            return
        form = plan.form
        wanted = [("name", form.name)]
        if form.extension:
            wanted.append(("extension", form.extension))
        if form.user_id is not None:
            wanted.append(("user", str(form.user_id)))
        for key in wanted:
            first = self.claimed.get(key)
            if first is not None and first != plan.row.row:
                column = {"name": Column.NAME, "extension": Column.EXTENSION}.get(
                    key[0], Column.CRM_USER
                )
                raise _conflict(column, tr("Row {0} takes it first.", first))
        for key in wanted:
            self.claimed[key] = plan.row.row

    def _take_grants(self, plan: _Plan) -> None:
        for serial in plan.license_add:
            self.remain[serial] = self.remain.get(serial, 0) - 1
        for serial in plan.license_remove:
            if serial in self.remain:
                self.remain[serial] += 1


def _waiting_reason() -> str:
    return _("A change of it waits for Reconcile: run Reconcile, then import the file again.")


# Carrying a row out ------------------------------------------------------------------------------


async def _apply(db: Database, actor: Actor, client: WebitelClient, plan: _Plan) -> RowOutcome:
    """The row's changes, each through its process function, in the card's order."""
    row = plan.row
    record_id = plan.record.id if plan.record is not None else None
    sip_password: SecretStr | None = None
    done = ""
    try:
        if plan.record is None:
            assert plan.form is not None
            created = await provisioning.create_webitel_user(db, actor, client, plan.form)
            record_id, sip_password = created.record.id, created.sip_password
            done = _("Created")
        elif plan.form is not None:
            await provisioning.update_webitel_user(db, actor, client, plan.form)
            done = _("Updated")
        assert record_id is not None
        if plan.license_add or plan.license_remove:
            await provisioning.change_licenses(
                db, actor, client, record_id, add=plan.license_add, remove=plan.license_remove
            )
            done = done or _("Updated")
        if plan.role_add or plan.role_remove:
            await provisioning.change_roles(
                db, actor, client, record_id, add=plan.role_add, remove=plan.role_remove
            )
    except NeedsReconcile as exc:
        return RowOutcome(row.row, row.name, Outcome.IN_DOUBT, tuple(plan.changes), None, str(exc))
    except ValidationError as exc:
        refused = _from_validation(exc)
        return _partly(plan, refused.outcome, refused.column, refused.reason, done, sip_password)
    except (WebitelRefused, RecordConflictError) as exc:
        return _partly(plan, Outcome.CONFLICT, None, str(exc), done, sip_password)
    except DomainError as exc:
        return _partly(plan, Outcome.ERROR, None, str(exc), done, sip_password)
    outcome = Outcome.CREATED if plan.record is None else Outcome.UPDATED
    return RowOutcome(row.row, row.name, outcome, tuple(plan.changes), sip_password=sip_password)


def _partly(
    plan: _Plan,
    outcome: Outcome,
    column: Column | None,
    reason: str,
    done: str,
    sip_password: SecretStr | None,
) -> RowOutcome:
    """A row refused after a step of it was made: what was made is said (a rerun does the
    rest once the cause is fixed)."""
    if done:
        reason = tr("{0}, but then: {1}", done, reason)
    row = plan.row
    return RowOutcome(row.row, row.name, outcome, tuple(plan.changes), column, reason, sip_password)


# The run -----------------------------------------------------------------------------------------


async def run_csv_import(
    db: Database,
    actor: Actor,
    client: WebitelClient,
    parsed: CsvFile,
    *,
    dry_run: bool = False,
    progress: Callable[[CsvImportProgress], None] | None = None,
    cancel: asyncio.Event | None = None,
) -> CsvImportReport:
    """Preview (`dry_run`: nothing is written) or import the rows of `parsed`. Rows are taken
    in file order; `cancel` stops the run between two rows (the rows done are kept). Raises
    `ProcessAlreadyRunningError` while another run goes on, and the server's refusal when
    its licenses and roles cannot be read (nothing done)."""
    await require_operation(db, actor, MANAGE_WEBITEL_USERS)
    report = CsvImportReport(dry_run=dry_run, ignored_columns=list(parsed.ignored))
    async with unit_of_work(db, actor) as uow:
        process = await uow.processes.ensure(PROCESS_CODE, PROCESS_CAPTION, PROCESS_DESCRIPTION)
        run = await start_run_alone(uow, process, log=not dry_run)
        report.run_id = None if run is None else run.id
    try:
        await _rows(db, actor, client, parsed, report, progress, cancel)
    except BaseException as exc:
        report.message = (
            tr("The import stopped: {0}", exc) if str(exc) else _("The import stopped.")
        )
        cancelled = isinstance(exc, asyncio.CancelledError)
        await _finish(
            db, actor, report, ProcessStatus.CANCELLED if cancelled else ProcessStatus.FAILED
        )
        raise
    if cancel is not None and cancel.is_set():
        report.message = _("The run was cancelled.")
        await _finish(db, actor, report, ProcessStatus.CANCELLED)
    else:
        report.message = report.summary()
        await _finish(db, actor, report, ProcessStatus.COMPLETED)
    return report


async def _rows(
    db: Database,
    actor: Actor,
    client: WebitelClient,
    parsed: CsvFile,
    report: CsvImportReport,
    progress: Callable[[CsvImportProgress], None] | None,
    cancel: asyncio.Event | None,
) -> None:
    needs_server = any(r.licenses is not None or r.roles is not None for r in parsed.rows)
    licenses = await provisioning.available_licenses(client) if needs_server else []
    roles = await provisioning.assignable_roles(client) if needs_server else []
    waiting = {item.name for item in await open_items(db)}
    planner = _Planner(db, licenses, roles, waiting, dry_run=report.dry_run)
    rows: list[CsvRow | CellProblem] = sorted(
        [*parsed.rows, *parsed.problems], key=lambda item: item.row
    )
    total = len(rows)
    for done, item in enumerate(rows, 1):
        if cancel is not None and cancel.is_set():
            return
        if isinstance(item, CellProblem):
            outcome = RowOutcome(
                item.row, item.name, Outcome.ERROR, column=item.column, reason=item.message
            )
        else:
            outcome = await _one(db, actor, client, planner, item, report.dry_run)
        report.rows.append(outcome)
        if progress is not None:
            progress(CsvImportProgress(done, total, outcome))


async def _one(
    db: Database,
    actor: Actor,
    client: WebitelClient,
    planner: _Planner,
    row: CsvRow,
    dry_run: bool,
) -> RowOutcome:
    try:
        plan = await planner.plan(row)
    except _Refused as refused:
        return RowOutcome(row.row, row.name, refused.outcome, (), refused.column, refused.reason)
    except DomainError as exc:  # the CRM refused a read (a record deleted meanwhile)
        return RowOutcome(row.row, row.name, Outcome.ERROR, reason=str(exc))
    if not plan.changed:
        return RowOutcome(row.row, row.name, Outcome.UNCHANGED)
    if dry_run:
        outcome = Outcome.CREATED if plan.record is None else Outcome.UPDATED
        return RowOutcome(row.row, row.name, outcome, tuple(plan.changes))
    return await _apply(db, actor, client, plan)


async def _finish(
    db: Database, actor: Actor, report: CsvImportReport, status: ProcessStatus
) -> None:
    report.status = status
    await record_end(db, actor, report.run_id, status, report.counts(), report.message)


__all__ = [
    "DONE",
    "PROCESS_CODE",
    "CsvImportError",
    "CsvImportProgress",
    "CsvImportReport",
    "Outcome",
    "RowOutcome",
    "read_import_file",
    "run_csv_import",
]
