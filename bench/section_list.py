"""Section list on 100,000 and on 1,000,000 Webitel users against a bare 50-row DataTable.

    python bench/section_list.py [--users 100k|1m]

The widget under test is the product's `SectionGrid` with the columns of the Webitel users
section, fed by the real repository (`uow.webitel_users.page`, one unit of work per page) on
a fresh SQLite CRM database (temp dir, Alembic schema, the users filled by
`webitel_users_paging.fill`), once per size in SIZES; each figure is printed per size,
`section_<size>_<figure>`. The baseline is a bare `DataTable` (same columns, row cursor and
zebra stripes, the same height as the grid's table, the grid's first 50 rows as rich `Text`
cells) filled from a list in memory. Each lives alone in a minimal App with the product
stylesheet, run headless by `run_test(size=(120, 40))`.

When is a key handled? `pilot.press` cannot say: it sleeps at least 2 x 20 ms per key
(`wait_for_idle`), which would swamp a few milliseconds of work and pull every ratio to 1.
So each app reports its frames (App._display, called once the compositor has rendered an
update; headless, so no terminal writes), a key is posted as the pilot posts it (an
`events.Key` to the app), and it counts as handled at the first frame after the cursor moved
that owes nothing more (no table sizes pending, no after-refresh scroll). Textual paces
frames at TEXTUAL_FPS (default 60: a frame waits for the next 16.7 ms tick), so the timings
run in a child process with TEXTUAL_FPS=1000: a frame follows the work at once, in both apps.
Garbage is collected before and collection disabled during each timed part: a full
collection here takes 50-200 ms and lands by chance (and by this script's history) in one
run or the other. The memory child, which runs with collection on, reports what the grid's
rows cost in full collections.

- `open`: from entering `run_test` until the first frame with 50 rows in the table and their
  column widths computed; median of OPEN_RUNS fresh apps each, taking turns, after a warm-up
  of each. The grid's time includes its first page (unit of work, SQL, models).
- `key_down`: time per cursor-down key that scrolls the view by one row (as every key past
  the first screen of a long list does). Grid: DOWN_KEYS keys from the last row of the first
  screen down through the users; the pages loaded on the way (a worker: SQL in aiosqlite's
  thread, models and rows in the event loop) are in the figure, which is the wall time of
  the whole run, with any wait on the last loaded row for the rows past it and the last
  page settling. Baseline: as many keys that scroll the 50-row table, in rounds (cursor on
  the last visible row with the view at the top, then down to row 49), also timed as the
  wall time of the run, less its resets (so the time from a frame to the next key counts
  in both).
- `key_page`: time per page of rows moved by page-down. Grid: PAGE_KEYS keys from the top
  (wall time of the whole run, as above) divided by the pages the cursor actually moved: a
  page-down that reaches the last loaded row stops short of a page, and the next one waits
  for a frame with rows past it. Baseline: page-down and page-up taking turns in the 50
  rows, each moving the cursor and the view by a page (wall time less resets, as above).
- The bare table would replay the few cursor positions of its 50 rows from its render
  caches, which no key in a long list can do. Before each key (untimed) it drops its renders
  keyed by the cursor position (lines, row lines) and the rendered cells a long list would
  paint anew: for a down key the two rows whose cursor state changes (in a long list one of
  them has just scrolled in, the other was only ever painted as the cursor row), for a page
  key all of them (a page of rows never painted).
- `end`: End pressed on the grid just opened (its first pages loaded, the list's end far
  below them): the time to the first frame with the cursor on the list's last record, in
  view, the frame owing nothing more (median of END_RUNS fresh apps), as a ratio to the
  grid's time per page moved by page-down (`key_page`, same run).
- `memory`: resident memory (VmRSS) of a fresh process with everything imported and
  the database open, against the same process with the grid open after page-down through
  MEMORY_ROWS rows; MB = 2^20 bytes. Printed with it: the same for the bare 50-row app; the
  objects the rows add to every full garbage collection, what one takes before and after,
  and how many Python ran during those keys and for how long.

Ratios are of medians over KEY_PASSES passes (fresh apps, taking turns). Plain lines give the
absolute times, key-to-frame latency percentiles, how often the cursor waited on the last
loaded row, and frames that left the cursor out of view.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import RenderableType
from rich.text import Text
from textual import events
from textual.app import App, ComposeResult
from textual.screen import Screen
from textual.widgets import DataTable
from webitel_users_paging import migrate_and_fill

import webitel_tui.ui
from webitel_tui.db.engine import Database
from webitel_tui.domain.paging import Page, PageRequest
from webitel_tui.domain.webitel_users import WebitelUser
from webitel_tui.repositories import unit_of_work
from webitel_tui.ui.screens.webitel_users import WEBITEL_USER_COLUMNS
from webitel_tui.ui.widgets.section_grid import SectionGrid

SIZE = (120, 40)
ROWS = 50  # the first page, and the baseline table
FPS = "1000"
OPEN_RUNS = 9
KEY_PASSES = 3
DOWN_KEYS = 200  # 200 rows: in the pages loaded ahead (the grid keeps LOAD_AHEAD screens)
PAGE_KEYS = 60  # about 2,000 rows: follow-up pages of 100, 300, then 500 rows on the way
MEMORY_ROWS = 5_000
TIMEOUT = 30.0  # seconds for any one frame to come; a hang is a failure, not a figure
MB = 1 << 20

OPEN_TARGET = 1.5  # x the bare table
KEY_TARGET = 1.2  # x the bare table
MEMORY_TARGET = 60.0  # MB
END_TARGET = 2.0  # x one page-down of the grid
END_RUNS = 5
SIZES = {"100k": 100_000, "1m": 1_000_000}

STYLESHEET = Path(webitel_tui.ui.__file__).parent / "app.tcss"


# The product's own columns of the Webitel users section (fixed widths included).
COLUMNS = WEBITEL_USER_COLUMNS


# Apps -----------------------------------------------------------------------------------------


class FramedApp(App[None]):
    """An app that reports the first frame at which a condition holds."""

    CSS_PATH = STYLESHEET

    def __init__(self) -> None:
        super().__init__()
        self.frames = 0
        self.cursor_hidden = 0
        self._condition: Callable[[], bool] = lambda: False
        self._reached: asyncio.Future[float] | None = None

    def expect(self, condition: Callable[[], bool]) -> asyncio.Future[float]:
        """A future set to the time of the first frame rendered while `condition()` holds."""
        self._condition = condition
        self._reached = asyncio.get_running_loop().create_future()
        return self._reached

    def _display(self, screen: Screen[Any], renderable: RenderableType | None) -> None:
        super()._display(screen, renderable)
        if renderable is None:
            return
        self.frames += 1
        reached = self._reached
        if reached is not None and not reached.done() and self._condition():
            reached.set_result(time.perf_counter())

    @property
    def table(self) -> DataTable[Any]:
        raise NotImplementedError

    @property
    def loading(self) -> bool:
        """A page is being loaded (never, for the bare table)."""
        return False

    @property
    def exhausted(self) -> bool:
        """No more rows will come."""
        return True


class GridApp(FramedApp):
    AUTO_FOCUS = "#grid-table"

    def __init__(self, db: Database) -> None:
        super().__init__()
        self.db = db

    async def fetch(self, request: PageRequest) -> Page[WebitelUser]:
        async with unit_of_work(self.db) as uow:
            return await uow.webitel_users.page(request)

    def compose(self) -> ComposeResult:
        yield SectionGrid(COLUMNS, self.fetch, sort="name", id="grid")

    @property
    def grid(self) -> SectionGrid[WebitelUser]:
        return self.query_one("#grid", SectionGrid)

    @property
    def table(self) -> DataTable[Any]:
        return self.grid.table

    @property
    def loading(self) -> bool:
        return self.grid.loading_page

    @property
    def exhausted(self) -> bool:
        return self.grid.shows_last


class BareApp(FramedApp):
    # The height of the grid's table: the grid's search box and its margin take 4 lines.
    CSS = "DataTable { height: 1fr; margin-top: 4; }"

    def __init__(self, rows: Sequence[tuple[str, Sequence[str]]]) -> None:
        super().__init__()
        self.rows = rows

    def compose(self) -> ComposeResult:
        yield DataTable[Text](cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        table = self.table
        for column in COLUMNS:
            table.add_column(Text(column.caption), key=column.key, width=column.width)
        for key, cells in self.rows:
            table.add_row(*(Text(cell) for cell in cells), key=key)

    @property
    def table(self) -> DataTable[Any]:
        return self.query_one(DataTable)


# Driving --------------------------------------------------------------------------------------


def viewport_rows(table: DataTable[Any]) -> int:
    """Data rows the table shows at once (all rows are one line high)."""
    return table.scrollable_content_region.height - table.header_height


def cursor_shown(table: DataTable[Any], row: int) -> bool:
    top = table.scroll_offset.y
    return table.cursor_row == row and top <= row < top + viewport_rows(table)


def state(app: FramedApp) -> str:
    table = app.table
    return (
        f"cursor row {table.cursor_row} of {table.row_count}, view from "
        f"{table.scroll_offset.y} ({viewport_rows(table)} rows, virtual height "
        f"{table.virtual_size.height}), loading {app.loading}, frames {app.frames}"
    )


def quiet(app: FramedApp) -> bool:
    """Nothing the frame still owes: no table sizes to compute, no after-refresh callback
    (the table scrolls to the cursor in one when the key came before new rows were sized)."""
    return not app.table._require_update_dimensions and not app.screen._callbacks


def rows_shown(table: DataTable[Any], count: int) -> bool:
    return table.row_count >= count and not table._require_update_dimensions


async def frame_when(app: FramedApp, condition: Callable[[], bool]) -> float:
    return await asyncio.wait_for(app.expect(condition), TIMEOUT)


def forget_renders(table: DataTable[Any], rows: Sequence[int] | None) -> None:
    """Make the bare table paint the next key as a long list must (untimed).

    With 50 rows it cycles through a few cursor positions and would replay them from its
    caches, which no key in a long list can do. So it drops its renders keyed by the cursor
    position (lines, row lines), and the cells of `rows` (all cells if None): a down key in a
    long list paints the row scrolling in as the cursor row and the row it leaves without
    the cursor, neither painted that way before; a page key paints a page of new rows."""
    table._line_cache.clear()
    table._row_render_cache.clear()
    if rows is None:
        table._cell_render_cache.clear()
        table._row_renderable_cache.clear()
        return
    keys = {table.ordered_rows[row].key for row in rows}
    cells = table._cell_render_cache
    for cell in list(cells.keys()):
        if cell[0] in keys:
            cells.discard(cell)
    renderables = table._row_renderable_cache
    for cached in list(renderables.keys()):
        if cached[1] in rows:
            renderables.discard(cached)


async def press(app: FramedApp, key: str) -> tuple[float, float]:
    """Post one key as the pilot does: the seconds until a frame shows it handled, and the
    part of a full move it made (1 for a down key; a page-down may stop short of a page).

    A frame that leaves the cursor out of view is counted in `app.cursor_hidden`."""
    table = app.table
    before = table.cursor_row
    step = viewport_rows(table) if key in ("pagedown", "pageup") else 1

    def handled() -> bool:
        if table.cursor_row == before or not quiet(app):
            return False
        app.cursor_hidden += not cursor_shown(table, table.cursor_row)
        return True

    reached = app.expect(handled)
    started = time.perf_counter()
    app.post_message(events.Key(key, None).set_sender(app))
    try:
        seconds = await asyncio.wait_for(reached, TIMEOUT) - started
    except TimeoutError:
        raise SystemExit(f"no frame after {key!r}: {state(app)}") from None
    return seconds, min(1.0, abs(table.cursor_row - before) / step)


async def settle(app: FramedApp) -> None:
    """Wait for a page being loaded to be shown."""
    if app.loading:
        table = app.table
        await frame_when(app, lambda: not app.loading and rows_shown(table, table.row_count))


async def at_loaded_end(app: FramedApp) -> bool:
    """If the cursor is on the last loaded row, wait for a frame that shows rows past it
    (what a user holding the key waits for: not for a further page the grid may be loading
    meanwhile); True if it waited."""
    table = app.table
    row = table.cursor_row
    if row < table.row_count - 1 or app.exhausted:
        return False
    if not app.loading:
        raise SystemExit("the cursor is on the last loaded row and no page is loading")
    await frame_when(app, lambda: table.row_count > row + 1 and rows_shown(table, row + 2))
    return True


@asynccontextmanager
async def no_gc() -> AsyncIterator[None]:
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


@dataclass
class KeyRun:
    seconds: float
    latencies: list[float]
    moves: float  # full moves made: keys, less the part of a page that page-downs fell short
    waits: int = 0  # times the cursor was on the last loaded row and waited for a page
    hidden: int = 0  # frames that left the cursor out of view

    @property
    def per_move(self) -> float:
        return self.seconds / self.moves


async def grid_keys(app: FramedApp, key: str, count: int) -> KeyRun:
    """`count` keys through the grid, timed as one run with the loading they cause."""
    latencies: list[float] = []
    moves = 0.0
    waits = 0
    started = time.perf_counter()
    for _ in range(count):
        waits += await at_loaded_end(app)
        seconds, move = await press(app, key)
        latencies.append(seconds)
        moves += move
    await settle(app)
    return KeyRun(time.perf_counter() - started, latencies, moves, waits)


async def bare_downs(app: FramedApp, count: int) -> KeyRun:
    """`count` down keys that each scroll the 50-row table by one row (resets not timed)."""
    table = app.table
    edge = viewport_rows(table) - 1
    if edge >= ROWS - 1:
        raise SystemExit(f"the bare table shows all {ROWS} rows: no down key scrolls it")
    latencies: list[float] = []
    moves = 0.0
    untimed = 0.0
    started = time.perf_counter()
    while len(latencies) < count:
        reset = time.perf_counter()
        table.move_cursor(row=edge, scroll=False)
        table.scroll_to(y=0, animate=False, immediate=True)
        await frame_when(app, lambda: cursor_shown(table, edge) and table.scroll_offset.y == 0)
        untimed += time.perf_counter() - reset
        while table.cursor_row < ROWS - 1 and len(latencies) < count:
            reset = time.perf_counter()
            forget_renders(table, (table.cursor_row, table.cursor_row + 1))
            untimed += time.perf_counter() - reset
            seconds, move = await press(app, "down")
            latencies.append(seconds)
            moves += move
    return KeyRun(time.perf_counter() - started - untimed, latencies, moves)


async def bare_pages(app: FramedApp, count: int) -> KeyRun:
    """Page-down and page-up taking turns in the 50 rows, each a page of cursor and view."""
    latencies: list[float] = []
    moves = 0.0
    untimed = 0.0
    started = time.perf_counter()
    for number in range(count):
        reset = time.perf_counter()
        forget_renders(app.table, None)
        untimed += time.perf_counter() - reset
        seconds, move = await press(app, "pagedown" if number % 2 == 0 else "pageup")
        latencies.append(seconds)
        moves += move
    return KeyRun(time.perf_counter() - started - untimed, latencies, moves)


# Measurements ---------------------------------------------------------------------------------


async def open_time(app: FramedApp) -> float:
    shown = app.expect(lambda: rows_shown(app.table, ROWS))
    async with no_gc():
        started = time.perf_counter()
        async with app.run_test(size=SIZE):
            return await asyncio.wait_for(shown, TIMEOUT) - started


KeyRunner = Callable[[FramedApp], Awaitable[KeyRun]]


async def key_run(app: FramedApp, runner: KeyRunner) -> KeyRun:
    shown = app.expect(lambda: rows_shown(app.table, ROWS))
    async with app.run_test(size=SIZE):
        await asyncio.wait_for(shown, TIMEOUT)
        app.table.focus()
        app.cursor_hidden = 0
        async with no_gc():
            result = await runner(app)
        result.hidden = app.cursor_hidden
    return result


async def grid_down_run(app: FramedApp) -> KeyRun:
    table = app.table
    edge = viewport_rows(table) - 1
    table.move_cursor(row=edge)
    await frame_when(app, lambda: cursor_shown(table, edge))
    await settle(app)
    return await grid_keys(app, "down", DOWN_KEYS)


async def last_user(db: Database) -> WebitelUser:
    """The last record of the grid's list (name order), read apart from the grid."""
    async with unit_of_work(db) as uow:
        page = await uow.webitel_users.page(PageRequest(sort="name", descending=True, limit=1))
    return page.items[0]


