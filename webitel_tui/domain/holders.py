"""Who holds a Webitel user name, an extension or a CRM user: the uniqueness rules the card,
the headless commands and the import share, as pure functions over the holders read."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from webitel_tui.domain.errors import DuplicateValueError
from webitel_tui.i18n import tr


@dataclass(frozen=True)
class Holder:
    """A Webitel user record as the uniqueness checks see it; `record_id` is None for a
    record the import is about to write."""

    name: str
    extension: str | None
    contact_name: str
    user_id: uuid.UUID | None
    record_id: uuid.UUID | None = None


def duplicate_among(
    name: str, extension: str | None, user_id: uuid.UUID | None, holders: Sequence[Holder]
) -> DuplicateValueError | None:
    """The refusal for a record with these values, given the other records that hold any of
    them, with a message naming the holder; checked in this order: the CRM user, the
    extension, the Webitel user name."""
    for holder in holders:
        if user_id is not None and holder.user_id == user_id:
            return DuplicateValueError(
                tr('This CRM user is already the Webitel user "{0}".', holder.name), "User"
            )
    for holder in holders:
        if extension is not None and holder.extension == extension:
            return DuplicateValueError(
                tr(
                    'The extension {0} is already used by the Webitel user "{1}".',
                    extension,
                    holder.contact_name or holder.name,
                ),
                "Extension",
            )
    for holder in holders:
        if holder.name == name:
            return DuplicateValueError(
                tr('The Webitel user name "{0}" is already used by another Webitel user.', name),
                "Webitel user name",
            )
    return None


class Holders:
    """The records that hold names, extensions and CRM users, as an import page has decided
    them so far, looked up by each."""

    def __init__(self, found: Sequence[Holder]) -> None:
        self.by_name: dict[str, Holder] = {}
        self.by_extension: dict[str, Holder] = {}
        self.by_user: dict[uuid.UUID, Holder] = {}
        self.by_record: dict[uuid.UUID, Holder] = {}
        for holder in found:
            self.add(holder)

    def add(self, holder: Holder) -> None:
        """`holder` now holds its values (a record already held replaces its old values)."""
        old = self.by_record.pop(holder.record_id, None) if holder.record_id else None
        if old is not None:
            self.by_name.pop(old.name, None)
            if old.extension is not None:
                self.by_extension.pop(old.extension, None)
            if old.user_id is not None:
                self.by_user.pop(old.user_id, None)
        self.by_name[holder.name] = holder
        if holder.extension is not None:
            self.by_extension[holder.extension] = holder
        if holder.user_id is not None:
            self.by_user[holder.user_id] = holder
        if holder.record_id is not None:
            self.by_record[holder.record_id] = holder

    def hold_user(self, user_id: uuid.UUID) -> bool:
        return user_id in self.by_user

    def of(
        self, name: str, extension: str | None, user_id: uuid.UUID | None, own: uuid.UUID | None
    ) -> list[Holder]:
        """The records other than `own` holding any of these values."""
        found = [self.by_name.get(name)]
        if extension is not None:
            found.append(self.by_extension.get(extension))
        if user_id is not None:
            found.append(self.by_user.get(user_id))
        unique = {id(h): h for h in found if h is not None and (own is None or h.record_id != own)}
        return list(unique.values())
