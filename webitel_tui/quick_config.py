"""What the first screen needs from the configuration, read without validating the rest.

The login screen needs the theme, the language, the keymap and the mouse choice; the full
settings (pydantic-settings, `webitel_tui.config`) are loaded and checked while the admin
types (see `ui.app`). Both read the same sources in the same order (overrides, then
`WEBITEL_TUI_*` environment variables, then the TOML file, then the defaults); a value that
is not of the right kind is left at its default here, and the full load reports it.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

APP_NAME = "webitel-tui"
ENV_PREFIX = "WEBITEL_TUI_"
CONFIG_ENV = f"{ENV_PREFIX}CONFIG"
DEFAULT_THEME = "creatio-classic"
LANGUAGES = ("en", "uk")
_TRUE = {"1", "true", "t", "yes", "y", "on"}
_FALSE = {"0", "false", "f", "no", "n", "off"}


class ConfigError(Exception):
    """A configuration problem, as one line naming the file (or variable), key and problem."""


def config_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def data_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def default_config_path() -> Path:
    return config_dir() / "config.toml"


def default_database_url() -> str:
    return f"sqlite:///{data_dir() / 'webitel-tui.db'}"


def resolve_config_path(explicit: Path | None) -> tuple[Path, bool]:
    """The config file to read, and whether the admin named it (then it must exist)."""
    if explicit is not None:
        return explicit, True
    from_env = os.environ.get(CONFIG_ENV)
    if from_env:
        return Path(from_env), True
    return default_config_path(), False


def read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read: {exc.strerror}") from None


def read_config_file(config_path: Path | None) -> tuple[Path, dict[str, Any] | None]:
    """The config file's path and contents (None: there is no file); a file the admin named
    that does not exist, or one that is not valid TOML, raises ConfigError."""
    path, named = resolve_config_path(config_path)
    if path.exists():
        return path, read_toml(path)
    if named:
        raise ConfigError(f"{path}: no such configuration file")
    return path, None


@dataclass(frozen=True)
class QuickSettings:
    """The settings of the first screen, and where the rest come from."""

    theme: str = DEFAULT_THEME
    language: str = "en"
    keymap: dict[str, str] = field(default_factory=dict)
    mouse: bool = True
    database_url: str = ""
    config_path: Path | None = None
    """The file that was read (None: no file)."""


def _environment() -> dict[str, str]:
    """Our environment variables by lower-case name (pydantic-settings ignores the case)."""
    prefix = ENV_PREFIX.lower()
    return {
        name.lower(): value for name, value in os.environ.items() if name.lower().startswith(prefix)
    }


def _pick(
    key: str, overrides: Mapping[str, Any], env: Mapping[str, str], file: Mapping[str, Any]
) -> Any:
    """The strongest value of a top-level key (None: none is given)."""
    if key in overrides:
        return overrides[key]
    name = (ENV_PREFIX + key).lower()
    if name in env:
        return env[name]
    return file.get(key)


def _text(value: Any, default: str, allowed: tuple[str, ...] | None = None) -> str:
    if not isinstance(value, str) or (allowed is not None and value not in allowed):
        return default
    return value


def _flag(value: Any, default: bool) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    return default


def _keymap(value: Any) -> dict[str, str]:
    if isinstance(value, str):  # from the environment: JSON, as pydantic-settings reads it
        import json

        try:
            value = json.loads(value)
        except ValueError:
            return {}
    if not isinstance(value, dict):
        return {}
    return {k: v for k, v in value.items() if isinstance(k, str) and isinstance(v, str)}


def _database_url(
    overrides: Mapping[str, Any], env: Mapping[str, str], file: Mapping[str, Any]
) -> str:
    database = overrides.get("database")
    if isinstance(database, dict) and isinstance(database.get("url"), str):
        return str(database["url"])
    from_env = env.get(f"{ENV_PREFIX}database__url".lower())
    if from_env is not None:
        return from_env
    database = file.get("database")
    if isinstance(database, dict) and isinstance(database.get("url"), str):
        return str(database["url"])
    return default_database_url()


def quick_settings(
    config_path: Path | None = None, overrides: Mapping[str, Any] | None = None
) -> QuickSettings:
    """The first screen's settings; only a missing named file or bad TOML raise ConfigError."""
    path, data = read_config_file(config_path)
    file = data or {}
    given = overrides or {}
    env = _environment()
    return QuickSettings(
        theme=_text(_pick("theme", given, env, file), DEFAULT_THEME),
        language=_text(_pick("language", given, env, file), "en", LANGUAGES),
        keymap=_keymap(_pick("keymap", given, env, file)),
        mouse=_flag(_pick("mouse", given, env, file), True),
        database_url=_database_url(given, env, file),
        config_path=path if data is not None else None,
    )


def remember_setting(path: Path, key: str, value: str) -> None:
    """Set a top-level string key in the TOML file, keeping every other line as written.

    Used for choices made in the app (the theme); a new file is created readable by its
    owner only, since the admin may add secrets to it later.
    """
    import json
    import re

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
