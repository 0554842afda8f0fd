"""`webitel-tui info`: where everything is and whether it works, for a bug report.

Config, database, log and theme paths, the versions, the schema revision and whether the
Webitel server answers, as lines or as one JSON object. Nothing in it is a secret: URLs are
shown without their passwords.
"""

from __future__ import annotations

import asyncio
import platform
from dataclasses import asdict, dataclass
from importlib import metadata

from webitel_tui import log_file
from webitel_tui.config import LoadedSettings, Settings, data_dir, default_config_path

LIBRARIES = ("textual", "sqlalchemy", "httpx", "pydantic", "alembic")


@dataclass(frozen=True)
class Info:
    version: str
    python: str
    libraries: dict[str, str]
    config_file: str
    config_file_exists: bool
    data_folder: str
    database: str
    schema: str
    """`0011 (current)`, `0008 (this program knows up to 0011: it upgrades it at start)`..."""
    log_file: str
    themes_folder: str
    theme: str
    webitel: str
    """Whether the Webitel server answers, in a few words."""


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


async def _schema(settings: Settings) -> str:
    from webitel_tui.cli_support import failure, new_sqlite_file
    from webitel_tui.db.engine import Database, database_problem
    from webitel_tui.db.migrate import HEAD, stored_revision

    url, lock_wait = settings.database.url, settings.database.lock_wait
    if new_sqlite_file(url):  # opening it would create the file
        return "new (no database yet: the first start creates it)"
    db = Database(url, lock_wait=lock_wait)
    try:
        found = await stored_revision(db)
    except Exception as exc:  # any reason the database cannot be read is worth a line
        problem = database_problem(exc, url, lock_wait=lock_wait) or exc
        return f"cannot be read: {failure(problem).message}"
    finally:
        await db.dispose()
    if found is None:
        return "new (no schema yet: the first start creates it)"
    if found == HEAD:
        return f"{found} (current)"
    return f"{found} (this program knows up to {HEAD})"


async def _webitel(settings: Settings) -> str:
    from webitel_tui.domain.errors import DomainError
    from webitel_tui.processes.webitel_check import check_webitel
    from webitel_tui.webitel.options import server_address

    if not settings.webitel.configured:
        return "not configured ([webitel] url)"
    address = server_address(settings.webitel.url)
    try:
        found = await check_webitel(settings.webitel)
    except DomainError as exc:
        return f"{address}: {exc}"
    return f"{address}: answers; logged in as {found.account}"


def gather(loaded: LoadedSettings) -> Info:
    from webitel_tui import __version__
    from webitel_tui.db.engine import mask_url
    from webitel_tui.ui.themes import themes_dir

    settings = loaded.settings
    config = loaded.path or default_config_path()

    async def both() -> tuple[str, str]:
        return await _schema(settings), await _webitel(settings)

    schema, webitel = asyncio.run(both())
    log = log_file.current_path()
    themes = themes_dir()
    return Info(
        version=__version__,
        python=platform.python_version(),
        libraries={name: _version(name) for name in LIBRARIES},
        config_file=str(config),
        config_file_exists=config.is_file(),
        data_folder=str(data_dir()),
        database=mask_url(settings.database.url),
        schema=schema,
        log_file=str(log) if log is not None else "none ([log] file is empty)",
        themes_folder=str(themes) if themes is not None else "missing",
        theme=settings.theme,
        webitel=webitel,
    )


def lines(info: Info) -> list[str]:
    libraries = ", ".join(f"{name} {version}" for name, version in info.libraries.items())
    config = info.config_file + ("" if info.config_file_exists else " (not there: defaults)")
    rows = [
        ("webitel-tui", f"{info.version} (Python {info.python})"),
        ("Libraries", libraries),
        ("Config file", config),
        ("Data folder", info.data_folder),
        ("Database", info.database),
        ("Schema", info.schema),
        ("Log file", info.log_file),
        ("Themes folder", info.themes_folder),
        ("Theme", info.theme),
        ("Webitel server", info.webitel),
    ]
    return [f"{label + ':':<16}{value}" for label, value in rows]


def as_json(info: Info) -> dict[str, object]:
    return {"ok": True, **asdict(info)}
