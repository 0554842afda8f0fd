"""Data on the terminal: every character shown, none obeyed.

Text that comes from data (server answers, the database, what the admin typed or pasted,
messages that quote them) may hold characters a terminal obeys rather than shows: an ESC
starts a command ("\\x1b[2J" clears the screen), a C1 control is one on its own (U+009B is a
CSI), a bidi override reverses the rest of the line, a lone surrogate cannot even be written
as UTF-8. `visible` shows each of them as a stand-in; everything printable stays as typed.

The rules, one table for every place that shows data:

- C0 controls U+0000-U+001F (NUL, TAB, LF, CR, ESC...): their Unicode Control Pictures,
  U+2400 + code ("\\x1b" -> "␛", "\\n" -> "␊"); DEL U+007F -> "␡" (U+2421).
- C1 controls U+0080-U+009F, the line and paragraph separators U+2028 / U+2029, the bidi
  embeddings and overrides U+202A-U+202E and isolates U+2066-U+2069 (they reorder the rest
  of a terminal line: "Trojan Source"), and surrogates U+D800-U+DFFF (in a str always lone:
  no UTF-8 for them): "<U+XXXX>", the notation of the limits' messages (domain/limits.py).
- Everything else as typed: markup brackets, "%", "_", quotes, right-to-left letters and
  the marks that go with them (LRM, RLM, ALM), emoji with their joiners and variation
  selectors (U+200D, U+FE0F), tag characters (flags), soft hyphens, private-use characters
  (icon fonts) and code points unassigned in this Python's Unicode (a newer terminal may
  know them). None of these moves the cursor, changes a terminal's state or reorders a
  line; replacing them would break names and emoji as their owners typed them.

Three forms of the same table:

- `visible`: a data value (a grid cell, a field, a name quoted in a message).
- `visible_lines`: a message we wrote, laid out over lines: its newlines stay line breaks,
  everything else as `visible` (the data quoted in it should already have passed `visible`,
  so that a newline inside a name shows as "␊", not as a line of its own).
- `visible_in_place`: one character for one character, for a text field whose cursor
  counts characters of the true value: C0 and DEL as above, the others as "�" (U+FFFD).

`json_visible` keeps JSON exact and still safe on a terminal: the same characters as
`\\uXXXX` escapes.
"""

from __future__ import annotations

import re

_NOT_C0 = r"\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff"
HIDDEN = re.compile(rf"[\x00-\x1f{_NOT_C0}]")
"""One character a terminal would obey or cannot show, by the rules above."""
_HIDDEN_BUT_NEWLINE = re.compile(rf"[\x00-\x09\x0b-\x1f{_NOT_C0}]")

_PICTURES = 0x2400
"""U+2400 SYMBOL FOR NULL: the Control Pictures block has one per C0 code, in code order."""
DEL_PICTURE = "\u2421"
IN_PLACE = "\ufffd"
"""The one-character stand-in of `visible_in_place` for what has no control picture."""


def stand_in(character: str) -> str:
    """What one hidden character is shown as."""
    code = ord(character)
    if code < 0x20:
        return chr(_PICTURES + code)
    if code == 0x7F:
        return DEL_PICTURE
    return f"<U+{code:04X}>"


def _stand_in(match: re.Match[str]) -> str:
    return stand_in(match.group())


def visible(text: str) -> str:
    """`text` as a terminal may show it: hidden characters as stand-ins, the rest as is
    (the same object when there is nothing to replace)."""
    if HIDDEN.search(text) is None:
        return text
    return HIDDEN.sub(_stand_in, text)


def visible_lines(text: str) -> str:
    """A message of ours over several lines: "\\n" stays a line break, the rest as `visible`."""
    if _HIDDEN_BUT_NEWLINE.search(text) is None:
        return text
    return _HIDDEN_BUT_NEWLINE.sub(_stand_in, text)


def _in_place(match: re.Match[str]) -> str:
    shown = stand_in(match.group())
    return shown if len(shown) == 1 else IN_PLACE


def visible_in_place(text: str) -> str:
    """`visible`, one character for each character of `text` (a field's cursor position
    stays the position in the true value)."""
    if HIDDEN.search(text) is None:
        return text
    return HIDDEN.sub(_in_place, text)


def _escaped(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def json_visible(dumped: str) -> str:
    """JSON (as `json.dumps` writes it) with the hidden characters escaped: the same data
    for a reader of JSON, nothing raw for a terminal. (Outside its strings JSON is ASCII, so
    every such character is in a string, where `\\uXXXX` is valid.)"""
    if HIDDEN.search(dumped) is None:
        return dumped
    return HIDDEN.sub(_escaped, dumped)
