"""domain/display.py: data shown on a terminal, every character visible and none obeyed."""

from __future__ import annotations

import json
import unicodedata

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from tests.hostile import HOSTILE, LONG, PRINTABLE
from webitel_tui.domain.display import (
    HIDDEN,
    json_visible,
    visible,
    visible_in_place,
    visible_lines,
)

BIDI_CONTROLS = {*range(0x202A, 0x202F), *range(0x2066, 0x206A)}
KEPT_FORMAT = "\u200d\ufe0f\u200c\u200e\u200f\u061c\u00ad\ufeff\U000e0067"
"""Joiners, variation selector, bidi marks, soft hyphen, BOM, a tag: shown as typed."""


def hidden_code(code: int) -> bool:
    """What must never be shown as such, said without the module's own table."""
    return (
        code < 0x20
        or 0x7F <= code <= 0x9F
        or code in BIDI_CONTROLS
        or code in (0x2028, 0x2029)
        or 0xD800 <= code <= 0xDFFF
    )


def has_hidden(text: str) -> bool:
    return any(hidden_code(ord(character)) for character in text)


ODD = [chr(c) for c in (0x1B, 0x00, 0x0A, 0x7F, 0x9B, 0x85, 0x202E, 0x2066, 0x2028, 0xD800)]
"""Drawn often, as random code points seldom hit them."""
any_text = st.text(
    # Every category (surrogates and unassigned code points included), and the odd ones.
    st.one_of(st.characters(exclude_categories=()), st.sampled_from(ODD)),
    max_size=200,
)


@given(any_text)
@example("\x1b[2J\x1b[31mRED")
@example("\x00")
@example("\ud800\udfff")
def test_nothing_hidden_is_left(text: str) -> None:
    shown = visible(text)
    assert not has_hidden(shown)
    assert not has_hidden(visible_in_place(text))
    assert not has_hidden(visible_lines(text).replace("\n", ""))
    shown.encode("utf-8")  # a terminal can be sent all of it


@given(any_text)
def test_text_without_hidden_characters_is_kept_as_is(text: str) -> None:
    if not has_hidden(text):
        assert visible(text) is text
        assert visible_lines(text) is text
        assert visible_in_place(text) is text


@given(any_text)
def test_deterministic_and_idempotent(text: str) -> None:
    assert visible(text) == visible(text)
    assert visible(visible(text)) == visible(text)
    assert visible_lines(visible_lines(text)) == visible_lines(text)


@given(any_text)
def test_only_the_hidden_characters_change(text: str) -> None:
    """Between the stand-ins, the text is what it was, in its order."""
    kept = "".join(c for c in text if not hidden_code(ord(c)))
    assert HIDDEN.sub("", text) == kept
    parts = HIDDEN.split(text)
    position = 0
    shown = visible(text)
    for part in parts:  # each run of ordinary characters appears in order
        found = shown.find(part, position)
        assert found >= 0
        position = found + len(part)


@given(any_text)
def test_in_place_keeps_one_character_per_character(text: str) -> None:
    shown = visible_in_place(text)
    assert len(shown) == len(text)
    for before, after in zip(text, shown, strict=True):
        assert after == before or hidden_code(ord(before))


@given(any_text)
def test_lines_keep_only_our_line_breaks(text: str) -> None:
    shown = visible_lines(text)
    assert shown.count("\n") == text.count("\n")
    assert shown.split("\n") == [visible(line) for line in text.split("\n")]


@given(any_text)
def test_json_stays_the_same_data(text: str) -> None:
    dumped = json_visible(json.dumps({"name": text}, ensure_ascii=False))
    assert not has_hidden(dumped)
    assert json.loads(dumped) == {"name": text}


@pytest.mark.parametrize("name", list(HOSTILE), ids=list(HOSTILE))
def test_the_hostile_corpus(name: str) -> None:
    text = HOSTILE[name]
    shown = visible(text)
    assert not has_hidden(shown)
    if name in PRINTABLE:
        assert shown is text
    else:
        assert shown != text


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("\x1b[2J\x1b[31mRED", "␛[2J␛[31mRED"),
        ("[red]x[/]", "[red]x[/]"),
        ("nul\x00byte", "nul␀byte"),
        ("a\tb\nc\rd", "a␉b␊c␍d"),
        ("del\x7f", "del␡"),
        ("c1\x9b31m\x85", "c1<U+009B>31m<U+0085>"),
        ("user\u202etxt.exe", "user<U+202E>txt.exe"),
        ("\u2066iso\u2069", "<U+2066>iso<U+2069>"),
        ("line\u2028end", "line<U+2028>end"),
        ("lone\ud800", "lone<U+D800>"),
        ("שלום مرحبا", "שלום مرحبا"),
        ("👩\u200d💻🇺🇦", "👩\u200d💻🇺🇦"),
        ("100%_done", "100%_done"),
        ("' OR 1=1 --", "' OR 1=1 --"),
        (KEPT_FORMAT, KEPT_FORMAT),
    ],
)
def test_examples(text: str, shown: str) -> None:
    assert visible(text) == shown


def test_every_c0_control_has_its_picture() -> None:
    for code in range(0x20):
        picture = visible(chr(code))
        assert len(picture) == 1
        assert unicodedata.name(picture).startswith("SYMBOL FOR")


def test_messages_keep_their_lines_and_show_the_rest() -> None:
    assert visible_lines("Reconciled: 1.\nbob\x1b[2J: done") == "Reconciled: 1.\nbob␛[2J: done"
    assert visible_lines("a\r\nb") == "a␍\nb"


def test_in_place_shows_what_has_no_picture_as_one_character() -> None:
    assert visible_in_place("a\x1bb\x9bc\u202ed") == "a␛b\ufffdc\ufffdd"


def test_long_text_is_quick_and_whole() -> None:
    assert visible(LONG) is LONG
    hostile = ("\x1b[2J" * 2_500)[:10_000]
    assert visible(hostile) == hostile.replace("\x1b", "␛")
