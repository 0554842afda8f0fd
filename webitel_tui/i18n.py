"""Captions and messages in the admin's language (English, Ukrainian).

Source strings are English; `_()` looks a string up in the catalog of the current language
(`locales/<language>.toml`, English -> translation) and falls back to the English text.
`tr()` translates a template, then fills it (`{0}`, `{1}`...). The language is chosen once at
start (configuration or `--lang`); a TUI process serves one admin, so it is process-wide.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

LANGUAGES = ("en", "uk")
_LOCALES = Path(__file__).parent / "locales"

_current: dict[str, str] = {}
_language = "en"


@cache
def catalog(language: str) -> dict[str, str]:
    """The catalog of `language` (empty for English, the source language)."""
    if language == "en":
        return {}
    with (_LOCALES / f"{language}.toml").open("rb") as handle:
        data = tomllib.load(handle)
    return {str(key): str(value) for key, value in data.items()}


def set_language(language: str) -> None:
    global _current, _language
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}; choose one of {', '.join(LANGUAGES)}")
    _current = catalog(language)
    _language = language


def language() -> str:
    return _language


def _(text: str) -> str:
    return _current.get(text, text)


def tr(template: str, *args: object) -> str:
    return _(template).format(*args)


def number(value: int) -> str:
    """An integer with its digits grouped as the language writes them (5,000; 5 000)."""
    grouped = f"{value:,}"
    return grouped.replace(",", "\u00a0") if _language == "uk" else grouped


def N_(text: str) -> str:
    """Marks a constant for translation where it is used (`_(CONSTANT)`); returns it as is."""
    return text
