"""The binding ids a `[keymap]` may remap: every binding the app's classes declare.

Found by walking the ui package (imported), so a binding added anywhere is known without a
list to keep up to date; the README's table and the catalogue test use the same walk.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Iterable, Mapping

from textual.binding import Binding
from textual.dom import DOMNode

import webitel_tui.ui


def ui_classes() -> list[type[DOMNode]]:
    """Every App, Screen and Widget class of the app: its ui package, imported."""
    found: dict[str, type[DOMNode]] = {}
    for info in pkgutil.walk_packages(webitel_tui.ui.__path__, "webitel_tui.ui."):
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            if (
                inspect.isclass(value)
                and issubclass(value, DOMNode)
                and value.__module__.startswith("webitel_tui.")
            ):
                found[f"{value.__module__}.{value.__qualname__}"] = value
    return [found[name] for name in sorted(found)]


def declared_bindings(classes: Iterable[type[DOMNode]]) -> dict[str, Binding]:
    """Binding id -> the binding, as the classes declare them (the first of an id)."""
    found: dict[str, Binding] = {}
    for cls in classes:
        for binding in Binding.make_bindings(vars(cls).get("BINDINGS", [])):
            if binding.id and binding.id not in found:
                found[binding.id] = binding
    return found


def unknown_ids(keymap: Mapping[str, str]) -> list[str]:
    """The ids of `keymap` that no binding has (a typo remaps nothing, silently)."""
    if not keymap:
        return []  # nothing to check: the walk imports every screen
    known = declared_bindings(ui_classes())
    return sorted(key for key in keymap if key not in known)