async def end_time(app: GridApp, last: WebitelUser) -> float:
    """From End to the first frame with the cursor on the list's last record, in view."""
    shown = app.expect(lambda: rows_shown(app.table, ROWS))
    async with app.run_test(size=SIZE):
        await asyncio.wait_for(shown, TIMEOUT)
        await settle(app)
        table = app.table
        table.focus()
        if app.exhausted:
            raise SystemExit("the grid loaded the whole list: End has nothing to read")

        def on_last() -> bool:
            current = app.grid.current
            return (
                current is not None
                and current.id == last.id
                and cursor_shown(table, table.cursor_row)
                and quiet(app)
            )

        async with no_gc():
            reached = app.expect(on_last)
            started = time.perf_counter()
            app.post_message(events.Key("end", None).set_sender(app))
            try:
                seconds = await asyncio.wait_for(reached, TIMEOUT) - started
            except TimeoutError:
                raise SystemExit(f"End did not reach the last record: {state(app)}") from None
    return seconds


async def grid_page_run(app: FramedApp) -> KeyRun:
    return await grid_keys(app, "pagedown", PAGE_KEYS)


async def bare_down_run(app: FramedApp) -> KeyRun:
    return await bare_downs(app, DOWN_KEYS)


async def bare_page_run(app: FramedApp) -> KeyRun:
    return await bare_pages(app, PAGE_KEYS)


