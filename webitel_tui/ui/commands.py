"""The command palette lists every action of the current screen, with its key."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial

from textual.app import SystemCommand
from textual.binding import ActiveBinding
from textual.screen import Screen

PALETTE_ID = "app.command_palette"


def listed_bindings(screen: Screen[object]) -> Iterator[ActiveBinding]:
    """The bindings a person is told about (the help, the palette): ours (an id also keeps
    Textual's generic ones out), enabled, and no system ones (the app's Tab, shift+Tab and
    ctrl+c, the login's Enter: keys of every field, which screens name in `HELP_KEYS`)."""
    for active in screen.active_bindings.values():
        binding = active.binding
        if binding.id is not None and not binding.system and active.enabled:
            yield active


def screen_commands(screen: Screen[object]) -> Iterator[SystemCommand]:
    """One command per listed binding: "Description (key)", runs the action."""
    app = screen.app
    seen: set[tuple[int, str]] = set()
    for active in listed_bindings(screen):
        binding = active.binding
        if binding.id == PALETTE_ID:
            continue
        if (id(active.node), binding.action) in seen:
            continue
        seen.add((id(active.node), binding.action))
        description = binding.description or binding.action
        title = f"{description} ({app.get_key_display(binding)})"
        yield SystemCommand(
            title,
            binding.tooltip or description,
            partial(app.run_action, binding.action, active.node),
        )
