"""How many colours the terminal draws, told from the environment as Rich tells it.

Over SSH `COLORTERM` is not forwarded by default, and many hosts set `TERM=xterm`: Rich then
draws 16 colours, though every terminal an admin uses today draws 256. The standard library
only: `prefer_256` runs before Textual is imported (it reads `TEXTUAL_COLOR_SYSTEM` once).
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from typing import Literal

Colours = Literal["truecolor", "256", "16", "none"]

COLOR_SYSTEM_ENV = "TEXTUAL_COLOR_SYSTEM"
_XTERM_LIKE = ("xterm", "screen", "tmux", "rxvt", "vt220", "putty", "alacritty", "kitty")


def colours(env: Mapping[str, str]) -> Colours:
    """What Textual will draw with, given `env` (its own setting first)."""
    chosen = env.get(COLOR_SYSTEM_ENV, "auto")
    if chosen in ("truecolor", "256"):
        return chosen  # type: ignore[return-value]  # checked just above
    if chosen in ("standard", "windows"):
        return "16"
    if env.get("NO_COLOR") is not None or env.get("TERM", "") in ("", "dumb"):
        return "none"
    if env.get("COLORTERM", "").lower() in ("truecolor", "24bit"):
        return "truecolor"
    return "256" if env.get("TERM", "").endswith("256color") else "16"


def prefer_256(env: MutableMapping[str, str]) -> None:
    """An xterm-like terminal Rich would draw in 16 colours is drawn in 256, unless the
    admin chose (TEXTUAL_COLOR_SYSTEM set)."""
    term = env.get("TERM", "")
    if (
        COLOR_SYSTEM_ENV not in env
        and colours(env) == "16"
        and term.split("-", 1)[0] in _XTERM_LIKE
    ):
        env[COLOR_SYSTEM_ENV] = "256"
