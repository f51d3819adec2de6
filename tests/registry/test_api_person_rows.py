"""The person API's hand-written rows (``PersonSerializer.to_representation``, read directly
for speed) say exactly what DRF's generic reading of the declared fields says."""

import datetime

import pytest

from shequ.core.api import ListRowSerializer
from shequ.registry.api.people import CHILDREN_LISTED, PersonSerializer
from shequ.registry.models import Person
from shequ.registry.selectors.people import current_relation
from tests.factories import make_building, make_household, make_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def persons(tree):
    home = make_household(make_building(tree.grid_a1))
    make_person(home, name="张三", relation="head")  # 与户主关系 from the 户口簿
    make_person(
        home,
        name="李芳",
        marital_status="married",
        marriage_date=datetime.date(2014, 10, 1),
        children_count=2,
        contraception="iud",
        contraception_since=datetime.date(2016, 3, 1),
        children=[
            {"order": 1, "birth_date": datetime.date(2015, 8, 1), "sex": "M", "name": "小明"},
            {"order": 2, "birth_date": datetime.date(2018, 2, 3), "sex": "F", "name": ""},
        ],
    )
    Person.objects.filter(name="张三").update(last_monthly_check=datetime.date(2026, 11, 3))
    # As the API reads them (selectors.persons_for_api): the relation annotated.
    return Person.objects.annotate(current_relation=current_relation()).order_by("name")


@pytest.mark.parametrize("full_birth", [True, False])
@pytest.mark.parametrize("view_health", [True, False])
@pytest.mark.parametrize("prefetch", [True, False])
def test_rows_equal_the_generic_reading(persons, full_birth, view_health, prefetch):
    flags = {"full_birth": full_birth, "view_health": view_health}
    rows = list(persons.prefetch_related(CHILDREN_LISTED) if prefetch else persons)
    generic = PersonSerializer(context=flags)
    for person in rows:
        fast = PersonSerializer(person, context=flags).data
        expected = ListRowSerializer.to_representation(generic, person)
        assert list(fast) == list(expected)  # the same keys in the same order
        assert fast == expected
    assert any(row.children.all() for row in rows)
    assert {row.name: row.current_relation for row in rows} == {"张三": "head", "李芳": ""}
