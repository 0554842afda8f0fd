"""The Textual application: themes, keymap, login, then the shell.

The app is built on settings already loaded and checked (`config.load_settings`). The login
screen is the first thing on the screen; the database is opened, and prepared (migrated and
seeded) if asked, in the background once it shows, with the libraries that takes
(SQLAlchemy, Alembic when there is something to migrate); "Log in" waits for that. A
failure is a readable message on the login screen, and "Log in" tries again; the app never
exits on it.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from rich.errors import MarkupError
from rich.text import Text
from textual import on, work
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.theme import Theme
from textual.worker import Worker, WorkerState, get_current_worker

from webitel_tui.config import DEFAULT_THEME, SettingNotSaved, remember_setting
from webitel_tui.domain.display import visible, visible_lines
from webitel_tui.domain.errors import DomainError
from webitel_tui.i18n import _, set_language, tr
from webitel_tui.redaction import hide_secrets, remember_secrets
from webitel_tui.ui.screens.base import WorkerFailed
from webitel_tui.ui.screens.login import LoginScreen
from webitel_tui.ui.screens.notifications import LoggedNotification
from webitel_tui.ui.themes import load_themes
from webitel_tui.ui.widgets.keys_in_order import HoldsKeys

if TYPE_CHECKING:
    from webitel_tui.config import Settings
    from webitel_tui.db.engine import Database
    from webitel_tui.processes.auth import LoggedIn
    from webitel_tui.processes.reconcile import ReconcileOutcome
    from webitel_tui.ui.screens.base import ShellContext
    from webitel_tui.webitel import WebitelClient

APP_NAME = "Webitel TUI"

BACKGROUND_IMPORTS = (
    "webitel_tui.db.engine",
    "sqlalchemy.ext.asyncio",
    "webitel_tui.processes.setup",
    "webitel_tui.processes.auth",
)
"""What the database and the login load, imported in the background thread (not in the
event loop, where a few hundred milliseconds of imports would stall the admin's typing)."""

log = logging.getLogger(__name__)

ERROR_TIMEOUT = 6.0
TOAST_TIMEOUT = 3.0
"""Seconds a toast stays unless its caller says: an error a little longer (ctrl+n keeps all)."""


def _plain(message: str, markup: bool) -> str:
    """A notification's text as the list shows it: its markup (ours) applied, not shown."""
    if not markup:
        return message
    try:
        return Text.from_markup(message).plain
    except MarkupError:
        return message


class StartupFailed(DomainError):
    """The database could not be opened or prepared."""


@dataclass
class ReconciledAtStart(Message):
    outcomes: list[ReconcileOutcome]


def startup_problem(error: BaseException) -> str:
    """A failure of the background start-up, as the admin reads it (no SQL, no secrets)."""
    from webitel_tui.db.engine import DatabaseUrlError

    # Our own one-line messages: the database URL, a refusal.
    if isinstance(error, DatabaseUrlError):
        return tr("The database cannot be used: {0}", error)
    if isinstance(error, DomainError):
        return str(error)
    log.error("Preparing the database failed", exc_info=error)
    return tr(
        "The database could not be prepared ({0}). Check the database settings and try again.",
        type(error).__name__,
    )


class WebitelTuiApp(HoldsKeys, App[None], inherit_bindings=False):
    TITLE = APP_NAME
    CSS_PATH = "app.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "quit", "Quit", id="app.quit", priority=True, tooltip="Quit the app"),
        # Priority: also on a dialog (a modal screen hides the App's other keys), as the footer
        # always shows it (widgets/keys_footer.py). A field that takes "?" still gets it:
        # Textual leaves a key a focused Input consumes out of the App's bindings.
        Binding(
            "f1,question_mark",
            "help",
            "Help",
            id="app.help",
            tooltip="Keys of this screen",
            priority=True,
        ),
        Binding(
            "ctrl+l",
            "log_out",
            "Log out",
            id="app.log_out",
            tooltip="Log out and return to the login",
            priority=True,  # from a dialog too (a modal screen hides the app's other keys)
            show=False,  # F1 and the palette list it; the footer keeps its room at 80 columns
        ),
        Binding(
            "ctrl+p",
            "command_palette",
            "Commands",
            id="app.command_palette",
            tooltip="Command palette: find any action",
            priority=True,
            show=False,  # the Footer shows it at its right end
        ),
        Binding(
            "ctrl+n",
            "notifications",
            "Notifications",
            id="app.notifications",
            tooltip="Notifications of this session",
            show=False,  # F1 and the palette list it; the footer keeps its room at 80 columns
        ),
        Binding(
            "ctrl+o",  # not ctrl+e (an Input's end of line) nor ctrl+t (a page's own)
            "error_details",
            "Error details",
            id="app.error_details",
            tooltip="The details of the last unexpected error (to copy into a bug report)",
            show=False,
        ),
        Binding("ctrl+c", "help_quit", show=False, system=True, id="app.help_quit"),
        # Priority, so that the focus moves as the app takes the key: a screen's binding runs
        # only once the key has bubbled up from the focused widget, and the keys typed behind
        # it (a fast typist, auto-type, a laggy SSH link) have gone to that widget by then.
        Binding("tab", "focus_next", show=False, priority=True, system=True, id="app.focus_next"),
        Binding(
            "shift+tab",
            "focus_previous",
            show=False,
            priority=True,
            system=True,
            id="app.focus_previous",
        ),
    ]

    def __init__(
        self,
        settings: Settings,
        *,
        config_path: Path | None = None,
        prepare: bool = False,
        warnings: Iterable[str] = (),
    ) -> None:
        super().__init__()
        self.settings = settings
        self.config_path = config_path
        self.logged_in: LoggedIn | None = None
        self.needs_admin = False
        """The database has no administrator: the app exited for the CLI to ask for one."""
        self._prepare = prepare
        self._settings_warnings = list(warnings)
        self._db: Database | None = None
        self._backend: asyncio.Task[Database] | None = None
        self._webitel: WebitelClient | None = None
        self._logging_out = False
        self.reconciled_at_start: list[ReconcileOutcome] = []
        """What the Reconcile at start did (nothing, until it had something to do)."""
        self.notification_log: list[LoggedNotification] = []
        self.error_details = ""
        """The last unexpected error's traceback, secrets redacted (ctrl+o)."""
        remember_secrets(settings)
        """Every notification of the session, oldest first (ctrl+n lists them)."""
        self.clock: Callable[[], datetime] = datetime.now
        """The time a notification is logged with (fixed in snapshots)."""
        # Over SSH every animation frame costs bandwidth; nothing here needs them.
        self.animation_level = "none"
        self._startup_messages = self._install_themes(settings.theme)
        self.set_keymap(settings.keymap)

    def _install_themes(self, wanted: str) -> list[str]:
        themes, problems = load_themes()
        for theme in themes:
            self.register_theme(theme)
        if wanted not in self.available_themes:
            problems.append(tr('Theme "{0}" is not known; using {1}.', wanted, DEFAULT_THEME))
            wanted = DEFAULT_THEME if DEFAULT_THEME in self.available_themes else "textual-light"
        self._start_with_theme(wanted)
        return problems

    def _start_with_theme(self, name: str) -> None:
        """The theme the app starts with, as `App.theme = name` sets it but for the CSS
        refresh that setting schedules: the stylesheet is not read yet, and is read with
        this theme's variables when the app starts (one parse of every rule less, before
        the first frame; bench/startup.py)."""
        self.set_reactive(App.theme, name)
        theme = self.current_theme
        self.update_classes(
            {f"-theme-{theme.name}": True, "-dark-mode": theme.dark, "-light-mode": not theme.dark},
            update=False,
        )
        self._refresh_truecolor_filter(self.ansi_theme)
        self.stylesheet.set_variables(self.get_css_variables())

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Every toast of the app (a screen's or a widget's `notify` comes here): the message
        may quote data (a name, a path, the server's words), so it is shown and never obeyed
        by the terminal (domain/display.py); its own line breaks stay. A toast is short (it
        covers part of the screen): each is kept in `notification_log` for ctrl+n."""
        shown, shown_title = visible_lines(message), visible(title)
        if timeout is None:
            timeout = ERROR_TIMEOUT if severity == "error" else TOAST_TIMEOUT
        self.notification_log.append(
            LoggedNotification(self.clock(), severity, shown_title, _plain(shown, markup))
        )
        super().notify(shown, title=shown_title, severity=severity, timeout=timeout, markup=markup)

    @property
    def db(self) -> Database:
        if self._db is None:
            raise RuntimeError("the database is opened in the background after the app starts")
        return self._db

    # The database, made ready in the background (see the module's docstring) ----------------

    @property
    def backend_ready(self) -> bool:
        return self._db is not None

    def start_backend(self) -> None:
        """Open (and prepare) the database, unless that is going or done; after a failure,
        try again."""
        task = self._backend
        if task is not None and not (task.done() and task.exception() is not None):
            return
        self._backend = asyncio.create_task(self._open_backend(), name="open the database")
        self._backend.add_done_callback(self._backend_done)

    async def database(self) -> Database:
        """The database once ready; a failure raises StartupFailed with a readable message."""
        self.start_backend()
        assert self._backend is not None
        try:
            return await asyncio.shield(self._backend)
        except Exception as exc:
            raise StartupFailed(startup_problem(exc)) from exc

    @staticmethod
    def _import_backend() -> None:
        for name in BACKGROUND_IMPORTS:
            importlib.import_module(name)

    async def _open_backend(self) -> Database:
        await asyncio.to_thread(self._import_backend)
        from webitel_tui.db.engine import Database

        settings = self.settings.database
        db = Database(settings.url, lock_wait=settings.lock_wait)
        try:
            if self._prepare:
                from webitel_tui.processes.setup import prepare

                if not await prepare(db, on_wait=self._say_waiting):
                    self.needs_admin = True
                    self.exit()
        except BaseException:
            await db.dispose()
            raise
        self._db = db
        return db

    def _say_waiting(self, line: str) -> None:
        self.notify(line, title=_("Please wait"), timeout=10, markup=False)

    def _backend_done(self, task: asyncio.Task[Database]) -> None:
        if task.cancelled() or task.exception() is None:
            return
        # Said at once, not only when the admin presses "Log in".
        message = startup_problem(task.exception() or RuntimeError())
        self.notify(message, title=_("Error"), severity="error", timeout=30, markup=False)

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        from webitel_tui.ui.commands import screen_commands

        yield from screen_commands(screen)
        yield SystemCommand(
            _("Theme"), _("Change the theme (remembered)"), self.action_change_theme
        )

    def _remember_theme(self, theme: Theme) -> None:
        if self.config_path is None:
            return
        try:
            remember_setting(self.config_path, "theme", theme.name)
        except SettingNotSaved as exc:  # the file is left as it was
            self.notify(
                tr("The theme could not be remembered in {0}: {1}", exc.path, exc.problem),
                severity="warning",
                markup=False,
            )

    def on_mount(self) -> None:
        self.theme_changed_signal.subscribe(self, self._remember_theme)
        for message in self._startup_messages:
            self.notify(message, title=_("Theme"), severity="warning", timeout=15, markup=False)
        for warning in self._settings_warnings:
            self.notify(warning, title=_("Settings"), severity="warning", timeout=15, markup=False)
        self.push_screen(LoginScreen(self), self._logged_in)

    def webitel(self) -> WebitelClient:
        """One client for the app: it logs in once and keeps its connections."""
        if self._webitel is None:
            from webitel_tui.processes.webitel_connection import client_options
            from webitel_tui.webitel import WebitelClient

            self._webitel = WebitelClient(client_options(self.settings.webitel))
        return self._webitel

    def context(self, logged_in: LoggedIn) -> ShellContext:
        from webitel_tui.ui.screens.base import ShellContext

        return ShellContext(self.db, logged_in, self.settings, self.webitel)

    async def on_unmount(self) -> None:
        backend = self._backend
        if backend is not None and not backend.done():
            backend.cancel()
            with contextlib.suppress(BaseException):
                await backend
        if self._webitel is not None:
            await self._webitel.aclose()
            self._webitel = None
        if self._db is not None:
            await self._db.dispose()
            self._db = None

    def _logged_in(self, logged_in: LoggedIn | None) -> None:
        if logged_in is None:
            return
        from webitel_tui.domain.rights import MANAGE_WEBITEL_USERS
        from webitel_tui.ui.screens.shell import ShellScreen

        self.logged_in = logged_in
        self.push_screen(ShellScreen(self.db, logged_in))
        if self.settings.webitel.configured and logged_in.can(MANAGE_WEBITEL_USERS):
            # Reconcile changes Webitel users in the CRM: for those who may (the next such
            # user's start does it otherwise).
            self._reconcile_at_start(logged_in)

    @work(exit_on_error=False, group="reconcile-at-start", description="reconcile at start")
    async def _reconcile_at_start(self, logged_in: LoggedIn) -> None:
        """Once at every start: changes left unsettled (a lost answer, a killed process)
        are brought in line with Webitel. Nothing to do costs one query, no request."""
        from webitel_tui.processes.reconcile import open_items, reconcile

        if await open_items(self.db):
            outcomes = await reconcile(self.db, logged_in.actor, self.webitel())
            self.post_message(ReconciledAtStart(outcomes))

    @on(ReconciledAtStart)
    def _reconciled_at_start(self, event: ReconciledAtStart) -> None:
        self.reconciled_at_start = event.outcomes
        left = [o for o in event.outcomes if not o.resolved]
        if len(left) == len(event.outcomes):
            return  # nothing changed: the section's banner lists what is left, and why
        self.notify(
            tr(
                "Reconciled with Webitel at start: {0}. Left open: {1}.",
                len(event.outcomes) - len(left),
                len(left),
            ),
            title=_("Reconcile"),
            severity="warning" if left else "information",
            markup=False,
        )

    # Log out ------------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "log_out":  # on the login screen there is nobody to log out
            return self.logged_in is not None and not self._logging_out
        return True

    def action_log_out(self) -> None:
        """Back to the login, for the next admin; a record page with unsaved changes asks
        first, as its Close does."""
        if not self.check_action("log_out", ()):
            return
        from webitel_tui.ui.screens.dialogs import UNSAVED_CHANGES, ConfirmDialog
        from webitel_tui.ui.screens.record_page import RecordPage

        self._logging_out = True
        if not any(isinstance(s, RecordPage) and s.dirty for s in self.screen_stack):
            self._log_out()
            return

        def answered(leave: bool | None) -> None:
            if leave:
                self._log_out()
            else:
                self._logging_out = False

        self.push_screen(ConfirmDialog(UNSAVED_CHANGES), answered)

    @work(exclusive=True, exit_on_error=False, group="log-out", description="log out")
    async def _log_out(self) -> None:
        """Nothing of the session stays: its screens are closed and every worker of it
        cancelled (the screens', the app's Reconcile at start), its Webitel client closed (the
        next session opens its own), its toasts gone. The database stays open."""
        try:
            while len(self.screen_stack) > 1:
                await self.pop_screen()
            this = get_current_worker()
            session = [worker for worker in self.workers if worker is not this]
            for worker in session:
                worker.cancel()
            for worker in session:
                with contextlib.suppress(Exception):  # cancelled, or it had failed
                    await worker.wait()
            self.logged_in = None
            self.reconciled_at_start = []
            client, self._webitel = self._webitel, None
            if client is not None:
                await client.aclose()
            self.clear_notifications()
            self.notification_log = []  # the next admin's session starts with none
        finally:
            self._logging_out = False
        self.push_screen(LoginScreen(self), self._logged_in)

    # Tab and shift+Tab (priority keys) move the focus in turn with the keys typed before them.
    def action_focus_next(self) -> None:
        self.focus_in_turn(self.screen.focus_next)

    def action_focus_previous(self) -> None:
        self.focus_in_turn(self.screen.focus_previous)

    def action_help(self) -> None:
        from webitel_tui.ui.screens.help import HelpScreen, help_rows

        if isinstance(self.screen, HelpScreen):
            self.screen.dismiss()
            return
        self.push_screen(HelpScreen(help_rows(self.screen)))

    def action_notifications(self) -> None:
        from webitel_tui.ui.screens.notifications import NotificationsScreen

        if isinstance(self.screen, NotificationsScreen):
            self.screen.dismiss()
            return
        self.push_screen(NotificationsScreen(self.notification_log))

    def action_error_details(self) -> None:
        from webitel_tui.ui.screens.error_details import ErrorDetailsScreen

        if isinstance(self.screen, ErrorDetailsScreen):
            self.screen.dismiss()
            return
        self.push_screen(ErrorDetailsScreen(self.error_details))

    @on(Worker.StateChanged)
    def _app_worker_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR:
            self.post_message(WorkerFailed(event.worker))

    @on(WorkerFailed)
    def _worker_failed(self, event: WorkerFailed) -> None:
        """Every worker error, the app's or a screen's, becomes a message; the app carries on."""
        error = event.worker.error
        if isinstance(error, DomainError):
            message = str(error)
        else:
            # Unexpected errors may quote SQL or URLs: show the kind; the details are logged
            # and kept for ctrl+o, redacted.
            log.error("Worker %r failed", event.worker.name, exc_info=error)
            self.error_details = hide_secrets("".join(traceback.format_exception(error)))
            message = tr(
                "The action failed unexpectedly ({0}). Please try again; ctrl+o shows the details.",
                type(error).__name__,
            )
        self.notify(message, title=_("Error"), severity="error", markup=False)


def create_app(
    settings: Settings,
    config_path: Path | None = None,
    *,
    prepare: bool = False,
    warnings: Iterable[str] = (),
) -> WebitelTuiApp:
    """The app in the configured language; a theme chosen in it is remembered in
    `config_path` (if given). With `prepare`, the database is migrated and seeded behind
    the login screen (the CLI's start); otherwise the caller has prepared it. `warnings`
    about the settings are shown once it starts."""
    set_language(settings.language)
    return WebitelTuiApp(settings, config_path=config_path, prepare=prepare, warnings=warnings)
