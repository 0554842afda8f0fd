"""Two admins, in two processes on one PostgreSQL database, race 50 rounds of edits of one
Webitel user (extension, STUN, licenses, roles), each with its card's version.

Every change that went through is in the journal, in the order the server got them (a record
has one unsettled entry at most, so the changes of one user are one after the other): the
server's user must be what those changes make of it, one after the other (no lost update),
the CRM what the server has (no divergence), and every change that did not go through was
refused as a conflict.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from tests import test_fault_matrix
from tests.test_fault_matrix import LOGIN, Cell, _create, assert_agreement, open_items
from webitel_tui.db.tables import WebitelReconcileItem

pytestmark = pytest.mark.postgres

ROUNDS = 50

# The fault matrix's fixtures: a demo CRM made from a template, a simulator, a client.
cell = test_fault_matrix.cell
crm_url = test_fault_matrix.crm_url
simulator = test_fault_matrix.simulator
generation = test_fault_matrix.generation


@pytest.fixture
def backend() -> str:
    return "postgresql"


async def _admin(cell: Cell, crm_url: str, seed: int) -> dict[str, int]:
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.racing_admin",
        crm_url,
        cell.sim.base_url,
        str(seed),
        str(ROUNDS),
        stdout=asyncio.subprocess.PIPE,
        cwd=Path(__file__).parent.parent,
    )
    out, _err = await asyncio.wait_for(child.communicate(), 120)
    assert child.returncode == 0
    result: dict[str, int] = json.loads(out.decode().splitlines()[-1])
    return result


async def test_two_admins_race_without_lost_updates_or_divergence(cell: Cell, crm_url: str) -> None:
    await _create(cell)
    first, second = await asyncio.gather(_admin(cell, crm_url, 1), _admin(cell, crm_url, 2))

    for outcomes in (first, second):
        assert set(outcomes) <= {"done", "conflict"}, outcomes  # a loser sees a conflict
        assert sum(outcomes.values()) == ROUNDS
    assert first.get("conflict", 0) + second.get("conflict", 0) > 0, "no race happened"
    assert await open_items(cell) == []
    await assert_agreement(cell)

    # The journal, replayed: what the server must hold if no change was lost.
    state = cell.sim.state
    server = state.user_by_username(LOGIN)
    assert server is not None
    async with cell.db.engine.connect() as connection:
        entries = (
            await connection.execute(
                select(WebitelReconcileItem.Operation, WebitelReconcileItem.Intent)
                .where(
                    WebitelReconcileItem.RecordId.is_not(None),
                    WebitelReconcileItem.Problem == "",
                )
                .order_by(WebitelReconcileItem.ResolvedOn)
            )
        ).all()
    extension = "7001"
    licenses: set[str] = set()
    roles: set[int] = set()
    for operation, intent in entries:
        if operation == "update":
            extension = intent["extension"]
        elif operation == "licenses":
            licenses = (licenses | set(intent["add"])) - set(intent["remove"])
        elif operation == "roles":
            roles = (roles | set(intent["add"])) - set(intent["remove"])
    assert server.extension == extension
    assert set(server.licenses) == licenses
    assert {r for r in server.roles if not state.roles[r].user} == {int(r) for r in roles}
