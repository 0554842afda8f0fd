"""What the headless commands (cli.py, cli_users.py) share: exit codes, the settings a
command line names, one job on the database in an event loop of its own, and `failure`: the
one place that turns what stopped a command into one line and an exit code."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from webitel_tui import log_file
from webitel_tui.config import ConfigError, LoadedSettings, Settings, load_settings
from webitel_tui.domain.display import visible
from webitel_tui.redaction import hide_secrets, remember_secrets

# SQLAlchemy and the processes are imported where a command uses them: the start of the TUI
# does not need them (bench/startup.py).
if TYPE_CHECKING:
    from webitel_tui.db.engine import Database

T = TypeVar("T")

EXIT_OK = 0
EXIT_ERROR = 1
"""A failure: the database, the Webitel server or the CRM could not do it."""
EXIT_IN_DOUBT = 2
"""The `users` commands': whether Webitel took a change is not known (a reconcile item)."""
EXIT_BAD_USAGE = 3
"""Bad usage or configuration, for every command: a wrong command line (argparse's own usage
errors included), a setting, a database URL, a missing administrator."""

DEBUG_ENV = "WEBITEL_TUI_DEBUG"


def debug_from_environment() -> bool:
    """Whether `WEBITEL_TUI_DEBUG` asks for tracebacks (1, true, yes, on)."""
    return os.environ.get(DEBUG_ENV, "").strip().lower() in ("1", "true", "yes", "on")


def overrides(args: argparse.Namespace, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """The settings the common options (--database, --lang) and `extra` override."""
    given: dict[str, Any] = dict(extra or {})
    if args.database:
        given["database"] = {"url": args.database}
    if args.lang:
        given["language"] = args.lang
    return given


def read_settings(
    args: argparse.Namespace, extra: dict[str, Any] | None = None, *, say_warnings: bool = True
) -> LoadedSettings:
    """The settings of a command line; with `say_warnings`, their warnings are said on
    standard error (the TUI shows them itself: cli.py's `_run_app`)."""
    loaded = load_settings(args.config, overrides(args, extra))
    remember_secrets(loaded.settings)
    debug = getattr(args, "debug", False) or debug_from_environment()
    log_file.configure(loaded.settings.log, debug=debug, redact=hide_secrets)
    if say_warnings:
        for warning in loaded.warnings:
            print(f"warning: {visible(warning)}", file=sys.stderr)  # it may quote the file
    return loaded


def load(args: argparse.Namespace) -> LoadedSettings:
    """The settings of a headless command, their warnings said on standard error."""
    return read_settings(args)


def new_sqlite_file(url: str) -> bool:
    """Whether the URL names an SQLite file that does not exist yet (a new installation),
    told without SQLAlchemy."""
    for prefix in ("sqlite:///", "sqlite+aiosqlite:///"):
        if url.startswith(prefix):
            path = url.removeprefix(prefix).split("?", 1)[0]
            return path not in ("", ":memory:") and not Path(path).exists()
    return False


def on_database(settings: Settings, work: Callable[[Database], Awaitable[T]]) -> T:
    """Run one async job on the configured database, in an event loop of its own.

    The TUI later opens its own engine in Textual's loop: engines do not cross loops. A
    database that cannot be used raises DatabaseProblem (one line), whatever step met it.
    """

    from webitel_tui.db.engine import Database, database_problem

    url, lock_wait = settings.database.url, settings.database.lock_wait

    async def go() -> T:
        db = Database(url, lock_wait=lock_wait)
        try:
            return await work(db)
        finally:
            await db.dispose()

    try:
        return asyncio.run(go())
    except Exception as exc:
        problem = database_problem(exc, url, lock_wait=lock_wait)
        if problem is None or problem is exc:
            raise
        raise problem from exc


def _say_waiting(line: str) -> None:
    print(f"webitel-tui: {visible(line)}", file=sys.stderr, flush=True)


def prepare(settings: Settings, *, demo: bool = False) -> bool:
    """Migrate and seed the database (one program at a time: a second one waits for the
    first, then finds the work done); whether an administrator exists."""
    from webitel_tui.processes import setup

    return on_database(settings, lambda db: setup.prepare(db, demo=demo, on_wait=_say_waiting))


# What stopped a command, in one line -----------------------------------------------------------


@dataclass(frozen=True)
class Failure:
    message: str
    """One line: what is wrong, where, what to do; no secret in it."""
    code: int


def mask(text: str, *, every_secret: bool = False) -> str:
    """`text` on one line, with URL passwords replaced by ***; with `every_secret`, also
    the settings' passwords and tokens wherever they appear (for a text this program did not
    write itself: a short password would otherwise blot out words of its own messages)."""
    line = " ".join(text.split())
    return hide_secrets(line) if every_secret else hide_secrets(line, known=False)


def failure(error: BaseException) -> Failure:
    """The line and exit code for what stopped a command: 3 for bad usage or configuration,
    1 for any other failure; an unexpected error names its type and how to see more."""
    from webitel_tui.db.engine import DatabaseProblem, DatabaseUrlError
    from webitel_tui.domain.errors import DomainError

    if isinstance(error, ConfigError):
        return Failure(mask(str(error)), EXIT_BAD_USAGE)
    if isinstance(error, DatabaseUrlError):
        line = f"The database URL {error.url} cannot be used: {error}"
        return Failure(mask(line), EXIT_BAD_USAGE)
    if isinstance(error, DatabaseProblem):
        return Failure(mask(str(error)), EXIT_ERROR)
    if isinstance(error, DomainError):
        from webitel_tui.processes.webitel_connection import ConnectionProblem

        # The Webitel connection not set up is a configuration's, as for `users`.
        code = EXIT_BAD_USAGE if isinstance(error, ConnectionProblem) else EXIT_ERROR
        return Failure(mask(str(error)), code)
    detail = mask(str(error), every_secret=True)
    return Failure(
        f"Unexpected error ({type(error).__name__}{': ' + detail if detail else ''}); "
        f"run again with --debug (or {DEBUG_ENV}=1) to see where it happened",
        EXIT_ERROR,
    )
