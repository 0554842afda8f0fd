from __future__ import annotations

import pytest
from sqlalchemy import func, insert, select

from tests.change_log import change_log
from tests.factories import make_user
from webitel_tui.db.engine import Database
from webitel_tui.db.ids import new_id
from webitel_tui.db.migrate import downgrade, upgrade
from webitel_tui.db.seed_data import SECTIONS, WORKPLACES
from webitel_tui.db.tables import Base, SysModule, SysModuleInWorkplace, SysWorkplace, utcnow
from webitel_tui.domain import known, passwords
from webitel_tui.domain.errors import DomainError, RecordConflictError
from webitel_tui.domain.paging import PageRequest
from webitel_tui.processes.setup import create_first_admin, prepare
from webitel_tui.repositories import unit_of_work


async def table_counts(db: Database) -> dict[str, int]:
    counts = {}
    async with db.engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            counts[table.name] = (
                await connection.scalar(select(func.count()).select_from(table)) or 0
            )
    return counts


async def test_seed_is_idempotent(db: Database) -> None:
    assert await prepare(db) is False  # a real install has no admin until `init`
    first = await table_counts(db)
    assert await prepare(db) is False
    assert await table_counts(db) == first
    assert first["SysWorkplace"] == 2 and first["SysProcess"] == 2


async def test_contact_center_starts_without_webitel_users(db: Database) -> None:
    await prepare(db)
    async with unit_of_work(db) as uow:
        workplace = await uow.workplaces.get_by_name(known.CONTACT_CENTER_WORKPLACE)
        assert workplace is not None
        codes = [s.code for s in await uow.workplaces.sections_of(workplace.id)]
        assert known.WEBITEL_USERS_SECTION_CODE not in codes
        offered = await uow.workplaces.available_sections(workplace.id, PageRequest(sort="caption"))
        assert "Webitel users" in [s.caption for s in offered.items]
        assert "Contacts" not in [s.caption for s in offered.items]
        process = await uow.processes.by_code(known.GET_WEBITEL_USERS_PROCESS_CODE)
        assert process is not None and process.enabled


async def test_demo_seed_has_supervisor_and_is_idempotent(db: Database) -> None:
    assert await prepare(db, demo=True) is True
    first = await table_counts(db)
    assert await prepare(db, demo=True) is True
    assert await table_counts(db) == first
    async with unit_of_work(db) as uow:
        supervisor = await uow.users.get_by_name("Supervisor")
        assert supervisor is not None
        assert await uow.users.is_member(supervisor.id, known.SYSTEM_ADMINISTRATORS)
        assert passwords.verify_password("Supervisor", await uow.users.password_hash(supervisor.id))
        portal = await uow.users.get_by_name("mtkachenko")
        assert portal is not None and portal.user_type.caption == "Portal user"
        assert len(await uow.contacts.find_by_name("oleksandr  SHEVCHENKO")) == 2


async def test_first_admin_only_once(db: Database) -> None:
    await prepare(db)
    await create_first_admin(db, "boss", "Str0ng pass", "Big Boss")
    assert await prepare(db) is True
    with pytest.raises(DomainError):
        await create_first_admin(db, "intruder", "x", "Intruder")


async def test_sections_detail_add_order_remove(db: Database) -> None:
    await prepare(db)
    async with unit_of_work(db) as uow:
        workplace = await uow.workplaces.get_by_name(known.CONTACT_CENTER_WORKPLACE)
        assert workplace is not None
        webitel = await uow.workplaces.section_by_code(known.WEBITEL_USERS_SECTION_CODE)
        assert webitel is not None
        rows = await uow.workplaces.add_sections(workplace.id, [webitel.id, webitel.id])
        assert [r.caption for r in rows][-1] == "Webitel users"
        assert [r.position for r in rows] == list(range(1, len(rows) + 1))
        rows = await uow.workplaces.move_section(rows[-1].id, -1)
        assert [r.caption for r in rows][-2] == "Webitel users"
        rows = await uow.workplaces.move_section(rows[0].id, -5)  # clamps at the top
        assert rows[0].caption == "Contacts"
    async with unit_of_work(db) as uow:
        rows = await uow.workplaces.sections_of(workplace.id)
        link = next(r for r in rows if r.code == known.WEBITEL_USERS_SECTION_CODE)
        await uow.workplaces.remove_section(link.id, link.version)
    with pytest.raises(RecordConflictError):
        async with unit_of_work(db) as uow:
            await uow.workplaces.remove_section(link.id, link.version)


async def test_workplace_order_and_visibility(db: Database) -> None:
    await prepare(db)
    async with unit_of_work(db) as uow:
        names = [w.name for w in await uow.workplaces.list_workplaces()]
        assert names == ["General", "Contact center"]
        moved = await uow.workplaces.move_workplace(
            (await uow.workplaces.list_workplaces())[1].id, -1
        )
        assert [w.name for w in moved] == ["Contact center", "General"]
        operator = await make_user(uow, "operator")
        outsider = await make_user(uow, "outsider")
        await uow.users.add_to_role(operator.id, known.ALL_EMPLOYEES)
        contact_center = moved[0]
        await uow.workplaces.add_user_group(contact_center.id, known.ALL_EMPLOYEES)
        assert [w.name for w in await uow.workplaces.workplaces_for_user(operator.id)] == [
            "Contact center",
            "General",
        ]
        # A workplace with user groups is hidden from users outside them.
        assert [w.name for w in await uow.workplaces.workplaces_for_user(outsider.id)] == [
            "General"
        ]


