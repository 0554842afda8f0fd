"""The one path of every change this product makes on the Webitel server.

In order, nothing overlapped:

1. **Journal.** The intent (operation, user, what the server should look like afterwards) is
   written in the transaction that checks the CRM record (its version, its unique values).
   A record has one unsettled entry at most, so a second admin's change of the same user is
   refused as a conflict before the server is touched.
2. **Call.** The change is built from the server's current state, never from a card's view.
3. **Settle.** A readable answer: the CRM takes it and the entry is settled, in one
   transaction. A definite refusal (a 4xx with the server's words): nothing changes, the entry
   is settled as refused. In doubt (no answer, a timeout, a reset, a 5xx, an answer that
   cannot be read, a 401 after sending): the server is read back. Applied: as a readable
   answer. Not applied: one retry, then the CRM takes what the server has and the admin is
   told nothing changed. The read-back fails too: the entry stays, as a reconcile item.

No "undo" is ever built from a stale view. The only compensation is deleting a user this very
change has just created (`ServerChange.undo`), when the CRM cannot take it.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from webitel_tui.db.engine import Database
from webitel_tui.domain.errors import DomainError
from webitel_tui.domain.records import Actor
from webitel_tui.i18n import tr
from webitel_tui.repositories import UnitOfWork, unit_of_work
from webitel_tui.webitel import ConnectFailedError, WebitelError, in_doubt, retryable

log = logging.getLogger(__name__)

S = TypeVar("S")
T = TypeVar("T")


class WebitelRefused(DomainError):
    """The Webitel server refused the change, or did not take it; nothing was changed.

    `retryable` is true when trying again may help (no answer, a timeout, a 5xx)."""

    def __init__(self, message: str, *, retryable: bool = False) -> None:
        super().__init__(message)
        self.retryable = retryable


class NeedsReconcile(DomainError):
    """Whether Webitel took the change is not known yet: a reconcile item was kept."""


def refusal(exc: WebitelError) -> WebitelRefused:
    """The admin's message for a server error: the server's words, and whether to retry."""
    if isinstance(exc, ConnectFailedError):
        return unreachable(exc)
    if in_doubt(exc):
        return WebitelRefused(
            tr("Webitel did not take the change: {0}. Nothing was changed.", exc.detail),
            retryable=retryable(exc),
        )
    return WebitelRefused(tr("Webitel refused the change: {0}", exc.detail))


def unreachable(exc: ConnectFailedError) -> WebitelRefused:
    """No connection to the server: said as such (never "refused"), with the server's
    address (no user info in it) when the client gave it."""
    if exc.url:
        message = tr("Cannot reach the Webitel server at {0}. Nothing was changed.", exc.url)
    else:
        message = tr("Cannot reach the Webitel server: {0}. Nothing was changed.", exc.detail)
    return WebitelRefused(message, retryable=True)


def read_failure(exc: WebitelError) -> WebitelRefused:
    """The admin's message for a read on the server that failed."""
    if isinstance(exc, ConnectFailedError):
        return unreachable(exc)
    if in_doubt(exc):
        return WebitelRefused(
            tr("Webitel did not answer: {0}", exc.detail), retryable=retryable(exc)
        )
    return WebitelRefused(tr("Webitel refused the request: {0}", exc.detail))


async def on_server(call: Awaitable[T]) -> T:
    """A read on the server, its failure in the admin's words."""
    try:
        return await call
    except WebitelError as exc:
        raise read_failure(exc) from exc


@dataclass(frozen=True)
class ServerChange(Generic[S, T]):
    """One change on the Webitel server and what the CRM does with each outcome.

    `S` is the server's state as the change reads it back; `T` what the change returns."""

    operation: str
    record_id: uuid.UUID
    webitel_id: int | None
    name: str
    intent: dict[str, Any]
    check: Callable[[UnitOfWork], Awaitable[object]]
    """The CRM's checks, in the journal's transaction (raise DomainError to refuse)."""
    call: Callable[[], Awaitable[S]]
    """Make the change, built from the server's current state; the server's state after it."""
    read_back: Callable[[], Awaitable[S]]
    applied: Callable[[S], bool]
    settle: Callable[[UnitOfWork, S], Awaitable[T]]
    """The CRM takes the server's state once the change is applied."""
    converge: Callable[[UnitOfWork, S], Awaitable[None]]
    """The CRM takes the server's state when the change was not applied."""
    undo: Callable[[S], Awaitable[None]] | None = None
    """Only for a user this change created: remove it when the CRM cannot take it."""
    learnt_id: Callable[[S], int | None] | None = None
    """The Webitel id the server's state gives a user created by this change (kept on the
    reconcile item, so that Reconcile reads the user by id)."""


