"""The fast insert path's own helpers."""

import time
import uuid

from shequ.core.bulk import new_uuid7


def test_new_uuid7_makes_unique_time_ordered_version_7_uuids():
    before = time.time_ns() // 1_000_000
    made = [new_uuid7() for _ in range(10_000)]
    after = time.time_ns() // 1_000_000
    assert len(set(made)) == len(made)
    stamps = [value.int >> 80 for value in made]
    assert before <= stamps[0] and stamps[-1] <= after
    assert stamps == sorted(stamps)  # the index key grows with time
    for value in made[:100]:
        assert isinstance(value, uuid.UUID)
        assert (value.version, value.variant) == (7, uuid.RFC_4122)
        same = uuid.UUID(str(value))
        assert (same, hash(same), same.hex) == (value, hash(value), value.hex)