async def test_settings_and_process_log(db: Database) -> None:
    await prepare(db)
    async with unit_of_work(db) as uow:
        stun = await uow.settings.get(known.STUN_SERVERS_SETTING)
        stun = await uow.settings.set_value(stun, "stun:stun.example.org:3478")
        secret = await uow.settings.ensure("WebitelToken", "Webitel token", "t0k3n", secret=True)
        assert secret.display_value == "********"
        await uow.settings.set_value(secret, "n3w-t0k3n")
        process = await uow.processes.by_code(known.GET_WEBITEL_USERS_PROCESS_CODE)
        assert process is not None
        run = await uow.processes.start_run(process.id)
        from webitel_tui.domain.processes import ProcessStatus

        await uow.processes.finish_run(run.id, ProcessStatus.COMPLETED, {"created": 3})
    with pytest.raises(RecordConflictError):
        async with unit_of_work(db) as uow:
            await uow.settings.set_value(stun.model_copy(update={"version": 1}), "x")
    async with unit_of_work(db) as uow:
        assert await uow.settings.value(known.STUN_SERVERS_SETTING) == "stun:stun.example.org:3478"
        runs = await uow.processes.recent_runs(process.id)
        assert runs[0].status is ProcessStatus.COMPLETED and runs[0].counts == {"created": 3}
        log = await change_log(uow, secret.id)
        assert "t0k3n" not in repr(log) and "n3w-t0k3n" not in repr(log)
        found = await uow.processes.page_processes(PageRequest(search="getwebitel", sort="caption"))
        assert [p.code for p in found.items] == ["GetWebitelUsers"]


def test_every_seeded_workplace_offers_only_seeded_sections() -> None:
    codes = {code for code, _caption in SECTIONS}
    assert "Activities" not in codes and "ChangeLog" in codes
    assert dict(WORKPLACES) == {
        "General": ("Contacts", "Accounts"),
        known.CONTACT_CENTER_WORKPLACE: ("Contacts", "Accounts", "ProcessLog"),
    }
    assert all(set(sections) <= codes for _name, sections in WORKPLACES)


async def test_0009_removes_activities_from_sections_and_workplaces(database_url: str) -> None:
    """A database of 0008 with "Activities" in a workplace: the section and its place in the
    workplace go; the workplace and its other sections stay. Down again, "Change log" (which
    the program of 0008 cannot show) goes the same way."""
    db = Database(database_url)
    ids = {name: new_id() for name in ("Activities", "Contacts", "ChangeLog", "workplace")}
    now = utcnow()
    audit = {"CreatedOn": now, "ModifiedOn": now, "Version": 1}

    async def rows() -> tuple[list[str], list[str]]:
        async with db.engine.connect() as connection:
            codes = await connection.scalars(select(SysModule.Code).order_by(SysModule.Code))
            placed = await connection.scalars(
                select(SysModule.Code)
                .join(SysModuleInWorkplace, SysModuleInWorkplace.SysModuleId == SysModule.Id)
                .order_by(SysModule.Code)
            )
            return list(codes), list(placed)

    try:
        await upgrade(db, "0008")
        async with db.engine.begin() as connection:
            await connection.execute(
                insert(SysWorkplace).values(
                    Id=ids["workplace"], Name="Sales", Position=0, IsPersonal=False, **audit
                )
            )
            for position, code in enumerate(("Activities", "Contacts", "ChangeLog")):
                await connection.execute(
                    insert(SysModule).values(Id=ids[code], Code=code, Caption=code, **audit)
                )
                await connection.execute(
                    insert(SysModuleInWorkplace).values(
                        Id=new_id(),
                        SysWorkplaceId=ids["workplace"],
                        SysModuleId=ids[code],
                        Position=position,
                        **audit,
                    )
                )
        await upgrade(db, "0009")
        assert await rows() == (["ChangeLog", "Contacts"], ["ChangeLog", "Contacts"])
        await downgrade(db, "0008")
        assert await rows() == (["Contacts"], ["Contacts"])
    finally:
        await db.dispose()


async def test_the_seed_writes_change_log_and_no_activities(db: Database) -> None:
    await prepare(db)
    async with unit_of_work(db) as uow:
        assert await uow.workplaces.section_by_code("Activities") is None
        change_log_section = await uow.workplaces.section_by_code("ChangeLog")
        assert change_log_section is not None and change_log_section.caption == "Change log"
        contact_center = await uow.workplaces.get_by_name(known.CONTACT_CENTER_WORKPLACE)
        assert contact_center is not None
        codes = [s.code for s in await uow.workplaces.sections_of(contact_center.id)]
        assert codes == ["Contacts", "Accounts", "ProcessLog"]