class _NotApplied(Exception):
    def __init__(self, state: object, refused: DomainError) -> None:
        super().__init__(str(refused))
        self.state = state
        self.refused = refused


async def _outcome(change: ServerChange[S, T]) -> S:
    """The server's state after the change; `_NotApplied` when the server does not have it.

    A read-back that fails raises its WebitelError: the caller keeps a reconcile item."""
    retried = False
    while True:
        refused: DomainError
        try:
            return await change.call()
        except WebitelError as exc:
            doubt = in_doubt(exc)
            refused = refusal(exc)
        except DomainError as exc:  # the server's state refused it (a value taken)
            doubt, refused = False, exc
        if not doubt and not retried:
            raise refused
        # In doubt; or a retry refused, which the first try, applied late, may explain.
        state = await change.read_back()
        if change.applied(state):
            return state
        if retried or not doubt:
            raise _NotApplied(state, refused)
        retried = True


async def _settle_refused(db: Database, actor: Actor, item_id: uuid.UUID, note: str) -> None:
    async with unit_of_work(db, actor) as uow:
        await uow.reconcile.resolve(item_id, note)


async def run(db: Database, actor: Actor, change: ServerChange[S, T]) -> T:
    """Journal, call, settle (see the module's doc)."""
    async with unit_of_work(db, actor) as uow:
        await change.check(uow)
        item = await uow.reconcile.add(
            change.webitel_id,
            change.name,
            operation=change.operation,
            record_id=change.record_id,
            intent=change.intent,
            pending=True,
        )
    try:
        state = await _outcome(change)
    except DomainError as exc:  # a definite refusal: nothing changed anywhere
        await _settle_refused(db, actor, item.id, str(exc))
        raise
    except _NotApplied as exc:
        try:
            async with unit_of_work(db, actor) as uow:
                await change.converge(uow, exc.state)  # type: ignore[arg-type]
                await uow.reconcile.resolve(item.id, str(exc.refused))
        except Exception as crm:  # the CRM failed: whatever it was, Reconcile finishes it
            raise await _left_open(db, actor, item.id, change, _crm_failure(crm)) from crm
        raise exc.refused from exc
    except WebitelError as exc:  # the read-back failed too
        problem = tr(
            'Webitel did not answer clearly about the user "{0}" ({1}), and it could not be '
            "read back.",
            change.name,
            exc.detail,
        )
        raise await _left_open(db, actor, item.id, change, problem) from exc
    try:
        async with unit_of_work(db, actor) as uow:
            result = await change.settle(uow, state)
            await uow.reconcile.resolve(item.id)
    except Exception as exc:  # the CRM failed: whatever it was, Reconcile finishes it
        problem = tr(
            'Webitel took the change of the user "{0}" but the CRM could not: {1}.',
            change.name,
            _crm_failure(exc).rstrip("."),
        )
        if change.undo is not None:
            try:
                await change.undo(state)
            except WebitelError:
                log.exception("removing the new Webitel user %s failed", change.name)
            else:
                await _settle_refused(db, actor, item.id, problem)
                raise WebitelRefused(tr("{0} The change on Webitel was undone.", problem)) from exc
        webitel_id = change.learnt_id(state) if change.learnt_id else None
        raise await _left_open(db, actor, item.id, change, problem, webitel_id) from exc
    return result


def _crm_failure(exc: Exception) -> str:
    """Why the CRM failed, for the admin: its own words, or the kind of an unexpected failure
    (whose text may quote SQL; the log has it)."""
    if isinstance(exc, DomainError):
        return str(exc)
    log.error("the CRM's write after a Webitel change failed", exc_info=exc)
    return tr("the database failed ({0})", type(exc).__name__)


async def _left_open(
    db: Database,
    actor: Actor,
    item_id: uuid.UUID,
    change: ServerChange[Any, Any],
    problem: str,
    webitel_id: int | None = None,
) -> NeedsReconcile:
    async with unit_of_work(db, actor) as uow:
        await uow.reconcile.keep_open(item_id, problem, webitel_id)
    log.warning("left for Reconcile: %s %s: %s", change.operation, change.name, problem)
    return NeedsReconcile(
        tr("{0} It is listed under Reconcile in the Webitel users section.", problem)
    )
