"""The grid of every section list and lookup: keyset pages from SQL, quick search, sort.

The grid never talks to the database itself: the screen gives it a `fetch` coroutine (a
repository call in a unit of work). Pages load in a worker as the cursor nears the end of
what is loaded ("show more" without a button), so 100,000 records cost what 50 do.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, Protocol, TypeVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import DataTable, Input, Static

from webitel_tui.domain.paging import Page, PageRequest
from webitel_tui.i18n import N_, _
from webitel_tui.ui.screens.base import ForwardWorkerErrors, TranslatedBindings


class Identified(Protocol):
    """A row of a grid: anything with an id (CRM records, Webitel licenses and roles)."""

    @property
    def id(self) -> object: ...


R = TypeVar("R", bound=Identified)

NO_RECORDS = N_("This section has no records.")
NO_MATCHES = N_("There are no records matching the filter criteria.")
SEARCH_DELAY = 0.25
"""Seconds of quiet typing before the search runs (one query per pause, not per key)."""
LOAD_AHEAD = 10
"""Load the next page when the cursor is within a screen and this many rows of the end."""
MORE_PAGE_SIZE = 150
"""Rows per follow-up page: several screens, so a held PgDn rarely waits for the database
(the first page stays small, so the section opens fast; see bench/section_list.py)."""
CHECK = "✓"


@dataclass(frozen=True)
class GridColumn(Generic[R]):
    key: str
    """The repository's sort key for this column (see its *_SORT_COLUMNS)."""
    caption: str
    render: Callable[[R], Text | str]
    width: int | None = None
    sortable: bool = True


Fetch = Callable[[PageRequest], Awaitable["Page[R]"]]


