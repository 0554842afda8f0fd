"""Workplaces, sections and which sections a workplace shows, in order."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import exists, false, func, or_, select

from webitel_tui.db.tables import (
    SysAdminUnitInWorkplace,
    SysModule,
    SysModuleInWorkplace,
    SysUserInRole,
    SysWorkplace,
)
from webitel_tui.domain.changelog import Operation
from webitel_tui.domain.errors import DuplicateValueError
from webitel_tui.domain.limits import WORKPLACE_NAME
from webitel_tui.domain.paging import Page, PageRequest
from webitel_tui.domain.rules import require
from webitel_tui.domain.text import finds_nothing, like_pattern
from webitel_tui.domain.workplaces import Section, SectionInWorkplace, Workplace
from webitel_tui.i18n import tr
from webitel_tui.repositories.base import Repository, audit_fields, column_values
from webitel_tui.repositories.paging import ShownNames, as_shown, fetch_page

Positioned = SysWorkplace | SysModuleInWorkplace

SECTION_SORT_COLUMNS = {"caption": SysModule.Caption, "code": SysModule.Code}


def _section(row: SysModule) -> Section:
    return Section(
        **audit_fields(row),
        caption=row.Caption,
        code=row.Code,
    )


def _workplace(row: SysWorkplace) -> Workplace:
    return Workplace(
        **audit_fields(row),
        name=row.Name,
        position=row.Position,
        is_personal=row.IsPersonal,
    )


class WorkplaceRepository(Repository):
    # Sections ----------------------------------------------------------------------------------

    async def ensure_section(self, code: str, caption: str) -> Section:
        row = await self.session.scalar(select(SysModule).where(SysModule.Code == code))
        if row is None:
            row = SysModule(Code=code, Caption=caption)
            self.stamp_new(row)
            self.session.add(row)
            await self.flush("section")
        return _section(row)

    async def section_by_code(self, code: str) -> Section | None:
        row = await self.session.scalar(select(SysModule).where(SysModule.Code == code))
        return None if row is None else _section(row)

    async def available_sections(
        self, workplace_id: uuid.UUID, request: PageRequest, shown: ShownNames | None = None
    ) -> Page[Section]:
        """The "+" lookup of the Sections detail: sections not yet in the workplace, sorted
        by the captions `shown` (seeded sections in the admin's language)."""
        query = select(SysModule).where(
            ~exists().where(
                SysModuleInWorkplace.SysModuleId == SysModule.Id,
                SysModuleInWorkplace.SysWorkplaceId == workplace_id,
            )
        )
        if finds_nothing(request.search):
            query = query.where(false())
        elif request.search.strip():
            # A handful of sections: a case-insensitive match on the caption is enough.
            query = query.where(
                func.lower(SysModule.Caption).like(like_pattern(request.search), escape="\\")
            )
        return await fetch_page(
            self.session,
            query,
            request=request.model_copy(update={"search": ""}),
            sort_columns={
                **SECTION_SORT_COLUMNS,
                "caption": as_shown(SysModule.Caption, SysModule.Code, shown or {}),
            },
            id_column=SysModule.Id,
            search_column=None,
            to_model=_section,
        )

    # Workplaces ------------------------------------------------------------------------------

    async def list_workplaces(self) -> list[Workplace]:
        rows = await self.session.scalars(
            select(SysWorkplace).order_by(SysWorkplace.Position, SysWorkplace.Name)
        )
        return [_workplace(row) for row in rows]

    async def workplaces_for_user(self, user_id: uuid.UUID) -> list[Workplace]:
        """Workplaces whose "User groups" include the user or one of the user's roles.

        A workplace with no user groups at all is shown to everybody, as a fresh Creatio does.
        """
        member_of = select(SysUserInRole.SysRoleId).where(SysUserInRole.SysUserId == user_id)
        grouped = exists().where(SysAdminUnitInWorkplace.SysWorkplaceId == SysWorkplace.Id)
        allowed = exists().where(
            SysAdminUnitInWorkplace.SysWorkplaceId == SysWorkplace.Id,
            or_(
                SysAdminUnitInWorkplace.SysAdminUnitId == user_id,
                SysAdminUnitInWorkplace.SysAdminUnitId.in_(member_of),
            ),
        )
        rows = await self.session.scalars(
            select(SysWorkplace)
            .where(or_(~grouped, allowed))
            .order_by(SysWorkplace.Position, SysWorkplace.Name)
        )
        return [_workplace(row) for row in rows]

    async def get(self, workplace_id: uuid.UUID) -> Workplace:
        return _workplace(await self.get_or_missing(SysWorkplace, workplace_id, "workplace"))

    async def get_by_name(self, name: str) -> Workplace | None:
        row = await self.session.scalar(select(SysWorkplace).where(SysWorkplace.Name == name))
        return None if row is None else _workplace(row)

    async def create(self, name: str) -> Workplace:
        name = require(name, WORKPLACE_NAME)
        if await self.get_by_name(name) is not None:
            raise DuplicateValueError(tr('A workplace named "{0}" already exists.', name), "Name")
        last = await self.session.scalar(select(func.max(SysWorkplace.Position)))
        row = SysWorkplace(Name=name, Position=(last or 0) + 1, IsPersonal=False)
        self.stamp_new(row)
        self.session.add(row)
        await self.flush_unique(
            DuplicateValueError(tr('A workplace named "{0}" already exists.', name), "Name"),
            "workplace",
        )
        self.log_change("SysWorkplace", row.Id, Operation.INSERT, None, column_values(row))
        return _workplace(row)

    async def rename(self, workplace: Workplace) -> Workplace:
        row = await self.load_for_update(SysWorkplace, workplace.id, workplace.version, "workplace")
        old = column_values(row)
        name = require(workplace.name, WORKPLACE_NAME)
        other = await self.get_by_name(name)
        if other is not None and other.id != row.Id:
            raise DuplicateValueError(tr('A workplace named "{0}" already exists.', name), "Name")
        row.Name = name
        self.stamp_modified(row)
        await self.flush("workplace", row.Id)
        self.log_change("SysWorkplace", row.Id, Operation.UPDATE, old, column_values(row))
        return _workplace(row)

    async def move_workplace(self, workplace_id: uuid.UUID, offset: int) -> list[Workplace]:
        """Move a workplace up (-1) or down (+1) in the switcher; returns the new order."""
        rows = list(
            await self.session.scalars(
                select(SysWorkplace).order_by(SysWorkplace.Position, SysWorkplace.Name)
            )
        )
        self._move(rows, workplace_id, offset)
        await self.flush("workplace", workplace_id)
        return await self.list_workplaces()

    def _move(self, rows: Sequence[Positioned], row_id: uuid.UUID, offset: int) -> None:
        """Reorder in memory and renumber Position 1..n (small lists: a workplace's sections)."""
        index = next((i for i, row in enumerate(rows) if row.Id == row_id), None)
        if index is None:
            return
        target = max(0, min(len(rows) - 1, index + offset))
        ordered = list(rows)
        ordered.insert(target, ordered.pop(index))
        for position, row in enumerate(ordered, start=1):
            if row.Position != position:
                row.Position = position
                self.stamp_modified(row)

    # The Sections detail ----------------------------------------------------------------------

    async def sections_of(self, workplace_id: uuid.UUID) -> list[SectionInWorkplace]:
        rows = await self.session.execute(
            select(SysModuleInWorkplace, SysModule)
            .join(SysModule, SysModule.Id == SysModuleInWorkplace.SysModuleId)
            .where(SysModuleInWorkplace.SysWorkplaceId == workplace_id)
            .order_by(SysModuleInWorkplace.Position, SysModule.Caption)
        )
        return [
            SectionInWorkplace(
                **audit_fields(link),
                workplace_id=link.SysWorkplaceId,
                section_id=section.Id,
                caption=section.Caption,
                code=section.Code,
                position=link.Position,
            )
            for link, section in rows.all()
        ]

    async def add_sections(
        self, workplace_id: uuid.UUID, section_ids: Sequence[uuid.UUID]
    ) -> list[SectionInWorkplace]:
        """Append the sections (already-present ones are skipped) at the end, in given order."""
        await self.get_or_missing(SysWorkplace, workplace_id, "workplace")
        present = set(
            await self.session.scalars(
                select(SysModuleInWorkplace.SysModuleId).where(
                    SysModuleInWorkplace.SysWorkplaceId == workplace_id
                )
            )
        )
        last = await self.session.scalar(
            select(func.max(SysModuleInWorkplace.Position)).where(
                SysModuleInWorkplace.SysWorkplaceId == workplace_id
            )
        )
        position = last or 0
        for section_id in section_ids:
            if section_id in present:
                continue
            await self.get_or_missing(SysModule, section_id, "section")
            position += 1
            present.add(section_id)
            link = SysModuleInWorkplace(
                SysWorkplaceId=workplace_id, SysModuleId=section_id, Position=position
            )
            self.stamp_new(link)
            self.session.add(link)
            await self.flush("section in workplace")
            self.log_change(
                "SysModuleInWorkplace", link.Id, Operation.INSERT, None, column_values(link)
            )
        return await self.sections_of(workplace_id)

    async def remove_section(self, link_id: uuid.UUID, version: int) -> None:
        link = await self.load_for_update(
            SysModuleInWorkplace, link_id, version, "section in workplace"
        )
        old = column_values(link)
        await self.session.delete(link)
        await self.flush("section in workplace", link_id)
        self.log_change("SysModuleInWorkplace", link_id, Operation.DELETE, old, None)

    async def move_section(self, link_id: uuid.UUID, offset: int) -> list[SectionInWorkplace]:
        link = await self.get_or_missing(SysModuleInWorkplace, link_id, "section in workplace")
        rows = list(
            await self.session.scalars(
                select(SysModuleInWorkplace)
                .where(SysModuleInWorkplace.SysWorkplaceId == link.SysWorkplaceId)
                .order_by(SysModuleInWorkplace.Position)
            )
        )
        self._move(rows, link_id, offset)
        await self.flush("section in workplace", link_id)
        return await self.sections_of(link.SysWorkplaceId)

    async def add_user_group(self, workplace_id: uuid.UUID, unit_id: uuid.UUID) -> None:
        found = await self.session.scalar(
            select(SysAdminUnitInWorkplace.Id).where(
                SysAdminUnitInWorkplace.SysWorkplaceId == workplace_id,
                SysAdminUnitInWorkplace.SysAdminUnitId == unit_id,
            )
        )
        if found is None:
            link = SysAdminUnitInWorkplace(SysWorkplaceId=workplace_id, SysAdminUnitId=unit_id)
            self.stamp_new(link)
            self.session.add(link)
            await self.flush("user group")
