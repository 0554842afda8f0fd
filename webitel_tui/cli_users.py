"""`webitel-tui users ACTION`: the Webitel users section for cron and scripts.

Every change goes through the process functions the card calls (`processes.provisioning`,
`processes.reconcile`), as a named CRM user (`--as`, else the setting `service_login`), so the
change log says who made it. With `--json` the last line of standard output is one JSON
object; a failure is also one line on standard error. Exit codes: 0 done; 1 refused by the
Webitel server or the CRM (nothing changed); 2 left in doubt (a reconcile item was kept, and
`users reconcile` settles it); 3 bad usage or configuration.

The parser is in cli.py with the other commands'; this module is imported only when `users`
runs.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from webitel_tui.cli_support import (
    EXIT_BAD_USAGE,
    EXIT_ERROR,
    EXIT_IN_DOUBT,
    EXIT_OK,
    load,
    on_database,
    prepare,
)
from webitel_tui.config import ConfigError
from webitel_tui.db.engine import Database, DatabaseUrlError
from webitel_tui.domain import csv_rows
from webitel_tui.domain.contacts import Contact
from webitel_tui.domain.display import json_visible, visible, visible_lines
from webitel_tui.domain.errors import DomainError, ValidationError
from webitel_tui.domain.paging import PageRequest
from webitel_tui.domain.records import Actor
from webitel_tui.domain.users import UserType
from webitel_tui.domain.webitel_users import (
    DomainLicense,
    DomainRole,
    ReconcileItem,
    UserLicense,
    WebitelUser,
)
from webitel_tui.i18n import N_, _, number, set_language, tr
from webitel_tui.processes import csv_import, export, provisioning
from webitel_tui.processes.journal import NeedsReconcile, read_failure
from webitel_tui.processes.provisioning import WebitelUserForm
from webitel_tui.processes.reconcile import open_items, reconcile
from webitel_tui.processes.webitel_connection import ConnectionProblem, client_options
from webitel_tui.repositories import unit_of_work
from webitel_tui.webitel import WebitelClient, WebitelError

LIST_PAGE = 200
"""Rows `users list` reads per query: the table is streamed, never held whole."""


class UsageProblem(Exception):
    """An argument names nothing the CRM or Webitel knows (a login, a CRM user, a contact, a
    license, a role), or the acting user may not act: exit 3."""


@dataclass(frozen=True)
class Output:
    """Human lines, or with `--json` only JSON: the last line is the result object.

    Both may quote data (names from Webitel and the CRM): a terminal shows it and never
    obeys it (domain/display.py); the JSON keeps it exact, escaped."""

    json: bool

    def line(self, text: str = "") -> None:
        if not self.json:
            print(visible_lines(text))

    def json_line(self, data: dict[str, Any]) -> None:
        if self.json:
            print(json_visible(json.dumps(data, ensure_ascii=False)))

    def result(self, data: dict[str, Any]) -> int:
        self.json_line({"ok": True, **data})
        return EXIT_OK

    def failed(self, message: str, code: int, **extra: Any) -> int:
        message = " ".join(message.split())  # one line, whatever the server said
        print(f"webitel-tui: {visible(message)}", file=sys.stderr)
        self.json_line({"ok": False, "error": message, "exit": code, **extra})
        return code


@dataclass(frozen=True)
class Job:
    db: Database
    actor: Actor
    client: WebitelClient | None

    @property
    def webitel(self) -> WebitelClient:
        assert self.client is not None, "an action marked offline used the Webitel server"
        return self.client


Action = Callable[[Job, argparse.Namespace, Output], Awaitable[int]]


def run_users(args: argparse.Namespace) -> int:
    out = Output(args.json)
    action, online = ACTIONS[args.users_action]
    try:
        settings = load(args).settings
        set_language(settings.language)
        options = client_options(settings.webitel) if online else None
        prepare(settings)
        login = args.as_login or settings.service_login

        async def work(db: Database) -> int:
            actor = await acting_user(db, login, given=args.as_login is not None)
            if options is None:
                return await action(Job(db, actor, None), args, out)
            async with WebitelClient(options) as client:
                return await action(Job(db, actor, client), args, out)

        return on_database(settings, work)
    except (ConfigError, DatabaseUrlError, ConnectionProblem, UsageProblem) as exc:
        return out.failed(str(exc), EXIT_BAD_USAGE)
    except NeedsReconcile as exc:
        return out.failed(str(exc), EXIT_IN_DOUBT)
    except DomainError as exc:
        return out.failed(str(exc), EXIT_ERROR)
    except WebitelError as exc:  # a read the process functions did not word themselves
        return out.failed(str(read_failure(exc)), EXIT_ERROR)


# Who acts, and what the arguments name ---------------------------------------------------------


async def acting_user(db: Database, login: str, *, given: bool) -> Actor:
    """The CRM user the change log names: an active company employee, as for a login."""
    async with unit_of_work(db) as uow:
        user = await uow.users.get_by_name(login)
    if user is None:
        message = tr('No CRM user is named "{0}".', login)
        if not given:
            message += " " + _("Give --as LOGIN, or set service_login in the configuration.")
        raise UsageProblem(message)
    if not user.active or user.user_type is not UserType.EMPLOYEE:
        raise UsageProblem(tr('"{0}" cannot act: only an active company employee can.', user.name))
    return Actor(user_id=user.id, contact_id=user.contact_id)


async def find_record(db: Database, login: str) -> WebitelUser:
    async with unit_of_work(db) as uow:
        record = await uow.webitel_users.find_by_name(login)
    if record is not None:
        return record
    message = tr('No Webitel user "{0}" in the CRM.', login)
    # A create left in doubt has no record yet: say where it is.
    if any(item.name == login for item in await open_items(db)):
        message += " " + _("A change of it waits for Reconcile: run `webitel-tui users reconcile`.")
    raise UsageProblem(message)


async def list_request(job: Job, args: argparse.Namespace, *, limit: int = 50) -> PageRequest:
    """The section's list as --search, --folder and --where narrow it."""
    from webitel_tui.processes.folders import conditions_named, folder_named

    try:
        folder = await folder_named(job.db, job.actor, args.folder) if args.folder else ""
        where = await conditions_named(job.db, job.actor, args.where)
    except ValidationError as exc:
        raise UsageProblem(str(exc)) from None
    return PageRequest(search=args.search, filter=folder, where=where, sort="name", limit=limit)


