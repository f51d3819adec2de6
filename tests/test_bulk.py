"""The fast insert path's own helpers."""

import uuid

from shequ.core.bulk import new_uuid4


def test_new_uuid4_makes_random_version_4_uuids_like_the_standard_library():
    made = [new_uuid4() for _ in range(10_000)]
    assert len(set(made)) == len(made)
    for value in made[:100]:
        assert isinstance(value, uuid.UUID)
        assert (value.version, value.variant) == (4, uuid.RFC_4122)
        same = uuid.UUID(str(value))
        assert (same, hash(same), same.hex) == (value, hash(value), value.hex)
