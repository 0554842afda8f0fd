"""Keys handled in the order they were typed, however fast they come.

Textual runs a widget's own (non-priority) binding only once the key has bubbled up to the
App, through the queue of every container between; a printable key behind it is taken by the
focused Input at once. In a burst (a fast typist, auto-type, a laggy SSH link) "abc",
Backspace, "z" then gives "ab" ("z" typed, then deleted), and ctrl+u, "xyz" an empty box.
A widget with this mixin runs its own bindings as the key reaches it, in turn with the keys
before and after it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import events
from textual.widget import Widget

# A mixin, not a Widget subclass: as a base before Input it would hide Input's component
# classes and CSS (Textual merges those along the bases that are widgets).
if TYPE_CHECKING:
    _Base = Widget
else:
    _Base = object


class KeysInOrder(_Base):
    """Runs the widget's own binding of a key when the key reaches the widget."""

    async def on_key(self, event: events.Key) -> None:
        if self.screen.focused is not self:
            return
        active = self.screen.active_bindings.get(event.key)
        if active is None or active.node is not self or not active.enabled:
            return
        if active.binding.priority:  # the App ran it already
            return
        event.stop()
        event.prevent_default()
        await self.run_action(active.binding.action)
