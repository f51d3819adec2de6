"""The fast insert path's own helpers."""

import time
import uuid
from concurrent.futures import Future

import pytest
from django.db import connection

from shequ.core.bulk import KeyPool, bulk_insert, history_insert, instance_factory, new_uuid7
from shequ.registry.models import Building


def test_new_uuid7_makes_unique_time_ordered_version_7_uuids():
    before = time.time_ns() // 1_000_000
    made = [new_uuid7() for _ in range(10_000)]
    after = time.time_ns() // 1_000_000
    assert len(set(made)) == len(made)
    stamps = [int(value[:12], 16) for value in made]
    assert before - 1000 <= stamps[0] and stamps[-1] <= after
    assert stamps == sorted(stamps)  # the index key grows with time
    for value in made[:1000]:
        parsed = uuid.UUID(value)  # 32 hexadecimal digits, as the databases take them
        assert parsed.hex == value
        assert (parsed.version, parsed.variant) == (7, uuid.RFC_4122)
    assert {value[16] for value in made} <= set("89ab")  # the RFC variant


@pytest.mark.django_db
def test_keys_made_as_digits_are_stored_and_read_back_as_version_7_uuids(tree):
    make = instance_factory(Building)
    buildings = [make(unit_id=tree.grid_a1.code, name=f"{n}号楼") for n in range(3)]
    made = [b.uid for b in buildings]
    bulk_insert(Building, buildings)
    stored = Building.objects.filter(pk__in=[b.pk for b in buildings]).order_by("pk")
    assert [b.uid.hex for b in stored] == made
    assert {(b.uid.version, b.uid.variant) for b in stored} == {(7, uuid.RFC_4122)}
    assert Building.objects.filter(uid=made[0]).exists()  # found by its digits too


@pytest.mark.django_db
def test_bulk_history_keeps_each_reason_as_given(tree):
    reasons = ["导入：a,b.csv 第2行", 'say "hi"', "back\\slash", "", "NULL", "{x}"]
    buildings = [Building(unit=tree.grid_a1, name=f"{n}号楼") for n in range(len(reasons))]
    bulk_insert(Building, buildings, reasons=reasons)
    stored = dict(
        Building.history.filter(id__in=[b.pk for b in buildings]).values_list(
            "id", "history_change_reason"
        )
    )
    assert [stored[b.pk] for b in buildings] == reasons


@pytest.mark.django_db
def test_history_rows_follow_their_records_whatever_the_order_of_their_keys(tree):
    buildings = [Building(unit=tree.grid_a1, name=f"{n}号楼") for n in range(7)]
    bulk_insert(Building, buildings, reasons=[""] * 7)
    # Keys in runs, out of order, with gaps and one record twice: 3 4 | 0 | 6 | 1 2 | 4.
    changed = [buildings[i] for i in (3, 4, 0, 6, 1, 2, 4)]
    reasons = [f"更正 {b.name} 第{n}次" for n, b in enumerate(changed)]
    history_insert(Building, changed, reasons=reasons)
    stored = sorted(
        Building.history.filter(id__in=[b.pk for b in buildings], history_type="~").values_list(
            "id", "history_change_reason", "name"
        )
    )
    assert stored == sorted(
        (b.pk, reason, b.name) for b, reason in zip(changed, reasons, strict=True)
    )


postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="keys are taken ahead only on PostgreSQL"
)


@postgresql_only
@pytest.mark.django_db
def test_a_key_pool_waits_only_for_a_tables_first_keys(tree):
    """The pool asks for the next keys on the reading thread (here: at once) as soon as
    what it holds would not serve another request of the same size."""
    asked_ahead = []

    def read_ahead(function, model, count):
        asked_ahead.append(count)
        done = Future()
        done.set_result(function(model, count))
        return done

    pool = KeyPool(50, read_ahead=read_ahead)
    taken = [pool.take(Building, 10) for _ in range(12)]

    keys = [key for batch in taken for key in batch]
    assert len(set(keys)) == len(keys) == 120
    assert keys == sorted(keys)
    assert asked_ahead == [40, 40, 40]  # 4 × 10 each time, the first 10 waited for
    made = Building.objects.create(unit=tree.grid_a1, name="后建")
    assert made.pk > max(keys)  # the sequence never hands out a pooled key again


@postgresql_only
@pytest.mark.django_db
def test_a_key_pool_without_a_reading_thread_takes_exactly_what_is_asked(tree):
    pool = KeyPool(10_000)
    first, second = pool.take(Building, 3), pool.take(Building, 2)
    made = Building.objects.create(unit=tree.grid_a1, name="后建")
    assert len(set(first + second)) == 5
    assert made.pk == max(first + second) + 1  # nothing taken beyond the request
