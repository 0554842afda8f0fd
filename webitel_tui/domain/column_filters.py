"""Quick filters by column of the Webitel users section (Creatio's "Add condition" on a
column): which columns take one, how the typed value is checked, how a condition reads on the
section's filter line. repositories/webitel_users.py turns each into SQL.
"""

from __future__ import annotations

import uuid
from enum import StrEnum

from webitel_tui.domain.errors import ValidationError
from webitel_tui.domain.paging import ColumnFilter
from webitel_tui.i18n import N_, _, tr


class Match(StrEnum):
    CONTAINS = "contains"
    STARTS_WITH = "starts with"
    IS = "is"
    """The value is chosen (a contact, a license, Yes or No) or a number."""


WEBITEL_USER_FILTERS: dict[str, Match] = {
    "name": Match.CONTAINS,
    "contact": Match.IS,
    "extension": Match.STARTS_WITH,
    "licenses": Match.IS,
    "stun": Match.IS,
    "webitel_id": Match.IS,
}
"""The section's columns that take a quick filter (the default device is found by the user's
name; device names are free text in any alphabet, which SQLite cannot fold)."""

TYPED = frozenset({"name", "extension", "webitel_id"})
"""The columns whose value is typed; the others' is chosen from a list."""

YES, NO = "yes", "no"
_WORDING = {
    Match.CONTAINS: N_('{0} contains "{1}"'),
    Match.STARTS_WITH: N_('{0} starts with "{1}"'),
    Match.IS: N_("{0}: {1}"),
}


def typed_filter(column: str, text: str) -> ColumnFilter:
    """A condition on a typed column, from the text as typed; refused in Creatio's words."""
    value = text.strip()
    if not value:
        raise ValidationError(_("Enter a value to filter by."), "Value")
    if column == "webitel_id" and not value.isdecimal():
        raise ValidationError(_("User id is a whole number."), "Value")
    if column not in TYPED:
        raise ValidationError(tr('The list cannot be filtered by "{0}".', column))
    return ColumnFilter(column=column, value=value, shown=value)


def check_value(column: str, value: str) -> None:
    """Refuse a stored condition that no query can run (a file or profile edited by hand)."""
    if column not in WEBITEL_USER_FILTERS:
        raise ValidationError(tr('The list cannot be filtered by "{0}".', column))
    if column == "webitel_id" and not value.isdecimal():
        raise ValidationError(_("User id is a whole number."), "Value")
    if column == "stun" and value not in (YES, NO):
        raise ValidationError(tr('The list cannot be filtered by "{0}".', column))
    if column == "contact":
        try:
            uuid.UUID(value)
        except ValueError:
            raise ValidationError(_("The selected contact does not exist."), "Contact") from None


def described(condition: ColumnFilter, caption: str) -> str:
    """How the filter line reads a condition, with the column's caption as shown."""
    wording = _WORDING[WEBITEL_USER_FILTERS.get(condition.column, Match.IS)]
    return tr(wording, caption, condition.shown or condition.value)


def replaced(conditions: tuple[ColumnFilter, ...], new: ColumnFilter) -> tuple[ColumnFilter, ...]:
    """The conditions with `new` in place of the one on its column (one per column)."""
    return (*(c for c in conditions if c.column != new.column), new)
