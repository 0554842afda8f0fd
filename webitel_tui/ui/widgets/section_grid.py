"""The grid of every section list and lookup: keyset pages from SQL, quick search, sort.

The grid never talks to the database itself: the screen gives it a `fetch` coroutine (a
repository call in a unit of work). Pages load in a worker as the cursor nears the end of
what is loaded ("show more" without a button), so a long list costs what its first page does.
End shows the list's last page, read backwards (the same keyset request in the opposite
order), and the rows before it load backwards as the cursor nears the top; Home reads the
list from its first record again.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, Protocol, Self, TypeVar

from rich.cells import cell_len
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.reactive import var
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import DataTable, Input, Static

from webitel_tui.domain.display import visible
from webitel_tui.domain.errors import DomainError
from webitel_tui.domain.paging import ColumnFilter, Page, PageRequest
from webitel_tui.i18n import N_, _, number, tr
from webitel_tui.ui.profile_data import save_filters, saved_filters
from webitel_tui.ui.screens.base import ForwardWorkerErrors
from webitel_tui.ui.widgets.data_input import DataInput
from webitel_tui.ui.widgets.keys_in_order import KeysInOrder, release_keys


class Identified(Protocol):
    """A row of a grid: anything with an id (CRM records, Webitel licenses and roles)."""

    @property
    def id(self) -> object: ...


R = TypeVar("R", bound=Identified)

NO_RECORDS = N_("This section has no records.")
NO_MATCHES = N_("There are no records matching the filter criteria.")
SEARCH_DELAY = 0.25
"""Seconds of quiet typing before the search runs (one query per pause, not per key)."""
LOAD_AHEAD = 16
"""Screens of rows kept loaded below the cursor: a held PgDn moves a screen a key, and a
page takes a few frames to come (each step of a query waits for the frame being drawn)."""
MORE_PAGE_SIZE = 500
"""Rows per follow-up page: many screens, so a held PgDn rarely waits for the database and
few frames pay for adding rows. The first page stays small, so the section opens fast (see
bench/section_list.py), and the pages after it grow to this size, each twice the rows
loaded (100, 300, 500...): the first comes while the cursor is still in the first page."""
LOAD_BEHIND = 2
"""Screens of rows above the cursor when the list is shown from its end (End): the page
before them loads then. Each one refills the table (DataTable only appends), so they are
loaded as the cursor nears the top rather than many screens ahead."""
FIRST_PAGE_WAIT = 0.1
"""Seconds the grid's first frame may wait for its first page (SQLite takes a few ms)."""
APPEND_DELAY = 0.05
"""Seconds after a key that moved down in which another one is expected (a held key repeats
many times a second): a page out of the cursor's reach waits for it, to be added in its frame."""
CHECK = "✓"
ALL_TICKED = N_("Every record of the list is ticked: ctrl+a unticks them.")


@dataclass(frozen=True)
class GridColumn(Generic[R]):
    """A column of a grid. Widths follow the grid's width, never the rows loaded (a column
    that grew as pages load would push a scrollbar over the cursor): the columns are shown in
    their order, each at least `min_width`, as many as fit; the room left goes first to the
    first columns, up to `width`, then to all by `share` (see `column_widths`)."""

    key: str
    """The repository's sort key for this column (see its *_SORT_COLUMNS)."""
    caption: str
    render: Callable[[R], Text | str]
    width: int = 16
    """Preferred: what the column's values usually need."""
    min_width: int | None = None
    """The narrowest it is still of use (None: `width`)."""
    share: int = 1
    """Its part of the room left once the columns shown have their preferred widths."""
    sortable: bool = True


Fetch = Callable[[PageRequest], Awaitable["Page[R]"]]
WhyNot = Callable[[R], str | None]
"""Why a record cannot be chosen (shown to the user), or None: it can."""
ASCENDING, DESCENDING = " ▲", " ▼"
"""What the caption of the sort column gets."""


