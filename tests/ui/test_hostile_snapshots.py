"""The Webitel users section full of hostile names, as a picture (issue 13): each contact and
default device of the corpus drawn as its stand-ins (domain/display.py), the title bar, the
side panel and the rows above each one intact. (Webitel user names are logins: Latin
letters, digits, ".", "_" and "-" only, checked even by the repository.)

The records are written by the repository itself (the import refuses some of these
values): a database may hold what another program or an older version wrote.
"""

from __future__ import annotations

import asyncio

from tests.factories import make_user
from tests.hostile import HOSTILE
from tests.ui.conftest import make_app
from tests.ui.test_screen_snapshots import SnapCompare, steady
from tests.ui.test_shell import _move_webitel_users_into_contact_center
from tests.ui.test_webitel_snapshots import section
from webitel_tui.db.engine import Database
from webitel_tui.domain.webitel_users import NewWebitelUser
from webitel_tui.repositories import unit_of_work

STORED = {case: text for case, text in HOSTILE.items() if case not in ("nul", "surrogate")}
"""The corpus a database can keep (no NUL, no lone surrogate)."""


async def _hostile_webitel_users(url: str) -> None:
    await _move_webitel_users_into_contact_center(url)
    db = Database(url)
    try:
        async with unit_of_work(db) as uow:
            for number, (case, text) in enumerate(STORED.items()):
                login = f"h{number:02}.{case}"
                user = await make_user(uow, login, text)
                await uow.webitel_users.create(
                    NewWebitelUser(
                        user_id=user.id,
                        contact_id=user.contact_id,
                        name=login,
                        extension=str(7000 + number),
                        webitel_id=100 + number,
                        default_device_name=text,
                    )
                )
    finally:
        await db.dispose()


def test_section_full_of_hostile_names(snap_compare: SnapCompare, demo_url: str) -> None:
    asyncio.run(_hostile_webitel_users(demo_url))
    app = make_app(demo_url)
    assert snap_compare(app, terminal_size=(120, 40), run_before=steady(section))
