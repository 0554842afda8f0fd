"""A checkbox whose state is a shape, not only a colour: `▐X▌` ticked, `▐ ▌` not.

Textual's Checkbox draws an X in both states and tells them apart by the X's colour alone;
at 256 colours (SSH without COLORTERM) the two colours can land on neighbouring palette
entries, and ticked and unticked look the same. Here the X is drawn only when ticked, in
every theme, whatever the colours: `BUTTON_INNER` (Textual's public class variable for the
character inside the button) follows the value, through the public `watch_value` hook.
app.tcss gives the X its contrast colour.
"""

from __future__ import annotations

from textual.widgets import Checkbox as TextualCheckbox


class Checkbox(TextualCheckbox):
    BUTTON_CHECKED = "X"
    """Inside the button when ticked."""
    BUTTON_UNCHECKED = " "
    """Inside the button when not ticked."""
    BUTTON_INNER = BUTTON_UNCHECKED

    def watch_value(self) -> None:
        # Called as the value is set, in the constructor too (before the first render).
        self.BUTTON_INNER = self.BUTTON_CHECKED if self.value else self.BUTTON_UNCHECKED
        super().watch_value()