def column_widths(
    columns: Sequence[GridColumn[Any]], room: int, sort: str, padding: int
) -> list[int]:
    """The widths of the columns in `room` cells (each column also takes `padding` cells on
    either side): the first columns that fit at their least width; the room left first brings
    them, in order, to their preferred width, then is shared by `share` so they fill `room`.
    The columns after them (reached by scrolling) get their preferred width.

    A caption (in the language shown) widens a column's preferred width, not its least one
    (a narrower column shows it cut, `caption_of`); the sort column's arrow widens both."""
    least, preferred = [], []
    for column in columns:
        arrow = cell_len(ASCENDING) if column.key == sort else 0
        low = column.width if column.min_width is None else min(column.min_width, column.width)
        least.append(low + arrow)
        preferred.append(max(column.width + arrow, cell_len(_(column.caption)) + arrow))
    widths = list(preferred)
    used, shown = 0, 0
    for width in least:
        if shown and used + width + 2 * padding > room:
            break
        used += width + 2 * padding
        shown += 1
    widths[:shown] = least[:shown]
    left = room - used
    for index in range(shown):
        grow = max(0, min(left, preferred[index] - widths[index]))
        widths[index] += grow
        left -= grow
    shares = [column.share for column in columns[:shown]]
    if left > 0 and sum(shares) > 0:
        total, given = sum(shares), 0
        for index, share in enumerate(shares):
            extra = left * share // total
            widths[index] += extra
            given += extra
        for index in range(shown - 1, -1, -1):  # what rounding left: to the last sharing one
            if shares[index]:
                widths[index] += left - given
                break
    return widths


class GridTable(KeysInOrder, DataTable[Text]):
    """The table itself; Enter opens, space ticks (multi-select), like Creatio's grid."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "toggle_row", "Select", show=False, id="grid.toggle"),
        # Rows, not columns: Home / End go to the first / last record of the list.
        Binding("home,ctrl+home", "scroll_top", "First", show=False, id="grid.first"),
        Binding("end,ctrl+end", "scroll_bottom", "Last", show=False, id="grid.last"),
    ]

    @dataclass
    class ToggleRequested(Message):
        pass

    @dataclass
    class EndRequested(Message):
        """Home (`last` False) or End: the grid decides whether rows must be loaded."""

        last: bool

    @dataclass
    class Resized(Message):
        """The table's width changed: the grid fits its columns to it."""

    def on_resize(self) -> None:
        self.post_message(self.Resized())

    @property
    def room(self) -> int:
        """The cells the columns may take: the table's width less a vertical scrollbar, kept
        whether or not it shows (it comes with the rows past the first screen)."""
        return max(0, self.content_size.width - self.styles.scrollbar_size_vertical)

    def column_spans(self) -> list[tuple[int, int]]:
        """Where each column starts and ends, in cells from the table's left edge."""
        spans, x = [], 0
        for column in self.ordered_columns:
            width = column.get_render_width(self)
            spans.append((x, x + width))
            x += width
        return spans

    # Left / Right scroll a whole column (the row cursor has no column to move).

    def action_cursor_right(self) -> None:
        """Show the first column not wholly shown, the view starting at a column's edge."""
        x = round(self.scroll_offset.x)
        view = self.scrollable_content_region.width
        spans = self.column_spans()
        hidden = [end for _start, end in spans if end > x + view]
        if hidden:
            needed = hidden[0] - view
            target = min([start for start, _end in spans if start >= needed] or [needed])
            self.scroll_to(x=min(target, self.max_scroll_x), animate=False)

    def action_cursor_left(self) -> None:
        """Show the column before the first one shown."""
        x = round(self.scroll_offset.x)
        earlier = [start for start, _end in self.column_spans() if start < x]
        if earlier:
            self.scroll_to(x=earlier[-1], animate=False)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._pending: list[tuple[str, list[Text]]] = []
        self._append_timer: Timer | None = None
        self._moved_down = 0.0
        """When a key last moved the cursor down (time.monotonic)."""

    @property
    def loaded_count(self) -> int:
        """Rows in the table and rows waiting to be added to it."""
        return self.row_count + len(self._pending)

    @property
    def pending_keys(self) -> list[str]:
        return [key for key, _ in self._pending]

    def append_rows(self, rows: Sequence[tuple[str, list[Text]]]) -> None:
        """Add rows at the end, in the frame of the next key that moves down if they are
        out of its reach now (or after APPEND_DELAY when no key comes).

        Adding rows resizes the table and repaints the rows on the screen, a frame of its
        own between two keys of a held PgDn. Rows below the screen are not seen until the
        cursor or the view moves down, so while keys come they are added by the next one,
        which repaints the rows anyway; when no key came for APPEND_DELAY they are added at
        once.
        """
        self._pending.extend(rows)
        height = self.scrollable_content_region.height
        bottom = max(self.cursor_row, round(self.scroll_offset.y)) + 2 * height
        idle = time.monotonic() - self._moved_down
        if bottom >= self.row_count or idle >= APPEND_DELAY:
            self.flush_rows()
        elif self._append_timer is None:
            self._append_timer = self.set_timer(APPEND_DELAY - idle, self.flush_rows)

    def flush_rows(self) -> None:
        """Add the rows waiting to be added."""
        if self._append_timer is not None:
            self._append_timer.stop()
            self._append_timer = None
        rows, self._pending = self._pending, []
        for key, cells in rows:
            self.add_row(*cells, key=key)

    def clear(self, columns: bool = False) -> Self:
        self._pending.clear()
        if self._append_timer is not None:
            self._append_timer.stop()
            self._append_timer = None
        return super().clear(columns)

    # The keys that move down reach the rows waiting to be added: they add them first.

    def _moving_down(self) -> None:
        self._moved_down = time.monotonic()
        self.flush_rows()

    def action_cursor_down(self) -> None:
        self._moving_down()
        super().action_cursor_down()

    def action_page_down(self) -> None:
        self._moving_down()
        super().action_page_down()

    def action_scroll_bottom(self) -> None:
        self.post_message(self.EndRequested(last=True))

    def action_scroll_top(self) -> None:
        self.post_message(self.EndRequested(last=False))

    def to_end(self, *, last: bool) -> None:
        """Move the cursor to the last (or first) loaded row."""
        if last:
            self._moving_down()
            super().action_scroll_bottom()
        else:
            super().action_scroll_top()

    def action_toggle_row(self) -> None:
        # To the grid itself, ahead of the keys typed after Space (ctrl+s: select the ticks).
        target = self.parent if self.parent is not None else self
        target.post_message(self.ToggleRequested())