class GridTable(TranslatedBindings, DataTable[Text]):
    """The table itself; Enter opens, space ticks (multi-select), like Creatio's grid."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "toggle_row", "Select", show=False, id="grid.toggle"),
        # Rows, not columns: Home / End go to the first / last loaded record.
        Binding("home", "scroll_top", "First", show=False, id="grid.first"),
        Binding("end", "scroll_bottom", "Last", show=False, id="grid.last"),
    ]

    @dataclass
    class ToggleRequested(Message):
        pass

    def action_toggle_row(self) -> None:
        self.post_message(self.ToggleRequested())


class SectionGrid(ForwardWorkerErrors, Vertical, Generic[R]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "search", "Search", id="grid.search", tooltip="Quick search"),
        Binding("o", "sort_menu", "Sort", id="grid.sort", tooltip="Sort by a column"),
    ]

    @dataclass
    class Opened(Message):
        record: Any

    @dataclass
    class SelectionChanged(Message):
        count: int

    @dataclass
    class _PageLoaded(Message):
        generation: int
        page: Page[Any]
        reset: bool

    loading_page: reactive[bool] = reactive(False)

    def __init__(
        self,
        columns: Sequence[GridColumn[R]],
        fetch: Fetch[R],
        *,
        sort: str,
        page_size: int = 50,
        multi_select: bool = False,
        empty_text: str = NO_RECORDS,
        id: str | None = None,  # noqa: A002 (Textual's name)
    ) -> None:
        super().__init__(id=id, classes="section-grid")
        self.columns = list(columns)
        self._fetch = fetch
        self._request = PageRequest(sort=sort, limit=page_size)
        self._next: PageRequest | None = None
        self._records: dict[str, R] = {}
        self._generation = 0
        self.multi_select = multi_select
        self.selected: dict[str, R] = {}
        self._empty_text = empty_text

    def compose(self) -> ComposeResult:
        yield Input(placeholder=_("Search"), id="grid-search", classes="grid-search")
        yield GridTable(cursor_type="row", zebra_stripes=True, id="grid-table")
        yield Static(id="grid-empty", classes="grid-empty")

    @property
    def table(self) -> GridTable:
        return self.query_one(GridTable)

    @property
    def search_input(self) -> Input:
        return self.query_one("#grid-search", Input)

    @property
    def request(self) -> PageRequest:
        return self._request

    @property
    def records(self) -> list[R]:
        """The loaded records, in grid order."""
        return [self._records[str(key.value)] for key in self.table.rows]

    @property
    def current(self) -> R | None:
        """The record under the cursor."""
        table = self.table
        if table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        return self._records.get(str(key.value))

    def on_mount(self) -> None:
        self._build_columns()
        self.reload()

    # Loading ---------------------------------------------------------------------------------

    def reload(self, *, delay: float = 0.0) -> None:
        """Load the first page again (after a search, a sort or a change of data)."""
        self._generation += 1
        self._load(self._request, self._generation, reset=True, delay=delay)

    @work(exclusive=True, exit_on_error=False, group="grid-load", description="load page")
    async def _load(
        self, request: PageRequest, generation: int, *, reset: bool, delay: float = 0.0
    ) -> None:
        if delay:
            await asyncio.sleep(delay)
        page = await self._fetch(request)
        self.post_message(self._PageLoaded(generation, page, reset))

    @on(_PageLoaded)
    def _page_loaded(self, event: _PageLoaded) -> None:
        event.stop()
        if event.generation != self._generation:
            return  # the search or sort changed meanwhile
        table = self.table
        with self.app.batch_update():
            if event.reset:
                table.clear()
                self._records.clear()
            for record in event.page.items:
                key = str(record.id)
                if key in self._records:
                    continue
                self._records[key] = record
                table.add_row(*self._cells(record), key=key)
        cursor = event.page.next_cursor
        more = {"limit": max(self._request.limit, MORE_PAGE_SIZE)}
        self._next = self._request.next(cursor).model_copy(update=more) if cursor else None
        self.loading_page = False
        self._show_empty_state()
        self._load_more_if_near(table.cursor_row)

    def _show_empty_state(self) -> None:
        empty = self.table.row_count == 0
        label = self.query_one("#grid-empty", Static)
        if empty:
            text = NO_MATCHES if self._request.search.strip() else self._empty_text
            label.update(Text(_(text)))
        if label.display != empty:  # an update asks for a layout: only when it changes
            label.display = empty

    @on(DataTable.RowHighlighted)
    def _near_the_end(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self._load_more_if_near(event.cursor_row)

    def _load_more_if_near(self, row: int) -> None:
        table = self.table
        ahead = LOAD_AHEAD + table.scrollable_content_region.height
        if row >= table.row_count - ahead and self._next is not None and not self.loading_page:
            self.loading_page = True
            self._load(self._next, self._generation, reset=False)

    # Search and sort --------------------------------------------------------------------------

    def action_search(self) -> None:
        self.search_input.focus()

    @on(Input.Changed, "#grid-search")
    def _search_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._request = self._request.model_copy(update={"search": event.value, "after": None})
        self.reload(delay=SEARCH_DELAY)

    @on(Input.Submitted, "#grid-search")
    def _search_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.table.focus()

    def sort_by(self, key: str) -> None:
        """Sort by the column; choosing the current sort column again reverses it."""
        if not any(column.key == key and column.sortable for column in self.columns):
            return
        descending = not self._request.descending if key == self._request.sort else False
        self._request = self._request.model_copy(
            update={"sort": key, "descending": descending, "after": None}
        )
        self._build_columns()
        self.reload()

    def action_sort_menu(self) -> None:
        from webitel_tui.ui.screens.dialogs import ActionsMenu

        items = [(column.key, column.caption) for column in self.columns if column.sortable]
        self.app.push_screen(ActionsMenu(items, title=N_("Sort by")), self._sort_chosen)

    def _sort_chosen(self, key: str | None) -> None:
        if key is not None:
            self.sort_by(key)

    @on(DataTable.HeaderSelected)
    def _header_selected(self, event: DataTable.HeaderSelected) -> None:
        event.stop()
        self.sort_by(str(event.column_key.value))

    def _build_columns(self) -> None:
        """(Re)create the columns: the caption of the sort column shows its direction."""
        table = self.table
        table.clear(columns=True)
        self._records.clear()
        if self.multi_select:
            table.add_column(Text(CHECK), key="__check__", width=1)
        for column in self.columns:
            caption = Text(_(column.caption))
            if column.key == self._request.sort:
                caption.append(" ▼" if self._request.descending else " ▲")
            table.add_column(caption, key=column.key, width=column.width)

    def _cells(self, record: R) -> list[Text]:
        cells = [self._cell(column, record) for column in self.columns]
        if self.multi_select:
            ticked = str(record.id) in self.selected
            cells.insert(0, Text(CHECK if ticked else ""))
        return cells

    @staticmethod
    def _cell(column: GridColumn[R], record: R) -> Text:
        value = column.render(record)
        # Data is shown as typed: a user named "[red]x" must not turn red.
        return value if isinstance(value, Text) else Text(value)

    # Opening and selecting --------------------------------------------------------------------

    @on(DataTable.RowSelected)
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        record = self._records.get(str(event.row_key.value))
        if record is None:
            return
        if self.multi_select:
            self._toggle(record)
        else:
            self.post_message(self.Opened(record))

    @on(GridTable.ToggleRequested)
    def _toggle_current(self, event: GridTable.ToggleRequested) -> None:
        event.stop()
        record = self.current
        if record is not None and self.multi_select:
            self._toggle(record)

    def _toggle(self, record: R) -> None:
        key = str(record.id)
        if key in self.selected:
            del self.selected[key]
        else:
            self.selected[key] = record
        self.table.update_cell(key, "__check__", Text(CHECK if key in self.selected else ""))
        self.post_message(self.SelectionChanged(len(self.selected)))