def ms(seconds: float) -> str:
    return f"{seconds * 1e3:.2f} ms"


def percentile(values: Sequence[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


LABEL = "100k"
"""The size measured by this process (set by `--users`)."""


def bench_line(figure: str, value: float, unit: str, target: float) -> str:
    return f"BENCH section_{LABEL}_{figure} {value:.2f} {unit} target <= {target:g}"


def describe(label: str, unit: str, runs: list[KeyRun]) -> None:
    latencies = [latency for run in runs for latency in run.latencies]
    waits = sum(run.waits for run in runs)
    hidden = sum(run.hidden for run in runs)
    moves = statistics.median(run.moves for run in runs)
    print(
        f"{label}: {ms(statistics.median(run.per_move for run in runs))} per {unit} "
        f"(median of {len(runs)} runs of {len(runs[0].latencies)} keys, {moves:.1f} full "
        f"moves each; key to frame median {ms(statistics.median(latencies))}, "
        f"p95 {ms(percentile(latencies, 0.95))}, max {ms(max(latencies))}"
        + (f"; waited on the last loaded row {waits} times" if waits else "")
        + (f"; {hidden} frames left the cursor out of view" if hidden else "")
        + ")"
    )


async def first_rows(db: Database) -> list[tuple[str, list[str]]]:
    async with unit_of_work(db) as uow:
        page = await uow.webitel_users.page(PageRequest(sort="name", limit=ROWS))
    return [(str(user.id), [str(column.render(user)) for column in COLUMNS]) for user in page.items]


async def measure_times(path: Path) -> None:
    db = Database(f"sqlite:///{path}")
    try:
        rows = await first_rows(db)  # also opens the pool, as the logged-in app has it
        for app in (GridApp(db), BareApp(rows)):  # warm-up: first-app costs of the process
            await open_time(app)
        grid_open: list[float] = []
        bare_open: list[float] = []
        for run in range(OPEN_RUNS):
            for grid in (True, False) if run % 2 == 0 else (False, True):
                if grid:
                    grid_open.append(await open_time(GridApp(db)))
                else:
                    bare_open.append(await open_time(BareApp(rows)))
        grid_median, bare_median = statistics.median(grid_open), statistics.median(bare_open)
        print(
            f"open to the first {ROWS} rows shown: grid {ms(grid_median)}, "
            f"bare DataTable {ms(bare_median)} (medians of {OPEN_RUNS}; "
            f"grid {ms(min(grid_open))} to {ms(max(grid_open))}, "
            f"bare {ms(min(bare_open))} to {ms(max(bare_open))})"
        )

        def grid_app() -> FramedApp:
            return GridApp(db)

        def bare_app() -> FramedApp:
            return BareApp(rows)

        plans: list[tuple[str, Callable[[], FramedApp], KeyRunner]] = [
            ("grid down", grid_app, grid_down_run),
            ("bare down", bare_app, bare_down_run),
            ("grid page", grid_app, grid_page_run),
            ("bare page", bare_app, bare_page_run),
        ]
        runs: dict[str, list[KeyRun]] = {label: [] for label, _, _ in plans}
        for _ in range(KEY_PASSES):
            for label, make, runner in plans:
                runs[label].append(await key_run(make(), runner))
        describe("down key, grid (loading included)", "key", runs["grid down"])
        describe("down key, bare DataTable", "key", runs["bare down"])
        describe("page-down, grid (loading included)", "page moved", runs["grid page"])
        describe("page-down/up, bare DataTable", "page moved", runs["bare page"])

        def per_move(label: str) -> float:
            return statistics.median(run.per_move for run in runs[label])

        down = per_move("grid down") / per_move("bare down")
        page = per_move("grid page") / per_move("bare page")
        last = await last_user(db)
        ends = [await end_time(GridApp(db), last) for _ in range(END_RUNS)]
        end = statistics.median(ends)
        print(f"End to the last record: {ms(end)} (median of {END_RUNS}, {ms(min(ends))} to "
              f"{ms(max(ends))}); a grid page-down {ms(per_move('grid page'))}")  # fmt: skip
        print(bench_line("open", grid_median / bare_median, "x", OPEN_TARGET))
        print(bench_line("key_down", down, "x", KEY_TARGET))
        print(bench_line("key_page", page, "x", KEY_TARGET))
        print(bench_line("end", end / per_move("grid page"), "x", END_TARGET))
    finally:
        await db.dispose()


def resident() -> float:
    """Resident memory of this process in MB (VmRSS)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024 / MB
    raise SystemExit("no VmRSS in /proc/self/status")


def full_collection() -> tuple[float, int]:
    """Seconds a full garbage collection takes now (best of 3), and the objects it tracks."""
    best = min(timed(gc.collect) for _ in range(3))
    return best, len(gc.get_objects())


class FullCollections:
    """Full (generation 2) garbage collections Python runs while recording: count, seconds."""

    def __init__(self) -> None:
        self.count = 0
        self.seconds = 0.0
        self._started = 0.0

    def __enter__(self) -> FullCollections:
        gc.callbacks.append(self._callback)
        return self

    def __exit__(self, *_: object) -> None:
        gc.callbacks.remove(self._callback)

    def _callback(self, phase: str, info: dict[str, int]) -> None:
        if info["generation"] != 2:
            return
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.count += 1
            self.seconds += time.perf_counter() - self._started


def timed(operation: Callable[[], object]) -> float:
    started = time.perf_counter()
    operation()
    return time.perf_counter() - started


async def measure_memory(path: Path, which: str) -> None:
    db = Database(f"sqlite:///{path}")
    try:
        rows = await first_rows(db)
        app: FramedApp = GridApp(db) if which == "grid" else BareApp(rows)
        collection_before, objects_before = full_collection()
        before = resident()
        shown = app.expect(lambda: rows_shown(app.table, ROWS))
        async with app.run_test(size=SIZE):
            await asyncio.wait_for(shown, TIMEOUT)
            app.table.focus()
            keys = 0
            with FullCollections() as collections:
                while which == "grid" and app.table.row_count < MEMORY_ROWS:
                    await at_loaded_end(app)
                    await press(app, "pagedown")
                    keys += 1
                await settle(app)
            loaded = app.table.row_count
            collection_after, objects_after = full_collection()
            after = resident()
        growth = after - before
        if which == "bare":
            print(f"resident memory growth of the bare {ROWS}-row DataTable app: {growth:.1f} MB")
            return
        print(
            f"resident memory: {before:.1f} MB before the app, {after:.1f} MB with the grid "
            f"holding {loaded:,} rows after {keys} page-down keys "
            f"({growth * MB / 1024 / loaded:.1f} kB per row, app included)"
        )
        print(
            f"full garbage collection: {ms(collection_before)} over {objects_before:,} objects "
            f"before the app, {ms(collection_after)} over {objects_after:,} with the grid "
            f"({(objects_after - objects_before) / loaded:.0f} objects per loaded row); "
            f"Python ran {collections.count} during the {keys} keys, "
            f"{ms(collections.seconds)} in all ({ms(collections.seconds / keys)} per key)"
        )
        print(bench_line("memory", growth, "MB", MEMORY_TARGET))
    finally:
        await db.dispose()


# The run --------------------------------------------------------------------------------------


async def prepare(path: Path, users: int) -> None:
    db = Database(f"sqlite:///{path}")
    try:
        await migrate_and_fill(db, path, users)
    finally:
        await db.dispose()


def child(mode: str, path: Path, label: str) -> int:
    """Run one measurement in a fresh process (its own memory, TEXTUAL_FPS set before import)."""
    sys.stdout.flush()
    env = dict(os.environ, TEXTUAL_FPS=FPS, PYTHONUNBUFFERED="1")
    script = str(Path(__file__).resolve())
    command = [sys.executable, script, "--child", mode, "--users", label, str(path)]
    return subprocess.run(command, env=env, check=False).returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--child", choices=("times", "memory-grid", "memory-bare"))
    parser.add_argument("--users", choices=SIZES, help="only this size (default: all)")
    parser.add_argument("database", nargs="?", type=Path)
    args = parser.parse_args(argv)
    global LABEL
    LABEL = args.users or LABEL
    if args.child is not None:
        if args.database is None:
            parser.error("--child needs the database path")
        if args.child == "times":
            asyncio.run(measure_times(args.database))
        else:
            asyncio.run(measure_memory(args.database, args.child.removeprefix("memory-")))
        return 0
    failed: list[str] = []
    for label, users in SIZES.items():
        if args.users not in (None, label):
            continue
        with tempfile.TemporaryDirectory(prefix="bench-section-list-") as directory:
            path = Path(directory) / "crm.db"
            asyncio.run(prepare(path, users))
            modes = ("times", "memory-grid", "memory-bare")
            failed += [f"{label} {mode}" for mode in modes if child(mode, path, label)]
    if failed:
        print(f"failed: {', '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
