"""Errors the data core raises, each carrying the message an admin is shown (Creatio's words)."""

from __future__ import annotations

import uuid


class DomainError(Exception):
    """Base of every expected, explainable failure; `str()` is the admin-facing message."""


class ValidationError(DomainError):
    """Input that breaks a rule; `field` names the caption of the offending field, if any."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class RequiredFieldError(ValidationError):
    def __init__(self, field: str) -> None:
        super().__init__(f"Fill in the required {field} field to save the record.", field)


class DuplicateValueError(ValidationError):
    """A value that must be unique is already taken."""


class RecordNotFoundError(DomainError):
    def __init__(self, entity: str, record_id: uuid.UUID | str) -> None:
        super().__init__(f"The {entity} record was not found. It may have been deleted.")
        self.entity = entity
        self.record_id = record_id


class RecordConflictError(DomainError):
    """Optimistic locking: the record changed (or vanished) since it was read."""

    def __init__(self, entity: str, record_id: uuid.UUID) -> None:
        super().__init__(
            f"The {entity} record has been changed by another user since you opened it. "
            "Reload it to see the changes, then make yours again."
        )
        self.entity = entity
        self.record_id = record_id


class RecordInUseError(DomainError):
    def __init__(self) -> None:
        super().__init__("Selected items cannot be deleted because they are used in other objects.")
