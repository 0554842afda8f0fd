"""For tests that cancel work in the middle of an SQLite query (see db/sqlite_connection.py)."""

from __future__ import annotations

import asyncio

from sqlalchemy import text

# Counting to a few million in SQLite keeps the connection's thread busy long enough to cancel
# the query, and then the close SQLAlchemy queues behind it, while they wait.
SLOW_QUERY = text(
    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000000) "
    "SELECT count(*) FROM n"
)


async def others_end(seconds: float) -> bool:
    """Whether every other task ends within `seconds`; the stuck ones are cancelled (twice:
    a task can swallow one cancel in a `finally`) so that a failure does not hang the run."""
    others = asyncio.all_tasks() - {asyncio.current_task()}
    if not others:
        return True
    _done, pending = await asyncio.wait(others, timeout=seconds)
    for _ in range(2):
        for task in pending:
            task.cancel()
        await asyncio.sleep(0)
    return not pending
