"""System settings: the STUN/TURN servers (stored in the CRM) and the Webitel connection
(from the configuration file: shown with the token masked, and tested on request)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Input, Label, Static

from webitel_tui.config import Settings
from webitel_tui.domain import known
from webitel_tui.domain.display import visible, visible_lines
from webitel_tui.domain.errors import DomainError
from webitel_tui.domain.rules import parse_ice_servers
from webitel_tui.domain.settings import MASK, SystemSetting
from webitel_tui.i18n import N_, _
from webitel_tui.processes.webitel_connection import test_connection
from webitel_tui.ui.screens.base import ShellContext
from webitel_tui.ui.screens.designer_page import require_admin
from webitel_tui.ui.screens.record_page import RecordPage
from webitel_tui.ui.widgets.data_input import DataInput

NOT_SET = N_("(not set)")


def connection_rows(settings: Settings) -> list[tuple[str, str]]:
    """What the page shows of the connection: never a password or a token."""
    webitel = settings.webitel
    secret = webitel.token if webitel.token is not None else webitel.password
    return [
        (_("URL"), webitel.url or _(NOT_SET)),
        (_("Domain"), webitel.domain or _(NOT_SET)),
        (_("User name"), webitel.username or (_("(token)") if webitel.token else _(NOT_SET))),
        (
            _("Token") if webitel.token is not None else _("Password"),
            MASK if secret else _(NOT_SET),
        ),
    ]


class SystemSettingsPage(RecordPage):
    FIELDS: ClassVar[dict[str, str]] = {"STUN/TURN servers": "stun-servers"}
    """The field a refusal names (domain/rules.py `parse_ice_servers`)."""
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+t", "test_connection", "Test connection", id="settings.test_connection"),
    ]

    @dataclass
    class Tested(Message):
        message: str
        error: bool

    def __init__(self, context: ShellContext) -> None:
        require_admin(context)
        super().__init__(context, "System settings")
        self.settings = context.settings
        self.stun: SystemSetting | None = None

    def compose_fields(self) -> ComposeResult:
        yield Label(_("Webitel STUN/TURN servers"), classes="field-caption")
        yield DataInput(placeholder="stun:host:port turn:host:port", id="stun-servers")
        yield Static(Text(_("Webitel connection (configuration file)")), classes="detail-caption")
        for caption, value in connection_rows(self.settings):
            # From the configuration file: shown, never obeyed (domain/display.py).
            yield Static(Text(visible(f"{caption}: {value}")), classes="setting-row")
        yield Static(id="connection-result", classes="record-message")

    async def load(self) -> None:
        async with self.context.unit_of_work() as uow:
            self.stun = await uow.settings.get(known.STUN_SERVERS_SETTING)

    def on_loaded(self) -> None:
        if self.stun is not None:
            self.query_one("#stun-servers", Input).value = self.stun.value

    async def save(self) -> None:
        assert self.stun is not None
        servers = parse_ice_servers(self.query_one("#stun-servers", Input).value)
        async with self.context.unit_of_work() as uow:
            await uow.settings.set_value(self.stun, " ".join(servers))

    def action_test_connection(self) -> None:
        self._show_result(_("Connecting…"), error=False)
        self._test()

    @work(exclusive=True, exit_on_error=False, group="test-connection", description="test")
    async def _test(self) -> None:
        try:
            message = await test_connection(self.settings.webitel)
        except DomainError as exc:
            self.post_message(self.Tested(str(exc), True))
        else:
            self.post_message(self.Tested(message, False))

    @on(Tested)
    def _tested(self, event: Tested) -> None:
        event.stop()
        self._show_result(event.message, error=event.error)

    def _show_result(self, message: str, *, error: bool) -> None:
        label = self.query_one("#connection-result", Static)
        label.update(Text(visible_lines(message)))  # the server's words, maybe
        label.set_class(error, "-error")
        label.display = True
