"""Text normalisation shared by search, uniqueness and name matching (any alphabet)."""

from __future__ import annotations

from collections.abc import Iterable


def fold(text: str) -> str:
    """Case- and space-insensitive form: casefolded, runs of whitespace made one space."""
    return " ".join(text.casefold().split())


def search_text(parts: Iterable[str | None]) -> str:
    """What quick search runs over: the folded searchable fields, one per line."""
    return "\n".join(fold(part) for part in parts if part)


def like_pattern(query: str) -> str:
    """A LIKE pattern for "contains" (Creatio's default), with wildcards in the query escaped."""
    folded = fold(query)
    escaped = folded.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
