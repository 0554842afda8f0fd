"""Base of the domain records the repositories return: immutable, with Creatio's audit fields."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict


class Record(BaseModel):
    model_config = ConfigDict(frozen=True)


class AuditedRecord(Record):
    id: uuid.UUID
    version: int = 1
    created_on: datetime | None = None
    modified_on: datetime | None = None


class Actor(Record):
    """Who is acting: written to CreatedBy/ModifiedBy (a contact, as Creatio) and the change log."""

    user_id: uuid.UUID | None = None
    contact_id: uuid.UUID | None = None
