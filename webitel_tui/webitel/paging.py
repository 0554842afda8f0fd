"""Walk Webitel's ``page``/``next`` lists."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

from webitel_tui.webitel.wire import ItemT, Page

__all__ = ["iter_items", "iter_pages"]

PageFetcher = Callable[[int], Awaitable[Page[ItemT]]]


async def iter_pages(fetch: PageFetcher[ItemT], *, start: int = 1) -> AsyncIterator[Page[ItemT]]:
    """Yield pages from ``start`` (Webitel pages are 1-based) until ``next`` is false.

    An empty page also ends the walk, so that a server that keeps saying ``next: true``
    without items cannot loop us forever.
    """
    number = start
    while True:
        page = await fetch(number)
        yield page
        if not page.next or not page.items:
            return
        number += 1


async def iter_items(fetch: PageFetcher[ItemT], *, start: int = 1) -> AsyncIterator[ItemT]:
    async for page in iter_pages(fetch, start=start):
        for item in page.items:
            yield item
