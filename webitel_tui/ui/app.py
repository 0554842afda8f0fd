"""The Textual application: themes, keymap, login, then the shell.

`create_app(settings)` is the one way to build it, for the CLI and for the tests. The CLI has
already migrated and seeded the database in its own event loop; the app opens its own
`Database` when it mounts and disposes of it when it exits.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import App, InvalidThemeError, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.theme import Theme
from textual.worker import Worker, WorkerState

from webitel_tui.config import Settings, remember_setting
from webitel_tui.db.engine import Database
from webitel_tui.domain.errors import DomainError
from webitel_tui.i18n import _, set_language, tr
from webitel_tui.processes.auth import Session
from webitel_tui.processes.webitel_connection import client_options
from webitel_tui.ui.commands import screen_commands
from webitel_tui.ui.screens.base import SessionContext, WorkerFailed, translate_bindings
from webitel_tui.ui.screens.help import HelpScreen, help_rows
from webitel_tui.ui.screens.login import LoginScreen
from webitel_tui.ui.themes import DEFAULT_THEME, load_themes
from webitel_tui.webitel import WebitelClient

APP_NAME = "Webitel TUI"

log = logging.getLogger(__name__)


class WebitelTuiApp(App[None], inherit_bindings=False):
    TITLE = APP_NAME
    CSS_PATH = "app.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "quit", "Quit", id="app.quit", priority=True, tooltip="Quit the app"),
        Binding("f1,question_mark", "help", "Help", id="app.help", tooltip="Keys of this screen"),
        Binding(
            "ctrl+p",
            "command_palette",
            "Commands",
            id="app.command_palette",
            tooltip="Command palette: find any action",
            priority=True,
            show=False,  # the Footer shows it at its right end
        ),
        Binding("ctrl+c", "help_quit", show=False, system=True, id="app.help_quit"),
    ]

    def __init__(self, settings: Settings, config_path: Path | None = None) -> None:
        super().__init__()
        self.settings = settings
        self.config_path = config_path
        self.session: Session | None = None
        self._db: Database | None = None
        self._webitel: WebitelClient | None = None
        # Over SSH every animation frame costs bandwidth; nothing here needs them.
        self.animation_level = "none"
        self._startup_messages = self._install_themes(settings.theme)
        translate_bindings(self)
        self.set_keymap(settings.keymap)

    def _install_themes(self, wanted: str) -> list[str]:
        themes, problems = load_themes()
        for theme in themes:
            self.register_theme(theme)
        try:
            self.theme = wanted
        except InvalidThemeError:
            problems.append(tr('Theme "{0}" is not known; using {1}.', wanted, DEFAULT_THEME))
            fallback = DEFAULT_THEME if DEFAULT_THEME in self.available_themes else None
            self.theme = fallback or "textual-light"
        return problems

    @property
    def db(self) -> Database:
        if self._db is None:
            raise RuntimeError("the database is opened when the app mounts")
        return self._db

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from screen_commands(screen)
        yield SystemCommand(
            _("Theme"), _("Change the theme (remembered)"), self.action_change_theme
        )

    def _remember_theme(self, theme: Theme) -> None:
        if self.config_path is None:
            return
        try:
            remember_setting(self.config_path, "theme", theme.name)
        except OSError as exc:
            self.notify(
                tr("The theme could not be remembered in {0}: {1}", self.config_path, exc.strerror),
                severity="warning",
                markup=False,
            )

    def on_mount(self) -> None:
        self.theme_changed_signal.subscribe(self, self._remember_theme)
        for message in self._startup_messages:
            self.notify(message, title=_("Theme"), severity="warning", timeout=15, markup=False)
        try:
            self._db = Database(self.settings.database.url)
        except ValueError as exc:  # DatabaseUrlError: the CLI checks it first, so rare
            self.exit(return_code=2, message=Text(tr("Cannot open the database: {0}", exc)))
            return
        self.push_screen(LoginScreen(self._db), self._logged_in)

    def webitel(self) -> WebitelClient:
        """One client for the session: it logs in once and keeps its connections."""
        if self._webitel is None:
            self._webitel = WebitelClient(client_options(self.settings.webitel))
        return self._webitel

    def context(self, session: Session) -> SessionContext:
        return SessionContext(self.db, session, self.settings, self.webitel)

    async def on_unmount(self) -> None:
        if self._webitel is not None:
            await self._webitel.aclose()
            self._webitel = None
        if self._db is not None:
            await self._db.dispose()
            self._db = None

    def _logged_in(self, session: Session | None) -> None:
        if session is None:
            return
        from webitel_tui.ui.screens.shell import ShellScreen

        self.session = session
        self.push_screen(ShellScreen(self.db, session))

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            self.screen.dismiss()
            return
        self.push_screen(HelpScreen(help_rows(self.screen)))

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
            # Unexpected errors may quote SQL or URLs: show the kind, log the details.
            log.error("Worker %r failed", event.worker.name, exc_info=error)
            message = tr(
                "The action failed unexpectedly ({0}). Please try again.", type(error).__name__
            )
        self.notify(message, title=_("Error"), severity="error", timeout=15, markup=False)


def create_app(settings: Settings, config_path: Path | None = None) -> WebitelTuiApp:
    """The app, in the configured language; a theme chosen in it is remembered in
    `config_path` (if given)."""
    set_language(settings.language)
    return WebitelTuiApp(settings, config_path)