async def records_in_file(job: Job, typed: str) -> list[WebitelUser]:
    """The users a CSV file names (its "Webitel user name" column, each once); a name the
    CRM does not know is refused with its row before anything runs."""
    from webitel_tui.domain.csv_rows import Column
    from webitel_tui.processes.csv_import import CsvImportError, read_import_file

    try:
        found = read_import_file(typed)
    except CsvImportError as exc:
        raise UsageProblem(str(exc)) from None
    # A row with a wrong cell elsewhere still names its user; a wrong or repeated name not.
    named = [(row.row, row.name) for row in found.rows] + [
        (problem.row, problem.name) for problem in found.problems if problem.column != Column.NAME
    ]
    records: list[WebitelUser] = []
    unknown: list[str] = []
    async with unit_of_work(job.db, job.actor) as uow:
        for row, name in sorted(named):
            record = await uow.webitel_users.find_by_name(name)
            if record is None:
                unknown.append(tr('row {0}: No Webitel user "{1}" in the CRM.', row, name))
            else:
                records.append(record)
    if unknown:
        raise UsageProblem("\n".join(unknown))
    return records


def only_contact(found: Sequence[Contact], name: str) -> Contact:
    if not found:
        raise UsageProblem(tr('No contact is named "{0}".', name))
    if len(found) > 1:
        raise UsageProblem(tr('Several contacts are named "{0}".', name))
    return found[0]


def license_serials(
    given: str, known: Sequence[DomainLicense], held: Sequence[UserLicense], *, grant: bool
) -> list[str]:
    """The serials a product name or a serial stands for (csv_rows.license_serials); one
    that names neither is bad usage."""
    try:
        return csv_rows.license_serials(given, known, held, grant=grant)
    except ValidationError as exc:
        raise UsageProblem(str(exc)) from None


def role_id(given: str, roles: Sequence[DomainRole]) -> int:
    try:
        return csv_rows.role_id(given, roles)
    except ValidationError as exc:
        raise UsageProblem(str(exc)) from None


