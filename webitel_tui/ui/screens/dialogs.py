"""Small modal dialogs every section uses: Yes/No confirmation and the Actions menu."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, OptionList, Static
from textual.widgets.option_list import Option

from webitel_tui.domain.display import visible_lines
from webitel_tui.i18n import N_, _
from webitel_tui.ui.screens.base import ScreenMixin

DELETE_ONE = N_("Are you sure that you want to delete the selected record?")
DELETE_MANY = N_("Are you sure that you want to delete the selected records?")
UNSAVED_CHANGES = N_("You have unsaved changes that will be lost. Continue?")


class ConfirmDialog(ScreenMixin, ModalScreen[bool]):
    """Creatio's Yes / No message box; dismissed with True for Yes."""

    AUTO_FOCUS = "#no"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm.no"),
        Binding("left,right", "switch", show=False, id="confirm.switch"),
    ]

    def __init__(self, message: str, *, title: str = "Confirmation") -> None:
        super().__init__()
        self.message = _(message)
        self._title = _(title)

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-body dialog") as body:
            body.border_title = self._title
            # Ours, but it may quote data (a refusal, the server's words): shown, never obeyed.
            yield Static(Text(visible_lines(self.message)), classes="dialog-message")
            with Horizontal(classes="dialog-buttons"):
                yield Button(_("Yes"), id="yes", variant="success")
                yield Button(_("No"), id="no")
        yield Footer()

    @on(Button.Pressed, "#yes")
    def _yes(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#no")
    def _no(self) -> None:
        self.dismiss(False)

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)

    def action_switch(self) -> None:
        self.focus_next(Button)


MenuItem = tuple[str, str]
"""(action id, caption)."""


class ActionsMenu(ScreenMixin, ModalScreen[str | None]):
    """A keyboard menu of actions; dismissed with the chosen action id, or None."""

    AUTO_FOCUS = "#menu-items"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="menu.cancel"),
    ]

    def __init__(self, items: Sequence[MenuItem], *, title: str = "Actions") -> None:
        super().__init__()
        self.items = [(action, _(caption)) for action, caption in items]
        self._title = _(title)

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-body menu") as body:
            body.border_title = self._title
            body.border_subtitle = _("Enter to choose · Esc to cancel")
            yield OptionList(
                *(Option(Text(caption), id=action) for action, caption in self.items),
                id="menu-items",
                compact=True,
            )
        yield Footer()

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
