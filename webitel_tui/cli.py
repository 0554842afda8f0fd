"""The `webitel-tui` command: start the TUI (default), `demo`, `db upgrade`, `init`,
`run-process`, `users` (cli_users.py), `webitel check`, `simulator`.

Whatever stops a command (a setting, the database, the Webitel server, a bug) is said in one
line on standard error with exit code 3 (bad usage or configuration) or 1 (any other
failure), by `main` through `cli_support.failure`; `--debug` (or WEBITEL_TUI_DEBUG=1) adds
the traceback.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import tempfile
import threading
import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any, NoReturn, TextIO, TypeVar

from webitel_tui import __version__
from webitel_tui.cli_support import (
    EXIT_BAD_USAGE,
    EXIT_ERROR,
    EXIT_OK,
    debug_from_environment,
    failure,
    load,
    new_sqlite_file,
    on_database,
    prepare,
    read_settings,
)
from webitel_tui.config import LoadedSettings, Settings, default_config_path
from webitel_tui.domain.bulk import BulkKind
from webitel_tui.domain.display import json_visible, visible, visible_lines
from webitel_tui.domain.known import GET_WEBITEL_USERS_PROCESS_CODE
from webitel_tui.i18n import LANGUAGES, set_language, tr
from webitel_tui.redaction import hide_secrets
from webitel_tui.serve import DEFAULT_HOST, DEFAULT_PORT
from webitel_tui.terminal_colours import colours
from webitel_tui.terminal_echo import echoing

# The start of the TUI imports only what its login screen needs (Textual and the settings);
# SQLAlchemy and the processes are imported where a command uses them (bench/startup.py).
if TYPE_CHECKING:
    from webitel_tui.db.engine import Database
    from webitel_tui.processes.get_webitel_users import ImportProgress, ImportReport
    from webitel_tui.processes.webitel_check import WebitelCheck
    from webitel_tui.ui.app import WebitelTuiApp

T = TypeVar("T")

PROCESS_CODES = (GET_WEBITEL_USERS_PROCESS_CODE,)
SSH_THEME = "ssh-256"
"""The theme of a terminal without truecolor, unless the admin chose one."""


class UsageError(Exception):
    """A command line argparse refused; `main` reports it and exits 3."""

    def __init__(self, parser: CliParser, message: str) -> None:
        super().__init__(message)
        self.parser = parser


class CliParser(argparse.ArgumentParser):
    """argparse's parser, whose usage errors exit 3 (bad usage or configuration), for every
    command: not argparse's 2, which `users` uses for "left in doubt"."""

    usage_exit = EXIT_BAD_USAGE
    json_failures = False
    """Whether a `--json` caller reads a failure as a JSON line too (the `users` commands)."""

    def error(self, message: str) -> NoReturn:
        # Raised rather than exited: `main` adds the JSON line a `--json` caller reads.
        raise UsageError(self, message)


class CommandParser(CliParser):
    """A command's parser: it takes the global options too, so that `webitel-tui users
    list --lang uk` means what `webitel-tui --lang uk users list` does (not given after the
    command, the value before it stands)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if kwargs.get("add_help", True):  # not the simulator's: it parses its own
            _add_global_options(self, default=argparse.SUPPRESS)


def _add_global_options(parser: CliParser, *, default: Any = None) -> None:
    parser.add_argument(
        "--config",
        type=Path,
        metavar="PATH",
        help="configuration file (TOML) to read",
        default=default,
    )
    parser.add_argument(
        "--database",
        metavar="URL",
        help="database URL (sqlite:///PATH or postgresql://...)",
        default=default,
    )
    parser.add_argument(
        "--lang",
        choices=LANGUAGES,
        help="language of the screens (en, uk); default: config",
        default=default,
    )
    parser.add_argument(
        "--debug",
        action="store_true",
        help="show the traceback of a failure (also: WEBITEL_TUI_DEBUG=1)",
        default=False if default is None else default,
    )


def _epilog() -> str:
    return f"""\
