"""Seeded names in the admin's language.

The seed (db/seed_data.py) writes its roles, sections and workplaces with English names, and
they are data: an admin may rename them, and nothing here rewrites them. A screen shows such
a record by its caption in the admin's language for as long as its name is still the one the
seed gave it. The record is recognised by its fixed seed identity (a role's id, a section's
code; a workplace has neither, and the seed itself finds it by its unique name), so a record
an admin renamed is shown as named.
"""

from __future__ import annotations

import uuid

from webitel_tui.db.seed_data import ROLES, SECTIONS, WORKPLACES
from webitel_tui.domain.folders import Folder, seeded_name
from webitel_tui.i18n import _

_ROLES = {role_id: name for role_id, name, _unit_type in ROLES}
_SECTIONS = dict(SECTIONS)
_WORKPLACES = frozenset(name for name, _sections in WORKPLACES)


def role_name(role_id: uuid.UUID, name: str) -> str:
    """A role (or any admin unit: a user is never a seeded role) as the admin reads it."""
    return _(name) if _ROLES.get(role_id) == name else name


def section_caption(code: str, caption: str) -> str:
    return _(caption) if _SECTIONS.get(code) == caption else caption


def workplace_name(name: str) -> str:
    return _(name) if name in _WORKPLACES else name


def folder_name(folder: Folder) -> str:
    """A folder of the Webitel users section as the admin reads it."""
    return _(folder.name) if seeded_name(folder) == folder.name else folder.name


def shown_role_names() -> dict[uuid.UUID, tuple[str, str]]:
    """Each seeded role's (seeded name, name shown): the roles lookup sorts by the shown one."""
    return {role_id: (name, _(name)) for role_id, name in _ROLES.items()}


def shown_section_captions() -> dict[str, tuple[str, str]]:
    """Each seeded section's (seeded caption, caption shown), by code."""
    return {code: (caption, _(caption)) for code, caption in _SECTIONS.items()}


def shown_names() -> set[str]:
    """Every seeded name a screen shows translated (the catalogue has each: tests/test_i18n)."""
    return {*_ROLES.values(), *_SECTIONS.values(), *_WORKPLACES}
