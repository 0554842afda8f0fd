"""The `webitel-tui` command: start the TUI (default), `demo`, `db upgrade`, `init`, `simulator`."""

from __future__ import annotations

import argparse
import asyncio
import gc
import getpass
import sys
import tempfile
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any, TextIO, TypeVar

from webitel_tui import __version__
from webitel_tui.config import (
    ConfigError,
    LoadedSettings,
    Settings,
    load_settings,
    resolve_config_path,
)
from webitel_tui.db.engine import Database, DatabaseUrlError
from webitel_tui.db.migrate import current_revision
from webitel_tui.domain.errors import DomainError
from webitel_tui.domain.rules import check_passwords_match, require
from webitel_tui.i18n import LANGUAGES
from webitel_tui.processes import setup

T = TypeVar("T")

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="webitel-tui",
        description="Manage Webitel telephony users the Creatio way, from a terminal.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--config", type=Path, metavar="PATH", help="configuration file (TOML) to read"
    )
    parser.add_argument(
        "--database", metavar="URL", help="database URL (sqlite:///PATH or postgresql://...)"
    )
    parser.add_argument(
        "--lang", choices=LANGUAGES, help="language of the screens (en, uk); default: config"
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.add_parser("run", help="start the TUI (the default)")
    commands.add_parser(
        "demo", help="start the TUI on demo data and the built-in Webitel simulator"
    )
    db = commands.add_parser("db", help="database maintenance")
    db_commands = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    db_commands.add_parser("upgrade", help="migrate the database to the current schema")
    init = commands.add_parser("init", help="create the first administrator of a new install")
    init.add_argument("--login", help="the administrator's user name (asked if omitted)")
    init.add_argument("--full-name", help="the administrator's contact name")
    init.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from the first line of standard input (for scripts)",
    )
    commands.add_parser(
        "simulator",
        help="serve the built-in Webitel simulator (see `webitel-tui simulator --help`)",
        add_help=False,
    )
    return parser


def _load(args: argparse.Namespace, extra: dict[str, Any] | None = None) -> LoadedSettings:
    overrides: dict[str, Any] = dict(extra or {})
    if args.database:
        overrides["database"] = {"url": args.database}
    if args.lang:
        overrides["language"] = args.lang
    loaded = load_settings(args.config, overrides)
    for warning in loaded.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    return loaded


def _on_database(settings: Settings, work: Callable[[Database], Awaitable[T]]) -> T:
    """Run one async job on the configured database, in an event loop of its own.

    The TUI later opens its own engine in Textual's loop: engines do not cross loops.
    """

    async def go() -> T:
        db = Database(settings.database.url)
        try:
            return await work(db)
        finally:
            await db.dispose()

    return asyncio.run(go())


def _prepare(settings: Settings, *, demo: bool = False) -> bool:
    return _on_database(settings, lambda db: setup.prepare(db, demo=demo))


def _ask(prompt: str, *, secret: bool = False, stream: TextIO = sys.stdin) -> str:
    if secret:
        return getpass.getpass(prompt)
    print(prompt, end="", flush=True)
    return stream.readline().rstrip("\n")


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    settings = _load(args).settings
    _prepare(settings)
    print(f"Database is at revision {_on_database(settings, current_revision)}.")
    return EXIT_OK


def _create_first_admin(
    settings: Settings, *, login: str | None, full_name: str | None, password_stdin: bool
) -> int:
    """Ask for (or read) the first administrator's name and password, then create it."""
    interactive = sys.stdin.isatty() and not password_stdin
    if not interactive and not password_stdin:
        print(
            "No administrator yet. Run `webitel-tui init` in a terminal, or pass --login "
            "and --password-stdin.",
            file=sys.stderr,
        )
        return EXIT_USAGE
    login = require(login or _ask("Administrator user name: "), "User name")
    full_name = full_name or (_ask(f"Full name [{login}]: ") if interactive else "")
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = _ask("Password: ", secret=True)
        check_passwords_match(password, _ask("Password confirmation: ", secret=True))
    require(password, "Password")
    name = full_name or login
    _on_database(settings, lambda db: setup.create_first_admin(db, login, password, name))
    print(f"Administrator {login} created; log in with this user name.")
    return EXIT_OK


def cmd_init(args: argparse.Namespace) -> int:
    settings = _load(args).settings
    if _prepare(settings):
        print("An administrator already exists; nothing to do.")
        return EXIT_OK
    return _create_first_admin(
        settings, login=args.login, full_name=args.full_name, password_stdin=args.password_stdin
    )


def _run_app(loaded: LoadedSettings) -> int:
    from webitel_tui.ui.app import create_app

    # A theme chosen in the app is remembered in the file that was read (or the default one).
    config_path = loaded.path or resolve_config_path(None)[0]
    app = create_app(loaded.settings, config_path)
    # What start-up built lives as long as the app: keep it out of every later collection
    # (a full collection over loaded grid rows otherwise stalls keys; bench/section_list.py).
    gc.freeze()
    app.run(mouse=loaded.settings.mouse)
    return EXIT_OK


def cmd_run(args: argparse.Namespace) -> int:
    loaded = _load(args)
    settings = loaded.settings
    if not _prepare(settings):
        if not sys.stdin.isatty():
            print("No administrator yet: run `webitel-tui init` first.", file=sys.stderr)
            return EXIT_USAGE
        print("This is a new installation: create the first administrator.")
        status = _create_first_admin(settings, login=None, full_name=None, password_stdin=False)
        if status != EXIT_OK:
            return status
    return _run_app(loaded)


def cmd_demo(args: argparse.Namespace) -> int:
    from webitel_tui.simulator.runner import start_simulator_thread

    with tempfile.TemporaryDirectory(prefix="webitel-tui-demo-") as workdir:
        simulator = start_simulator_thread()
        try:
            overrides = {
                "database": {"url": f"sqlite:///{Path(workdir) / 'demo.db'}"},
                "webitel": {
                    "url": simulator.base_url,
                    "domain": simulator.domain,
                    "username": simulator.username,
                    "password": simulator.password,
                },
            }
            loaded = _load(args, overrides)
            _prepare(loaded.settings, demo=True)
            print(f"Demo: Webitel simulator at {simulator.base_url}; log in as Supervisor.")
            return _run_app(loaded)
        finally:
            simulator.stop()


def cmd_simulator(argv: Sequence[str]) -> int:
    from webitel_tui.simulator.cli import main as simulator_main

    return simulator_main(list(argv))


COMMANDS: dict[str | None, Callable[[argparse.Namespace], int]] = {
    None: cmd_run,
    "run": cmd_run,
    "demo": cmd_demo,
    "init": cmd_init,
    "db": cmd_db_upgrade,
}


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    # The simulator has its own options; hand it everything after its name untouched.
    if "simulator" in arguments:
        index = arguments.index("simulator")
        if all(a.startswith("-") or a == "simulator" for a in arguments[:index]):
            return cmd_simulator(arguments[index + 1 :])
    args = build_parser().parse_args(arguments)
    try:
        return COMMANDS[args.command](args)
    except (ConfigError, DatabaseUrlError, DomainError) as exc:
        print(f"webitel-tui: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
