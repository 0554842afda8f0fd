"""`[keymap]`: every binding id can be remapped; an id that names no binding is said."""

from __future__ import annotations

from webitel_tui.cli import keymap_warnings
from webitel_tui.ui.keymap import declared_bindings, ui_classes, unknown_ids


def test_every_binding_of_the_app_has_an_id() -> None:
    from textual.binding import Binding

    missing = [
        f"{cls.__name__}: {binding.key}"
        for cls in ui_classes()
        for binding in Binding.make_bindings(vars(cls).get("BINDINGS", []))
        if not binding.id and not binding.system
    ]
    assert missing == []


def test_a_misspelt_id_is_named_and_the_real_ones_are_not() -> None:
    ids = declared_bindings(ui_classes())
    assert {"section.new", "record.save", "app.help", "grid.search"} <= set(ids)
    keymap = {"section.new": "n,insert", "sectoin.new": "x", "record.save": "ctrl+s"}
    assert unknown_ids(keymap) == ["sectoin.new"]
    (warning,) = keymap_warnings(keymap)
    assert '"sectoin.new" is not a key binding id' in warning
    assert unknown_ids({}) == []


def test_the_readme_lists_every_binding_id() -> None:
    from pathlib import Path

    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    missing = [key for key in declared_bindings(ui_classes()) if f"| `{key}` |" not in readme]
    assert missing == []
