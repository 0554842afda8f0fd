"""Reconcile (the Webitel users section's Actions): the CRM follows Webitel.

A reconcile item is a disagreement that could not be undone when it happened (the server
accepted a change the CRM could not save, and undoing it on the server failed too). For each
open item, the user is read again from the server, by Webitel id (by name when the item has
none), and the CRM record is made to match: updated from the server, created from it (linked
to the CRM user of the same name), or removed when the server no longer has the user. The
item is resolved in the same transaction as that change; an item that cannot be resolved
stays open and its outcome says why. Nothing is ever changed on the server.
"""

from __future__ import annotations

from dataclasses import dataclass

from webitel_tui.db.engine import Database
from webitel_tui.domain.errors import DomainError, ValidationError
from webitel_tui.domain.records import Actor
from webitel_tui.domain.rules import check_can_be_webitel_user
from webitel_tui.domain.webitel_users import NewWebitelUser, ReconcileItem, WebitelUser
from webitel_tui.i18n import _, tr
from webitel_tui.processes.provisioning import (
    _on_server,
    _refusal,
    bring_in_line,
    match_details,
    role_names,
    server_values,
)
from webitel_tui.repositories import UnitOfWork, unit_of_work
from webitel_tui.webitel import NotFoundError, User, WebitelClient, WebitelError

MAX_ITEMS = 1000
"""Items handled by one run, oldest first (a run that leaves some open says so)."""


@dataclass(frozen=True)
class ReconcileOutcome:
    """What Reconcile did with one item: `note` says what changed, or why it stays open."""

    item: ReconcileItem
    resolved: bool
    note: str


async def open_items(db: Database) -> list[ReconcileItem]:
    async with unit_of_work(db) as uow:
        return await uow.reconcile.open_items(MAX_ITEMS)


async def reconcile(db: Database, actor: Actor, client: WebitelClient) -> list[ReconcileOutcome]:
    """Work through the open items, each on its own; one that fails does not stop the rest."""
    names: dict[str, str] | None = None
    outcomes = []
    for item in await open_items(db):
        try:
            server = await _server_user(client, item)
            if server is not None and names is None:
                names = await role_names(client)
            note = await _resolve(db, actor, item, server, names or {})
        except DomainError as exc:
            outcomes.append(ReconcileOutcome(item, False, str(exc)))
        else:
            outcomes.append(ReconcileOutcome(item, True, note))
    return outcomes


async def _server_user(client: WebitelClient, item: ReconcileItem) -> User | None:
    """The user as the server has it now, or None when the server no longer has it."""
    if item.webitel_id is None:
        return await _on_server(client.find_user_by_username(item.name))
    try:
        return await client.get_user(item.webitel_id)
    except NotFoundError:
        return None
    except WebitelError as exc:
        raise _refusal(exc) from exc


async def _crm_record(uow: UnitOfWork, item: ReconcileItem) -> WebitelUser | None:
    """The CRM record the item is about: by Webitel id, else by name if it has no other id."""
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
        if not await uow.reconcile.resolve(item.id):
            return _("Already reconciled.")
        record = await _crm_record(uow, item)
        if server is None:
            if record is None:
                return _("Nothing to change: neither Webitel nor the CRM has the user.")
            await uow.webitel_users.delete(record.id, record.version)
            return tr('Deleted the CRM record "{0}": Webitel no longer has the user.', record.name)
        if record is None:
            created = await _create_from_server(uow, item, server, names)
            return tr('Created the CRM record "{0}" from Webitel.', created.name)
        updated = await bring_in_line(uow, record, server, names)
        return tr('Updated the CRM record "{0}" from Webitel.', updated.name)


async def _create_from_server(
    uow: UnitOfWork, item: ReconcileItem, server: User, names: dict[str, str]
) -> WebitelUser:
    """A CRM record for a user only the server has, linked to the CRM user of that name."""
    login = server.username or item.name
    user = await uow.users.get_by_name(login)
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
                "contact_id": user.contact_id,
                "name": login,
                **server_values(server),
            }
        )
    )
    await match_details(uow, record.id, server, names)
    return record
