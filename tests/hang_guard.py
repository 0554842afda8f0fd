"""A test that hangs ends the run instead of holding CI until its time limit.

If one test (its set-up, call and tear-down) takes longer than `WEBITEL_TUI_TEST_HANG_SECONDS`
(default 300; the slowest test takes about 15 s), this prints every thread's stack and every
unfinished asyncio task's stack to the terminal and exits the process with status 1. A hang
with no CPU is usually a task waiting for a future nobody will complete: the task stacks say
which. The standard library does it (a timer thread and faulthandler); no plug-in needed.
"""

from __future__ import annotations

import asyncio
import faulthandler
import os
import sys
import threading
from collections.abc import Generator, Iterable

import pytest

DEFAULT_SECONDS = 300.0
_stderr_fd: int | None = None


def hang_seconds() -> float:
    return float(os.environ.get("WEBITEL_TUI_TEST_HANG_SECONDS", DEFAULT_SECONDS))


def pytest_configure(config: pytest.Config) -> None:
    global _stderr_fd
    # The terminal itself, kept before output capturing can redirect file descriptor 2 (as
    # pytest's faulthandler plug-in does): what is written at the hang must be seen.
    stream = sys.__stderr__ if sys.__stderr__ is not None else sys.stderr
    _stderr_fd = os.dup(stream.fileno())


def _unfinished_tasks() -> list[asyncio.Task[object]]:
    # Every loop's tasks, read from the timer thread while the loop sleeps: racy in general,
    # good enough for a report printed just before the process ends. `asyncio.all_tasks`
    # wants to run in the loop's own thread, which is the one hanging.
    every: Iterable[asyncio.Task[object]] = getattr(asyncio.tasks, "_all_tasks", ())
    for _ in range(3):
        try:
            return [task for task in list(every) if not task.done()]
        except RuntimeError:  # the set changed while being copied
            continue
    return []


def _report_and_exit(nodeid: str, seconds: float) -> None:
    fd = _stderr_fd if _stderr_fd is not None else 2
    with os.fdopen(os.dup(fd), "w") as out:
        out.write(f"\n\n{nodeid} did not end within {seconds:.0f} s: it hangs.\n\nThreads:\n")
        out.flush()
        faulthandler.dump_traceback(file=out, all_threads=True)
        out.write("\nUnfinished asyncio tasks:\n")
        for task in _unfinished_tasks():
            out.write(f"\n{task!r}\n")
            task.print_stack(file=out)
        out.flush()
    os._exit(1)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_protocol(item: pytest.Item) -> Generator[None, object, object]:
    seconds = hang_seconds()
    timer = threading.Timer(seconds, _report_and_exit, args=(item.nodeid, seconds))
    timer.daemon = True
    timer.start()
    try:
        return (yield)
    finally:
        timer.cancel()