configuration:
  {default_config_path()} (or --config PATH, or WEBITEL_TUI_CONFIG);
  every setting also as an environment variable, nested keys joined by __:
  WEBITEL_TUI_DATABASE__URL, WEBITEL_TUI_WEBITEL__URL, WEBITEL_TUI_WEBITEL__DOMAIN,
  WEBITEL_TUI_WEBITEL__USERNAME, WEBITEL_TUI_WEBITEL__PASSWORD, WEBITEL_TUI_WEBITEL__TOKEN,
  WEBITEL_TUI_LANGUAGE, WEBITEL_TUI_THEME, WEBITEL_TUI_LOG__LEVEL, WEBITEL_TUI_DEBUG=1

examples:
  webitel-tui demo                                    try it on demo data
  webitel-tui --database postgresql://crm@db/crm      a team's shared database
  webitel-tui users list --search olena --json        the section, for a script
  webitel-tui run-process GetWebitelUsers --dry-run   what the import would change
  webitel-tui info                                    paths and versions for a bug report
"""


def build_parser() -> CliParser:
    parser = CliParser(
        prog="webitel-tui",
        description="Manage Webitel telephony users the Creatio way, from a terminal.",
        epilog=_epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    _add_global_options(parser)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=CommandParser)
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
    process = commands.add_parser(
        "run-process", help="run a business process headless (for cron and scripts)"
    )
    process.add_argument("code", choices=PROCESS_CODES, help="the process to run")
    process.add_argument(
        "--dry-run", action="store_true", help="show what it would do; write nothing"
    )
    process.add_argument(
        "--unlink-deleted",
        action="store_true",
        help="remove the CRM records of users deleted on the Webitel server",
    )
    process.add_argument(
        "--json",
        action="store_true",
        help="print the result as one JSON object on the last line of standard output",
    )
    _add_acting_user(process)
    _add_users_actions(
        commands.add_parser(
            "users",
            help="list, show, create, change and delete Webitel users headless (see --help)",
            description="The Webitel users section for cron and scripts. Exit codes: 0 done, "
            "1 refused by the Webitel server or the CRM, 2 left in doubt (a reconcile item was "
            "kept), 3 bad usage or configuration.",
        )
    )
    _add_webitel_actions(commands.add_parser("webitel", help="the Webitel server connection"))
    serve = commands.add_parser(
        "serve",
        help="serve the TUI to browser tabs (needs the web extra); each tab logs in",
        description="Serve the TUI over HTTP and websockets (textual-serve): each browser tab "
        "runs its own webitel-tui and logs in. Bound to 127.0.0.1 by default: put a reverse "
        "proxy with TLS in front of it (README).",
    )
    serve.add_argument("--host", default=DEFAULT_HOST, help="address to bind (%(default)s)")
    serve.add_argument("--port", type=int, default=DEFAULT_PORT, help="port (%(default)s)")
    serve.add_argument(
        "--public-url", metavar="URL", help="the address browsers use (behind a proxy)"
    )
    summary = "where the config, database, log and themes are; versions; the server"
    info = commands.add_parser("info", help=summary, description=summary)
    info.add_argument("--json", action="store_true", help="one JSON object")
    commands.add_parser(
        "simulator",
        help="serve the built-in Webitel simulator (see `webitel-tui simulator --help`)",
        add_help=False,
    )
    return parser


def _add_webitel_actions(webitel: CliParser) -> None:
    """`webitel check`: what the configured server answers (processes/webitel_check.py)."""
    actions = webitel.add_subparsers(dest="webitel_action", metavar="ACTION", required=True)
    summary = (
        "log in, read one page of users, licenses, roles and devices, and say what the "
        "server answered; nothing is changed"
    )
    check = actions.add_parser("check", help=summary, description=summary)
    check.json_failures = True
    check.set_defaults(json_failures=True, command_parser=check)
    check.add_argument(
        "--json",
        action="store_true",
        help="print the findings as one JSON object on standard output",
    )


def _add_acting_user(parser: CliParser) -> None:
    """`--as`: who the change log names, and whose rights a headless command checks."""
    parser.add_argument(
        "--as",
        dest="as_login",
        metavar="LOGIN",
        help="the CRM user to act as (default: the setting service_login)",
    )


def narrowing(parser: argparse.ArgumentParser) -> None:
    """The options that narrow the section's list, as its search, folders and filters do."""
    parser.add_argument("--search", default="", metavar="TEXT", help="quick search")
    parser.add_argument(
        "--folder",
        metavar="NAME",
        help='a folder of the section: "No license", "STUN on", "Has license OPERATOR", ...',
    )
    parser.add_argument(
        "--where",
        action="append",
        default=[],
        metavar="COLUMN=VALUE",
        help="a filter by column: name= (contains), extension= (starts with), webitel_id=, "
        "stun=yes|no, licenses=PRODUCT, contact=FULL NAME; given again: all of them",
    )


