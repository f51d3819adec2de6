"""History tables carry the index their reads use (the record's id) and not the ones
simple-history adds for reads Shequ never makes (by user, by date): each costs every
history row an import writes (shequ/core/history.py)."""

import pytest
from django.apps import apps
from django.db import connection

from shequ.org.audit import save_with_history
from shequ.registry.models import Person
from shequ.registry.selectors.history import person_timeline
from tests.factories import make_building, make_household, make_person

pytestmark = pytest.mark.django_db


def _indexed_columns(table: str) -> list[list[str]]:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    return [c["columns"] for c in constraints.values() if c["index"]]


def _history_models():
    return [
        model
        for model in apps.get_models()
        if model._meta.app_label in ("org", "registry") and model.__name__.startswith("Historical")
    ]


def test_every_history_table_is_indexed_by_record_and_not_by_user_or_date():
    models = _history_models()
    # two of org; of the registry: buildings, dwellings, persons, children, registered
    # households and their members, the typing settings, marriages, 婚育证明, pregnancies
    assert len(models) == 12
    for model in models:
        indexed = _indexed_columns(model._meta.db_table)
        assert ["id"] in indexed, model.__name__
        assert ["history_user_id"] not in indexed, model.__name__
        assert ["history_date"] not in indexed, model.__name__


def test_a_persons_history_is_indexed_by_nothing_but_the_person():
    table = Person.history.model._meta.db_table
    assert _indexed_columns(table) == [["id"]]  # and its key, history_id


def test_persons_are_not_indexed_by_household_registration_place():
    assert ["hukou_division"] not in _indexed_columns(Person._meta.db_table)


def test_a_persons_history_still_reads_with_user_and_date(tree, people):
    person = make_person(make_household(make_building(tree.grid_a1)))
    person.name = "张改名"
    save_with_history(person, actor=people.worker_a, reason="更正姓名")
    entries = person_timeline(people.worker_a, person, show_health=True)
    assert entries[0].reason == "更正姓名"  # newest first, by history date
    assert entries[0].actor == people.worker_a.get_full_name()
    assert entries[0].at >= entries[-1].at
