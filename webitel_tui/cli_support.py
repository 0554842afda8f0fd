"""What the headless commands (cli.py, cli_users.py) share: exit codes, the settings a
command line names, and one job on the database in an event loop of its own."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

from webitel_tui.config import LoadedSettings, Settings, load_settings

# SQLAlchemy and the processes are imported where a command uses them: the start of the TUI
# does not need them (bench/startup.py).
if TYPE_CHECKING:
    from webitel_tui.db.engine import Database

T = TypeVar("T")

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
# The `users` commands' own codes (a script tells "left in doubt" from a bad call).
EXIT_IN_DOUBT = 2
EXIT_BAD_USAGE = 3


def overrides(args: argparse.Namespace, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """The settings the common options (--database, --lang) and `extra` override."""
    given: dict[str, Any] = dict(extra or {})
    if args.database:
        given["database"] = {"url": args.database}
    if args.lang:
        given["language"] = args.lang
    return given


def load(args: argparse.Namespace) -> LoadedSettings:
    """The settings of a headless command, their warnings said on standard error (the TUI
    shows them itself: cli.py's `_run_app`)."""
    loaded = load_settings(args.config, overrides(args))
    for warning in loaded.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    return loaded


def on_database(settings: Settings, work: Callable[[Database], Awaitable[T]]) -> T:
    """Run one async job on the configured database, in an event loop of its own.

    The TUI later opens its own engine in Textual's loop: engines do not cross loops.
    """

    from webitel_tui.db.engine import Database

    async def go() -> T:
        db = Database(settings.database.url)
        try:
            return await work(db)
        finally:
            await db.dispose()

    return asyncio.run(go())


def prepare(settings: Settings, *, demo: bool = False) -> bool:
    from webitel_tui.processes import setup

    return on_database(settings, lambda db: setup.prepare(db, demo=demo))
