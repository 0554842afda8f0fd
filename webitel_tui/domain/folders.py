"""Folders of the Webitel users section, as Creatio's: static folders hold chosen records,
dynamic ones show the records that meet their conditions when opened.

A folder is shown by giving its filter to the grid's `PageRequest.filter`; paging, sort, search
and the record count stay in SQL (repositories/folders.py turns a filter into a condition).
"""

from __future__ import annotations

import uuid
from enum import StrEnum

from pydantic import model_validator

from webitel_tui.domain.paging import ColumnFilter
from webitel_tui.domain.records import AuditedRecord, Record
from webitel_tui.i18n import N_


class FolderKind(StrEnum):
    STATIC = "Static"
    DYNAMIC = "Dynamic"


class Condition(StrEnum):
    NO_LICENSE = "NoLicense"
    STUN_ON = "StunOn"
    NOT_LINKED = "NotLinked"
    NEEDS_RECONCILE = "NeedsReconcile"
    HAS_LICENSE = "HasLicense"
    COLUMN = "Column"
    """A condition on a column, as the section's filter by column makes it (saved as a
    folder): `column` and `value` as in domain/column_filters.py."""


class FolderCondition(Record):
    condition: Condition
    product: str = ""
    """The license product of HAS_LICENSE (e.g. OPERATOR); empty for the others."""
    column: str = ""
    value: str = ""
    shown: str = ""
    """COLUMN's column, value and the value as shown (a contact's name for its id)."""

    @model_validator(mode="after")
    def _product_only_for_has_license(self) -> FolderCondition:
        if (self.condition is Condition.HAS_LICENSE) != bool(self.product.strip()):
            raise ValueError("HasLicense, and only HasLicense, names a product")
        if (self.condition is Condition.COLUMN) != bool(self.column and self.value):
            raise ValueError("Column, and only Column, names a column and its value")
        return self


class Folder(AuditedRecord):
    name: str
    kind: FolderKind
    conditions: tuple[FolderCondition, ...] = ()
    """A dynamic folder's conditions, all of which a record meets (a static one has none)."""
    position: int = 0


SEEDED_FOLDERS: tuple[tuple[str, Condition], ...] = (
    (N_("No license"), Condition.NO_LICENSE),
    (N_("STUN on"), Condition.STUN_ON),
    (N_("Not linked to a CRM user"), Condition.NOT_LINKED),
    (N_("Needs reconcile"), Condition.NEEDS_RECONCILE),
)
"""The dynamic folders every CRM starts with; "Has license <product>" is offered for every
product granted in the CRM (`license_filter`), not stored."""

HAS_LICENSE_CAPTION = N_("Has license {0}")
FOLDER_TAKEN = N_('A folder named "{0}" already exists.')
SEED_NAMESPACE = uuid.UUID("5b0c1d1e-7f1a-4f3e-9d0c-4b1f0e5a9c21")
"""Seeded folders have ids of their own (uuid5 of their condition): found again by the next
start however an admin renamed them."""


def seeded_folder_id(condition: Condition) -> uuid.UUID:
    return uuid.uuid5(SEED_NAMESPACE, condition.value)


def seeded_name(folder: Folder) -> str | None:
    """The name the seed gave the folder, if it is a seeded one (None: an admin's folder)."""
    for name, condition in SEEDED_FOLDERS:
        if folder.id == seeded_folder_id(condition):
            return name
    return None


_FOLDER = "folder:"
_LICENSE = "license:"


def folder_filter(folder_id: uuid.UUID) -> str:
    """The grid filter that shows a stored folder."""
    return f"{_FOLDER}{folder_id}"


def license_filter(product: str) -> str:
    """The grid filter of the "Has license <product>" folder."""
    return f"{_LICENSE}{product}"


def parse_filter(text: str) -> uuid.UUID | FolderCondition | None:
    """A stored folder's id, a license product's condition, or None: not a folder's filter."""
    if text.startswith(_FOLDER):
        try:
            return uuid.UUID(text.removeprefix(_FOLDER))
        except ValueError:
            return None
    if text.startswith(_LICENSE) and text.removeprefix(_LICENSE).strip():
        return FolderCondition(condition=Condition.HAS_LICENSE, product=text.removeprefix(_LICENSE))
    return None


def column_condition(condition: ColumnFilter) -> FolderCondition:
    """A filter by column as a dynamic folder's condition (the section's "Save as folder")."""
    return FolderCondition(
        condition=Condition.COLUMN,
        column=condition.column,
        value=condition.value,
        shown=condition.shown,
    )
