"""`webitel-tui serve`: the TUI in a browser tab (textual-serve), for admins without SSH.

Each browser tab that connects starts its own `webitel-tui run` (textual-serve spawns one
process per websocket), so each tab has its own login, as each terminal has. Settings reach
those processes through the environment, never on their command line: textual-serve prints
the command, and a database URL may hold a password.
"""

from __future__ import annotations

import os
import shlex
import sys
from collections.abc import MutableMapping
from pathlib import Path

from webitel_tui.config import ENV_PREFIX, ConfigError

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


class ServeUnavailable(ConfigError):
    """The `web` extra is not installed (an installation's problem: exit 3)."""

    def __init__(self) -> None:
        super().__init__('webitel-tui serve needs the web extra: pip install "webitel-tui[web]"')


def app_command(config: Path | None) -> str:
    """The command each browser tab runs: this Python, this package, the same config."""
    argv = [sys.executable, "-m", "webitel_tui"]
    if config is not None:
        argv += ["--config", str(config.resolve())]
    return shlex.join([*argv, "run"])


def pass_settings(
    env: MutableMapping[str, str], *, database: str | None, lang: str | None, debug: bool
) -> None:
    """The command line's global options, for the processes the tabs start."""
    if database:
        env[f"{ENV_PREFIX}DATABASE__URL"] = database
    if lang:
        env[f"{ENV_PREFIX}LANGUAGE"] = lang
    if debug:
        env[f"{ENV_PREFIX}DEBUG"] = "1"


def serve(
    *,
    host: str,
    port: int,
    public_url: str | None,
    config: Path | None,
    database: str | None,
    lang: str | None,
    debug: bool,
) -> None:
    """Serve until interrupted (ctrl+c or SIGTERM)."""
    try:
        from textual_serve.server import Server
    except ImportError as exc:
        raise ServeUnavailable from exc
    pass_settings(os.environ, database=database, lang=lang, debug=debug)
    server = Server(
        app_command(config), host=host, port=port, title="webitel-tui", public_url=public_url
    )
    server.serve()
