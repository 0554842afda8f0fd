"""F1 / `?`: the keys of the screen underneath, read from its live bindings."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from webitel_tui.domain.display import visible
from webitel_tui.i18n import _
from webitel_tui.ui.commands import listed_bindings
from webitel_tui.ui.screens.base import ScreenMixin
from webitel_tui.ui.widgets.keys_footer import KeysFooter

HelpRow = tuple[str, str]
"""(keys, what they do) as shown in the help."""


def help_rows(screen: Screen[Any]) -> list[HelpRow]:
    """The keys that work on `screen` right now: its own, then the app's.

    Those of `listed_bindings`; a screen names the keys of its widgets (arrows in a list,
    Tab between fields) in `HELP_KEYS`. Each key is listed once: a `HELP_KEYS` line naming a
    key bound right now (a detail's `+` and Delete while it has the focus) is left out, as
    the bindings say it already.
    """
    app = screen.app
    own: dict[tuple[int, str], tuple[list[str], str]] = {}
    app_wide: dict[tuple[int, str], tuple[list[str], str]] = {}
    bound: set[str] = set()
    for active in listed_bindings(screen):
        binding = active.binding
        grouped = app_wide if active.node is app else own
        description = binding.tooltip or binding.description or binding.action
        entry = grouped.setdefault((id(active.node), binding.action), ([], description))
        keys = entry[0]
        display = app.get_key_display(binding)
        bound |= {binding.key.casefold(), display.casefold()}
        if display not in keys:
            keys.append(display)
    extra: list[HelpRow] = [
        (keys, _(text))
        for keys, text in getattr(screen, "HELP_KEYS", [])
        if not {key.strip().casefold() for key in keys.split(" / ")} & bound
    ]
    return [
        *((" / ".join(keys), text) for keys, text in own.values()),
        *extra,
        *((" / ".join(keys), text) for keys, text in app_wide.values()),
    ]


class HelpScreen(ScreenMixin, ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,f1,question_mark,q", "close", "Close", id="help.close"),
    ]

    def __init__(self, rows: list[HelpRow]) -> None:
        super().__init__()
        self._rows = rows

    @property
    def rows(self) -> list[HelpRow]:
        return list(self._rows)

    def compose(self) -> ComposeResult:
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold", no_wrap=True)
        table.add_column()
        for keys, description in self._rows:
            # Keys may be remapped in the configuration file: shown, never obeyed.
            table.add_row(Text(visible(keys)), Text(visible(description)))
        with VerticalScroll(id="help-body", classes="modal-body") as body:
            body.border_title = _("Keys")
            body.border_subtitle = _("Esc to close")
            yield Static(table, id="help-keys")
        yield KeysFooter()

    def action_close(self) -> None:
        self.dismiss()
