"""Rules for the cells of a CSV file the app writes (export now, any later CSV work too)."""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet read a cell as a formula (OWASP, CSV injection)."""


def csv_cell(value: str) -> str:
    """`value` safe to open in a spreadsheet: a cell that starts like a formula gets a leading
    single quote, so it is shown as the text it is and never run (OWASP's recommendation).
    Applied to every cell alike; the csv module does the quoting of separators and quotes."""
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value