# What is printed -------------------------------------------------------------------------------


def _yes_no(value: bool) -> str:
    return _("Yes") if value else _("No")


def record_json(record: WebitelUser) -> dict[str, Any]:
    """A row of the section: `licenses` is its Licenses column (the products)."""
    return {
        "id": str(record.id),
        "name": record.name,
        "contact": record.contact_name,
        "extension": record.extension,
        "webitel_id": record.webitel_id,
        "default_device": record.default_device_name or None,
        "licenses": record.licenses_text,
        "stun": record.enable_stun,
        "version": record.version,
    }


def _item_json(item: ReconcileItem | None) -> dict[str, Any] | None:
    if item is None:
        return None
    return {
        "operation": item.operation,
        "problem": item.problem,
        "pending": item.pending,
        "created_on": item.created_on.isoformat(),
    }


async def user_view(db: Database, record: WebitelUser) -> dict[str, Any]:
    """The card: the record, its CRM user, licenses, roles and any unsettled change."""
    async with unit_of_work(db) as uow:
        licenses = await uow.webitel_users.licenses(record.id)
        roles = await uow.webitel_users.roles(record.id)
        item = await uow.reconcile.unsettled_for(record.id)
        user = await uow.users.find(record.user_id) if record.user_id else None
    return {
        "user": {**record_json(record), "crm_user": user.name if user else None},
        "licenses": [
            {
                "serial": grant.license_id,
                "product": grant.product,
                "name": grant.name,
                "expires": grant.expires_on.date().isoformat() if grant.expires_on else None,
            }
            for grant in licenses
        ],
        "roles": [{"id": role.role_id, "name": role.name} for role in roles],
        "reconcile": _item_json(item),
    }


def _card_lines(view: dict[str, Any]) -> list[tuple[str, str]]:
    user = view["user"]
    none = _("(none)")
    lines = [
        (_("Webitel user name"), user["name"]),
        (_("User"), user["crm_user"] or none),
        (_("Contact"), user["contact"]),
        (_("Extension"), user["extension"] or none),
        (_("User id"), str(user["webitel_id"] or "")),
        (_("Default device"), user["default_device"] or none),
        (_("Enable STUN"), _yes_no(user["stun"])),
    ]
    licenses = [
        "  ".join(filter(None, (grant["product"], grant["name"], grant["expires"])))
        for grant in view["licenses"]
    ]
    for caption, values in (
        (_("User licenses"), licenses),
        (_("User roles"), [role["name"] or str(role["id"]) for role in view["roles"]]),
    ):
        lines += [(caption if i == 0 else "", value) for i, value in enumerate(values or [none])]
    item = view["reconcile"]
    if item is not None:
        lines.append((_("Reconcile"), item["problem"] or _("A change of it is under way.")))
    return lines


async def show_card(
    db: Database,
    record: WebitelUser,
    out: Output,
    headline: str = "",
    *,
    sip_password: SecretStr | None = None,
) -> int:
    """The card; with the SIP password a create just issued, printed this once (a line, or
    ``sip_password`` in the JSON) and nowhere else."""
    view = await user_view(db, record)
    if headline:
        out.line(headline)
    lines = _card_lines(view)
    width = max(len(caption) for caption, _value in lines)
    for caption, value in lines:
        out.line(f"{caption:<{width}}  {value}".rstrip())
    if sip_password is not None:
        secret = sip_password.get_secret_value()
        device = record.default_device_name or record.name
        out.line(tr('SIP password of the device "{0}": {1}', device, secret))
        out.line(_("It is shown only now: copy it and keep it safe."))
        view["sip_password"] = secret
    return out.result(view)


LIST_COLUMNS: list[tuple[str, int, Callable[[WebitelUser], str]]] = [
    (N_("Webitel user name"), 20, lambda u: u.name),
    (N_("Contact"), 24, lambda u: u.contact_name),
    (N_("Extension"), 9, lambda u: u.extension or ""),
    (N_("User id"), 8, lambda u: str(u.webitel_id or "")),
    (N_("Licenses"), 20, lambda u: u.licenses_text),
    (N_("STUN"), 4, lambda u: _yes_no(u.enable_stun)),
]


# The actions -----------------------------------------------------------------------------------


