"""TERM=xterm without COLORTERM (SSH's default): 256 colours and the ssh-256 theme."""

from __future__ import annotations

import pytest

from webitel_tui.cli import SSH_THEME, for_the_terminal
from webitel_tui.config import Settings
from webitel_tui.terminal_colours import colours, prefer_256


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"TERM": "xterm-256color", "COLORTERM": "truecolor"}, "truecolor"),
        ({"TERM": "xterm", "COLORTERM": "24bit"}, "truecolor"),
        ({"TERM": "xterm-256color"}, "256"),
        ({"TERM": "xterm"}, "16"),
        ({"TERM": "dumb"}, "none"),
        ({"TERM": "xterm", "NO_COLOR": "1"}, "none"),
        ({"TERM": "xterm", "TEXTUAL_COLOR_SYSTEM": "truecolor"}, "truecolor"),
    ],
)
def test_colours_are_told_as_rich_tells_them(env: dict[str, str], expected: str) -> None:
    assert colours(env) == expected


def test_an_xterm_without_colorterm_is_drawn_in_256_colours() -> None:
    env = {"TERM": "xterm"}
    prefer_256(env)
    assert env["TEXTUAL_COLOR_SYSTEM"] == "256"
    assert colours(env) == "256"
    chosen = {"TERM": "screen", "TEXTUAL_COLOR_SYSTEM": "standard"}
    prefer_256(chosen)  # the admin's own choice stands
    assert chosen["TEXTUAL_COLOR_SYSTEM"] == "standard"
    linux = {"TERM": "linux"}  # the console: 16 colours indeed
    prefer_256(linux)
    assert "TEXTUAL_COLOR_SYSTEM" not in linux


def test_the_ssh_theme_is_used_without_truecolor_unless_a_theme_was_chosen() -> None:
    default = Settings()
    assert for_the_terminal(default, {"TERM": "xterm-256color"}).theme == SSH_THEME
    truecolor = {"TERM": "xterm-256color", "COLORTERM": "truecolor"}
    assert for_the_terminal(default, truecolor).theme == default.theme
    chosen = Settings(theme="creatio-dark")
    assert for_the_terminal(chosen, {"TERM": "xterm"}).theme == "creatio-dark"
