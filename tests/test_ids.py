"""Record ids: version 7 uuids, in time order."""

from __future__ import annotations

import itertools
import uuid

import pytest

from webitel_tui.db.ids import hex_prefix, milliseconds, new_id


def test_new_ids_are_version_7_in_time_order() -> None:
    first = new_id()
    made = [new_id() for _ in range(10_000)]
    assert len(set(made)) == len(made)
    assert all(m.version == 7 and m.variant == uuid.RFC_4122 for m in made)
    # Ordered by millisecond (within one, the random bits decide).
    assert all(a.int >> 80 <= b.int >> 80 for a, b in itertools.pairwise(made))
    assert first.int >> 80 <= made[0].int >> 80
    assert made[-1].hex.startswith(hex_prefix(made[-1].int >> 80))


@pytest.mark.parametrize("ms", [0, 1, milliseconds(), 2**48 - 1])
def test_the_prefix_is_the_time_and_version_digits(ms: int) -> None:
    assert len(hex_prefix(ms)) == 13 and hex_prefix(ms)[-1] == "7"
    assert int(hex_prefix(ms)[:12], 16) == ms