def _add_users_actions(users: CliParser) -> None:
    """`users ACTION`: the Webitel users section for cron and scripts (cli_users.py)."""
    users.json_failures = True
    users.set_defaults(json_failures=True)
    actions = users.add_subparsers(dest="users_action", metavar="ACTION", required=True)
    common = CliParser(add_help=False)
    common.add_argument(
        "--json",
        action="store_true",
        help="print the result as one JSON object on the last line of standard output",
    )
    _add_acting_user(common)

    def action(name: str, summary: str) -> CliParser:
        parser = actions.add_parser(name, help=summary, description=summary, parents=[common])
        parser.json_failures = True
        # Unknown options are found by the top parser, after the action's: `main` reports
        # them as the action's, with its usage and exit code.
        parser.set_defaults(command_parser=parser)
        return parser

    def login(parser: CliParser) -> None:
        parser.add_argument("login", metavar="LOGIN", help="the Webitel user name")

    listed = action("list", "the section's rows, page by page")
    narrowing(listed)
    login(action("show", "a Webitel user with its licenses, roles and open reconcile item"))
    create = action("create", "create a Webitel user on the server and in the CRM")
    login(create)
    create.add_argument(
        "--user", metavar="CRM_LOGIN", help="the CRM user it belongs to (default: LOGIN)"
    )
    create.add_argument("--contact", metavar="NAME", help="default: the CRM user's contact")
    create.add_argument("--extension", metavar="N")
    create.add_argument("--stun", action=argparse.BooleanOptionalAction, default=False)
    update = action("update", "change the user name, extension or STUN")
    login(update)
    update.add_argument("--name", metavar="NEW_LOGIN", help="a new Webitel user name")
    extension = update.add_mutually_exclusive_group()
    extension.add_argument("--extension", metavar="N")
    extension.add_argument(
        "--no-extension", dest="extension", action="store_const", const="", help="clear it"
    )
    update.add_argument("--stun", action=argparse.BooleanOptionalAction, default=None)
    login(action("delete", "delete a Webitel user on the server and in the CRM"))
    for name, summary, item in (
        ("grant-license", "grant licenses: a product (OPERATOR) or a serial", "PRODUCT_OR_SERIAL"),
        (
            "revoke-license",
            "revoke licenses: every one of a product, or a serial",
            "PRODUCT_OR_SERIAL",
        ),
        ("add-role", "add Webitel roles, by name or id", "ROLE"),
        ("remove-role", "remove Webitel roles, by name or id", "ROLE"),
    ):
        detail = action(name, summary)
        login(detail)
        detail.add_argument("items", nargs="+", metavar=item)
    action("reconcile", "settle the open reconcile items: the CRM follows Webitel")
    bulk = action(
        "bulk",
        "one action on many users (those --search, --folder and --where find, the LOGINs "
        "given, or the users of a CSV file), as the "
        "section's bulk actions: a preview of every user, then each through the card's path; "
        "exit 1 when a user was refused",
    )
    bulk.add_argument(
        "bulk_kind",
        metavar="ACTION",
        choices=[kind.value for kind in BulkKind],
        help=", ".join(kind.value for kind in BulkKind),
    )
    bulk.add_argument(
        "item", nargs="?", default="", metavar="ITEM", help="the license or role (name or id)"
    )
    narrowing(bulk)
    chosen = bulk.add_mutually_exclusive_group()
    chosen.add_argument("--logins", nargs="+", metavar="LOGIN", help="these users")
    chosen.add_argument(
        "--from-csv",
        metavar="FILE",
        help='the users named in the "Webitel user name" column of a CSV file (as `export` '
        "writes it)",
    )
    bulk.add_argument(
        "--dry-run", action="store_true", help="say what would be done to each; change nothing"
    )
    imported = action(
        "import-csv",
        "create and update Webitel users from a CSV file (as `export` writes it); exit 1 "
        "when a row was refused or wrong (each is listed with its row and column)",
    )
    imported.add_argument("file", metavar="FILE", help="the CSV file (UTF-8; comma or semicolon)")
    imported.add_argument(
        "--dry-run", action="store_true", help="say what each row would do; change nothing"
    )
    exported = action(
        "export",
        "the section's rows to a file: CSV (what import-csv reads), or with --json one JSON "
        "object per line",
    )
    exported.add_argument("--csv", action="store_true", help="CSV (the default)")
    narrowing(exported)
    exported.add_argument(
        "--output",
        metavar="PATH",
        help="the file to write, `-` for standard output (default: a dated file in the "
        "documents folder, else the home folder)",
    )
    exported.add_argument("--bom", action="store_true", help="start the CSV with a UTF-8 BOM")


