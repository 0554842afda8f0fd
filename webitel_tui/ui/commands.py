"""The command palette lists every action of the current screen, with its key."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial

from textual.app import SystemCommand
from textual.screen import Screen

PALETTE_ID = "app.command_palette"


def screen_commands(screen: Screen[object]) -> Iterator[SystemCommand]:
    """One command per enabled binding with an id: "Description (key)", runs the action."""
    app = screen.app
    seen: set[tuple[int, str]] = set()
    for active in screen.active_bindings.values():
        binding = active.binding
        if binding.id is None or binding.id == PALETTE_ID or not active.enabled:
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
