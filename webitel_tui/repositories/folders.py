"""Folders of the Webitel users section: stored, listed, filled, and turned into the SQL
condition the section's page query takes (domain/folders.py says what a folder is)."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, exists, func, select

from webitel_tui.db.tables import (
    SysChangeLog,
    WebitelUser,
    WebitelUserFolder,
    WebitelUserInFolder,
    WebitelUserLicense,
    utcnow,
)
from webitel_tui.domain.changelog import Operation
from webitel_tui.domain.column_filters import YES, check_value
from webitel_tui.domain.errors import DuplicateValueError, ValidationError
from webitel_tui.domain.folders import (
    FOLDER_TAKEN,
    SEEDED_FOLDERS,
    Condition,
    Folder,
    FolderCondition,
    FolderKind,
    parse_filter,
    seeded_folder_id,
)
from webitel_tui.domain.limits import FOLDER_NAME
from webitel_tui.domain.rules import require
from webitel_tui.domain.text import like_pattern, like_prefix
from webitel_tui.i18n import tr
from webitel_tui.repositories.base import Repository, audit_fields, column_values
from webitel_tui.repositories.paging import FilterColumns
from webitel_tui.repositories.reconcile import unsettled_records

ENTITY = "WebitelUserFolder"
_CAPTION = "folder"


def _folder(row: WebitelUserFolder) -> Folder:
    return Folder(
        **audit_fields(row),
        name=row.Name,
        kind=FolderKind(row.Kind),
        conditions=tuple(FolderCondition.model_validate(item) for item in row.Conditions),
        position=row.Position,
    )


def _has_license(product: str) -> ColumnElement[bool]:
    return exists().where(
        WebitelUserLicense.WebitelUserId == WebitelUser.Id,
        WebitelUserLicense.Product == product,
    )


WEBITEL_USER_FILTER_COLUMNS: FilterColumns = {
    # What each means: domain/column_filters.py (which checks the values first). Logins are
    # Latin (check_webitel_login): lower() folds them alike on SQLite and PostgreSQL.
    "name": lambda value: func.lower(WebitelUser.Name).like(like_pattern(value), escape="\\"),
    "contact": lambda value: WebitelUser.ContactId == uuid.UUID(value),
    "extension": lambda value: WebitelUser.Extension.like(like_prefix(value), escape="\\"),
    "licenses": _has_license,
    "stun": lambda value: WebitelUser.EnableStun.is_(value == YES),
    "webitel_id": lambda value: WebitelUser.WebitelId == int(value),
}
"""The Webitel users section's filters by column; a folder saved from them holds them as
conditions (Condition.COLUMN)."""


def condition_sql(condition: FolderCondition) -> ColumnElement[bool]:
    """The records that meet one condition. Each is served by an index of its own or by the
    sort's index with a probe per row (see tests/test_folders.py's plans)."""
    match condition.condition:
        case Condition.NO_LICENSE:
            return WebitelUser.LicensesText == ""  # kept by the repository with the licenses
        case Condition.STUN_ON:
            return WebitelUser.EnableStun.is_(True)
        case Condition.NOT_LINKED:
            return WebitelUser.SysAdminUnitId.is_(None)
        case Condition.NEEDS_RECONCILE:
            return WebitelUser.Id.in_(unsettled_records())
        case Condition.HAS_LICENSE:
            return _has_license(condition.product)
        case Condition.COLUMN:
            check_value(condition.column, condition.value)
            return WEBITEL_USER_FILTER_COLUMNS[condition.column](condition.value)


def _in_folder(folder_id: uuid.UUID) -> ColumnElement[bool]:
    return exists().where(
        WebitelUserInFolder.FolderId == folder_id,
        WebitelUserInFolder.WebitelUserId == WebitelUser.Id,
    )


class FolderRepository(Repository):
    async def folders(self) -> list[Folder]:
        """Every folder, in the panel's order."""
        rows = await self.session.scalars(
            select(WebitelUserFolder).order_by(WebitelUserFolder.Position, WebitelUserFolder.Name)
        )
        return [_folder(row) for row in rows]

    async def get(self, folder_id: uuid.UUID) -> Folder:
        return _folder(await self.get_or_missing(WebitelUserFolder, folder_id, _CAPTION))

    async def products_in_use(self) -> list[str]:
        """The license products granted to some record: a "Has license" folder each."""
        rows = await self.session.scalars(
            select(WebitelUserLicense.Product)
            .where(WebitelUserLicense.Product != "")
            .distinct()
            .order_by(WebitelUserLicense.Product)
        )
        return list(rows)

    async def condition_of(self, filter_text: str) -> ColumnElement[bool] | None:
        """The SQL condition of a folder's grid filter; None: the text is no folder's."""
        parsed = parse_filter(filter_text)
        if parsed is None:
            return None
        if isinstance(parsed, FolderCondition):
            return condition_sql(parsed)
        folder = await self.get(parsed)
        if folder.kind is FolderKind.STATIC:
            return _in_folder(folder.id)
        if not folder.conditions:
            raise ValidationError(tr('The folder "{0}" has no conditions.', folder.name))
        return and_(*(condition_sql(item) for item in folder.conditions))

    async def _holder_of(self, name: str) -> uuid.UUID | None:
        return await self.session.scalar(
            select(WebitelUserFolder.Id).where(WebitelUserFolder.Name == name)
        )

    async def _check_name(self, name: str, own_id: uuid.UUID | None = None) -> str:
        name = require(name, FOLDER_NAME)
        taken = await self._holder_of(name)
        if taken is not None and taken != own_id:
            raise DuplicateValueError(tr(FOLDER_TAKEN, name), "Name")
        return name

    async def create(
        self,
        name: str,
        kind: FolderKind,
        conditions: Sequence[FolderCondition] = (),
        *,
        folder_id: uuid.UUID | None = None,
    ) -> Folder:
        name = await self._check_name(name)
        if (kind is FolderKind.DYNAMIC) != bool(conditions):
            raise ValidationError(
                tr('A dynamic folder, and only one, has conditions: "{0}".', name)
            )
        last = await self.session.scalar(select(func.max(WebitelUserFolder.Position)))
        row = WebitelUserFolder(
            Name=name,
            Kind=kind.value,
            Conditions=[item.model_dump(mode="json") for item in conditions],
            Position=(last or 0) + 1,
        )
        if folder_id is not None:
            row.Id = folder_id
        self.stamp_new(row)
        self.session.add(row)
        await self.flush_unique(DuplicateValueError(tr(FOLDER_TAKEN, name), "Name"), ENTITY)
        self.log_change(ENTITY, row.Id, Operation.INSERT, None, column_values(row))
        return _folder(row)

    async def rename(self, folder_id: uuid.UUID, version: int, name: str) -> Folder:
        row = await self.load_for_update(WebitelUserFolder, folder_id, version, _CAPTION)
        old = column_values(row)
        row.Name = await self._check_name(name, row.Id)
        self.stamp_modified(row)
        await self.flush(_CAPTION, row.Id)
        self.log_change(ENTITY, row.Id, Operation.UPDATE, old, column_values(row))
        return _folder(row)

    async def delete(self, folder_id: uuid.UUID, version: int) -> None:
        """The folder goes; its records stay (only their place in it goes with it)."""
        row = await self.load_for_update(WebitelUserFolder, folder_id, version, _CAPTION)
        old = column_values(row)
        await self.session.delete(row)
        await self.flush(_CAPTION, folder_id)
        self.log_change(ENTITY, folder_id, Operation.DELETE, old, None)

    async def _static(self, folder_id: uuid.UUID) -> Folder:
        folder = await self.get(folder_id)
        if folder.kind is not FolderKind.STATIC:
            raise ValidationError(
                tr('Records are added only to static folders; "{0}" is dynamic.', folder.name)
            )
        return folder

    async def add_records(self, folder_id: uuid.UUID, record_ids: Collection[uuid.UUID]) -> int:
        """Put records in a static folder; returns how many were not in it yet."""
        await self._static(folder_id)
        held = set(
            await self.session.scalars(
                select(WebitelUserInFolder.WebitelUserId).where(
                    WebitelUserInFolder.FolderId == folder_id,
                    WebitelUserInFolder.WebitelUserId.in_(record_ids),
                )
            )
        )
        now = utcnow()
        rows: list[dict[str, Any]] = [
            self.new_row(now, FolderId=folder_id, WebitelUserId=record_id)
            for record_id in dict.fromkeys(record_ids)
            if record_id not in held
        ]
        await self.insert_many(WebitelUserInFolder, rows)
        await self.insert_many(SysChangeLog, self.inserted_entries(WebitelUserInFolder, rows))
        return len(rows)

    async def remove_records(self, folder_id: uuid.UUID, record_ids: Collection[uuid.UUID]) -> int:
        """Take records out of a static folder (they stay in the section); how many were in."""
        await self._static(folder_id)
        result = await self.session.execute(
            delete(WebitelUserInFolder).where(
                WebitelUserInFolder.FolderId == folder_id,
                WebitelUserInFolder.WebitelUserId.in_(record_ids),
            )
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def ensure_seeded(self) -> None:
        """The seeded dynamic folders (domain/folders.py), added where missing, named in
        English (shown translated while not renamed, as every seeded name)."""
        present = set(
            await self.session.scalars(
                select(WebitelUserFolder.Id).where(
                    WebitelUserFolder.Id.in_([seeded_folder_id(c) for _, c in SEEDED_FOLDERS])
                )
            )
        )
        for name, condition in SEEDED_FOLDERS:
            folder_id = seeded_folder_id(condition)
            # Not over a folder an admin gave the name (nor again after a delete of it: the
            # next start would bring it back, as every seeded record).
            if folder_id not in present and await self._holder_of(name) is None:
                await self.create(
                    name,
                    FolderKind.DYNAMIC,
                    [FolderCondition(condition=condition)],
                    folder_id=folder_id,
                )
