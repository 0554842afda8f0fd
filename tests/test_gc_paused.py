"""The cyclic collector is held inside `gc_paused` and enabled again by whoever found it so."""

from __future__ import annotations

import asyncio
import gc

from webitel_tui.gc_paused import gc_paused


def test_held_inside_nested_blocks_and_enabled_after_the_outermost() -> None:
    assert gc.isenabled()
    with gc_paused():
        assert not gc.isenabled()
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_left_disabled_when_it_was_disabled_before() -> None:
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


async def test_overlapping_blocks_of_two_tasks_leave_it_enabled() -> None:
    first_in, second_in, first_out = asyncio.Event(), asyncio.Event(), asyncio.Event()

    async def first() -> None:
        with gc_paused():
            first_in.set()
            await second_in.wait()
        first_out.set()

    async def second() -> None:
        await first_in.wait()
        with gc_paused():
            second_in.set()
            await first_out.wait()

    await asyncio.gather(first(), second())
    assert gc.isenabled()
