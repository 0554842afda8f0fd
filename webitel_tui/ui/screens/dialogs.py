"""Small modal dialogs every section uses: Yes/No confirmation, the Actions menu, and the
one-time display of a secret the server will never give again (a new device's SIP password)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from pydantic import SecretStr
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, OptionList, Static
from textual.widgets.option_list import Option

from webitel_tui.domain.display import visible, visible_lines
from webitel_tui.i18n import N_, _, tr
from webitel_tui.ui.screens.base import ScreenMixin
from webitel_tui.ui.widgets.keys_footer import KeysFooter

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
        yield KeysFooter()

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

    def __init__(
        self, items: Sequence[MenuItem], *, title: str = "Actions", data: bool = False
    ) -> None:
        """`data`: the captions are data (folder names, products), shown as they are; else
        English captions, shown translated."""
        super().__init__()
        self.items = [(action, caption if data else _(caption)) for action, caption in items]
        self._title = _(title)

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-body menu") as body:
            body.border_title = self._title
            body.border_subtitle = _("Enter to choose · Esc to cancel")
            yield OptionList(
                *(Option(Text(visible(caption)), id=action) for action, caption in self.items),
                id="menu-items",
                compact=True,
            )
        yield KeysFooter()

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)


class SipPasswordDialog(ScreenMixin, ModalScreen[None]):
    """The SIP password of a device the CRM just created, shown this once: `c` copies it
    (OSC 52, which also reaches the admin's own terminal over SSH), Enter or Esc closes.

    The password lives in this screen only while it is open: it is never logged, notified
    (a toast would keep it in the notification history) or written anywhere."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "copy", "Copy", id="sip_password.copy", tooltip="Copy the SIP password"),
        Binding("enter,escape", "close", "Close", id="sip_password.close"),
    ]

    def __init__(self, device_name: str, password: SecretStr) -> None:
        super().__init__()
        self.device_name = device_name
        self._password = password

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-body dialog") as body:
            body.border_title = _("SIP password")
            body.border_subtitle = _("c to copy · Enter to close")
            text = tr(
                'SIP password of the device "{0}": {1}',
                visible(self.device_name),
                self._password.get_secret_value(),
            )
            yield Static(Text(text), classes="dialog-message", id="sip-password")
            yield Static(
                Text(_("It is shown only now: copy it and keep it safe.")),
                classes="dialog-message",
                id="sip-password-note",
            )
        yield KeysFooter()

    def action_copy(self) -> None:
        self.app.copy_to_clipboard(self._password.get_secret_value())
        self.query_one("#sip-password-note", Static).update(
            Text(_("Copied to the clipboard. It is shown only now: keep it safe."))
        )

    def action_close(self) -> None:
        self.dismiss(None)