class GridCount(Widget):
    """ "Row 37 of 5,000" under the grid: its size never changes, so a new text is a repaint
    of one line, not a layout (it changes with every key that moves the cursor)."""

    DEFAULT_CSS = """
    GridCount {
        width: 1fr;
        height: 1;
    }
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._text = Text()

    def show(self, text: Text) -> None:
        if text != self._text:
            self._text = text
            self.refresh()

    @property
    def text(self) -> str:
        return self._text.plain

    def render(self) -> Text:
        return self._text


class SectionGrid(ForwardWorkerErrors, Vertical, Generic[R]):
    BINDINGS: ClassVar[list[BindingType]] = [
        # Priority, as the app's Tab: "/" and the term typed in one burst (a laggy SSH link)
        # must put the term in the search box (see WebitelTuiApp.BINDINGS).
        Binding(
            "slash", "search", "Search", id="grid.search", tooltip="Quick search", priority=True
        ),
        Binding("o", "sort_menu", "Sort", id="grid.sort", tooltip="Sort by a column"),
        Binding(
            "v", "column_setup", "Columns", id="grid.columns", tooltip="Select fields to display"
        ),
        Binding(
            "ctrl+a",
            "tick_all",
            "Tick all",
            id="grid.tick_all",
            tooltip="Tick every record of the list (again: untick them), for the bulk actions",
            show=False,
        ),
    ]

    @dataclass
    class Opened(Message):
        record: Any

    @dataclass
    class SelectionChanged(Message):
        count: int

    @dataclass
    class FiltersChanged(Message):
        """The folder or the conditions on columns changed (by the user, or restored as the
        user left them): `request` holds them."""

        request: PageRequest

    @dataclass
    class Refused(Message):
        """Enter or Space on a record that cannot be chosen (see `why_not`)."""

        record: Any
        reason: str

    loading_page: var[bool] = var(False)

    def __init__(
        self,
        columns: Sequence[GridColumn[R]],
        fetch: Fetch[R],
        *,
        sort: str,
        descending: bool = False,
        page_size: int = 50,
        multi_select: bool = False,
        ticks: bool = False,
        empty_text: str = NO_RECORDS,
        why_not: WhyNot[R] | None = None,
        profile: str | None = None,
        id: str | None = None,  # noqa: A002 (Textual's name)
    ) -> None:
        """`profile`: the key under which the logged-in user's choice of columns is kept
        (column setup, `v`); None: the columns as declared, a choice lasting this grid only."""
        super().__init__(id=id, classes="section-grid")
        self._why_not = why_not
        self.all_columns = list(columns)
        self.columns = list(columns)
        """The columns shown, in the order shown (the user's choice, see column setup)."""
        self.profile = profile
        self._profile_read = profile is None
        self._fetch = fetch
        self._request = PageRequest(sort=sort, descending=descending, limit=page_size)
        self._next: PageRequest | None = None
        """The rows after the last loaded one (None: none, or not known yet)."""
        self._before: PageRequest | None = None
        """The rows before the first loaded one, when the grid shows a list's end (End)."""
        self._shows_first = True
        self._shows_last = False
        self._records: dict[str, R] = {}
        self._generation = 0
        self.multi_select = multi_select
        """Enter and Space tick (a lookup choosing several)."""
        self.ticks = multi_select or ticks
        """Space ticks, Enter opens (a section's bulk actions)."""
        self.selected: dict[str, R] = {}
        self.all_ticked = False
        """ctrl+a: every record of the search and filter, loaded or not, is ticked."""
        self._empty_text = empty_text
        self._table = GridTable(cursor_type="row", zebra_stripes=True, id="grid-table")
        self._first_page = asyncio.Event()
        self.choose_on_search_enter = False
        """Enter in the search box chooses the first match (a single-select lookup)."""
        self._shown_generation = -1
        self._choose_generation: int | None = None
        self.total: int | None = None
        """How many records the search and filter find (None: not known yet)."""
        self._shown_widths: list[int] = []
        self._count = GridCount(id="grid-count", classes="grid-count")
        self._counted: tuple[int | None, int | None] = (None, None)
        self._build_columns()

    def compose(self) -> ComposeResult:
        # The first page is asked for now, while the grid is being mounted and painted.
        self.reload()
        search = DataInput(placeholder=_("Search"), id="grid-search", classes="grid-search")
        # The keys behind Enter go where it takes the focus (the list, or the lookup's
        # caller once it chose): held by the App until then (keys_in_order.py).
        search.holds_after = frozenset({"submit"})
        yield search
        yield self._table
        yield Static(id="grid-empty", classes="grid-empty")
        yield self._count
        if self.ticks and not self.multi_select:
            yield Static(id="ticked-count", classes="grid-count ticked-count")

    @property
    def table(self) -> GridTable:
        return self._table

    @property
    def search_input(self) -> Input:
        return self.query_one("#grid-search", Input)

    @property
    def request(self) -> PageRequest:
        return self._request

    @property
    def shows_first(self) -> bool:
        """The loaded rows start with the list's first record (or will, once it comes)."""
        return self._shows_first

    @property
    def shows_last(self) -> bool:
        """The loaded rows end with the list's last record (or will: End is loading it)."""
        return self._shows_last

    @property
    def records(self) -> list[R]:
        """The loaded records, in grid order."""
        table = self.table
        keys = [str(key.value) for key in table.rows] + table.pending_keys
        return [self._records[key] for key in keys]

    @property
    def current(self) -> R | None:
        """The record under the cursor."""
        table = self.table
        if table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        return self._records.get(str(key.value))

    def set_filter(self, name: str, *, delay: float = 0.0) -> None:
        """Show only the records of a folder or filter the section offers ("" for all)."""
        self.set_filters(name, self._request.where, delay=delay)

    def set_where(self, where: tuple[ColumnFilter, ...]) -> None:
        """Show only the records that meet these conditions on columns (() for all)."""
        self.set_filters(self._request.filter, where)

    def set_filters(
        self, name: str, where: tuple[ColumnFilter, ...], *, delay: float = 0.0
    ) -> None:
        """The folder or filter and the conditions on columns; `delay`: seconds before the
        list is read (a folder passed over with Down is not read)."""
        update = {"filter": name, "where": where, "after": None}
        self._request = self._request.model_copy(update=update)
        self.post_message(self.FiltersChanged(self._request))
        if self.profile is not None:  # kept for the user's next visit, as Creatio does
            self._save_filters(self.profile, self._request)
        self.reload(delay=delay)

    @work(
        exclusive=True,
        exit_on_error=False,
        group="grid-profile-filters",
        description="save filters",
    )
    async def _save_filters(self, key: str, request: PageRequest) -> None:
        await save_filters(self.app, key, request.filter, request.where)

    # Loading ---------------------------------------------------------------------------------

    def reload(self, *, delay: float = 0.0) -> None:
        """Load the first page again (after a search, a sort or a change of data)."""
        self._generation += 1
        if self.all_ticked:  # "all of them" meant those of the list as it was
            self.all_ticked = False
            self._selection_changed()
        # What follows or precedes the rows shown now is stale: nothing loads until it comes.
        self._next = self._before = None
        self._shows_first, self._shows_last = True, False
        self._load(self._request, self._generation, reset=True, delay=delay)

    @on(GridTable.EndRequested)
    def _to_end(self, event: GridTable.EndRequested) -> None:
        event.stop()
        if event.last and not self._shows_last:
            # The end is not loaded: the grid shows the list's last rows, read backwards (a
            # page on its way meanwhile is let finish and dropped, as a stale generation).
            self._generation += 1
            self._next = self._before = None
            self._shows_first, self._shows_last = False, True
            self._load_last(self._request.backwards(None), self._generation)
        elif not event.last and not self._shows_first:
            self.reload()
        else:
            self.table.to_end(last=event.last)

    @work(exclusive=True, exit_on_error=False, group="grid-load", description="load page")
    async def _load_last(self, request: PageRequest, generation: int) -> None:
        self._show_page_before(generation, await self._fetch(request), last=True)

    @work(exclusive=True, exit_on_error=False, group="grid-more", description="load page")
    async def _load_before(self, request: PageRequest, generation: int) -> None:
        self._show_page_before(generation, await self._fetch(request), last=False)

    def _show_page_before(self, generation: int, page: Page[R], *, last: bool) -> None:
        """Put a page read backwards before the loaded rows, the cursor and the view staying
        on the same records (with `last`: in their place, the cursor on the last row).
        DataTable only appends: the table is cleared and the rows are added again."""
        if generation != self._generation:
            return
        table = self.table
        table.flush_rows()
        kept = [] if last else [self._records[str(key.value)] for key in table.rows]
        known = {str(record.id) for record in kept}
        added = [record for record in reversed(page.items) if str(record.id) not in known]
        cursor = table.cursor_row + len(added)
        offset = round(table.scroll_offset.y) + len(added)
        table.clear()
        self._records.clear()
        for record in [*added, *kept]:
            key = str(record.id)
            self._records[key] = record
            table.add_row(*self._cells(record), key=key)
        if last:
            cursor = table.row_count - 1
        before = page.next_cursor
        self._shows_first = before is None
        self._before = self._follow_up(self._request.backwards(before)) if before else None
        self.loading_page = False
        self._show_empty_state()
        self._show_total(page)
        table.move_cursor(row=cursor, animate=False, scroll=last)
        if not last:  # after the next refresh, by then with the table's new height
            table.scroll_to(y=offset, animate=False)

    def _follow_up(self, request: PageRequest) -> PageRequest:
        """A page after the first: twice the rows loaded, up to MORE_PAGE_SIZE (see there)."""
        loaded = self.table.loaded_count
        limit = max(self._request.limit, min(MORE_PAGE_SIZE, 2 * loaded))
        return request.model_copy(update={"limit": limit})

    def _load(
        self, request: PageRequest, generation: int, *, reset: bool, delay: float = 0.0
    ) -> None:
        if reset:  # a new first page: whatever was loading is stale
            self.workers.cancel_group(self, "grid-more")
            self._load_first(request, generation, delay)
        else:
            self._load_more(request, generation)

    @work(exclusive=True, exit_on_error=False, group="grid-load", description="load page")
    async def _load_first(self, request: PageRequest, generation: int, delay: float) -> None:
        if delay:
            await asyncio.sleep(delay)
        restored = False
        if not self._profile_read:
            from webitel_tui.ui.screens.column_setup import saved_columns

            # Before the first page: its rows are made with the columns the user chose, and
            # it is the list of the folder and conditions the user left it with.
            chosen = await saved_columns(self.app, self.profile or "")
            filters = await saved_filters(self.app, self.profile or "")
            self._profile_read = True  # (not if a new search cancelled this read)
            if chosen is not None:
                self.show_columns(chosen)
            if filters is not None and not (request.filter or request.where):
                request = self._request = request.model_copy(
                    update={"filter": filters[0], "where": filters[1]}
                )
                self.post_message(self.FiltersChanged(request))
                restored = True
        try:
            page = await self._fetch(request)
        except DomainError:
            if not restored:
                raise
            # The folder left was deleted since (or a condition no longer reads): the whole
            # list, and the choice forgotten.
            request = self._request = request.model_copy(update={"filter": "", "where": ()})
            self.post_message(self.FiltersChanged(request))
            await save_filters(self.app, self.profile or "", "", ())
            page = await self._fetch(request)
        # Shown from the worker (it runs in the event loop), not by a message to the grid:
        # the first page can then be in the grid's first frame (see on_mount).
        self._show_page(generation, page, reset=True)

    # A group of its own: started by the first page's worker, it must not cancel that one.
    @work(exclusive=True, exit_on_error=False, group="grid-more", description="load page")
    async def _load_more(self, request: PageRequest, generation: int) -> None:
        self._show_page(generation, await self._fetch(request), reset=False)

    async def on_mount(self) -> None:
        # The first page is on its way (see compose): the grid is shown with its records
        # rather than empty and then filled, unless the page takes longer than this.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._first_page.wait(), FIRST_PAGE_WAIT)

    def _show_page(self, generation: int, page: Page[R], *, reset: bool) -> None:
        if generation != self._generation:
            return  # the search or sort changed meanwhile
        table = self.table
        if reset:
            table.clear()
            self._records.clear()
        rows: list[tuple[str, list[Text]]] = []
        for record in page.items:
            key = str(record.id)
            if key in self._records:
                continue
            self._records[key] = record
            rows.append((key, self._cells(record)))
        table.append_rows(rows)
        cursor = page.next_cursor
        self._next = self._follow_up(self._request.next(cursor)) if cursor else None
        self._shows_last = cursor is None
        self.loading_page = False
        self._show_empty_state()
        self._show_total(page)
        self._first_page.set()
        self._shown_generation = generation
        if reset and self._choose_generation == generation:
            self._choose_generation = None
            self._to_the_list()
        self._load_more_if_near()

    def _show_empty_state(self) -> None:
        empty = self.table.row_count == 0
        label = self.query_one("#grid-empty", Static)
        if empty:
            request = self._request
            narrowed = request.search.strip() or request.filter or request.where
            text = NO_MATCHES if narrowed else self._empty_text
            label.update(Text(_(text)))
        if label.display != empty:  # an update asks for a layout: only when it changes
            label.display = empty

    def _show_total(self, page: Page[R]) -> None:
        """How many records the search and filter find (a first page says: Page.total)."""
        if page.total is not None:
            self.total = page.total
        self._show_count()

    @property
    def position(self) -> int | None:
        """The cursor's record's place in the whole list, from 1 (None: no record). Shown
        from its end (End), the rows before those loaded are not: counted back from the
        total."""
        table = self.table
        if table.row_count == 0:
            return None
        if self._shows_first or self.total is None:
            return table.cursor_row + 1
        return self.total - (table.loaded_count - 1 - table.cursor_row)

    def _show_count(self) -> None:
        position = self.position
        if (position, self.total) == self._counted and position is not None:
            return  # every key that moves the cursor comes here: nothing to redo
        self._counted = (position, self.total)
        if position is None:
            text = tr("Records: {0}", number(self.total or 0)) if self.total == 0 else ""
        elif self.total is None:
            text = tr("Row {0}", number(position))
        else:
            text = tr("Row {0} of {1}", number(position), number(self.total))
        self._count.show(Text(text))

    @on(DataTable.RowHighlighted)
    def _near_the_end(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self._show_count()
        self._load_more_if_near()

    def _load_more_if_near(self) -> None:
        table = self.table
        row = table.cursor_row
        if self.loading_page:
            return
        # A screen: the terminal's height (the table may not be laid out yet).
        ahead = LOAD_AHEAD * self.app.size.height
        if row >= table.loaded_count - ahead and self._next is not None:
            self.loading_page = True
            self._load(self._next, self._generation, reset=False)
        elif row < LOAD_BEHIND * self.app.size.height and self._before is not None:
            self.loading_page = True
            self._load_before(self._before, self._generation)

    # Search and sort --------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # In the search box "/" is a character like any other (None: the key goes on there).
        # `focused`, not `has_focus`: that follows only once the focus event is handled.
        if action == "search" and self.screen.focused is self.search_input:
            return None
        if action == "tick_all":  # a section's ticks (a lookup's are chosen records)
            return self.ticks and not self.multi_select
        return True

    def action_search(self) -> None:
        self.screen.set_focus(self.search_input)  # at once: the keys behind "/" go there

    @on(Input.Changed, "#grid-search")
    def _search_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._request = self._request.model_copy(update={"search": event.value, "after": None})
        self.reload(delay=SEARCH_DELAY)

    @on(Input.Submitted, "#grid-search")
    def _search_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self._shown_generation == self._generation:
            self._to_the_list()
        else:  # the search's page is on its way: the list takes the focus once it is shown
            self._choose_generation = self._generation

    def _to_the_list(self) -> None:
        """After Enter in the search box: the list takes the focus (a single-select lookup
        chooses the first match); the keys typed behind the Enter go on from there."""
        self.table.focus()
        if self.choose_on_search_enter:
            self._choose_current()
        else:
            release_keys(self)

    def _choose_current(self) -> None:
        record = self.current
        if record is not None and not self._refused(record):
            # Its handler releases the keys held behind the Enter (the lookup, once closed).
            self.post_message(self.Opened(record))
        else:
            release_keys(self)

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

    def action_column_setup(self) -> None:
        from webitel_tui.ui.screens.column_setup import ColumnSetupDialog

        shown = {column.key for column in self.columns}
        order = self.columns + [c for c in self.all_columns if c.key not in shown]
        items = [(column.key, column.caption, column.key in shown) for column in order]
        self.app.push_screen(ColumnSetupDialog(items), self._columns_chosen)

    def _columns_chosen(self, chosen: list[str] | None) -> None:
        if chosen is None:
            return
        self.show_columns(chosen)
        if self.profile is not None:
            self._save_columns(self.profile, chosen)

    @work(exit_on_error=False, group="grid-profile", description="save columns")
    async def _save_columns(self, key: str, chosen: list[str]) -> None:
        from webitel_tui.ui.screens.column_setup import save_columns

        await save_columns(self.app, key, chosen)

    def show_columns(self, keys: Sequence[str]) -> None:
        """Show these columns (by key, unknown keys skipped), in this order; the rows loaded
        stay."""
        by_key = {column.key: column for column in self.all_columns}
        columns = [by_key[key] for key in dict.fromkeys(keys) if key in by_key]
        if not columns or columns == self.columns:
            return
        self.columns = columns
        self._rebuild(force=True)

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

    def _widths(self) -> list[int]:
        table = self.table
        room = table.room
        if room == 0:  # not laid out yet: the screen's width, until the first Resized
            room = self.app.size.width
        if self.ticks:
            room -= 1 + 2 * table.cell_padding
        return column_widths(self.columns, room, self._request.sort, table.cell_padding)

    def _build_columns(self) -> None:
        """(Re)create the columns: the caption of the sort column shows its direction."""
        table = self.table
        table.clear(columns=True)
        self._records.clear()
        self._add_columns(self._widths())

    def _add_columns(self, widths: list[int]) -> None:
        table = self.table
        self._shown_widths = widths
        if self.ticks:
            table.add_column(Text(CHECK), key="__check__", width=1)
        for column, width in zip(self.columns, widths, strict=True):
            table.add_column(self._caption_of(column, width), key=column.key, width=width)

    def _caption_of(self, column: GridColumn[R], width: int) -> Text:
        """The column's caption, cut to its width if need be, the sort arrow kept."""
        arrow = ""
        if column.key == self._request.sort:
            arrow = DESCENDING if self._request.descending else ASCENDING
        caption = Text(_(column.caption))
        caption.truncate(max(1, width - cell_len(arrow)), overflow="ellipsis")
        caption.append(arrow)
        return caption

    @on(GridTable.Resized)
    def _resized(self, event: GridTable.Resized) -> None:
        event.stop()
        self._rebuild(force=False)

    def _rebuild(self, *, force: bool) -> None:
        """Fit the columns to the table's width (or show another choice of them: `force`).
        DataTable has no public way to change a column's width: the columns are made again
        and the loaded rows added again, the cursor and the view on the same rows."""
        widths = self._widths()
        if not force and widths == self._shown_widths:
            return
        table = self.table
        table.flush_rows()
        records = self.records
        cursor, y = table.cursor_row, round(table.scroll_offset.y)
        table.clear(columns=True)
        self._add_columns(widths)
        for record in records:
            table.add_row(*self._cells(record), key=str(record.id))
        if records:
            table.move_cursor(row=cursor, animate=False, scroll=False)
            table.scroll_to(x=0, y=y, animate=False)

    def why_not(self, record: R) -> str | None:
        """Why the record cannot be chosen or ticked (its row is dimmed), or None: it can."""
        return None if self._why_not is None else self._why_not(record)

    def _cells(self, record: R) -> list[Text]:
        cells = [self._cell(column, record) for column in self.columns]
        if self.why_not(record) is not None:
            cells = [cell.copy() for cell in cells]
            for cell in cells:
                cell.stylize("dim")
        if self.ticks:
            ticked = self.all_ticked or str(record.id) in self.selected
            cells.insert(0, Text(CHECK if ticked else ""))
        return cells

    @staticmethod
    def _cell(column: GridColumn[R], record: R) -> Text:
        value = column.render(record)
        # Data is shown as typed: a user named "[red]x" must not turn red (a Text is not
        # markup), nor one named "\x1b[2J" clear the screen (control characters shown as
        # stand-ins, domain/display.py).
        if not isinstance(value, Text):
            return Text(visible(value))
        plain = value.plain
        shown = visible(plain)
        return value if shown == plain else Text(shown, style=value.style)

    # Opening and selecting --------------------------------------------------------------------

    @on(DataTable.RowSelected)
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        record = self._records.get(str(event.row_key.value))
        if record is None or self._refused(record):
            return
        if self.multi_select:
            self._toggle(record)
        else:
            self.post_message(self.Opened(record))

    @on(GridTable.ToggleRequested)
    def _toggle_current(self, event: GridTable.ToggleRequested) -> None:
        event.stop()
        record = self.current
        if record is not None and self.ticks and not self._refused(record):
            self._toggle(record)

    def _refused(self, record: R) -> bool:
        """The record cannot be chosen: the grid says why (SectionGrid.Refused)."""
        reason = self.why_not(record)
        if reason is not None:
            self.post_message(self.Refused(record, reason))
        return reason is not None

    def clear_ticks(self) -> None:
        """Untick every record (the rows show it when the list is read again)."""
        self.all_ticked = False
        self.selected.clear()
        self._selection_changed()

    def _selection_changed(self) -> None:
        """Say how many records are ticked: under the list (a section's ticks) and to the
        screen (a lookup counts them in its own way)."""
        count = self.ticked_count
        if self.ticks and not self.multi_select:
            label = self.query_one("#ticked-count", Static)
            label.update(Text(tr("Records selected: {0}", number(count))))
            label.display = count > 0
        self.post_message(self.SelectionChanged(count))

    def action_tick_all(self) -> None:
        self.tick_all()

    def tick_all(self) -> None:
        """ctrl+a: tick every record of the search and filter (the bulk action reads them
        page by page); again: untick everything."""
        self.all_ticked = not self.all_ticked
        self.selected.clear()
        self.table.flush_rows()  # their cells were made before: ticked with the others now
        mark = Text(CHECK if self.all_ticked else "")
        for key in self.table.rows:
            self.table.update_cell(key, "__check__", mark)
        self._selection_changed()

    @property
    def ticked_count(self) -> int:
        if self.all_ticked:
            return self.total or 0
        return len(self.selected)

    def _toggle(self, record: R) -> None:
        if self.all_ticked:  # one record's tick means nothing among "all of them"
            self.post_message(self.Refused(record, _(ALL_TICKED)))
            return
        key = str(record.id)
        if key in self.selected:
            del self.selected[key]
        else:
            self.selected[key] = record
        self.table.update_cell(key, "__check__", Text(CHECK if key in self.selected else ""))
        self._selection_changed()
