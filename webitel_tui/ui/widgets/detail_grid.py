"""A detail of a record page (Creatio's detail grid): a short list of rows keyed by id, with a
row cursor, filled whole each time the record or the detail changes."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from rich.text import Text
from textual.widgets import DataTable

from webitel_tui.domain.display import visible

Row = tuple[str, Sequence[str]]
"""A row's key and its cells' text."""


class DetailGrid(DataTable[Text]):
    def __init__(self, *columns: str, id: str) -> None:  # noqa: A002 (Textual's name)
        super().__init__(cursor_type="row", id=id)
        self.add_columns(*columns)

    def fill(self, rows: Iterable[Row], keep: str | None = None) -> None:
        """Show these rows, the cursor on the row `keep` (a moved row) if it is there."""
        self.clear()
        for key, cells in rows:
            # As typed, and never obeyed by the terminal (domain/display.py).
            self.add_row(*(Text(visible(cell)) for cell in cells), key=key)
            if key == keep:
                self.move_cursor(row=self.row_count - 1)

    @property
    def current_key(self) -> str | None:
        """The key of the row under the cursor; None when the detail is empty."""
        if self.row_count == 0:
            return None
        return str(self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value)
