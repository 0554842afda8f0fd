"""Configuration: a TOML file, `WEBITEL_TUI_*` environment variables, command-line overrides.

Precedence, strongest first: explicit overrides (CLI), environment, the TOML file, defaults.
Nested keys map to environment names with "__": `[webitel] url` is `WEBITEL_TUI_WEBITEL__URL`.
"""

from __future__ import annotations

import json
import os
import re
import stat
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


def remember_setting(path: Path, key: str, value: str) -> None:
    """Set a top-level string key in the TOML file, keeping every other line as written.

    Used for choices made in the app (the theme); a new file is created readable by its
    owner only, since the admin may add secrets to it later.
    """
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    first_table = next(
        (i for i, line in enumerate(lines) if line.lstrip().startswith("[")), len(lines)
    )
    # A JSON string is a valid TOML basic string (same escapes).
    new_line = f"{key} = {json.dumps(value)}"
    pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
    for index in range(first_table):
        if pattern.match(lines[index]):
            lines[index] = new_line
            break
    else:
        lines.insert(0, new_line)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text("\n".join(lines) + "\n", encoding="utf-8")
    temporary.chmod(path.stat().st_mode & 0o777 if path.exists() else 0o600)
    temporary.replace(path)


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


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter="__",
        extra="forbid",
        validate_default=True,
    )

    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    webitel: WebitelSettings = Field(default_factory=WebitelSettings)
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
