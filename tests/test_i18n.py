"""Every caption and message marked for translation has a Ukrainian entry (and no stale ones)."""

from __future__ import annotations

import ast
import string
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import ClassVar

import pytest
from textual.binding import Binding, BindingType
from textual.dom import DOMNode
from textual.screen import Screen

import webitel_tui
import webitel_tui.ui
from webitel_tui import i18n
from webitel_tui.domain import known
from webitel_tui.ui import seeded
from webitel_tui.ui.keymap import ui_classes

PACKAGE = Path(webitel_tui.__file__).parent
MARKERS = {"_", "tr", "N_"}
# Captions passed through variables rather than literals (entity names in errors, fields).
INDIRECT = {
    "contact",
    "account",
    "system user",
    "Webitel user",
    "workplace",
    "section",
    "section in workplace",
    "role",
    "role membership",
    "licence",
    "process",
    "process log",
    "system setting",
    "user group",
    "Contact",
    "Accounts",
    "Contacts",
    "General",
    "Contact center",
    "Process log",
    "System users",
    "Webitel users",
    "Extension",
    "Full name",
    "Conflict",
    "Confirmation",
    "Actions",
    "New",
    "Select",
    "Run",
    "There are no records to select.",
    "There are no processes to run.",
    "Process start",
    "Select: Sections",
    "Select: Contact",
    "Select: Account",
    "Select: Roles",
    "Webitel user name",
    "Password confirmation",
    "User",
    "Type",
    "STUN/TURN servers",
    "Retry",
    "Select: User",
    "Select: Licenses",
    "Webitel user: New record",
}


def marked_strings() -> set[str]:
    found: set[str] = set()
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in MARKERS
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                found.add(node.args[0].value)
    return found


def binding_texts() -> set[str]:
    """Descriptions and tooltips of the app's bindings (translated per node)."""
    found: set[str] = set()
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Binding":
                if len(node.args) >= 3 and isinstance(node.args[2], ast.Constant):
                    found.add(str(node.args[2].value))
                for keyword in node.keywords:
                    if keyword.arg in ("description", "tooltip") and isinstance(
                        keyword.value, ast.Constant
                    ):
                        found.add(str(keyword.value.value))
    return found - {""}


def binding_captions(classes: Iterable[type[DOMNode]]) -> set[str]:
    """The description and tooltip of every binding the classes declare, as Textual reads
    them (what the footer, F1 and the palette show, translated)."""
    found: set[str] = set()
    for cls in classes:
        for binding in Binding.make_bindings(vars(cls).get("BINDINGS", [])):
            found.update(text for text in (binding.description, binding.tooltip) if text)
    return found


def help_captions(classes: Iterable[type[DOMNode]]) -> set[str]:
    """What F1 says of the keys a screen names for its widgets (`HELP_KEYS`)."""
    return {text for cls in classes for _keys, text in vars(cls).get("HELP_KEYS", [])}


def shown_captions() -> set[str]:
    """Every caption a screen shows through `_` at run time: key descriptions, help texts,
    seeded names (ui/seeded.py)."""
    classes = ui_classes()
    return binding_captions(classes) | help_captions(classes) | seeded.shown_names()


def untranslated(texts: Iterable[str]) -> list[str]:
    catalog = i18n.catalog("uk")
    return sorted(text for text in texts if text not in catalog)


def placeholders(text: str) -> list[str]:
    return sorted(name for _, name, _, _ in string.Formatter().parse(text) if name is not None)


def test_every_marked_string_has_a_ukrainian_translation() -> None:
    catalog = i18n.catalog("uk")
    wanted = marked_strings() | binding_texts() | INDIRECT
    missing = sorted(text for text in wanted if text not in catalog)
    assert missing == []


def test_every_caption_a_screen_shows_has_a_ukrainian_translation() -> None:
    """Walks the classes themselves (not their source): every binding of every screen and
    widget, every F1 help text, every seeded name shown."""
    classes = ui_classes()
    assert len(classes) > 20  # the walk found the app's screens and widgets
    assert {"ShellScreen", "WebitelTuiApp", "SectionGrid"} <= {c.__name__ for c in classes}
    assert untranslated(binding_captions(classes)) == []
    assert untranslated(help_captions(classes)) == []
    assert untranslated(seeded.shown_names()) == []


class Untranslated(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("x", "frobnicate", "Frobnicate", id="test.frobnicate", tooltip="Frobnicate it"),
        ("z", "zap", "Zap"),
    ]
    HELP_KEYS: ClassVar[list[tuple[str, str]]] = [("Enter", "Open the frobnicator")]


def test_a_caption_without_translation_fails_the_catalogue_test() -> None:
    assert untranslated(binding_captions([Untranslated])) == ["Frobnicate", "Frobnicate it", "Zap"]
    assert untranslated(help_captions([Untranslated])) == ["Open the frobnicator"]


def test_seeded_names_show_in_ukrainian_while_not_renamed() -> None:
    try:
        i18n.set_language("uk")
        assert seeded.role_name(known.SYSTEM_ADMINISTRATORS, "System administrators") == (
            "Системні адміністратори"
        )
        assert seeded.section_caption("Contacts", "Contacts") == "Контакти"
        assert seeded.workplace_name(known.CONTACT_CENTER_WORKPLACE) == "Контакт центр"
        # Renamed by an admin, or only named like a seeded record: shown as named.
        assert seeded.role_name(known.SYSTEM_ADMINISTRATORS, "Admins") == "Admins"
        assert seeded.role_name(uuid.uuid4(), "Portal users") == "Portal users"
        assert seeded.section_caption("Contacts", "People") == "People"
        assert seeded.section_caption("MyContacts", "Contacts") == "Contacts"
        assert seeded.workplace_name("Sales") == "Sales"
    finally:
        i18n.set_language("en")
    assert seeded.section_caption("Contacts", "Contacts") == "Contacts"


def test_translations_keep_their_placeholders_and_none_is_stale() -> None:
    catalog = i18n.catalog("uk")
    wanted = marked_strings() | binding_texts() | INDIRECT | shown_captions()
    assert sorted(set(catalog) - wanted) == []
    for english, ukrainian in catalog.items():
        assert placeholders(english) == placeholders(ukrainian), english
        assert ukrainian.strip()
        assert ukrainian != english or english in {"URL", "STUN"}


def test_switching_language() -> None:
    try:
        i18n.set_language("uk")
        assert i18n._("Save") == "Зберегти"
        assert i18n.tr("Records selected: {0}", 3) == "Вибрано записів: 3"
        assert i18n._("not in the catalog") == "not in the catalog"
        with pytest.raises(ValueError, match="unknown language"):
            i18n.set_language("fr")
    finally:
        i18n.set_language("en")
    assert i18n._("Save") == "Save"
