"""Errors the data core raises, each carrying the message an admin is shown (Creatio's words)."""

from __future__ import annotations

import uuid

from webitel_tui.i18n import _, tr


class DomainError(Exception):
    """Base of every expected, explainable failure; `str()` is the admin-facing message."""


class ValidationError(DomainError):
    """Input that breaks a rule; `field` names the caption of the offending field, if any."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class RequiredFieldError(ValidationError):
    def __init__(self, field: str) -> None:
        super().__init__(tr("Fill in the required {0} field to save the record.", _(field)), field)


class DuplicateValueError(ValidationError):
    """A value that must be unique is already taken."""


class RecordNotFoundError(DomainError):
    def __init__(self, entity: str, record_id: uuid.UUID | str) -> None:
        super().__init__(tr("The {0} record was not found. It may have been deleted.", _(entity)))
        self.entity = entity
        self.record_id = record_id


class RecordConflictError(DomainError):
    """Optimistic locking: the record changed (or vanished) since it was read."""

    def __init__(self, entity: str, record_id: uuid.UUID) -> None:
        super().__init__(
            tr(
                "The {0} record has been changed by another user since you opened it. "
                "Reload it to see the changes, then make yours again.",
                _(entity),
            )
        )
        self.entity = entity
        self.record_id = record_id


class RecordInUseError(DomainError):
    def __init__(self) -> None:
        super().__init__(
            _("Selected items cannot be deleted because they are used in other objects.")
        )
