"""Text normalisation shared by search, uniqueness and name matching (any alphabet)."""

from __future__ import annotations

import re
from collections.abc import Iterable

_NEVER_STORED = re.compile(r"[\x00\ud800-\udfff]")
"""What no stored text holds (domain/limits.py refuses it): NUL, lone surrogates."""


def fold(text: str) -> str:
    """Case- and space-insensitive form: casefolded, runs of whitespace made one space."""
    return " ".join(text.casefold().split())


def search_text(parts: Iterable[str | None]) -> str:
    """What quick search runs over: the folded searchable fields, one per line."""
    return "\n".join(fold(part) for part in parts if part)


def finds_nothing(query: str) -> bool:
    """Whether a quick search for `query` can find no record: it holds a character no
    stored text holds. It is then not sent at all: PostgreSQL refuses a NUL, and neither
    driver can encode a lone surrogate (what a terminal's undecodable bytes become)."""
    return _NEVER_STORED.search(query) is not None


def _escaped(query: str) -> str:
    """The folded query with LIKE's wildcards and its escape character escaped (by "\\")."""
    folded = fold(query)
    return folded.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def like_pattern(query: str) -> str:
    """A LIKE pattern for "contains" (Creatio's default), with wildcards in the query escaped."""
    return f"%{_escaped(query)}%"


def like_prefix(query: str) -> str:
    """A LIKE pattern for "starts with", with wildcards in the query escaped."""
    return f"{_escaped(query)}%"
