"""Creatio's "Select fields to display" (View menu) for a grid: which columns show, in which
order, remembered per user and per grid (SysProfileData, repositories/profiles.py)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, OptionList
from textual.widgets.option_list import Option

from webitel_tui.domain.display import visible
from webitel_tui.i18n import N_, _
from webitel_tui.ui.profile_data import read_profile, write_profile
from webitel_tui.ui.screens.base import ScreenMixin
from webitel_tui.ui.widgets.keys_footer import KeysFooter

TITLE = N_("Select fields to display")
PROFILE_PREFIX = "grid.columns."
"""SysProfileData keys of the grids' columns: this plus the grid's profile key."""

ColumnItem = tuple[str, str, bool]
"""(column key, caption in English, shown)."""


async def saved_columns(app: App[object], key: str) -> list[str] | None:
    """The columns the logged-in user chose for the grid, shown ones in order (None: none)."""
    data = await read_profile(app, PROFILE_PREFIX + key)
    shown = None if data is None else data.get("shown")
    if not isinstance(shown, list) or not all(isinstance(k, str) for k in shown):
        return None  # nothing saved, or not what this version writes: the declared columns
    return shown


async def save_columns(app: App[object], key: str, shown: Sequence[str]) -> None:
    await write_profile(app, PROFILE_PREFIX + key, {"shown": list(shown)})


class ColumnSetupDialog(ScreenMixin, ModalScreen[list[str] | None]):
    """The grid's columns in their order, each with a tick ([X] shown, [ ] hidden: a shape,
    not only a colour, for 256-colour terminals); dismissed with the ticked keys in the
    order shown, or None (Cancel)."""

    DEFAULT_CSS = """
    ColumnSetupDialog {
        align: center middle;
        & OptionList {
            height: auto;
            max-height: 16;
            background: $surface;
        }
    }
    """
    AUTO_FOCUS = "#column-list"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="columns.cancel"),
        Binding("ctrl+s", "save", "Save", id="columns.save"),
        Binding("space", "tick", "Show / hide", id="columns.tick"),
        Binding("shift+up", "move(-1)", "Move up", id="columns.up"),
        Binding("shift+down", "move(1)", "Move down", id="columns.down"),
    ]

    def __init__(self, items: Sequence[ColumnItem]) -> None:
        super().__init__()
        self._items = list(items)

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-body column-setup") as body:
            body.border_title = _(TITLE)
            body.border_subtitle = _("Space: show or hide · Shift+↑/↓: move")
            yield OptionList(*self._options(), id="column-list", compact=True)
            with Horizontal(classes="dialog-buttons"):
                yield Button(_("Save"), id="columns-save", variant="success")
                yield Button(_("Cancel"), id="columns-cancel")
        yield KeysFooter()

    @property
    def column_list(self) -> OptionList:
        return self.query_one("#column-list", OptionList)

    @property
    def items(self) -> list[ColumnItem]:
        """The columns in the order shown, each with its tick as it is now."""
        return list(self._items)

    def _options(self) -> list[Option]:
        return [
            Option(Text(f"[{'X' if shown else ' '}] ") + Text(visible(_(caption))), id=key)
            for key, caption, shown in self._items
        ]

    def _show(self, highlighted: int) -> None:
        columns = self.column_list
        columns.clear_options()
        columns.add_options(self._options())
        columns.highlighted = highlighted

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_tick()

    def action_tick(self) -> None:
        index = self.column_list.highlighted
        if index is not None:
            key, caption, shown = self._items[index]
            self._items[index] = (key, caption, not shown)
            self._show(index)

    def action_move(self, step: int) -> None:
        index = self.column_list.highlighted
        if index is None or not 0 <= index + step < len(self._items):
            return
        items = self._items
        items[index], items[index + step] = items[index + step], items[index]
        self._show(index + step)

    @on(Button.Pressed, "#columns-save")
    def action_save(self) -> None:
        shown = [key for key, _caption, ticked in self._items if ticked]
        if not shown:
            self.notify(_("Select at least one column."), severity="warning", markup=False)
            return
        self.dismiss(shown)

    @on(Button.Pressed, "#columns-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
