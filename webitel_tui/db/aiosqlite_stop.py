"""aiosqlite connections whose `stop()` may be called more than once without a hang.

aiosqlite 0.22 runs each connection in a thread fed by a queue; `stop()` queues a request
that ends the thread and returns a future completed when it has. Every call queues another
request, but the thread ends at the first: a later call's future is never completed. SQLAlchemy
calls `stop()` when it force-closes a connection whose query was cancelled (a worker cancelled
as a screen or the app closes) while its graceful close of that connection is still running;
that close calls `stop()` again and waits for ever. The app then hung at exit with no CPU
(seen as a test run that never ended). Here every call after the first returns the first
call's future, completed when the thread ends.
"""

from __future__ import annotations

import asyncio
from typing import Any

import aiosqlite


class StopOnceConnection(aiosqlite.Connection):
    """An aiosqlite connection whose thread is asked to stop once, however often it is told."""

    _stop_asked = False
    _stop_future: asyncio.Future[Any] | None = None

    def stop(self) -> asyncio.Future[Any] | None:
        if not self._stop_asked:
            self._stop_asked = True
            self._stop_future = super().stop()
        return self._stop_future


def stop_once(dbapi_connection: Any, _record: Any) -> None:
    """SQLAlchemy "connect" listener: the new connection's aiosqlite object becomes a
    `StopOnceConnection` (it has not been used yet; only `stop` differs)."""
    driver = dbapi_connection.driver_connection
    if type(driver) is aiosqlite.Connection:
        driver.__class__ = StopOnceConnection
