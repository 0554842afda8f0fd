"""The sections the shell can open: a section's code -> how its widget is built.

A workplace lists sections by code (`SysModule.Code`); the shell opens the one chosen through
`open_section`. Every section the seed offers is here (tests/ui/test_sections.py checks it):
a section with nothing behind it is not offered. A code not here (a database with sections
this program does not know) is "not available yet", and a section for System
administrators only is refused to the others, both said in the main area.

The screens are imported when a section opens, not with the shell.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from textual.widget import Widget

from webitel_tui.domain import known
from webitel_tui.domain.errors import DomainError
from webitel_tui.domain.workplaces import SectionInWorkplace
from webitel_tui.i18n import N_, tr
from webitel_tui.ui.screens.base import ShellContext
from webitel_tui.ui.seeded import section_caption

NOT_AVAILABLE = N_('The "{0}" section is not available yet.')
NO_PERMISSION = N_('You do not have permission to open the "{0}" section.')


class SectionUnavailableError(DomainError):
    """The section cannot be opened here; `str()` says why, naming it."""


@dataclass(frozen=True)
class SectionEntry:
    build: Callable[[ShellContext], Widget]
    admin_only: bool = False
    """Creatio's System users section needs the System administrators role."""


def _contacts(context: ShellContext) -> Widget:
    from webitel_tui.ui.screens.contacts import ContactsSection

    return ContactsSection(context)


def _accounts(context: ShellContext) -> Widget:
    from webitel_tui.ui.screens.accounts import AccountsSection

    return AccountsSection(context)


def _system_users(context: ShellContext) -> Widget:
    from webitel_tui.ui.screens.system_users import SystemUsersSection

    return SystemUsersSection(context)


def _webitel_users(context: ShellContext) -> Widget:
    from webitel_tui.ui.screens.webitel_users import WebitelUsersSection

    return WebitelUsersSection(context)


def _process_log(context: ShellContext) -> Widget:
    from webitel_tui.ui.screens.process_log import ProcessLogSection

    return ProcessLogSection(context)


def _change_log(context: ShellContext) -> Widget:
    from webitel_tui.ui.screens.change_log import ChangeLogSection

    return ChangeLogSection(context)


SECTIONS: Mapping[str, SectionEntry] = {
    "Contacts": SectionEntry(_contacts),
    "Accounts": SectionEntry(_accounts),
    "SystemUsers": SectionEntry(_system_users, admin_only=True),
    known.WEBITEL_USERS_SECTION_CODE: SectionEntry(_webitel_users),
    "ProcessLog": SectionEntry(_process_log),
    "ChangeLog": SectionEntry(_change_log),
}


def open_section(section: SectionInWorkplace, context: ShellContext) -> Widget:
    """The section's widget for the shell's main area; SectionUnavailableError says why
    there is none."""
    caption = section_caption(section.code, section.caption)
    entry = SECTIONS.get(section.code)
    if entry is None:
        raise SectionUnavailableError(tr(NOT_AVAILABLE, caption))
    if entry.admin_only and not context.logged_in.is_admin:
        raise SectionUnavailableError(tr(NO_PERMISSION, caption))
    return entry.build(context)
