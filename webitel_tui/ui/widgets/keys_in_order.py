"""Keys handled in the order they were typed, however fast they come.

Textual runs a widget's own (non-priority) binding only once the key has bubbled up to the
App, through the queue of every container between; a printable key behind it is taken by the
focused Input at once. In a burst (a fast typist, auto-type, a laggy SSH link) "abc",
Backspace, "z" then gives "ab" ("z" typed, then deleted), and ctrl+u, "xyz" an empty box.
A widget with this mixin runs its own bindings as the key reaches it, in turn with the keys
before and after it.

A priority key that moves the focus (Tab) is taken by the App before the focused widget has
handled the keys typed before it: `focus_in_turn` moves the focus in turn with them.

Some keys move the focus only once something comes back: Enter in a lookup's search box
chooses the first match when the search's page is shown. The keys typed behind such a key
belong wherever the focus is then (the card under the lookup), not in the search box still
focused meanwhile. A widget names those actions in `holds_after`; an App with `HoldsKeys`
then keeps the keys that follow until `release_keys`, and hands them on in typed order.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from textual import events
from textual.message import Message
from textual.timer import Timer
from textual.widget import Widget

if TYPE_CHECKING:
    from textual.app import App
    from textual.dom import DOMNode

# Mixins, not Widget / App subclasses: as a base before Input it would hide Input's component
# classes and CSS (Textual merges those along the bases that are widgets).
if TYPE_CHECKING:
    _Base = Widget
    _AppBase = App[Any]
else:
    _Base = object
    _AppBase = object

HOLD_AT_MOST = 5.0
"""Seconds the keys wait at most, should the awaited outcome never come (a failed fetch): then
they go where the focus is, as they would without the hold."""


class KeysInOrder(_Base):
    """Runs the widget's own binding of a key when the key reaches the widget."""

    holds_after: frozenset[str] = frozenset()
    """Actions of this widget the keys typed behind wait for (see the module's docstring)."""

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

    def holds_keys_after(self, key: str) -> bool:
        """Whether `key` runs one of the actions in `holds_after` here."""
        if not self.holds_after:
            return False
        active = self.screen.active_bindings.get(key)
        return (
            active is not None
            and active.node is self
            and active.enabled
            and active.binding.action in self.holds_after
        )


class ReleaseKeys(Message):
    """Queued behind the keys the App holds: when it comes, each of them has been held."""


class HoldsKeys(_AppBase):
    """For the App: keeps the keys that follow a key of `KeysInOrder.holds_after` until
    `release_keys`, then hands them on as if they were typed then."""

    HOLD_AT_MOST: ClassVar[float] = HOLD_AT_MOST
    _held_keys: list[events.Key] | None = None
    _hold_timer: Timer | None = None
    _releasing = False

    @property
    def holding_keys(self) -> bool:
        return self._held_keys is not None

    async def on_event(self, event: events.Event) -> None:
        if not isinstance(event, events.Key) or event.is_forwarded:
            await super().on_event(event)
            return
        if self._held_keys is not None:
            self._held_keys.append(event)
            return
        focused = self.focused
        holds = isinstance(focused, KeysInOrder) and focused.holds_keys_after(event.key)
        # The key itself goes on to the widget first; the keys after it wait.
        await super().on_event(event)
        if holds:
            self.hold_keys()

    def hold_keys(self) -> None:
        """Keep the keys that come from now on (until `release_keys`)."""
        if self._held_keys is not None:
            return
        self._held_keys = []
        self._releasing = False
        self._hold_timer = self.set_timer(self.HOLD_AT_MOST, self.release_keys)

    def focus_in_turn(self, move: Callable[[], object]) -> None:
        """Move the focus (a priority key: Tab) once the focused widget has handled the keys
        typed before it, which are still on their way to it; the keys after it wait, and
        then go where the focus went."""
        focused = self.focused
        if focused is None:
            move()
            return
        self.hold_keys()

        def in_turn() -> None:
            move()
            self.release_keys()

        focused.call_later(in_turn)

    def release_keys(self) -> None:
        """Hand the held keys on: to what has the focus once those already on their way to
        the App are held too (the release is queued behind them)."""
        if self._held_keys is None or self._releasing:
            return
        self._releasing = True
        self.post_message(ReleaseKeys())

    async def on_release_keys(self, event: ReleaseKeys) -> None:
        held, self._held_keys = self._held_keys or [], None
        self._releasing = False
        if self._hold_timer is not None:
            self._hold_timer.stop()
            self._hold_timer = None
        for key in held:
            # In turn, as typed: a key among them may hold the rest again.
            await self.on_event(key)


def release_keys(node: DOMNode) -> None:
    """The outcome the held keys waited for is there (the focus is where they belong)."""
    app = node.app
    if isinstance(app, HoldsKeys):
        app.release_keys()
