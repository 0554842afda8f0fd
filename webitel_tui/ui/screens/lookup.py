"""Creatio's lookup dialog: search, a paged list, Select / Cancel (multi-select with ticks)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar, Generic

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from webitel_tui.i18n import N_, _, tr
from webitel_tui.ui.screens.base import ScreenMixin
from webitel_tui.ui.widgets.keys_footer import KeysFooter
from webitel_tui.ui.widgets.keys_in_order import release_keys
from webitel_tui.ui.widgets.section_grid import Fetch, GridColumn, R, SectionGrid, WhyNot


class LookupDialog(ScreenMixin, ModalScreen[list[R] | None], Generic[R]):
    """Dismissed with the chosen records (one, or the ticked ones), or None on Cancel."""

    AUTO_FOCUS = "#grid-table"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="lookup.cancel"),
        Binding("ctrl+s", "select", "Select", id="lookup.select"),
    ]
    HELP_KEYS: ClassVar[list[tuple[str, str]]] = [
        ("Enter", N_("Select the record (multi-select: tick it)")),
        ("Space", N_("Tick / untick the record (multi-select)")),
    ]

    def __init__(
        self,
        title: str,
        columns: Sequence[GridColumn[R]],
        fetch: Fetch[R],
        *,
        sort: str,
        multi_select: bool = False,
        select_caption: str = "Select",
        empty_text: str = "There are no records to select.",
        why_not: WhyNot[R] | None = None,
    ) -> None:
        super().__init__()
        self._title = _(title)
        self._grid: SectionGrid[R] = SectionGrid(
            columns,
            fetch,
            sort=sort,
            multi_select=multi_select,
            empty_text=_(empty_text),
            why_not=why_not,
            id="lookup-grid",
        )
        self._select_caption = _(select_caption)
        self._grid.choose_on_search_enter = not multi_select

    @property
    def grid(self) -> SectionGrid[R]:
        return self._grid

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-body lookup") as body:
            body.border_title = self._title
            yield self._grid
            with Horizontal(classes="dialog-buttons"):
                if self._grid.multi_select:
                    yield Static(Text(tr("Records selected: {0}", 0)), id="lookup-count")
                yield Button(self._select_caption, id="lookup-select", variant="success")
                yield Button(_("Cancel"), id="lookup-cancel")
        yield KeysFooter()

    @on(SectionGrid.SelectionChanged)
    def _count(self, event: SectionGrid.SelectionChanged) -> None:
        event.stop()
        self.query_one("#lookup-count", Static).update(
            Text(tr("Records selected: {0}", event.count))
        )

    @on(SectionGrid.Refused)
    def _refused(self, event: SectionGrid.Refused) -> None:
        event.stop()
        self._say_why(event.reason)

    def _say_why(self, reason: str) -> None:
        """A record that cannot be chosen: why, in one line (it is not ticked nor chosen)."""
        self.notify(tr("Cannot be selected: {0}", reason), severity="warning", markup=False)

    @on(SectionGrid.Opened)
    def _opened(self, event: SectionGrid.Opened) -> None:
        event.stop()
        self.dismiss([event.record])
        # Closed: the keys typed behind the search's Enter go to the screen underneath.
        release_keys(self)

    def on_unmount(self) -> None:
        release_keys(self)  # however it closed, no key waits for it any longer

    @on(Button.Pressed, "#lookup-select")
    def action_select(self) -> None:
        current = self._grid.current
        if self._grid.multi_select:
            chosen = list(self._grid.selected.values())
        else:
            chosen = [current] if current is not None else []
        # Nothing ticked, or one record under the cursor: one that cannot be chosen says why.
        reason = None if current is None else self._grid.why_not(current)
        if reason is not None and (not chosen or not self._grid.multi_select):
            self._say_why(reason)
        elif chosen:
            self.dismiss(chosen)
        else:
            self.notify(_("Select a record."), severity="warning", markup=False)

    @on(Button.Pressed, "#lookup-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
