"""Record ids: RFC 9562 version 7 uuids (Unix milliseconds first, then random bits).

Every table's primary key and most of its lookups are indexed by id. With random (version 4)
ids each new row lands on a random leaf of every such index, so a large transaction touches
nearly every leaf and rewrites them at checkpoint. Ids that grow with time land on the
right-hand edge instead. They are still uuids, as Creatio's ids are, and as unique: 74 random
bits within a millisecond.
"""

from __future__ import annotations

import os
import time
import uuid

_VERSION = 7
_RAND_B = (1 << 62) - 1


def milliseconds() -> int:
    return time.time_ns() // 1_000_000


def new_id() -> uuid.UUID:
    """A new version 7 uuid (Python 3.14's uuid.uuid7, for the Pythons before it)."""
    random = int.from_bytes(os.urandom(10))
    value = (
        (milliseconds() << 80)
        | (_VERSION << 76)
        | ((random >> 68) << 64)  # rand_a: 12 bits
        | (0b10 << 62)  # the RFC's variant
        | (random & _RAND_B)
    )
    return uuid.UUID(int=value)
