"""How soon the event loop lets the database thread have the GIL.

The database runs in a thread of its own (aiosqlite), and that thread needs the GIL to make
each row it fetches, while the event loop holds it to paint. CPython hands the GIL over when
a waiting thread has waited 5 ms (the default switch interval), about one row per hand-over
while a key is held: a page of 500 rows came over ~200 ms and the cursor of a held PgDn
caught up with the loaded rows. At 1 ms the page comes in a few frames and painting is not
measurably slower (bench/section_list.py: no waits on the last loaded row; key_down
unchanged).
"""

from __future__ import annotations

import sys

SWITCH_INTERVAL = 0.001
"""Seconds (CPython's default: 0.005)."""


def hand_over_promptly() -> None:
    sys.setswitchinterval(SWITCH_INTERVAL)
