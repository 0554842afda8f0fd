"""Bulk actions of the Webitel users section: one action on many users, previewed, then run
user by user through the card's own process functions (processes/provisioning.py), so every
change is journaled as the card's and the CRM and Webitel agree under every fault.

`plan` says, per user, what the action will do (change, nothing to do, or refused and why:
e.g. no grants left of a license), reading the server's licenses or roles once. `carry_out`
runs the planned changes in order, one user at a time, stops between two users when asked
to, and says per user what happened; a refusal or a fault on one user never stops the others.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum

from webitel_tui.db.engine import Database
from webitel_tui.domain.bulk import CAPTIONS, NEEDS_ITEM, BulkKind
from webitel_tui.domain.csv_rows import holds, license_serials, role_id
from webitel_tui.domain.errors import DomainError
from webitel_tui.domain.paging import Page, PageRequest, read_all
from webitel_tui.domain.records import Actor
from webitel_tui.domain.rights import MANAGE_WEBITEL_USERS
from webitel_tui.domain.text import fold
from webitel_tui.domain.webitel_users import DomainLicense, DomainRole, WebitelUser
from webitel_tui.i18n import N_, _, number, tr
from webitel_tui.processes import provisioning
from webitel_tui.processes.auth import require_operation
from webitel_tui.processes.journal import NeedsReconcile
from webitel_tui.processes.provisioning import WebitelUserForm
from webitel_tui.repositories import unit_of_work
from webitel_tui.webitel.client import WebitelClient

PAGE = 1000
"""Records read per query when the action takes every record of a filter."""
MAX_USERS = 5000
"""The most users one bulk action takes (see `records_of`)."""


class TooManyUsersError(DomainError):
    """ctrl+a over a list longer than a bulk action takes."""


@dataclass(frozen=True)
class BulkAction:
    kind: BulkKind
    item: str = ""
    """The license (a product such as OPERATOR, or a serial) or the role (name or id)."""

    @property
    def caption(self) -> str:
        caption = _(CAPTIONS[self.kind])
        return f"{caption}: {self.item}" if self.item else caption


class Outcome(StrEnum):
    CHANGE = "change"
    """Planned: the user will be changed."""
    CHANGED = "changed"
    UNCHANGED = "unchanged"
    REFUSED = "refused"
    IN_DOUBT = "in_doubt"
    """Whether Webitel took the change is not known yet: the record is left for Reconcile."""
    CANCELLED = "cancelled"


OUTCOME_CAPTIONS = {
    Outcome.CHANGE: N_("Will change"),
    Outcome.CHANGED: N_("Changed"),
    Outcome.UNCHANGED: N_("Nothing to do"),
    Outcome.REFUSED: N_("Refused"),
    Outcome.IN_DOUBT: N_("Left for Reconcile"),
    Outcome.CANCELLED: N_("Not done (cancelled)"),
}


@dataclass(frozen=True)
class BulkLine:
    record: WebitelUser
    outcome: Outcome
    detail: str = ""
    """Why (a refusal's words, the server's included) or what (a refresh's changes)."""
    serial: str = ""
    """A planned grant's license serial, or the role id of a role change."""

    @property
    def id(self) -> uuid.UUID:
        return self.record.id


@dataclass
class BulkPlan:
    action: BulkAction
    lines: list[BulkLine]
    notes: list[str] = field(default_factory=list)
    """Lines about the whole, e.g. "No grants left of OPERATOR: 12 of 40 will not get it."""

    def count(self, outcome: Outcome) -> int:
        return sum(1 for line in self.lines if line.outcome is outcome)


# Which records -------------------------------------------------------------------------------


async def records_of(db: Database, actor: Actor, request: PageRequest) -> list[WebitelUser]:
    """Every record the grid's search and filter find (ctrl+a), read page by page; more
    than MAX_USERS are refused before any is read past the first page (the preview shows a
    line per user, and a run at 20 ms a request takes minutes per thousand)."""

    async def fetch(page_request: PageRequest) -> Page[WebitelUser]:
        async with unit_of_work(db, actor) as uow:
            return await uow.webitel_users.page(page_request)

    def too_many(total: int) -> TooManyUsersError:
        return TooManyUsersError(
            tr(
                "A bulk action takes up to {0} users; the list has {1}. Narrow it with a "
                "search or a folder.",
                number(MAX_USERS),
                number(total),
            )
        )

    return await read_all(fetch, request, most=MAX_USERS, too_many=too_many, page_size=PAGE)


# Planning ------------------------------------------------------------------------------------


def _not_on_server(record: WebitelUser) -> BulkLine:
    return BulkLine(record, Outcome.REFUSED, _("Not on the Webitel server yet."))


async def plan(
    db: Database,
    actor: Actor,
    client: WebitelClient,
    action: BulkAction,
    records: Sequence[WebitelUser],
) -> BulkPlan:
    """What `action` would do to each of `records`, in their order; changes nothing.
    A license or role the server does not know raises ValidationError naming it."""
    await require_operation(db, actor, MANAGE_WEBITEL_USERS)
    if action.kind in NEEDS_ITEM and not action.item.strip():
        raise DomainError(_("Choose the license or role first."))
    match action.kind:
        case BulkKind.GRANT_LICENSE | BulkKind.REVOKE_LICENSE:
            known = await provisioning.available_licenses(client)
            return await _plan_licenses(db, actor, action, records, known)
        case BulkKind.ADD_ROLE | BulkKind.REMOVE_ROLE:
            roles = await provisioning.assignable_roles(client)
            return await _plan_roles(db, actor, action, records, roles)
        case BulkKind.STUN_ON | BulkKind.STUN_OFF:
            wanted = action.kind is BulkKind.STUN_ON
            lines = [
                BulkLine(
                    record, Outcome.UNCHANGED if record.enable_stun == wanted else Outcome.CHANGE
                )
                for record in records
            ]
            return BulkPlan(action, lines)
        case BulkKind.REFRESH:
            lines = [
                BulkLine(record, Outcome.CHANGE) if record.webitel_id else _not_on_server(record)
                for record in records
            ]
            return BulkPlan(action, lines)
        case BulkKind.DELETE:
            return BulkPlan(action, [BulkLine(record, Outcome.CHANGE) for record in records])


async def _plan_licenses(
    db: Database,
    actor: Actor,
    action: BulkAction,
    records: Sequence[WebitelUser],
    known: Sequence[DomainLicense],
) -> BulkPlan:
    grant = action.kind is BulkKind.GRANT_LICENSE
    # Raises for a name that is no product or serial of the domain (the admin's typo).
    license_serials(action.item, known, (), grant=grant)
    wanted = [
        lic for lic in known if lic.id == action.item or fold(lic.product) == fold(action.item)
    ]
    left = {lic.id: lic.remain for lic in wanted if lic.grantable}
    lines: list[BulkLine] = []
    short = 0
    async with unit_of_work(db, actor) as uow:
        for record in records:
            held = [
                lic
                for lic in await uow.webitel_users.licenses(record.id)
                if holds(action.item, lic)
            ]
            if not record.webitel_id:
                lines.append(_not_on_server(record))
            elif grant and held:
                lines.append(BulkLine(record, Outcome.UNCHANGED, _("Already has it.")))
            elif not grant and not held:
                lines.append(BulkLine(record, Outcome.UNCHANGED, _("Does not have it.")))
            elif not grant:
                serials = ",".join(lic.license_id for lic in held)
                lines.append(BulkLine(record, Outcome.CHANGE, serial=serials))
            else:
                serial = next((key for key, remain in left.items() if remain > 0), None)
                if serial is None:
                    short += 1
                    lines.append(BulkLine(record, Outcome.REFUSED, _("No grants left.")))
                else:
                    left[serial] -= 1
                    lines.append(BulkLine(record, Outcome.CHANGE, serial=serial))
    notes = []
    if short:
        wanting = short + sum(1 for line in lines if line.outcome is Outcome.CHANGE)
        notes.append(
            tr("No grants left of {0}: {1} of {2} will not get it.", action.item, short, wanting)
        )
    return BulkPlan(action, lines, notes)


async def _plan_roles(
    db: Database,
    actor: Actor,
    action: BulkAction,
    records: Sequence[WebitelUser],
    roles: Sequence[DomainRole],
) -> BulkPlan:
    wanted = role_id(action.item, roles)  # raises for a role the server does not have
    adding = action.kind is BulkKind.ADD_ROLE
    lines: list[BulkLine] = []
    async with unit_of_work(db, actor) as uow:
        for record in records:
            held = any(role.role_id == wanted for role in await uow.webitel_users.roles(record.id))
            if not record.webitel_id:
                lines.append(_not_on_server(record))
            elif held == adding:
                detail = _("Already has it.") if adding else _("Does not have it.")
                lines.append(BulkLine(record, Outcome.UNCHANGED, detail))
            else:
                lines.append(BulkLine(record, Outcome.CHANGE, serial=str(wanted)))
    return BulkPlan(action, lines)


# Carrying out --------------------------------------------------------------------------------


async def carry_out(
    db: Database,
    actor: Actor,
    client: WebitelClient,
    planned: BulkPlan,
    *,
    on_line: Callable[[BulkLine], None] = lambda _line: None,
    cancelled: Callable[[], bool] = lambda: False,
) -> list[BulkLine]:
    """Run the planned changes user by user (the card's functions: journaled, each user on
    its own); the lines of the whole plan with what happened. `on_line` hears each user's
    line as it is done; `cancelled` is asked before each user."""
    done: list[BulkLine] = []
    for line in planned.lines:
        if line.outcome is not Outcome.CHANGE:
            result = line
        elif cancelled():
            result = replace(line, outcome=Outcome.CANCELLED, detail="")
        else:
            result = await _one(db, actor, client, planned.action, line)
        done.append(result)
        on_line(result)
    return done


async def _one(
    db: Database, actor: Actor, client: WebitelClient, action: BulkAction, line: BulkLine
) -> BulkLine:
    """One user's change; a refusal or a fault (left for Reconcile) is its line's outcome."""
    async with unit_of_work(db, actor) as uow:
        record = await uow.webitel_users.find(line.record.id)
    if record is None:
        return replace(line, outcome=Outcome.REFUSED, detail=_("The record no longer exists."))
    detail = ""
    try:
        match action.kind:
            case BulkKind.GRANT_LICENSE:
                record = await provisioning.change_licenses(
                    db, actor, client, record.id, add=[line.serial]
                )
            case BulkKind.REVOKE_LICENSE:
                record = await provisioning.change_licenses(
                    db, actor, client, record.id, remove=line.serial.split(",")
                )
            case BulkKind.ADD_ROLE:
                record = await provisioning.change_roles(
                    db, actor, client, record.id, add=[int(line.serial)]
                )
            case BulkKind.REMOVE_ROLE:
                record = await provisioning.change_roles(
                    db, actor, client, record.id, remove=[int(line.serial)]
                )
            case BulkKind.STUN_ON | BulkKind.STUN_OFF:
                record = await provisioning.update_webitel_user(
                    db, actor, client, stun_form(record, stun=action.kind is BulkKind.STUN_ON)
                )
            case BulkKind.REFRESH:
                refreshed = await provisioning.refresh_from_webitel(db, actor, client, record.id)
                record = refreshed.record
                detail = "; ".join(refreshed.describe()) or _("Nothing changed.")
            case BulkKind.DELETE:
                await provisioning.delete_webitel_user(db, actor, client, record.id, record.version)
    except NeedsReconcile as exc:  # not refused: the server may well have made the change
        return replace(line, record=record, outcome=Outcome.IN_DOUBT, detail=str(exc))
    except DomainError as exc:
        return replace(line, record=record, outcome=Outcome.REFUSED, detail=str(exc))
    return BulkLine(record, Outcome.CHANGED, detail)


def stun_form(record: WebitelUser, *, stun: bool) -> WebitelUserForm:
    """The card's form of `record` as it is, with STUN on or off."""
    return WebitelUserForm(
        record_id=record.id,
        version=record.version,
        user_id=record.user_id,
        contact_id=record.contact_id,
        name=record.name,
        extension=record.extension,
        enable_stun=stun,
    )
