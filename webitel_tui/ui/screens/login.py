"""The login screen: user name, password, "Log in"; the reason for a refusal under the form.

It is the first screen, shown before the database is ready: the app opens and prepares the
database meanwhile (see `Backend`), and "Log in" waits for that.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, Protocol

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button, Input, Label, Static
from textual.worker import Worker, WorkerState

from webitel_tui.domain.display import visible_lines
from webitel_tui.domain.errors import DomainError, ValidationError
from webitel_tui.i18n import N_, _
from webitel_tui.ui.screens.base import ScreenMixin
from webitel_tui.ui.widgets.data_input import DataInput
from webitel_tui.ui.widgets.keys_footer import KeysFooter
from webitel_tui.ui.widgets.password_input import PasswordInput

if TYPE_CHECKING:
    from webitel_tui.db.engine import Database
    from webitel_tui.processes.auth import LoggedIn


class Backend(Protocol):
    """What the login needs from the app: the database, opened and prepared in the
    background once the login screen is shown."""

    @property
    def backend_ready(self) -> bool:
        """The database is ready (no wait at "Log in")."""
        ...

    def start_backend(self) -> None:
        """Start opening the database (again, after a failure); at once if it is going."""

    async def database(self) -> Database:
        """The database once ready; a failure raises DomainError with a readable message."""
        ...


class LoginScreen(ScreenMixin, Screen["LoggedIn"]):
    """Dismissed with the `LoggedIn` once a login succeeds."""

    AUTO_FOCUS = "#user-name"
    HELP_KEYS: ClassVar[list[tuple[str, str]]] = [
        ("Tab / shift+Tab", N_("Next / previous field")),
        ("Enter", N_("Log in")),
    ]
    BINDINGS: ClassVar[list[BindingType]] = [
        # Priority, as the app's Tab: "name<Enter>password<Enter>" typed in one burst must
        # put the password in its field (see WebitelTuiApp.BINDINGS).
        Binding("enter", "enter", show=False, priority=True, system=True, id="login.enter"),
    ]

    @dataclass
    class Succeeded(Message):
        logged_in: LoggedIn

    @dataclass
    class Refused(Message):
        message: str
        field: str | None = None
        """The caption of the field to fix ("User name", "Password"), if one is to blame."""
        not_checked: bool = False
        """The credentials were not checked (the database is not ready): all stays typed."""

    def __init__(self, backend: Backend) -> None:
        super().__init__()
        self._backend = backend
        self._busy = False

    def on_mount(self) -> None:
        # Once the form is on the screen: the admin types while the database gets ready.
        self.call_after_refresh(self._backend.start_backend)

    def compose(self) -> ComposeResult:
        with Vertical(id="login-form"):
            yield Static(Text("Webitel TUI"), id="login-title")
            yield Static(Text(_("Log in to manage Webitel users")), id="login-subtitle")
            yield Label(_("User name"), classes="field-caption")
            yield DataInput(id="user-name", max_length=250)
            yield Label(_("Password"), classes="field-caption")
            yield PasswordInput(id="password")
            yield Button(_("Log in"), id="log-in", variant="success")
            yield Static(id="login-message")
        yield KeysFooter()

    @property
    def user_name_input(self) -> Input:
        return self.query_one("#user-name", Input)

    @property
    def password_input(self) -> Input:
        return self.query_one("#password", Input)

    def action_enter(self) -> None:
        """Enter: from the user name, on to the password, at once (the keys typed behind it
        go there); with a password, or anywhere else, log in."""
        user_name, password = self.user_name_input, self.password_input
        if self.focused is user_name and not password.value:
            self.set_focus(password)
            return
        # A priority binding runs before the keys typed ahead of it have reached their
        # fields: the login waits for both fields to have taken theirs.
        user_name.call_later(password.call_later, self.submit)

    @on(Button.Pressed, "#log-in")
    def submit(self) -> None:
        if self._busy:
            return
        self._set_busy(True)
        self._show_message(_("Logging in…"), error=False)
        self._check(self.user_name_input.value, self.password_input.value)

    # The description keeps the arguments (the password!) out of the worker's repr.
    @work(exclusive=True, exit_on_error=False, group="login", description="log in")
    async def _check(self, user_name: str, password: str) -> None:
        if not self._backend.backend_ready:
            self._show_message(_("Preparing the database…"), error=False)
        try:
            db = await self._backend.database()
        except DomainError as exc:  # the database: nothing to fix here
            self.post_message(self.Refused(str(exc), not_checked=True))
            return
        from webitel_tui.processes import auth  # loaded with the database, not before

        try:
            logged_in = await auth.log_in(db, user_name, password)
        except DomainError as exc:
            if isinstance(exc, ValidationError):
                field = exc.field
            elif isinstance(exc, auth.InvalidCredentialsError):
                field = "Password"
            else:
                field = None
            self.post_message(self.Refused(str(exc), field))
            return
        self.post_message(self.Succeeded(logged_in))

    @on(Succeeded)
    def _succeeded(self, event: Succeeded) -> None:
        event.stop()
        self.dismiss(event.logged_in)

    @on(Refused)
    def _refused(self, event: Refused) -> None:
        event.stop()
        self._set_busy(False)
        self._show_message(event.message, error=True)
        if event.not_checked:
            return
        # What was typed stays, except the password: it is typed again, never kept around.
        self.password_input.value = ""
        if event.field == "User name":
            self.user_name_input.focus()
        else:
            self.password_input.focus()

    @on(Worker.StateChanged)
    def _check_ended(self, event: Worker.StateChanged) -> None:
        # An unexpected error is reported by the app; here the form only becomes usable again.
        if event.state in (WorkerState.ERROR, WorkerState.CANCELLED):
            self._set_busy(False)
            self._show_message("", error=False)

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.query_one("#log-in", Button).disabled = busy

    def _show_message(self, message: str, *, error: bool) -> None:
        label = self.query_one("#login-message", Static)
        label.update(Text(visible_lines(message)))  # it may quote data: shown, never obeyed
        label.set_class(error, "-error")
        label.display = bool(message)
