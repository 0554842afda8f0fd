"""Walking a list page by page: a page that cannot follow the one before stops the walk."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from webitel_tui.webitel import MalformedResponseError, checked_page, iter_items, iter_pages
from webitel_tui.webitel.wire import Page, User, parse_page


def _page(*ids: str, more: bool = False) -> Page[User]:
    if not ids and more:  # parse_page refuses it: a fetcher of another kind could return it
        contradiction: Page[User] = Page(items=(), next=True)
        return contradiction
    return parse_page(User, {"items": [{"id": i} for i in ids], "next": more})


def _server(*pages: Page[User]) -> tuple[list[int], Callable[[int], Awaitable[Page[User]]]]:
    """A fetcher answering `pages` in turn, and the page numbers it was asked for."""
    asked: list[int] = []

    async def fetch(number: int) -> Page[User]:
        asked.append(number)
        return pages[number - 1]

    return asked, fetch


async def test_the_walk_follows_next_and_ends_with_the_page_that_says_no_more() -> None:
    asked, fetch = _server(_page("1", "2", more=True), _page("3"), _page("4"))
    assert [u.id async for u in iter_items(fetch)] == ["1", "2", "3"]
    assert asked == [1, 2]


async def test_an_empty_first_page_is_an_empty_list() -> None:
    """A real server with no users answers `{}`: proto3 drops the empty fields."""
    asked, fetch = _server(_page())
    assert [u async for u in iter_items(fetch)] == []
    assert asked == [1]


async def test_an_empty_page_after_one_that_said_more_is_malformed() -> None:
    """Taken for the end, it made the users not read look deleted on the server."""
    asked, fetch = _server(_page("1", more=True), _page("2", more=True), _page())
    seen: list[str] = []
    with pytest.raises(MalformedResponseError, match="page 3 is empty although page 2 said"):
        async for user in iter_items(fetch):
            seen.append(user.id)
    assert seen == ["1", "2"] and asked == [1, 2, 3]


async def test_an_empty_page_that_says_more_is_malformed_and_not_followed() -> None:
    asked, fetch = _server(_page(more=True), _page("1"))
    with pytest.raises(MalformedResponseError, match="page 1 is empty but says more follow"):
        [page async for page in iter_pages(fetch)]
    assert asked == [1]


def test_the_first_page_of_a_walk_is_the_one_it_starts_from() -> None:
    assert checked_page(_page(), 3, start=3).items == ()
    with pytest.raises(MalformedResponseError, match="page 4 is empty although page 3"):
        checked_page(_page(), 4, start=3)
    assert checked_page(_page("9"), 4, start=3).items[0].id == "9"
