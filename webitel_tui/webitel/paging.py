"""Walk Webitel's ``page``/``next`` lists."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Awaitable, Callable

from webitel_tui.webitel.errors import MalformedResponseError
from webitel_tui.webitel.wire import ItemT, Page

__all__ = ["checked_page", "iter_items", "iter_pages"]

PageFetcher = Callable[[int], Awaitable[Page[ItemT]]]


def checked_page(page: Page[ItemT], number: int, *, start: int = 1) -> Page[ItemT]:
    """`page`, the page `number` of a walk from `start`, unless it cannot be that page.

    Each page after `start` is read only because the one before said ``next: true``: an
    empty page there contradicts that, and taking it for the end would end the walk early
    (and what was not read would look deleted). An empty page that itself says ``next``
    is as contradictory, and following it could loop for ever. Only the first page may be
    empty: that is how a list with nothing in it looks.
    """
    if page.items:
        return page
    if number > start:
        raise MalformedResponseError(
            f"page {number} is empty although page {number - 1} said more follow"
        )
    if page.next:
        raise MalformedResponseError(f"page {number} is empty but says more follow")
    return page


async def iter_pages(
    fetch: PageFetcher[ItemT], *, start: int = 1
) -> AsyncGenerator[Page[ItemT], None]:
    """Yield pages from ``start`` (Webitel pages are 1-based) until ``next`` is false;
    a page that cannot follow the one before raises MalformedResponseError."""
    number = start
    while True:
        page = checked_page(await fetch(number), number, start=start)
        yield page
        if not page.next:
            return
        number += 1


async def iter_items(fetch: PageFetcher[ItemT], *, start: int = 1) -> AsyncGenerator[ItemT, None]:
    async for page in iter_pages(fetch, start=start):
        for item in page.items:
            yield item
