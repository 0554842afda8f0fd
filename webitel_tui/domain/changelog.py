"""The change log: the repositories write an entry for every change of a record; the Change
log section and a card's History show them."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import Field

from webitel_tui.domain.records import Record
from webitel_tui.i18n import N_, _


class Operation(StrEnum):
    INSERT = "Insert"
    UPDATE = "Update"
    DELETE = "Delete"


OPERATION_CAPTIONS = {
    Operation.INSERT: N_("Added"),
    Operation.UPDATE: N_("Changed"),
    Operation.DELETE: N_("Deleted"),
}

ENTITY_CAPTIONS = {
    "WebitelUser": N_("Webitel user"),
    "WebitelUserLicense": N_("User license"),
    "WebitelUserRole": N_("User role"),
    "Contact": N_("Contact"),
    "Account": N_("Account"),
    "SysAdminUnit": N_("System user"),
    "SysUserInRole": N_("User in role"),
    "SysWorkplace": N_("Workplace"),
    "SysModuleInWorkplace": N_("Section in workplace"),
    "SysAdminOperationGrantee": N_("Operation permission"),
    "SysSettings": N_("System setting"),
}
"""The objects the repositories log, as an admin calls them; an unknown one shows its name."""

COLUMN_CAPTIONS = {
    "LicensesText": N_("Licenses"),
    "Roles": N_("Roles"),
    "EnableStun": N_("Enable STUN"),
    "WebitelId": N_("User id"),
    "DefaultDeviceName": N_("Default device"),
    "DefaultDeviceId": N_("Default device id"),
    "ContactName": N_("Contact"),
    "Extension": N_("Extension"),
}
"""Columns a summary names by their caption on the card; the others by their name (the
Creatio column names an admin knows)."""

AUDIT_COLUMNS = frozenset({"Id", "CreatedOn", "CreatedById", "ModifiedById"})
"""Columns every record has: an added record's short summary leaves them out (its entry
shows them)."""
NAME_COLUMNS = ("Name", "Caption", "Code", "Login")
"""Where a record's readable name is found in its values, the first that has one."""
CHANGES_SHOWN = 4
"""Columns named in a short summary of a change; the entry itself shows them all."""


class ChangeLogEntry(Record):
    """One entry of SysChangeLog: who changed which record when, and how."""

    id: uuid.UUID
    created_on: datetime
    created_by: uuid.UUID | None = None
    created_by_name: str = ""
    """The name of the contact who made the change ("" when not known: the system)."""
    entity: str
    record_id: uuid.UUID
    operation: Operation
    old_values: dict[str, Any] = Field(default_factory=dict)
    new_values: dict[str, Any] = Field(default_factory=dict)
    record_name: str = ""
    """The record's name from this entry's values or, failing that, from the entry that
    added it ("" when neither names it)."""

    @property
    def entity_caption(self) -> str:
        caption = ENTITY_CAPTIONS.get(self.entity)
        return _(caption) if caption else self.entity

    @property
    def operation_caption(self) -> str:
        return _(OPERATION_CAPTIONS[self.operation])

    @property
    def record_caption(self) -> str:
        return self.record_name or str(self.record_id)

    @property
    def columns(self) -> list[str]:
        """Every column the entry holds a value of, in the order they were logged."""
        return list(dict.fromkeys([*self.old_values, *self.new_values]))

    def changes(self) -> str:
        """A short summary: "Extension: 1002 -> 1999; Name: a -> b" for a change, the
        values of an added record, the last values of a deleted one."""
        if self.operation is Operation.UPDATE:
            parts = [
                f"{column_caption(column)}: {value_text(self.old_values.get(column))} -> "
                f"{value_text(self.new_values.get(column))}"
                for column in self.columns
            ]
        else:
            values = self.new_values if self.operation is Operation.INSERT else self.old_values
            parts = [
                f"{column_caption(column)}: {value_text(value)}"
                for column, value in values.items()
                if column not in AUDIT_COLUMNS
                and value not in (None, "")
                and not _is_reference(value)
            ]
        shown = "; ".join(parts[:CHANGES_SHOWN])
        return shown + "; …" if len(parts) > CHANGES_SHOWN else shown


def column_caption(column: str) -> str:
    caption = COLUMN_CAPTIONS.get(column)
    return _(caption) if caption else column


def _is_reference(value: Any) -> bool:
    """A link to another record by its id: meaningless in a short summary (the entry shows
    it), and different in every database."""
    if not isinstance(value, str) or len(value) != 36:
        return False
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def value_text(value: Any) -> str:
    """A logged value as the admin reads it (a masked secret stays masked: it is logged so)."""
    if value is None:
        return "∅"
    if value == "":
        return '""'
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    return str(value)


def record_name(values: dict[str, Any]) -> str:
    """The readable name a record's values give it ("" when none does)."""
    for column in NAME_COLUMNS:
        value = values.get(column)
        if isinstance(value, str) and value:
            return value
    return ""
