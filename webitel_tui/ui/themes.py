"""Theme files: every `*.toml` in the packaged themes directory becomes a Textual theme.

A source checkout keeps them in `themes/` at the repository root; a wheel carries them as
`webitel_tui/themes/` (hatch force-include). A broken file is skipped and reported by name.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from textual.color import Color, ColorParseError
from textual.theme import Theme

from webitel_tui.i18n import _, tr

DEFAULT_THEME = "creatio-classic"

_PACKAGE = Path(__file__).resolve().parent.parent
THEME_DIRS = (_PACKAGE / "themes", _PACKAGE.parent / "themes")
"""Where theme files may live: inside the installed package, then the source checkout."""


class ThemeFile(BaseModel):
    """The contents of one theme file; only `name` and `primary` are required."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, pattern=r"^[a-z0-9][a-z0-9-]*$")
    dark: bool = False
    primary: str
    secondary: str | None = None
    accent: str | None = None
    foreground: str | None = None
    background: str | None = None
    surface: str | None = None
    panel: str | None = None
    warning: str | None = None
    error: str | None = None
    success: str | None = None
    variables: dict[str, str] = Field(default_factory=dict)
    """Textual theme variables, e.g. `"block-cursor-background" = "#f49d57"`."""

    @field_validator(
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
    @classmethod
    def _colour(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                Color.parse(value)
            except ColorParseError:
                raise ValueError(f"{value!r} is not a colour") from None
        return value

    def to_theme(self) -> Theme:
        return Theme(**self.model_dump())


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