async def list_users(job: Job, args: argparse.Namespace, out: Output) -> int:
    """Page by page through the repository, each page printed as it comes."""
    widths = [max(width, len(_(caption))) for caption, width, _value in LIST_COLUMNS]

    def row(values: Sequence[str]) -> str:
        shown = (visible(value) for value in values)  # a line break in a name stays in its cell
        return "  ".join(f"{v:<{w}}" for v, w in zip(shown, widths, strict=True)).rstrip()

    out.line(row([_(caption) for caption, _width, _value in LIST_COLUMNS]))
    request = await list_request(job, args, limit=LIST_PAGE)
    count = 0
    while True:
        async with unit_of_work(job.db) as uow:
            page = await uow.webitel_users.page(request)
        for record in page.items:
            out.line(row([value(record) for _caption, _width, value in LIST_COLUMNS]))
            out.json_line(record_json(record))
        count += len(page.items)
        sys.stdout.flush()
        if page.next_cursor is None:
            break
        request = request.next(page.next_cursor)
    out.line(tr("Webitel users: {0}", count))
    return out.result({"count": count})


async def show_user(job: Job, args: argparse.Namespace, out: Output) -> int:
    return await show_card(job.db, await find_record(job.db, args.login), out)


async def create_user(job: Job, args: argparse.Namespace, out: Output) -> int:
    """As the card's F4 fills it: the CRM user (LOGIN's namesake unless --user) and its
    contact, unless --contact names another."""
    crm_login = args.user or args.login
    async with unit_of_work(job.db) as uow:
        user = await uow.users.get_by_name(crm_login)
        if user is None:
            raise UsageProblem(tr('No CRM user is named "{0}".', crm_login))
        contact_id = user.contact_id
        if args.contact is not None:
            found = await uow.contacts.find_by_name(args.contact)
            contact_id = only_contact(found, args.contact).id
    form = WebitelUserForm(
        user_id=user.id,
        contact_id=contact_id,
        name=args.login,
        extension=args.extension,
        enable_stun=args.stun,
    )
    created = await provisioning.create_webitel_user(job.db, job.actor, job.webitel, form)
    record = created.record
    headline = tr('Created the Webitel user "{0}".', record.name)
    return await show_card(job.db, record, out, headline, sip_password=created.sip_password)


async def update_user(job: Job, args: argparse.Namespace, out: Output) -> int:
    if args.name is None and args.extension is None and args.stun is None:
        raise UsageProblem(
            _("Nothing to change: give --name, --extension, --no-extension, --stun or --no-stun.")
        )
    record = await find_record(job.db, args.login)
    form = WebitelUserForm(
        record_id=record.id,
        version=record.version,
        user_id=record.user_id,
        contact_id=record.contact_id,
        name=record.name if args.name is None else args.name,
        extension=record.extension if args.extension is None else args.extension or None,
        enable_stun=record.enable_stun if args.stun is None else args.stun,
    )
    saved = await provisioning.update_webitel_user(job.db, job.actor, job.webitel, form)
    return await show_card(job.db, saved, out, tr('Saved the Webitel user "{0}".', saved.name))


async def delete_user(job: Job, args: argparse.Namespace, out: Output) -> int:
    record = await find_record(job.db, args.login)
    await provisioning.delete_webitel_user(
        job.db, job.actor, job.webitel, record.id, record.version
    )
    out.line(tr('Deleted the Webitel user "{0}".', record.name))
    return out.result({"deleted": record.name})


async def _change_licenses(job: Job, args: argparse.Namespace, out: Output, *, grant: bool) -> int:
    record = await find_record(job.db, args.login)
    known = await provisioning.available_licenses(job.webitel)
    held: list[UserLicense] = []
    if not grant:  # a license the domain no longer lists can still be taken away
        async with unit_of_work(job.db) as uow:
            held = await uow.webitel_users.licenses(record.id)
    serials = [s for given in args.items for s in license_serials(given, known, held, grant=grant)]
    add, remove = (serials, []) if grant else ([], serials)
    changed = await provisioning.change_licenses(
        job.db, job.actor, job.webitel, record.id, add=add, remove=remove
    )
    return await _saved(job, changed, out)


