"""Folders and filters by column as a script names them (`webitel-tui users ... --folder NAME
--where COLUMN=VALUE`): turned into the grid filter and conditions the section's list takes,
or refused in one line that says what there is."""

from __future__ import annotations

from collections.abc import Sequence

from webitel_tui.db.engine import Database
from webitel_tui.domain.column_filters import NO, TYPED, WEBITEL_USER_FILTERS, YES, typed_filter
from webitel_tui.domain.errors import ValidationError
from webitel_tui.domain.folders import (
    HAS_LICENSE_CAPTION,
    folder_filter,
    license_filter,
    seeded_name,
)
from webitel_tui.domain.paging import ColumnFilter
from webitel_tui.domain.records import Actor
from webitel_tui.domain.text import fold
from webitel_tui.i18n import _, tr
from webitel_tui.repositories import unit_of_work


async def folder_named(db: Database, actor: Actor, name: str) -> str:
    """The grid filter of the folder called `name` as the panel lists it (a seeded folder
    in English or in the admin's language; "Has license <product>")."""
    async with unit_of_work(db, actor) as uow:
        folders = await uow.folders.folders()
        products = await uow.folders.products_in_use()
    named: dict[str, str] = {}
    for folder in folders:
        named[fold(folder.name)] = folder_filter(folder.id)
        if seeded_name(folder) == folder.name:
            named[fold(_(folder.name))] = folder_filter(folder.id)
    for product in products:
        named[fold(HAS_LICENSE_CAPTION.format(product))] = license_filter(product)
        named[fold(tr(HAS_LICENSE_CAPTION, product))] = license_filter(product)
    found = named.get(fold(name))
    if found is None:
        shown = [folder.name for folder in folders] + [
            tr(HAS_LICENSE_CAPTION, product) for product in products
        ]
        raise ValidationError(
            tr('No folder is named "{0}". The folders: {1}.', name, "; ".join(shown))
        )
    return found


async def conditions_named(
    db: Database, actor: Actor, given: Sequence[str]
) -> tuple[ColumnFilter, ...]:
    """Filters by column as COLUMN=VALUE: name, extension, webitel_id (typed as in the
    section), stun=yes|no, licenses=PRODUCT, contact=FULL NAME (one contact of that name)."""
    conditions: dict[str, ColumnFilter] = {}
    for text in given:
        column, equals, value = text.partition("=")
        column, value = column.strip(), value.strip()
        if not equals or column not in WEBITEL_USER_FILTERS:
            raise ValidationError(
                tr(
                    'Write a filter as COLUMN=VALUE, COLUMN one of: {0} (not "{1}").',
                    ", ".join(WEBITEL_USER_FILTERS),
                    text,
                )
            )
        if column in TYPED:
            condition = typed_filter(column, value)
        elif column == "stun":
            if fold(value) not in (YES, NO):
                raise ValidationError(tr('stun is "yes" or "no", not "{0}".', value))
            condition = ColumnFilter(column=column, value=fold(value), shown=fold(value))
        elif column == "licenses":
            condition = ColumnFilter(column=column, value=value, shown=value)
        else:
            async with unit_of_work(db, actor) as uow:
                found = await uow.contacts.find_by_name(value)
            if len(found) != 1:
                raise ValidationError(
                    tr('No contact is named "{0}".', value)
                    if not found
                    else tr('Several contacts are named "{0}".', value)
                )
            condition = ColumnFilter(column=column, value=str(found[0].id), shown=value)
        conditions[column] = condition  # one per column, the last given
    return tuple(conditions.values())
