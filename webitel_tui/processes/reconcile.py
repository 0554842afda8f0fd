"""Reconcile (the Webitel users section's Actions, the card, the headless command, and once at
every start): the CRM follows Webitel.

A reconcile item is an entry of the journal of server changes that could not be settled (see
`journal`): the server's answer was lost and it could not be read back, the CRM could not
take what the server accepted, or the process was killed during the call. For each item, the
user is read again from the server, by Webitel id (by name for a user being created), and the
CRM record is made to match: updated from the server, created from it (linked to the CRM user
the change was for), or removed when the server no longer has the user. The item is settled
in the same transaction as that change; an item that cannot be settled stays open and its
outcome says why. Nothing is changed on the server, but for finishing the journaled delete
of a user: its default device, left with no user, is deleted too.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from webitel_tui.db.engine import Database
from webitel_tui.domain.errors import DomainError, ValidationError
from webitel_tui.domain.processes import RunOwner
from webitel_tui.domain.records import Actor
from webitel_tui.domain.rights import MANAGE_WEBITEL_USERS
from webitel_tui.domain.rules import check_can_be_webitel_user
from webitel_tui.domain.webitel_users import NewWebitelUser, ReconcileItem, WebitelUser
from webitel_tui.i18n import _, tr
from webitel_tui.processes.auth import require_operation
from webitel_tui.processes.journal import on_server, read_failure
from webitel_tui.processes.process_log import process_exists
from webitel_tui.processes.provisioning import bring_in_line, match_details, role_names
from webitel_tui.processes.server_user import record_values
from webitel_tui.repositories import UnitOfWork, unit_of_work
from webitel_tui.webitel import NotFoundError, User, WebitelClient, WebitelError

MAX_ITEMS = 1000
"""Items handled by one run, oldest first (a run that leaves some open says so)."""

PENDING_FOR_LONG = timedelta(minutes=5)
"""A change still marked as under way after this long was left by a killed process (a call
gives up after the client's timeout and retries, far sooner): it is a reconcile item. One of
this host is one as soon as its process is gone."""


class _AlreadySettled(Exception):
    """Another admin's Reconcile settled the item meanwhile: this one's change is rolled back."""


@dataclass(frozen=True)
class ReconcileOutcome:
    """What Reconcile did with one item: `note` says what changed, or why it stays open."""

    item: ReconcileItem
    resolved: bool
    note: str


async def open_items(
    db: Database, now: datetime | None = None, record_id: uuid.UUID | None = None
) -> list[ReconcileItem]:
    """The reconcile items as of `now` (the record's, given `record_id`), the changes left
    under way by a killed process included."""
    pending_before = (now or datetime.now(UTC)) - PENDING_FOR_LONG
    here = RunOwner.current()
    async with unit_of_work(db) as uow:
        items = await uow.reconcile.open_items(
            MAX_ITEMS, pending_before=pending_before, pending_on=here.host, record_id=record_id
        )
    return [item for item in items if not _under_way(item, pending_before)]


def _under_way(item: ReconcileItem, pending_before: datetime) -> bool:
    """Whether a live process may still settle the entry."""
    if not item.pending or item.created_on < pending_before:
        return False
    return item.owner is None or process_exists(item.owner.pid)


async def reconcile(
    db: Database,
    actor: Actor,
    client: WebitelClient,
    *,
    now: datetime | None = None,
    record_id: uuid.UUID | None = None,
) -> list[ReconcileOutcome]:
    """Work through the open items (the record's, given `record_id`), each on its own; one
    that fails does not stop the rest."""
    await require_operation(db, actor, MANAGE_WEBITEL_USERS)
    names: dict[str, str] | None = None
    outcomes = []
    for item in await open_items(db, now, record_id):
        try:
            server = await _server_user(client, item)
            if server is not None and names is None:
                names = await role_names(client)
            if server is None:
                await _finish_delete(client, item)
            note = await _resolve(db, actor, item, server, names or {})
        except _AlreadySettled:
            outcomes.append(ReconcileOutcome(item, True, _("Already reconciled.")))
        except DomainError as exc:
            outcomes.append(ReconcileOutcome(item, False, str(exc)))
        else:
            outcomes.append(ReconcileOutcome(item, True, note))
    return outcomes


async def _server_user(client: WebitelClient, item: ReconcileItem) -> User | None:
    """The user as the server has it now, or None when the server no longer has it."""
    if item.webitel_id is None:
        return await on_server(client.find_user_by_username(item.name))
    try:
        return await client.get_user(item.webitel_id)
    except NotFoundError:
        return None
    except WebitelError as exc:
        raise read_failure(exc) from exc


async def _finish_delete(client: WebitelClient, item: ReconcileItem) -> None:
    """The user is gone: so goes the default device the journaled delete meant to remove,
    if no user has it (a login can then be created again)."""
    device_id = item.intent.get("device_id") if item.operation == "delete" else None
    if not device_id:
        return
    try:
        device = await client.get_device(str(device_id))
    except NotFoundError:
        return
    except WebitelError as exc:
        raise read_failure(exc) from exc
    if device.user is None or not device.user.id:
        await on_server(client.delete_device(str(device_id), permanent=True, missing_ok=True))


def _intended_id(item: ReconcileItem, key: str) -> uuid.UUID | None:
    value = item.intent.get(key)
    return uuid.UUID(str(value)) if value else None


async def _crm_record(uow: UnitOfWork, item: ReconcileItem) -> WebitelUser | None:
    """The CRM record the item is about: its own, else by Webitel id, else by name if it
    has no other id."""
    if item.record_id is not None:
        record = await uow.webitel_users.find(item.record_id)
        if record is not None:
            return record
    if item.webitel_id is not None:
        record = await uow.webitel_users.find_by_webitel_id(item.webitel_id)
        if record is not None:
            return record
    record = await uow.webitel_users.find_by_name(item.name)
    if record is not None and record.webitel_id in (None, item.webitel_id):
        return record
    return None


async def _resolve(
    db: Database,
    actor: Actor,
    item: ReconcileItem,
    server: User | None,
    names: dict[str, str],
) -> str:
    """Make the CRM match `server` and resolve the item, in one transaction."""
    async with unit_of_work(db, actor) as uow:
        record = await _crm_record(uow, item)
        if server is None:
            if record is None:
                note = _("Nothing to change: neither Webitel nor the CRM has the user.")
            else:
                await uow.webitel_users.delete(record.id, record.version)
                note = tr(
                    'Deleted the CRM record "{0}": Webitel no longer has the user.', record.name
                )
        elif record is None:
            created = await _create_from_server(uow, item, server, names)
            note = tr('Created the CRM record "{0}" from Webitel.', created.name)
        else:
            updated = await bring_in_line(uow, record, server, names)
            note = tr('Updated the CRM record "{0}" from Webitel.', updated.name)
        if not await uow.reconcile.resolve(item.id, note):
            raise _AlreadySettled
    return note


async def _create_from_server(
    uow: UnitOfWork, item: ReconcileItem, server: User, names: dict[str, str]
) -> WebitelUser:
    """A CRM record for a user only the server has, linked to the CRM user the change was
    for, else to the CRM user of that name."""
    login = server.username or item.name
    intended = _intended_id(item, "user_id")
    user = await (uow.users.get(intended) if intended else uow.users.get_by_name(login))
    if user is None:
        raise ValidationError(
            tr(
                'No CRM user is named "{0}": link the Webitel user with Load Webitel users, '
                "or delete it on Webitel.",
                login,
            ),
            "User",
        )
    check_can_be_webitel_user(user)
    record = await uow.webitel_users.create(
        NewWebitelUser.model_validate(
            {
                "user_id": user.id,
                "contact_id": _intended_id(item, "contact_id") if intended else user.contact_id,
                "name": login,
                "enable_stun": bool(item.intent.get("enable_stun", False)),
                **record_values(server),
            }
        ),
        record_id=item.record_id,
    )
    await match_details(uow, record.id, server, names)
    return record
