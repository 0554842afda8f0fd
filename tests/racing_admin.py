"""One admin's edits of okovalenko, as quick as the cards let them go, in a process of its own
(tests/test_two_admins.py): `python -m tests.racing_admin DATABASE_URL SIMULATOR_URL SEED
ROUNDS`. Each round opens the record as a card would, waits a moment (the admin types), and
makes one change with the card's version: extension, STUN, a license or a role, added or
removed. The last line printed is a JSON object: how many changes went through, how many were
refused as conflicts, and any other refusal."""

from __future__ import annotations

import asyncio
import json
import random
import sys
from collections import Counter

from webitel_tui.db.engine import Database
from webitel_tui.domain.errors import DomainError, RecordConflictError
from webitel_tui.domain.records import Actor
from webitel_tui.processes import provisioning
from webitel_tui.processes.provisioning import WebitelUserForm
from webitel_tui.repositories import unit_of_work
from webitel_tui.webitel import WebitelClient, WebitelOptions

LOGIN = "okovalenko"
PRODUCTS = ("OPERATOR", "DEVICE", "MANAGER")
ROLES = (2, 3, 4)  # agents, supervisors, managers


async def race(database_url: str, simulator_url: str, seed: int, rounds: int) -> Counter[str]:
    rng = random.Random(seed)
    db = Database(database_url)
    async with unit_of_work(db) as uow:
        admin = await uow.users.get_by_name("Supervisor")
    assert admin is not None
    actor = Actor(user_id=admin.id, contact_id=admin.contact_id)
    options = WebitelOptions(
        base_url=simulator_url, domain="demo", username="admin", password="admin", timeout=30
    )
    outcomes: Counter[str] = Counter()
    async with WebitelClient(options) as client:
        serials = {lic.product: lic.id for lic in await client.list_licenses()}
        for _round in range(rounds):
            async with unit_of_work(db) as uow:
                card = await uow.webitel_users.find_by_name(LOGIN)
            assert card is not None
            await asyncio.sleep(rng.uniform(0.0, 0.01))
            change = rng.choice(("extension", "stun", "license", "role"))
            add = rng.random() < 0.5
            try:
                if change in ("extension", "stun"):
                    form = WebitelUserForm(
                        record_id=card.id,
                        version=card.version,
                        user_id=card.user_id,
                        contact_id=card.contact_id,
                        name=card.name,
                        extension=(
                            str(7000 + rng.randrange(100))
                            if change == "extension"
                            else card.extension
                        ),
                        enable_stun=not card.enable_stun if change == "stun" else card.enable_stun,
                    )
                    await provisioning.update_webitel_user(db, actor, client, form)
                elif change == "license":
                    serial = [serials[rng.choice(PRODUCTS)]]
                    await provisioning.change_licenses(
                        db,
                        actor,
                        client,
                        card.id,
                        add=serial if add else (),
                        remove=() if add else serial,
                        version=card.version,
                    )
                else:
                    role = [rng.choice(ROLES)]
                    await provisioning.change_roles(
                        db,
                        actor,
                        client,
                        card.id,
                        add=role if add else (),
                        remove=() if add else role,
                        version=card.version,
                    )
            except RecordConflictError:
                outcomes["conflict"] += 1
            except DomainError as exc:
                outcomes[f"refused: {exc}"] += 1
            else:
                outcomes["done"] += 1
    await db.dispose()
    return outcomes


if __name__ == "__main__":
    url, simulator, seed, rounds = sys.argv[1:5]
    print(json.dumps(asyncio.run(race(url, simulator, int(seed), int(rounds)))))
