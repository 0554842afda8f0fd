"""Theme files: every `*.toml` in the packaged themes directory becomes a Textual theme.

A source checkout keeps them in `themes/` at the repository root; a wheel carries them as
`webitel_tui/themes/` (hatch force-include). A broken file is skipped and reported by name.

The app reads them before its first frame, so a file is checked by hand first and pydantic
(`ThemeFile`, the authority on what is valid and on the messages) is loaded only for a file
that fails that check: a start does not pay for importing it (bench/startup.py).
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.color import Color, ColorParseError
from textual.theme import Theme

from webitel_tui.i18n import _, tr

if TYPE_CHECKING:
    from pydantic import ValidationError

    from webitel_tui.ui.theme_file import ThemeFile as ThemeFile

_PACKAGE = Path(__file__).resolve().parent.parent
THEME_DIRS = (_PACKAGE / "themes", _PACKAGE.parent / "themes")
"""Where theme files may live: inside the installed package, then the source checkout."""

COLOUR_FIELDS = (
    "primary",
    "secondary",
    "accent",
    "foreground",
    "background",
    "surface",
    "panel",
    "warning",
    "error",
    "success",
)
_NAME = re.compile(r"[a-z0-9][a-z0-9-]*")


def __getattr__(name: str) -> Any:
    if name == "ThemeFile":  # loaded on first use (see the module's docstring)
        from webitel_tui.ui.theme_file import ThemeFile

        return ThemeFile
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _is_colour(value: object) -> bool:
    if not isinstance(value, str):
        return False
    try:
        Color.parse(value)
    except ColorParseError:
        return False
    return True


def _plainly_valid(data: dict[str, Any]) -> bool:
    """Whether `ThemeFile` would accept the data as it is: no conversion, nothing missing
    or unknown (anything else goes to `ThemeFile`, which accepts or explains it)."""
    if not set(data) <= {"name", "dark", "variables", *COLOUR_FIELDS}:
        return False
    name, dark, variables = data.get("name"), data.get("dark", False), data.get("variables", {})
    return (
        isinstance(name, str)
        and _NAME.fullmatch(name) is not None
        and isinstance(dark, bool)
        and "primary" in data
        and all(_is_colour(data[key]) for key in COLOUR_FIELDS if key in data)
        and isinstance(variables, dict)
        and all(isinstance(k, str) and isinstance(v, str) for k, v in variables.items())
    )


def themes_dir() -> Path | None:
    return next((path for path in THEME_DIRS if path.is_dir()), None)


def _problem(path: Path, exc: ValidationError) -> str:
    details = "; ".join(
        f"{'.'.join(str(part) for part in error['loc']) or 'file'}: "
        f"{'unknown key' if error['type'] == 'extra_forbidden' else error['msg']}"
        for error in exc.errors()
    )
    return tr("Theme file {0} was skipped: {1}", path.name, details)


def read_theme(path: Path) -> Theme:
    """One theme file; raises ValueError with a one-line reason naming the file."""
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(
            tr("Theme file {0} was skipped: {1}", path.name, tr("not valid TOML: {0}", exc))
        ) from None
    except OSError as exc:
        raise ValueError(tr("Theme file {0} was skipped: {1}", path.name, exc.strerror)) from None
    if _plainly_valid(data):
        return Theme(**{"dark": False, **data})
    from pydantic import ValidationError

    from webitel_tui.ui.theme_file import ThemeFile

    try:
        return ThemeFile.model_validate(data).to_theme()
    except ValidationError as exc:
        raise ValueError(_problem(path, exc)) from None


def load_themes(directory: Path | None = None) -> tuple[list[Theme], list[str]]:
    """The themes of every readable file (sorted by file name), and a message per bad file."""
    directory = directory or themes_dir()
    if directory is None:
        return [], [_("The themes directory is missing; the built-in themes are used.")]
    themes: list[Theme] = []
    problems: list[str] = []
    for path in sorted(directory.glob("*.toml")):
        try:
            themes.append(read_theme(path))
        except ValueError as exc:
            problems.append(str(exc))
    return themes, problems
