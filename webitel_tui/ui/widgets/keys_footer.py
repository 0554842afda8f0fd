"""The footer with the keys of the screen, made for 80 columns.

Textual's Footer lists the keys from the focused widget out to the App and cuts the line
where the terminal ends: at 80 columns the Webitel users section ended "...w Workplace  ^g
De", F9 and F1 gone. Here F1 (Help, which lists every key) comes first and is always
there, also on a dialog (where the App's keys are not active); then the keys in the order
that matters on the screen: the focused widget's own (a detail's `+`), its containers', the
screen's in the order it declares them, the App's; then the command palette's (at the right
end) and the few of `SECONDARY`. A key that does not fit whole is left out, never cut.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual import events
from textual.binding import ActiveBinding
from textual.screen import Screen
from textual.widget import Widget

HELP_ACTION = "help"
SECONDARY = frozenset(
    {
        "grid.sort",
        "grid.columns",
        "shell.next_workplace",
        "shell.system_designer",
        "app.quit",
    }
)
"""Binding ids shown after every other key of the screen, if room is left: they have a
place of their own (the column header sorts, the side panel shows the workplace) or are
rarely wanted, and F1 lists them."""
LATER = frozenset({"section.folders", "section.filter"})
"""Binding ids shown after the screen's own keys (F9 included) and before `SECONDARY`: a
section's folders and filters, wanted daily but after New / Delete / Actions / Run."""
GAP = "  "
"""Between two keys."""


def footer_bindings(screen: Screen[Any]) -> list[ActiveBinding]:
    """The shown keys of `screen` in footer order (Help first, the palette left out), one
    for each action of a node."""
    active = screen.active_bindings
    palette = screen.app.COMMAND_PALETTE_BINDING
    shown: list[ActiveBinding] = []
    seen: set[tuple[int, str]] = set()
    for key, entry in active.items():
        binding = entry.binding
        if not binding.show or key == palette or binding.action == HELP_ACTION:
            continue
        if (id(entry.node), binding.action) in seen:
            continue
        seen.add((id(entry.node), binding.action))
        shown.append(entry)
    shown.sort(key=_tier)  # stable: else in order
    help_key = _help_binding(screen)
    return [help_key, *shown] if help_key is not None else shown


def _tier(entry: ActiveBinding) -> int:
    key = entry.binding.id
    return 2 if key in SECONDARY else 1 if key in LATER else 0


def _help_binding(screen: Screen[Any]) -> ActiveBinding | None:
    """F1: the screen's own, or the App's also where a dialog hides the App's keys (F1 is a
    priority key there, see WebitelTuiApp.BINDINGS)."""
    for active in (screen.active_bindings, screen.app.screen_stack[0].active_bindings):
        for entry in active.values():
            if entry.binding.action == HELP_ACTION and entry.node is screen.app:
                return entry
    return None


class KeysFooter(Widget, can_focus=False):
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "keys-footer--key",
        "keys-footer--description",
    }
    DEFAULT_CSS = """
    KeysFooter {
        dock: bottom;
        height: 1;
        width: 100%;
        color: $footer-foreground;
        background: $footer-background;
        & > .keys-footer--key {
            color: $footer-key-foreground;
            text-style: bold;
        }
        & > .keys-footer--description {
            color: $footer-description-foreground;
        }
    }
    """

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 (Textual's name)
        super().__init__(id=id)
        self._spans: list[tuple[int, int, str]] = []
        """(first cell, cell after the last, key) of each key shown (for a click)."""

    @property
    def shown_keys(self) -> list[str]:
        """The keys shown now, as the footer has drawn them (tests; a click)."""
        return [key for _start, _end, key in self._spans]

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen[object]) -> None:
        self.refresh()

    def _item(self, entry: ActiveBinding) -> Text:
        binding = entry.binding
        item = Text.assemble(
            (self.app.get_key_display(binding), self.get_component_rich_style("keys-footer--key")),
            " ",
            (binding.description, self.get_component_rich_style("keys-footer--description")),
        )
        if not entry.enabled:
            item.stylize("dim")
        return item

    def render(self) -> Text:
        """The keys that fit whole: F1 and the screen's, then the palette's key (at the
        right end), then the `SECONDARY` ones in the room left."""
        screen = self.screen
        width = self.size.width
        entries = footer_bindings(screen)
        palette = screen.active_bindings.get(screen.app.COMMAND_PALETTE_BINDING)
        tail = self._item(palette) if palette is not None else Text()
        line = Text(no_wrap=True, overflow="crop")
        self._spans = []

        def add(entry: ActiveBinding, room: int) -> None:
            item = self._item(entry)
            gap = GAP if line else ""
            if cell_len(line.plain) + len(gap) + cell_len(item.plain) > room:
                return  # left out whole; a shorter key after it may still fit
            line.append(gap)
            start = cell_len(line.plain)
            line.append_text(item)
            self._spans.append((start, cell_len(line.plain), entry.binding.key))

        for entry in entries:
            if entry.binding.id not in SECONDARY:
                add(entry, width)
        room = width
        if palette is not None and cell_len(line.plain) + len(GAP) + cell_len(tail.plain) <= width:
            room = width - len(GAP) - cell_len(tail.plain)
        for entry in entries:
            if entry.binding.id in SECONDARY:
                add(entry, room)
        if palette is not None and room < width:
            line.append(" " * (width - cell_len(line.plain) - cell_len(tail.plain)))
            self._spans.append((cell_len(line.plain), width, palette.binding.key))
            line.append_text(tail)
        return line

    def on_click(self, event: events.Click) -> None:
        for start, end, key in self._spans:
            if start <= event.x < end:
                self.app.simulate_key(key)
                return
