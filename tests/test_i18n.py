"""Every caption and message marked for translation has a Ukrainian entry (and no stale ones)."""

from __future__ import annotations

import ast
import string
from pathlib import Path

import pytest

import webitel_tui
from webitel_tui import i18n

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
    "Activities",
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


def placeholders(text: str) -> list[str]:
    return sorted(name for _, name, _, _ in string.Formatter().parse(text) if name is not None)


def test_every_marked_string_has_a_ukrainian_translation() -> None:
    catalog = i18n.catalog("uk")
    wanted = marked_strings() | binding_texts() | INDIRECT
    missing = sorted(text for text in wanted if text not in catalog)
    assert missing == []


def test_translations_keep_their_placeholders_and_none_is_stale() -> None:
    catalog = i18n.catalog("uk")
    wanted = marked_strings() | binding_texts() | INDIRECT
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
