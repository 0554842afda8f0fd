"""Configuration: a TOML file, `WEBITEL_TUI_*` environment variables, command-line overrides.

Precedence, strongest first: explicit overrides (CLI), environment, the TOML file, defaults.
Nested keys map to environment names with "__": `[webitel] url` is `WEBITEL_TUI_WEBITEL__URL`.
"""

from __future__ import annotations

import os
import stat
from contextvars import ContextVar
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError
from pydantic_settings import (
    BaseSettings,
    InitSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

# The file and path helpers are shared with the first screen's quick read of the settings.
from webitel_tui.quick_config import (
    APP_NAME,
    CONFIG_ENV,
    DEFAULT_THEME,
    ENV_PREFIX,
    ConfigError,
    config_dir,
    data_dir,
    default_config_path,
    default_database_url,
    read_config_file,
    remember_setting,
    resolve_config_path,
)

__all__ = [
    "APP_NAME",
    "CONFIG_ENV",
    "DEFAULT_THEME",
    "ENV_PREFIX",
    "ConfigError",
    "DatabaseSettings",
    "LoadedSettings",
    "Settings",
    "WebitelSettings",
    "config_dir",
    "data_dir",
    "default_config_path",
    "default_database_url",
    "load_settings",
    "remember_setting",
    "resolve_config_path",
]


class DatabaseSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(default_factory=default_database_url)
    """`sqlite:///PATH` (the embedded default) or `postgresql://user@host/db`."""
    echo: bool = False
    """Log every SQL statement (debugging)."""


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
    device_mode: Literal["auto", "query", "legacy"] = "auto"
    """How a new user gets its default device: `?generate_device=true` (query), a device
    created then attached (legacy), or try the first and fall back (auto)."""
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


def _secret_file_warning(path: Path, data: dict[str, Any]) -> str | None:
    webitel = data.get("webitel")
    holds_secret = isinstance(webitel, dict) and any(webitel.get(k) for k in ("password", "token"))
    if not holds_secret or os.name != "posix":
        return None
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        return (
            f"{path} holds a Webitel password or token but other users can read it; "
            f"run: chmod 600 {path}"
        )
    return None


def load_settings(
    config_path: Path | None = None, overrides: dict[str, Any] | None = None
) -> LoadedSettings:
    """Read the settings; a problem raises ConfigError with one clear line."""
    path, read = read_config_file(config_path)
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
