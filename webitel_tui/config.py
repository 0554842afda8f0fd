"""Configuration: a TOML file, `WEBITEL_TUI_*` environment variables, command-line overrides.

Precedence, strongest first: explicit overrides (CLI), environment, the TOML file, defaults.
Nested keys map to environment names with "__": `[webitel] url` is `WEBITEL_TUI_WEBITEL__URL`.
"""

from __future__ import annotations

import os
import stat
import tempfile
import tomllib
from contextvars import ContextVar
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import platformdirs
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError
from pydantic_settings import (
    BaseSettings,
    InitSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

APP_NAME = "webitel-tui"
ENV_PREFIX = "WEBITEL_TUI_"
CONFIG_ENV = f"{ENV_PREFIX}CONFIG"
DEFAULT_THEME = "creatio-classic"


class ConfigError(Exception):
    """A configuration problem, as one line naming the file (or variable), key and problem."""


def config_dir() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def log_dir() -> Path:
    return Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))


def default_config_path() -> Path:
    return config_dir() / "config.toml"


def default_database_url() -> str:
    return f"sqlite:///{data_dir() / 'webitel-tui.db'}"


def _resolve_config_path(explicit: Path | None) -> tuple[Path, bool]:
    """The config file to read, and whether the admin named it (then it must exist)."""
    if explicit is not None:
        return explicit, True
    from_env = os.environ.get(CONFIG_ENV)
    if from_env:
        return Path(from_env), True
    return default_config_path(), False


def _read_toml(path: Path) -> dict[str, Any]:
    if path.is_dir():
        raise ConfigError(
            f"{path}: is a folder, not a configuration file; name the file itself "
            "(e.g. config.toml in it)"
        )
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        line = exc.object[: exc.start].count(b"\n") + 1
        raise ConfigError(
            f"{path}: not UTF-8 text (byte 0x{exc.object[exc.start]:02x} on line {line}); "
            "save the file as UTF-8"
        ) from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read: {exc.strerror}") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}; correct that line") from None


def _read_config_file(config_path: Path | None) -> tuple[Path, dict[str, Any] | None]:
    """The config file's path and contents (None: there is no file); a file the admin named
    that does not exist, or one that is not valid TOML, raises ConfigError."""
    path, named = _resolve_config_path(config_path)
    if path.exists():
        return path, _read_toml(path)
    if named:
        raise ConfigError(f"{path}: no such configuration file")
    return path, None


class SettingNotSaved(ConfigError):
    """A setting chosen in the app could not be written back; the file is as it was.

    `problem` says why in one line, without the file's name (the message has both).
    """

    def __init__(self, path: Path, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem


def remember_setting(path: Path, key: str, value: str) -> None:
    """Set a top-level string key in the TOML file, keeping the rest of it as written.

    Used for choices made in the app (the theme). The file is edited with tomlkit, so its
    comments, order, spacing and quoting (`"theme" = '...'`) are kept and only the value
    changes; it is replaced atomically (a temporary file beside it, then a rename) with the
    same permissions. A new file is created readable by its owner only, since the admin may
    add secrets to it later. A file that cannot be read or is not valid TOML is left as it
    is, and SettingNotSaved says why in one line.
    """
    # Only when a setting is saved: not on the way to the first frame.
    import tomlkit
    from tomlkit.exceptions import TOMLKitError

    # Through a symbolic link, the file it points at is replaced (not the link).
    try:
        target = path.resolve()
    except (OSError, RuntimeError) as exc:  # RuntimeError: a loop of links
        raise SettingNotSaved(path, _one_line(exc)) from None
    original = _read_to_rewrite(target)
    try:
        expected = tomllib.loads(original)
    except tomllib.TOMLDecodeError as exc:
        problem = f"not valid TOML: {_one_line(exc)}; correct that line"
        raise SettingNotSaved(path, problem) from None
    if not isinstance(expected.get(key, ""), str):
        raise SettingNotSaved(path, f"{key} is not a text value there; correct it by hand")
    expected[key] = value
    try:
        document = tomlkit.parse(original)
        document[key] = value
        text = tomlkit.dumps(document)
        # What is written must read back as the old settings with only this key changed
        # (a duplicate key, say, would stop the next start).
        written_ok = tomllib.loads(text) == expected
    except (TOMLKitError, ValueError) as exc:  # TOMLDecodeError is a ValueError
        raise SettingNotSaved(path, f"cannot be rewritten: {_one_line(exc)}") from None
    if not written_ok:
        raise SettingNotSaved(path, f"cannot be rewritten without changing more than {key}")
    try:
        _replace_file(target, text.encode("utf-8"))
    except OSError as exc:
        raise SettingNotSaved(path, exc.strerror or _one_line(exc)) from None


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split())


