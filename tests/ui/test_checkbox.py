"""A checkbox is read by its shape, ticked or not, in every theme and at 256 colours (issue 15:
the two states differed only by the colour of the X, and over SSH at 256 colours those two
colours were neighbouring palette entries)."""

from __future__ import annotations

import ast
from pathlib import Path

from rich.color import Color, ColorSystem
from rich.style import Style
from textual.app import ComposeResult
from textual.geometry import Region
from textual.screen import Screen

import webitel_tui
from tests.ui.conftest import make_app, wait_for
from webitel_tui.ui.screens.login import LoginScreen
from webitel_tui.ui.widgets.checkbox import Checkbox

Cell = tuple[str, Style | None]


class Boxes(Screen[None]):
    def compose(self) -> ComposeResult:
        yield Checkbox("Active", value=True, id="ticked")
        yield Checkbox("Active", id="unticked")


def drawn_line(box: Checkbox) -> list[Cell]:
    """The cells of the box's middle line (between its borders) as drawn: (character, style)."""
    lines = box.render_lines(Region(0, 0, box.outer_size.width, box.outer_size.height))
    return [(character, segment.style) for segment in lines[1] for character in segment.text]


def button(line: list[Cell]) -> Cell:
    """The cell inside the button (after its left side)."""
    index = [character for character, _style in line].index(Checkbox.BUTTON_LEFT)
    return line[index + 1]


def at_256_colours(color: Color) -> tuple[int, int, int]:
    """The colour a 256-colour terminal shows for `color` (as Rich writes it there)."""
    triplet = color.downgrade(ColorSystem.EIGHT_BIT).get_truecolor()
    return triplet.red, triplet.green, triplet.blue


def contrast(one: tuple[int, int, int], other: tuple[int, int, int]) -> float:
    """WCAG 2 contrast ratio of two colours (1 to 21)."""

    def luminance(rgb: tuple[int, int, int]) -> float:
        channels = [value / 255 for value in rgb]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    light, dark = sorted((luminance(one), luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


async def test_ticked_and_unticked_differ_in_shape_in_every_theme(demo_url: str) -> None:
    app = make_app(demo_url)
    async with app.run_test() as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, LoginScreen), "the login screen")
        await app.push_screen(Boxes())
        ticked = app.screen.query_one("#ticked", Checkbox)
        unticked = app.screen.query_one("#unticked", Checkbox)
        themes = sorted(app.available_themes)
        assert {"creatio-classic", "creatio-dark", "creatio-freedom", "ssh-256"} <= set(themes)
        for theme in themes:
            app.theme = theme
            await pilot.pause()
            ticked_line, unticked_line = drawn_line(ticked), drawn_line(unticked)
            ticked_text = "".join(character for character, _style in ticked_line)
            unticked_text = "".join(character for character, _style in unticked_line)
            assert ticked_text != unticked_text, theme
            assert button(ticked_line)[0] == "X", (theme, ticked_text)
            assert button(unticked_line)[0] == " ", (theme, unticked_text)


async def test_the_x_stands_out_at_256_colours_in_every_theme(demo_url: str) -> None:
    """The X of a ticked box, in the colours a 256-colour terminal shows, contrasts with the
    button at least as WCAG asks of text (4.5:1)."""
    app = make_app(demo_url)
    async with app.run_test() as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, LoginScreen), "the login screen")
        await app.push_screen(Boxes())
        ticked = app.screen.query_one("#ticked", Checkbox)
        for theme in sorted(app.available_themes):
            app.theme = theme
            await pilot.pause()
            character, style = button(drawn_line(ticked))
            assert character == "X"
            assert style is not None and style.color is not None and style.bgcolor is not None
            ratio = contrast(at_256_colours(style.color), at_256_colours(style.bgcolor))
            assert ratio >= 4.5, (theme, round(ratio, 2))


def test_every_checkbox_of_the_app_is_the_shaped_one() -> None:
    """No screen builds Textual's own Checkbox (whose states differ by colour only)."""
    package = Path(webitel_tui.__file__).parent
    built = []
    for path in sorted((package / "ui").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        textual_names = {
            alias.asname or alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.module == "textual.widgets"
            for alias in node.names
            if alias.name == "Checkbox"
        }
        built += [
            f"{path.name}:{node.lineno}"
            for node in ast.walk(tree)
            if isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in textual_names
        ]
    assert built == []