def _ask(prompt: str, *, secret: bool = False, stream: TextIO = sys.stdin) -> str:
    if secret:
        import getpass

        return getpass.getpass(prompt)
    print(prompt, end="", flush=True)
    return stream.readline().rstrip("\n")


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from webitel_tui.db.migrate import current_revision

    settings = load(args).settings
    prepare(settings)
    print(f"Database is at revision {on_database(settings, current_revision)}.")
    return EXIT_OK


def _create_first_admin(
    settings: Settings, *, login: str | None, full_name: str | None, password_stdin: bool
) -> int:
    """Ask for (or read) the first administrator's name and password, then create it."""
    from webitel_tui.domain.rules import check_passwords_match, require
    from webitel_tui.processes import setup

    interactive = sys.stdin.isatty() and not password_stdin
    if not interactive and not password_stdin:
        print(
            "No administrator yet. Run `webitel-tui init` in a terminal, or pass --login "
            "and --password-stdin.",
            file=sys.stderr,
        )
        return EXIT_BAD_USAGE
    # The TUI's commands keep the terminal from echoing (terminal_echo.py): not for these.
    with echoing():
        login = require(login or _ask("Administrator user name: "), "User name")
        full_name = full_name or (_ask(f"Full name [{login}]: ") if interactive else "")
        if password_stdin:
            password = sys.stdin.readline().rstrip("\n")
        else:
            password = _ask("Password: ", secret=True)
            check_passwords_match(password, _ask("Password confirmation: ", secret=True))
    require(password, "Password")
    name = full_name or login
    on_database(settings, lambda db: setup.create_first_admin(db, login, password, name))
    print(f"Administrator {login} created; log in with this user name.")
    return EXIT_OK


def cmd_init(args: argparse.Namespace) -> int:
    settings = load(args).settings
    if prepare(settings):
        print("An administrator already exists; nothing to do.")
        return EXIT_OK
    return _create_first_admin(
        settings, login=args.login, full_name=args.full_name, password_stdin=args.password_stdin
    )


def for_the_terminal(settings: Settings, env: Mapping[str, str]) -> Settings:
    """Without truecolor the default theme is quantised to neighbouring palette entries:
    the ssh-256 theme, made of exact 256-colour entries, is used instead, unless a theme
    was chosen (file, environment or the app's own choice, remembered in the file)."""
    if "theme" in settings.model_fields_set or colours(env) == "truecolor":
        return settings
    return settings.model_copy(update={"theme": SSH_THEME})


def keymap_warnings(keymap: dict[str, str]) -> list[str]:
    """A `[keymap]` id that names no binding remaps nothing: the admin is told which."""
    from webitel_tui.ui.keymap import unknown_ids

    return [
        tr('[keymap] "{0}" is not a key binding id; see the Keys section of the README.', key)
        for key in unknown_ids(keymap)
    ]


def _run_app(loaded: LoadedSettings, *, prepare: bool = False) -> WebitelTuiApp:
    """Run the TUI until it exits; with `prepare`, it prepares the database behind its
    login screen (otherwise the CLI has)."""
    from webitel_tui.ui.app import create_app

    # A theme chosen in the app is remembered in the file that was read (or the default one).
    config_path = loaded.path or default_config_path()
    warnings = [*loaded.warnings, *keymap_warnings(loaded.settings.keymap)]
    settings = for_the_terminal(loaded.settings, os.environ)
    app = create_app(settings, config_path, prepare=prepare, warnings=warnings)
    _RUNNING_APPS.append(app)
    try:
        app.run(mouse=loaded.settings.mouse)
    finally:
        _RUNNING_APPS.remove(app)
    return app