async def _change_roles(job: Job, args: argparse.Namespace, out: Output, *, add: bool) -> int:
    record = await find_record(job.db, args.login)
    roles = await provisioning.assignable_roles(job.webitel)
    ids = [role_id(given, roles) for given in args.items]
    added, removed = (ids, []) if add else ([], ids)
    changed = await provisioning.change_roles(
        job.db, job.actor, job.webitel, record.id, add=added, remove=removed
    )
    return await _saved(job, changed, out)


async def _saved(job: Job, changed: WebitelUser, out: Output) -> int:
    return await show_card(job.db, changed, out, tr('Saved the Webitel user "{0}".', changed.name))


async def reconcile_items(job: Job, args: argparse.Namespace, out: Output) -> int:
    """Reconcile; an item it cannot settle yet leaves the run in doubt (exit 2)."""
    outcomes = await reconcile(job.db, job.actor, job.webitel)
    items = [
        {
            "name": outcome.item.name,
            "operation": outcome.item.operation,
            "resolved": outcome.resolved,
            "note": outcome.note,
        }
        for outcome in outcomes
    ]
    for outcome in outcomes:
        out.line(f"{outcome.item.name}: {outcome.note}")
    left = sum(not outcome.resolved for outcome in outcomes)
    summary = tr("Reconciled: {0}. Left open: {1}.", len(outcomes) - left, left)
    if left:
        return out.failed(summary, EXIT_IN_DOUBT, items=items)
    out.line(summary)
    return out.result({"reconciled": len(outcomes), "items": items})


async def import_csv(job: Job, args: argparse.Namespace, out: Output) -> int:
    """Each row through the card's process functions; bad rows are reported, never stop the
    run. Exit 0 when every row is done (or, with --dry-run, doable), 1 when a row was refused,
    conflicted or had an error, 2 when none did but a row was left for Reconcile."""
    try:
        parsed = await asyncio.to_thread(csv_import.read_import_file, args.file)
    except csv_import.CsvImportError as exc:
        raise UsageProblem(str(exc)) from None
    if args.dry_run:
        out.line(_("Preview: nothing is changed."))
    if parsed.ignored:
        out.line(tr("Columns not imported: {0}", ", ".join(parsed.ignored)))

    def shown(progress: csv_import.CsvImportProgress) -> None:
        row = progress.last
        out.json_line(row.as_json())
        if row.outcome is not csv_import.Outcome.UNCHANGED:
            out.line(f"{tr('Row {0}', row.row)}  {row.name}  {row.caption}  {row.details}")
            if row.sip_password is not None:
                secret = row.sip_password.get_secret_value()
                out.line("  " + tr('SIP password of the device "{0}": {1}', row.name, secret))
        sys.stdout.flush()

    report = await csv_import.run_csv_import(
        job.db, job.actor, job.webitel, parsed, dry_run=args.dry_run, progress=shown
    )
    counts = report.counts()
    result = {"dry_run": report.dry_run, "counts": counts}
    summary = report.summary()
    outcomes = {row.outcome for row in report.rows}
    if outcomes & {csv_import.Outcome.CONFLICT, csv_import.Outcome.ERROR}:
        return out.failed(summary, EXIT_ERROR, **result)
    if csv_import.Outcome.IN_DOUBT in outcomes:
        return out.failed(summary, EXIT_IN_DOUBT, **result)
    out.line(summary)
    return out.result(result)


async def export_users(job: Job, args: argparse.Namespace, out: Output) -> int:
    """The section's rows (quick search as in the grid) to a file, or with `-` to standard
    output: CSV (the import reads it back), or with --json one JSON object per user."""
    if args.csv and args.json:
        raise UsageProblem(_("Give --csv or --json, not both."))
    request = await list_request(job, args)
    if args.output == "-":
        if args.json:  # one object per line, then the result, as `list --json`
            count = 0
            async for users in export.exported_pages(job.db, job.actor, request):
                for user in users:
                    out.json_line(user.as_json())
                count += len(users)
            return out.result({"count": count})
        if args.bom:
            sys.stdout.write(export.BOM)
        await export.write_csv(job.db, job.actor, request, sys.stdout)
        return EXIT_OK
    suffix = ".jsonl" if args.json else ".csv"
    default = export.default_export_path(datetime.now(), suffix)
    try:
        path = export.export_target(args.output or str(default), Path.cwd())
    except export.ExportTargetError as exc:
        raise UsageProblem(str(exc)) from None
    count = await export.export_webitel_users(
        job.db, job.actor, request, path, bom=args.bom, as_json=args.json
    )
    out.line(tr("{0} records exported to {1}", count, path))
    return out.result({"count": count, "path": str(path)})


