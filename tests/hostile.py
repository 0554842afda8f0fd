"""The hostile-string corpus (issue 13): text that a terminal would obey, that markup or SQL
would read, or that is merely unusual, each with what the screen shows for it."""

from __future__ import annotations

LONG = "W" * 10_000

HOSTILE: dict[str, str] = {
    "markup": "[red]x[/] [bold]b[/bold]",
    "ansi": "\x1b[2J\x1b[31mRED",
    "osc-title": "\x1b]0;owned\x07title",
    "c0": "bell\x07back\x08space\x0bvt\x0cff\rcr",
    "newline-tab": "two\nlines\tand a tab",
    "c1": "c1\x9b2J\x9b31m\x85nel",
    "del": "del\x7fete",
    "nul": "nul\x00byte",
    "bidi": "user\u202etxt.exe\u2066iso\u2069",
    "separators": "line\u2028para\u2029end",
    "surrogate": "lone\ud800surrogate",
    "long": LONG,
    "rtl": "שלום مرحبا",
    "emoji": "👩\u200d💻🇺🇦 ❤\ufe0f",
    "percent": "100%",
    "underscore": "a_b",
    "sql": "' OR 1=1 --",
}
"""By id (pytest ids). Printable ones are shown as typed, the others with stand-ins."""

PRINTABLE = ("markup", "long", "rtl", "emoji", "percent", "underscore", "sql")
"""The ids whose strings `visible` leaves as they are."""

RAW_SEQUENCES = ("\x1b[2J", "\x1b[31mRED", "\x1b]0;", "\x00", "\x9b", "\u202e", "\x85")
"""What must never reach the terminal as such (decoded text: the UTF-8 bytes of an
ordinary character may hold the byte 0x9B, the character U+009B is what a terminal obeys)."""
