"""Workplaces and the sections (SysModule) placed in them."""

from __future__ import annotations

import uuid
from typing import Annotated

from webitel_tui.domain.limits import WORKPLACE_NAME
from webitel_tui.domain.records import AuditedRecord


class Section(AuditedRecord):
    caption: str
    code: str


class Workplace(AuditedRecord):
    name: Annotated[str, WORKPLACE_NAME]
    position: int = 0
    is_personal: bool = False


class SectionInWorkplace(AuditedRecord):
    """A row of the workplace's "Sections" detail."""

    workplace_id: uuid.UUID
    section_id: uuid.UUID
    caption: str
    code: str
    position: int = 0
