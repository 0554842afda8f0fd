"""Record ids: version 7 uuids, in time order."""

from __future__ import annotations

import itertools
import os
import pickle
import uuid

from webitel_tui.db.ids import milliseconds, new_id


def test_new_ids_are_version_7_in_time_order() -> None:
    before = milliseconds()
    first = new_id()
    made = [new_id() for _ in range(10_000)]
    after = milliseconds()
    assert len(set(made)) == len(made)
    assert all(m.version == 7 and m.variant == uuid.RFC_4122 for m in made)
    # Ordered by millisecond (within one, the random bits decide).
    assert all(a.int >> 80 <= b.int >> 80 for a, b in itertools.pairwise(made))
    assert first.int >> 80 <= made[0].int >> 80
    # The first 48 bits are the millisecond the id was made in.
    assert before <= first.int >> 80 and made[-1].int >> 80 <= after


def test_a_new_id_is_a_whole_uuid() -> None:
    made = new_id()
    assert made == uuid.UUID(str(made)) == uuid.UUID(hex=made.hex) == uuid.UUID(int=made.int)
    assert hash(made) == hash(uuid.UUID(str(made))) and made.is_safe is uuid.SafeUUID.unknown
    assert pickle.loads(pickle.dumps(made)) == made
    assert made.version == 7 and made.variant == uuid.RFC_4122


def test_a_forked_child_does_not_reuse_its_parents_random_bits() -> None:
    new_id()  # the parent now holds random bits for the ids to come
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - the child process
        os.write(write, new_id().bytes)
        os._exit(0)
    os.close(write)
    theirs = uuid.UUID(bytes=os.read(read, 16))
    os.waitpid(child, 0)
    ours = new_id()
    random_bits = (1 << 74) - 1 & ~(0b11 << 62)  # rand_a and rand_b, not the variant
    assert theirs.int & random_bits != ours.int & random_bits