def _read_to_rewrite(path: Path) -> str:
    """The file's text as it is (line ends included); empty if there is no file."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return ""
    except OSError as exc:
        raise SettingNotSaved(path, f"cannot be read: {exc.strerror or _one_line(exc)}") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = exc.object[: exc.start].count(b"\n") + 1
        raise SettingNotSaved(path, f"not UTF-8 text (line {line}); save it as UTF-8") from None


def _replace_file(path: Path, data: bytes) -> None:
    """Write `data` to a temporary file beside `path`, then rename it over `path`: a reader
    sees the old file or the new one, never half of one. The mode is kept (0600 when new)."""
    mode = stat.S_IMODE(path.stat().st_mode) if path.exists() else 0o600
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    temporary = Path(name)
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        temporary.chmod(mode)
        temporary.replace(path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


class DatabaseSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(default_factory=default_database_url)
    """`sqlite:///PATH` (the embedded default) or `postgresql://user@host/db`."""
    echo: bool = False
    """Log every SQL statement (debugging)."""
    lock_wait: float = Field(default=5.0, ge=0)
    """Seconds to wait for an SQLite database another program holds locked, before saying
    so."""


class WebitelSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = ""
    """Base URL of the Webitel API, e.g. `https://webitel.example.com/api`."""
    domain: str = ""
    username: str = ""
    password: SecretStr | None = None
    token: SecretStr | None = None
    """A ready access token (`X-Webitel-Access`); used instead of user name and password."""
    timeout: float = Field(default=10.0, gt=0)
    """Seconds to wait for one request."""
    page_size: int = Field(default=1000, ge=1, le=1000)
    """Users per request when listing; 1000 measured fastest (bench/webitel_fetch.py)."""
    device_mode: Literal["auto", "query", "legacy", "none"] = "auto"
    """How a new user gets its default device: `?generate_device=true` (query), a device
    with a generated SIP password created then attached (legacy, servers before 2026-06),
    whichever the server's first answer shows it takes (auto), or no device (none)."""
    retries: int = Field(default=2, ge=0, le=10)

    @property
    def configured(self) -> bool:
        return bool(self.url)


class LogSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    """What the log file keeps (`--debug` makes it DEBUG)."""
    file: str | None = None
    """The log file; empty: no log file; unset: `webitel-tui.log` in the platform's log
    folder."""

    @property
    def path(self) -> Path | None:
        if self.file is None:
            return log_dir() / "webitel-tui.log"
        return Path(self.file).expanduser() if self.file else None


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter="__",
        extra="forbid",
        validate_default=True,
    )

    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    webitel: WebitelSettings = Field(default_factory=WebitelSettings)
    log: LogSettings = Field(default_factory=LogSettings)
    theme: str = DEFAULT_THEME
    language: Literal["en", "uk"] = "en"
    keymap: dict[str, str] = Field(default_factory=dict)
    """Binding id -> keys, e.g. `"section.new" = "n,insert"`."""
    mouse: bool = True
    service_login: str = "Supervisor"
    """The CRM user the headless `users` commands act as when no `--as` is given (the
    change log names them)."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        file_data = _FILE_DATA.get() or {}
        return (init_settings, env_settings, InitSettingsSource(settings_cls, file_data))


# The parsed TOML, handed to `settings_customise_sources` (a classmethod cannot take it).
_FILE_DATA: ContextVar[dict[str, Any] | None] = ContextVar("webitel_tui_config", default=None)


class LoadedSettings(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)

    settings: Settings
    path: Path | None
    warnings: list[str]


def _has_key(data: dict[str, Any], loc: tuple[str | int, ...]) -> bool:
    node: Any = data
    for part in loc:
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return True


def _describe(error: Any, path: Path | None, data: dict[str, Any]) -> str:
    loc = tuple(error["loc"])
    key = ".".join(str(part) for part in loc)
    problem = "unknown key" if error["type"] == "extra_forbidden" else error["msg"]
    if path is not None and _has_key(data, loc):
        return f"{path}: {key}: {problem}"
    env_name = ENV_PREFIX + "__".join(str(part) for part in loc).upper()
    return f"{env_name}: {key}: {problem}"


def _url_has_password(url: object) -> bool:
    if not isinstance(url, str):
        return False
    try:
        return bool(urlsplit(url).password)
    except ValueError:  # a URL the database settings will refuse; its text may hold one
        return ":" in url.partition("://")[2].rpartition("@")[0]


def _secrets_in(data: dict[str, Any]) -> list[str]:
    """What secrets the file holds, as the warning names them."""
    held: list[str] = []
    webitel = data.get("webitel")
    if isinstance(webitel, dict) and any(webitel.get(k) for k in ("password", "token")):
        held.append("a Webitel password or token")
    database = data.get("database")
    if isinstance(database, dict) and _url_has_password(database.get("url")):
        held.append("a database password ([database] url)")
    return held


def _secret_file_warning(path: Path, data: dict[str, Any]) -> str | None:
    held = _secrets_in(data)
    if not held or os.name != "posix":
        return None
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        return (
            f"{path} holds {' and '.join(held)} but other users can read it; run: chmod 600 {path}"
        )
    return None


def load_settings(
    config_path: Path | None = None, overrides: dict[str, Any] | None = None
) -> LoadedSettings:
    """Read the settings; a problem raises ConfigError with one clear line."""
    path, read = _read_config_file(config_path)
    data: dict[str, Any] = read or {}
    warnings: list[str] = []
    if read is not None:
        warning = _secret_file_warning(path, data)
        if warning:
            warnings.append(warning)
    token = _FILE_DATA.set(data)
    try:
        settings = Settings(**(overrides or {}))
    except ValidationError as exc:
        found = path if read is not None else None
        lines = [_describe(error, found, data) for error in exc.errors()]
        raise ConfigError("; ".join(lines)) from None
    finally:
        _FILE_DATA.reset(token)
    return LoadedSettings(
        settings=settings, path=path if read is not None else None, warnings=warnings
    )
