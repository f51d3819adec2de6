"""``field__any_of``: the importers' bulk lookup, the same rows as ``__in`` on every database."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from shequ.core.lookups import records_any_of
from shequ.registry.models import Building, Household, Person
from tests.factories import make_building, make_household, make_person


def test_any_of_finds_what_in_finds_by_value_and_by_foreign_key(tree):
    home = make_household(make_building(tree.grid_a1), "101")
    other = make_household(make_building(tree.grid_a1, "2号楼"), "101")
    anna, ben = make_person(home, name="张安娜"), make_person(other, name="李本")
    wanted = {anna.id_number, "110101199003070000"}  # one registered, one not

    def numbers(**lookup):
        return sorted(Person.objects.filter(**lookup).values_list("id_number", flat=True))

    assert numbers(id_number__any_of=wanted) == numbers(id_number__in=wanted) == [anna.id_number]
    assert numbers(id_number__any_of=[anna.id_number, ben.id_number, None]) == sorted(
        [anna.id_number, ben.id_number]
    )
    assert numbers(id_number__any_of=[]) == []
    homes = Household.objects.filter(building_id__any_of={home.building_id}, number__any_of=["101"])
    assert list(homes) == [home]


def test_any_of_is_one_array_parameter_on_postgresql(tree):
    home = make_household(make_building(tree.grid_a1), "101")
    make_person(home)
    values = [f"34060319900101{n:04d}" for n in range(500)]
    with CaptureQueriesContext(connection) as queries:
        list(Person.objects.filter(id_number__any_of=values).values_list("id", flat=True))
    sql = queries.captured_queries[-1]["sql"]
    if connection.vendor == "postgresql":
        assert "= ANY(" in sql and " IN (" not in sql
    else:
        assert " IN (" in sql


def test_records_any_of_are_the_records_the_orm_finds(tree):
    first, second = make_building(tree.grid_a1), make_building(tree.grid_a1, "2号楼")
    homes = [make_household(first, "101"), make_household(first, "102")]
    homes.append(make_household(second, "101"))
    make_household(second, "103")  # not asked for

    found = records_any_of(
        Household, building_id={first.pk, second.pk, None}, number={"101", "102", "999"}
    )

    assert sorted(h.pk for h in found) == sorted(h.pk for h in homes)
    for home in found:  # whole records, as the ORM reads them
        expected = Household.objects.get(pk=home.pk)
        assert [getattr(home, f.attname) for f in Household._meta.concrete_fields] == [
            getattr(expected, f.attname) for f in Household._meta.concrete_fields
        ]
        assert home._state.adding is False
    by_unit = records_any_of(Building, unit_id=[tree.grid_a1.code], name=["2号楼"])
    assert [b.pk for b in by_unit] == [second.pk]
    assert records_any_of(Household, building_id=[], number=["101"]) == []
    assert records_any_of(Household, building_id=[None], number=["101"]) == []
