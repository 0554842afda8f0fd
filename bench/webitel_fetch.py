"""Fetch every user of a 10,000-user simulator: the client against a raw httpx loop.

The simulator runs in a child process (so that its CPU time does not share our GIL) on a free
loopback port, and is stopped at the end. Both sides fetch the same pages with one
connection; the raw loop decodes the JSON, the client also validates every user. Runs are
interleaved and the best of several is kept, to damp noise from the machine.

Prints one ``BENCH`` line per figure, plus a sweep of page sizes that chose the client's
default (``webitel_tui.webitel.options.DEFAULT_PAGE_SIZE``).
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

import httpx
from _simulator import login, simulator_process

from webitel_tui.webitel import DEFAULT_PAGE_SIZE, WebitelClient, WebitelOptions

USERS = 10_000
ROUNDS = 5
SWEEP_ROUNDS = 3
PAGE_SIZES = (100, 200, 500, 1000, 2000)
RATIO_TARGET = 1.3


async def raw_fetch(http: httpx.AsyncClient, token: str, size: int) -> int:
    # Keeps every decoded user, as the client does: both return all the users.
    users: list[dict[str, Any]] = []
    page = 1
    while True:
        answer = await http.get(
            "/users",
            params={"page": page, "size": size},
            headers={"X-Webitel-Access": token},
        )
        body: dict[str, Any] = answer.json()
        users.extend(body.get("items", []))
        if not body.get("next"):
            return len(users)
        page += 1


async def client_fetch(client: WebitelClient, size: int) -> int:
    return len(await client.list_users(page_size=size))


async def timed(run: Callable[[], Awaitable[int]]) -> float:
    started = time.perf_counter()
    count = await run()
    elapsed = time.perf_counter() - started
    if count != USERS:
        raise RuntimeError(f"fetched {count} users, expected {USERS}")
    return elapsed


async def measure(base_url: str) -> None:
    token = await login(base_url)
    options = WebitelOptions(base_url=base_url, token=token, timeout=30.0)
    async with (
        httpx.AsyncClient(base_url=base_url, timeout=30.0) as http,
        WebitelClient(options) as client,
    ):
        await raw_fetch(http, token, DEFAULT_PAGE_SIZE)  # warm the server's caches
        raw_times, client_times = [], []
        for _ in range(ROUNDS):
            raw_times.append(await timed(lambda: raw_fetch(http, token, DEFAULT_PAGE_SIZE)))
            client_times.append(await timed(lambda: client_fetch(client, DEFAULT_PAGE_SIZE)))
        raw_best, client_best = min(raw_times), min(client_times)
        ratio = client_best / raw_best
        print(f"page size {DEFAULT_PAGE_SIZE}: raw best {raw_best:.3f} s "
              f"(median {statistics.median(raw_times):.3f}), client best {client_best:.3f} s "
              f"(median {statistics.median(client_times):.3f})")  # fmt: skip
        print(f"BENCH webitel_fetch_all_ratio {ratio:.2f} x target <= {RATIO_TARGET}")
        print(f"BENCH webitel_fetch_all_seconds {client_best:.3f} s target <= 1.0")

        print(f"page size sweep (client fetch-all, best of {SWEEP_ROUNDS}; raw for reference):")
        timings: dict[int, float] = {}
        for size in PAGE_SIZES:
            raw = await best_of(SWEEP_ROUNDS, partial(raw_fetch, http, token, size))
            took = await best_of(SWEEP_ROUNDS, partial(client_fetch, client, size))
            timings[size] = took
            requests = -(-USERS // size)
            print(f"  size {size:>5}: client {took:.3f} s, raw {raw:.3f} s, "
                  f"ratio {took / raw:.2f}, {requests} requests")  # fmt: skip
            print(f"BENCH webitel_fetch_all_seconds_size_{size} {took:.3f} s target <= 1.0")
        fastest = min(timings.values())
        # The smallest page within 15 % of the fastest: bigger pages save little more time
        # but make each answer (about 1 kB per user) slower to arrive over a real network.
        chosen = min(size for size, took in timings.items() if took <= fastest * 1.15)
        print(f"suggested default page size: {chosen}; client default: {DEFAULT_PAGE_SIZE}")


async def best_of(rounds: int, run: Callable[[], Awaitable[int]]) -> float:
    return min([await timed(run) for _ in range(rounds)])


def main() -> int:
    with simulator_process(USERS) as base_url:
        asyncio.run(measure(base_url))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
