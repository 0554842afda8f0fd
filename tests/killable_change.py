"""One change of okovalenko through the journaled path, in a process of its own that a test
kills with SIGKILL (tests/test_fault_matrix.py): `python -m tests.killable_change DATABASE_URL
SIMULATOR_URL OPERATION`. It prints "ready" once it is about to start the change."""

from __future__ import annotations

import asyncio
import sys

from webitel_tui.db.engine import Database
from webitel_tui.domain.records import Actor
from webitel_tui.processes import provisioning
from webitel_tui.processes.provisioning import WebitelUserForm
from webitel_tui.repositories import unit_of_work
from webitel_tui.webitel import WebitelClient, WebitelOptions

LOGIN = "okovalenko"


async def change(database_url: str, simulator_url: str, operation: str, license_id: str) -> None:
    db = Database(database_url)
    async with unit_of_work(db) as uow:
        admin = await uow.users.get_by_name("Supervisor")
        user = await uow.users.get_by_name(LOGIN)
        record = await uow.webitel_users.find_by_name(LOGIN)
    assert admin is not None and user is not None
    actor = Actor(user_id=admin.id, contact_id=admin.contact_id)
    options = WebitelOptions(
        base_url=simulator_url, domain="demo", username="admin", password="admin", timeout=30
    )
    async with WebitelClient(options) as client:
        await client.login()
        print("ready", flush=True)
        if operation == "create":
            form = WebitelUserForm(
                user_id=user.id, contact_id=user.contact_id, name=LOGIN, extension="7001"
            )
            await provisioning.create_webitel_user(db, actor, client, form)
        elif operation == "delete":
            assert record is not None
            await provisioning.delete_webitel_user(db, actor, client, record.id, record.version)
        else:
            assert record is not None
            await provisioning.change_licenses(db, actor, client, record.id, add=[license_id])
    print("done", flush=True)
    await db.dispose()


if __name__ == "__main__":
    asyncio.run(change(*sys.argv[1:5]))
