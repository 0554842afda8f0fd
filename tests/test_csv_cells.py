"""The CSV cell rule: nothing a spreadsheet would run as a formula (OWASP, CSV injection)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from webitel_tui.domain.csv_cells import FORMULA_STARTS, csv_cell


@pytest.mark.parametrize(
    "value",
    ["=1+1", '=HYPERLINK("http://x","y")', "+380441234567", "-2+3", "@SUM(A1)", "\tx", "\r=1", "="],
)
def test_a_cell_that_starts_like_a_formula_gets_a_quote(value: str) -> None:
    assert csv_cell(value) == "'" + value


@pytest.mark.parametrize(
    "value", ["", "amelnyk", "7001", "Olena Kovalenko", "a=b", "x-1", "'=quoted", " =1", "\n=1"]
)
def test_other_cells_are_unchanged(value: str) -> None:
    assert csv_cell(value) == value


@given(st.text())
def test_no_cell_starts_like_a_formula_and_nothing_is_lost(value: str) -> None:
    cell = csv_cell(value)
    assert cell.startswith("'") or not cell.startswith(FORMULA_STARTS)
    assert cell in (value, "'" + value)


@given(st.sampled_from(FORMULA_STARTS), st.text())
def test_every_dangerous_start_is_quoted(first: str, rest: str) -> None:
    assert csv_cell(first + rest) == "'" + first + rest