async def bulk_action(job: Job, args: argparse.Namespace, out: Output) -> int:
    """`users bulk ACTION [ITEM] (--search/--folder/--where | --logins | --from-csv)`:
    processes/bulk.py, the section's bulk actions headless."""
    from webitel_tui.domain.bulk import BulkKind
    from webitel_tui.processes import bulk

    if (args.logins or args.from_csv) and (args.search or args.folder or args.where):
        # argparse cannot group the combinable list options against these two; without this
        # the list's narrowing would be silently dropped.
        raise UsageProblem(
            _("--logins and --from-csv name the users: give no --search, --folder or --where.")
        )
    if args.logins:
        records = [await find_record(job.db, login) for login in dict.fromkeys(args.logins)]
    elif args.from_csv:
        records = await records_in_file(job, args.from_csv)
    elif args.search or args.folder or args.where:
        request = await list_request(job, args)
        try:
            records = await bulk.records_of(job.db, job.actor, request)
        except bulk.TooManyUsersError as exc:
            raise UsageProblem(str(exc)) from None
    else:
        raise UsageProblem(
            _("Say which users: --search, --folder, --where, --logins or --from-csv.")
        )
    if len(records) > bulk.MAX_USERS:
        raise UsageProblem(tr("A bulk action takes up to {0} users.", number(bulk.MAX_USERS)))
    action = bulk.BulkAction(BulkKind(args.bulk_kind), args.item)
    try:
        planned = await bulk.plan(job.db, job.actor, job.webitel, action, records)
    except ValidationError as exc:
        raise UsageProblem(str(exc)) from None
    for note in planned.notes:
        out.line(note)

    def said(line: bulk.BulkLine) -> None:
        detail = f": {line.detail}" if line.detail else ""
        out.line(f"{line.record.name}  {_(bulk.OUTCOME_CAPTIONS[line.outcome])}{detail}")

    if args.dry_run:
        lines = planned.lines
        for line in lines:
            said(line)
    else:
        lines = await bulk.carry_out(job.db, job.actor, job.webitel, planned, on_line=said)
    counts = {
        outcome.value: sum(1 for line in lines if line.outcome is outcome)
        for outcome in bulk.Outcome
    }
    out.line(
        ", ".join(
            f"{count} {_(bulk.OUTCOME_CAPTIONS[bulk.Outcome(key)]).lower()}"
            for key, count in counts.items()
            if count
        )
    )
    result = {
        "action": action.kind.value,
        "item": action.item,
        "dry_run": args.dry_run,
        "notes": planned.notes,
        "counts": {key: count for key, count in counts.items() if count},
        "users": [
            {"login": line.record.name, "outcome": line.outcome.value, "detail": line.detail}
            for line in lines
        ],
    }
    if counts[bulk.Outcome.REFUSED.value]:
        out.json_line({"ok": False, **result, "exit": EXIT_ERROR})
        return EXIT_ERROR
    if counts[bulk.Outcome.IN_DOUBT.value]:
        out.json_line({"ok": False, **result, "exit": EXIT_IN_DOUBT})
        return EXIT_IN_DOUBT
    return out.result(result)


ACTIONS: dict[str, tuple[Action, bool]] = {
    # action: (what it does, whether it needs the Webitel server)
    "list": (list_users, False),
    "show": (show_user, False),
    "create": (create_user, True),
    "update": (update_user, True),
    "delete": (delete_user, True),
    "grant-license": (partial(_change_licenses, grant=True), True),
    "revoke-license": (partial(_change_licenses, grant=False), True),
    "add-role": (partial(_change_roles, add=True), True),
    "remove-role": (partial(_change_roles, add=False), True),
    "reconcile": (reconcile_items, True),
    "bulk": (bulk_action, True),
    "import-csv": (import_csv, True),
    "export": (export_users, False),
}