def _first_start(loaded: LoadedSettings) -> int:
    """Create and prepare the database, ask for the first administrator, then start."""
    settings = loaded.settings
    if not prepare(settings):
        if not sys.stdin.isatty():
            print("No administrator yet: run `webitel-tui init` first.", file=sys.stderr)
            return EXIT_BAD_USAGE
        print("This is a new installation: create the first administrator.")
        status = _create_first_admin(settings, login=None, full_name=None, password_stdin=False)
        if status != EXIT_OK:
            return status
    _run_app(loaded)
    return EXIT_OK


def cmd_run(args: argparse.Namespace) -> int:
    """The settings, then the login screen; the database is prepared behind it."""
    loaded = read_settings(args, say_warnings=False)
    if new_sqlite_file(loaded.settings.database.url) or not sys.stdin.isatty():
        return _first_start(loaded)  # the administrator is asked for (or the way to add one)
    app = _run_app(loaded, prepare=True)
    if app.needs_admin:  # a database without an administrator (not a new SQLite file)
        return _first_start(loaded)
    return EXIT_OK


_RUNNING_APPS: list[WebitelTuiApp] = []
"""The app `_run_app` runs (while it runs), for a signal to end it."""

END_GRACE = 5.0
"""Seconds the app is given to exit after SIGHUP or SIGTERM before the command unwinds."""


def _end_app(app: WebitelTuiApp, signum: int, finished: threading.Event) -> None:
    """Ask the app to exit, as ctrl+q does; if it has not, a while later, end at once."""
    import _thread

    # Not running yet, or closing already: then the second signal ends it.
    with suppress(Exception):
        app.call_from_thread(app.exit)
    if not finished.wait(END_GRACE):
        _thread.interrupt_main(signal.Signals(signum))


@contextmanager
def _ended_by_hangup_or_terminate() -> Iterator[list[int]]:
    """SIGHUP (a dropped SSH connection, a closed tmux) and SIGTERM end the command the way
    ctrl+q does, so that what it made is cleaned up: a running app is asked to exit; before
    or after it, or at a second signal, SystemExit unwinds at once. Yields the signals
    received."""
    received: list[int] = []
    finished = threading.Event()

    def handle(signum: int, _frame: FrameType | None) -> None:
        first = not received
        received.append(signum)
        if not first or not _RUNNING_APPS:
            raise SystemExit(128 + signum)
        ender = threading.Thread(
            target=_end_app, args=(_RUNNING_APPS[-1], signum, finished), daemon=True
        )
        ender.start()

    wanted = [getattr(signal, name) for name in ("SIGHUP", "SIGTERM") if hasattr(signal, name)]
    before = {number: signal.signal(number, handle) for number in wanted}
    try:
        yield received
    finally:
        finished.set()
        for number, handler in before.items():
            signal.signal(number, handler)


def cmd_demo(args: argparse.Namespace) -> int:
    from webitel_tui.simulator.runner import start_simulator_thread

    # The temporary folder goes however the demo ends: ctrl+q, SIGHUP, SIGTERM or a failure.
    with (
        _ended_by_hangup_or_terminate() as signals,
        tempfile.TemporaryDirectory(prefix="webitel-tui-demo-") as workdir,
    ):
        simulator = start_simulator_thread()
        try:
            demo = {
                "database": {"url": f"sqlite:///{Path(workdir) / 'demo.db'}"},
                "webitel": {
                    "url": simulator.base_url,
                    "domain": simulator.domain,
                    "username": simulator.username,
                    "password": simulator.password,
                },
            }
            loaded = read_settings(args, demo, say_warnings=False)
            prepare(loaded.settings, demo=True)
            print(f"Demo: Webitel simulator at {simulator.base_url}; log in as Supervisor.")
            _run_app(loaded)
        finally:
            simulator.stop()
    return 128 + signals[0] if signals else EXIT_OK


def _progress_printer(stream: TextIO) -> Callable[[ImportProgress], None]:
    """A progress line redrawn in place on a terminal; a plain line per page otherwise, each
    count once (the end of the run follows its last page: its count is not said again)."""
    tty = stream.isatty()
    last_page = 0
    last_line = ""

    def show(progress: ImportProgress) -> None:
        nonlocal last_page, last_line
        line = tr("{0} Webitel users processed", progress.processed)
        if tty:
            end = "\n" if progress.done else ""
            current = visible(progress.current)[:40]  # a server's name: shown, never obeyed
            print(f"\r{line} {current:<40}", end=end, file=stream, flush=True)
        elif (progress.done or progress.pages != last_page) and line != last_line:
            last_page = progress.pages
            last_line = line
            print(line, file=stream, flush=True)

    return show


