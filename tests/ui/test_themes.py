"""Theme files: all shipped ones load, a broken one is skipped by name, fallbacks."""

from __future__ import annotations

from pathlib import Path

from textual.color import Color
from textual.message import Message
from textual.notifications import Notify

from tests.ui.conftest import SIZE, make_app, screen_name, wait_for
from webitel_tui.ui.themes import THEME_DIRS, ThemeFile, load_themes, themes_dir

SHIPPED = {"creatio-classic", "creatio-freedom", "creatio-dark", "ssh-256"}


def xterm_256() -> set[tuple[int, int, int]]:
    """The colours of the xterm palette above the 16 terminal-defined ones."""
    levels = (0, 95, 135, 175, 215, 255)
    cube = {(r, g, b) for r in levels for g in levels for b in levels}
    greys = {(8 + 10 * i,) * 3 for i in range(24)}
    return cube | greys


def test_every_shipped_theme_loads() -> None:
    themes, problems = load_themes()
    assert problems == []
    assert {theme.name for theme in themes} == SHIPPED
    directory = themes_dir()
    assert directory is not None and directory in THEME_DIRS


def test_ssh_256_uses_only_xterm_palette_colours() -> None:
    directory = themes_dir()
    assert directory is not None
    import tomllib

    data = tomllib.loads((directory / "ssh-256.toml").read_text())
    theme = ThemeFile.model_validate(data)
    palette = xterm_256()
    for field in ThemeFile.model_fields:
        value = getattr(theme, field)
        if isinstance(value, str) and value.startswith("#"):
            assert Color.parse(value).rgb in palette, f"{field} = {value} is not an xterm colour"


def test_broken_files_are_skipped_with_their_name(tmp_path: Path) -> None:
    (tmp_path / "good.toml").write_text('name = "good"\nprimary = "#22ac14"\n')
    (tmp_path / "bad-colour.toml").write_text('name = "bad"\nprimary = "greenish"\n')
    (tmp_path / "bad-toml.toml").write_text("name = \n")
    (tmp_path / "extra.toml").write_text('name = "x"\nprimary = "#000000"\nsparkle = true\n')
    themes, problems = load_themes(tmp_path)
    assert [theme.name for theme in themes] == ["good"]
    assert len(problems) == 3
    joined = "\n".join(problems)
    assert "bad-colour.toml" in joined and "'greenish' is not a colour" in joined
    assert "bad-toml.toml" in joined and "not valid TOML" in joined
    assert "extra.toml" in joined and "sparkle: unknown key" in joined


async def test_unknown_theme_falls_back_with_a_message(demo_url: str) -> None:
    seen: list[Message] = []
    app = make_app(demo_url, theme="no-such-theme")
    async with app.run_test(size=SIZE, message_hook=seen.append) as pilot:
        await wait_for(pilot, lambda: screen_name(app) == "LoginScreen", "the login screen")
        assert app.theme == "creatio-classic"
        await wait_for(pilot, lambda: any(isinstance(m, Notify) for m in seen), "a message")
        notes = [m.notification.message for m in seen if isinstance(m, Notify)]
        assert notes == ['Theme "no-such-theme" is not known; using creatio-classic.']


async def test_configured_theme_is_used(demo_url: str) -> None:
    app = make_app(demo_url, theme="ssh-256")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: screen_name(app) == "LoginScreen", "the login screen")
        assert app.theme == "ssh-256"


def test_stylesheets_use_theme_variables_only() -> None:
    import re

    import webitel_tui.ui

    ui_dir = Path(webitel_tui.ui.__file__).parent
    sheets = list(ui_dir.rglob("*.tcss"))
    assert sheets
    for sheet in sheets:
        assert not re.search(r"#[0-9a-fA-F]{3,8}\b", sheet.read_text()), sheet.name


def test_theme_files_read_without_pydantic_are_read_as_pydantic_reads_them(
    tmp_path: Path,
) -> None:
    """The start reads valid files by hand (no pydantic): the same themes as `ThemeFile`."""
    import tomllib

    from webitel_tui.ui.themes import read_theme

    directory = themes_dir()
    assert directory is not None
    for path in sorted(directory.glob("*.toml")):
        data = tomllib.loads(path.read_text())
        assert read_theme(path) == ThemeFile.model_validate(data).to_theme(), path.name
    # A name pydantic refuses (its pattern has no trailing newline) is not let through.
    (tmp_path / "nl.toml").write_text('name = "x\\n"\nprimary = "#000000"\n')
    assert load_themes(tmp_path)[0] == []