def _print_report(report: ImportReport, *, limit: int = 10) -> None:
    """One screen: the counts, then the names that need a look (conflicts, deletions...),
    each on its line, shown and never obeyed by the terminal (domain/display.py)."""
    title = tr("GetWebitelUsers (dry run, nothing written): {0}", report.summary())
    print(title if report.dry_run else tr("GetWebitelUsers: {0}", report.summary()))
    sections: list[tuple[str, list[str]]] = [
        (tr("Created ({0})", len(report.created)), report.created),
        (tr("Linked ({0})", len(report.linked)), report.linked),
        (tr("Updated ({0})", len(report.updated)), report.updated),
        (tr("Conflicts ({0})", len(report.conflicts)), [str(c) for c in report.conflicts]),
        (
            tr("Deleted on the server ({0})", len(report.deleted_on_server)),
            report.deleted_on_server,
        ),
        (tr("Unlinked ({0})", len(report.unlinked)), report.unlinked),
        (tr("Skipped ({0})", len(report.skipped)), report.skipped),
        (tr("Errors ({0})", len(report.errors)), report.errors),
    ]
    for title, names in sections:
        if not names:
            continue
        print(f"{title}:")
        for name in names[:limit]:
            print(f"  {visible(name)}")
        if len(names) > limit:
            print("  " + tr("... and {0} more", len(names) - limit))


def _report_json(report: ImportReport) -> str:
    data: dict[str, Any] = dict(report.counts())
    data.update(
        status=report.status.value,
        dry_run=report.dry_run,
        message=report.message,
        conflicts=[{"name": c.name, "reason": c.reason} for c in report.conflicts],
        errors=list(report.errors),
        deleted_on_server=list(report.deleted_on_server),
    )
    import json

    return json_visible(json.dumps(data, ensure_ascii=False))


def cmd_run_process(args: argparse.Namespace) -> int:
    # Imported here: the HTTP client is not needed to start the TUI or other commands.
    from webitel_tui.cli_users import UsageProblem, acting_user
    from webitel_tui.processes.get_webitel_users import ImportFailed, run_import
    from webitel_tui.processes.webitel_connection import client_options
    from webitel_tui.webitel import WebitelClient

    settings = load(args).settings
    set_language(settings.language)
    prepare(settings)
    options = client_options(settings.webitel)

    login = args.as_login or settings.service_login

    async def work(db: Database) -> ImportReport:
        actor = await acting_user(db, login, given=args.as_login is not None)
        async with WebitelClient(options) as client:
            return await run_import(
                db,
                actor,
                client,
                dry_run=args.dry_run,
                unlink_deleted=args.unlink_deleted,
                progress=_progress_printer(sys.stderr),
            )

    try:
        report = on_database(settings, work)
    except ImportFailed as exc:
        if args.json:
            print(_report_json(exc.report))
        print(f"webitel-tui: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except UsageProblem as exc:
        print(f"webitel-tui: {exc}", file=sys.stderr)
        return EXIT_BAD_USAGE
    _print_report(report)
    if args.json:
        print(_report_json(report))
    return EXIT_OK


def cmd_users(args: argparse.Namespace) -> int:
    from webitel_tui.cli_users import run_users

    return run_users(args)


def _print_check(found: WebitelCheck) -> None:
    """The findings, one per line; what the server sent is shown, never obeyed."""
    from webitel_tui.processes.webitel_check import DEVICE_FLOWS

    rows = [
        ("Webitel server", visible(found.url)),
        ("Domain", visible(found.domain)),
        (
            "Logged in as",
            f"{visible(found.account)} (user id {visible(found.user_id)}, by {found.auth})",
        ),
    ]
    for listed in found.lists:
        more = "more follow" if listed.more else "no more"
        rows.append((listed.name.capitalize(), f"{listed.count} on the first page, {more}"))
    for label, value in rows:
        print(f"{label + ':':<16}{value}")
        if label == "Licenses":
            for item in found.licenses:
                product = visible(item.product or item.name or item.id)
                expired = ", expired" if item.expired() else ""
                print(f"  {product}: {item.remain} left of {item.limit}{expired}")
    if found.device_flow is None:
        flow = f"{found.device_flow_note} (device_mode = {found.device_mode})"
    else:
        described = DEVICE_FLOWS.get(found.device_flow, found.device_flow)
        flow = f"{found.device_flow}: {described} ({found.device_flow_note})"
    print(f"{'Device flow:':<16}{flow}")
    print("Nothing was changed on the server.")


def cmd_webitel(args: argparse.Namespace) -> int:
    import asyncio
    import json

    from webitel_tui.processes.webitel_check import check_webitel

    settings = load(args).settings
    set_language(settings.language)
    found = asyncio.run(check_webitel(settings.webitel))
    if args.json:
        print(json_visible(json.dumps(found.as_json(), ensure_ascii=False)))
    else:
        _print_check(found)
    return EXIT_OK


def cmd_simulator(argv: Sequence[str]) -> int:
    from webitel_tui.simulator.cli import main as simulator_main

    return simulator_main(list(argv))


def cmd_serve(args: argparse.Namespace) -> int:
    from webitel_tui.serve import serve

    load(args)  # a bad config stops here, in one line, not in every tab
    serve(
        host=args.host,
        port=args.port,
        public_url=args.public_url,
        config=args.config,
        database=args.database,
        lang=args.lang,
        debug=args.debug,
    )
    return EXIT_OK


def cmd_info(args: argparse.Namespace) -> int:
    import json

    from webitel_tui import cli_info

    found = cli_info.gather(load(args))
    if args.json:
        print(json_visible(json.dumps(cli_info.as_json(found), ensure_ascii=False)))
    else:
        for line in cli_info.lines(found):
            print(visible(line))  # paths and the server's words: shown, never obeyed
    return EXIT_OK


COMMANDS: dict[str | None, Callable[[argparse.Namespace], int]] = {
    None: cmd_run,
    "run": cmd_run,
    "demo": cmd_demo,
    "init": cmd_init,
    "db": cmd_db_upgrade,
    "run-process": cmd_run_process,
    "users": cmd_users,
    "webitel": cmd_webitel,
    "info": cmd_info,
    "serve": cmd_serve,
}


def _usage_failed(error: UsageError, arguments: Sequence[str]) -> int:
    """argparse's own report of a bad command line, with the `users` commands' JSON line."""
    parser = error.parser
    parser.print_usage(sys.stderr)
    print(f"{parser.prog}: error: {visible(str(error))}", file=sys.stderr)  # it quotes argv
    if parser.json_failures and "--json" in arguments:
        import json

        failed = {"ok": False, "error": str(error), "exit": parser.usage_exit}
        print(json_visible(json.dumps(failed, ensure_ascii=False)))
    return parser.usage_exit


def _failed(error: Exception, args: argparse.Namespace, *, debug: bool) -> int:
    """What stopped a command: one line on standard error (and the `users` commands' JSON
    line); the traceback only when asked for."""
    found = failure(error)
    if debug:
        trace = hide_secrets("".join(traceback.format_exception(error)))
        print(visible_lines(trace), end="", file=sys.stderr)
    # The message may quote data (a path, a value, the server's words): shown, never obeyed.
    print(f"webitel-tui: {visible(found.message)}", file=sys.stderr)
    if getattr(args, "json_failures", False) and getattr(args, "json", False):
        import json

        line = {"ok": False, "error": found.message, "exit": found.code}
        print(json_visible(json.dumps(line, ensure_ascii=False)))
    return found.code


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    # The simulator has its own options; hand it everything after its name untouched.
    if "simulator" in arguments:
        index = arguments.index("simulator")
        if all(a.startswith("-") or a == "simulator" for a in arguments[:index]):
            return cmd_simulator(arguments[index + 1 :])
    parser = build_parser()
    try:
        args, unknown = parser.parse_known_args(arguments)
        if unknown:
            owner: CliParser = getattr(args, "command_parser", parser)
            owner.error(f"unrecognized arguments: {' '.join(unknown)}")
    except UsageError as exc:
        return _usage_failed(exc, arguments)
    try:
        return COMMANDS[args.command](args)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        return _failed(exc, args, debug=args.debug or debug_from_environment())


if __name__ == "__main__":
    raise SystemExit(main())
