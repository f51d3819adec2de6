"""References to reference data (units, division codes, users in history rows) are checked by
the application rather than by database constraints: what still stops them from dangling."""

import pytest
from django.core.exceptions import ValidationError
from django.db.models import ProtectedError

from shequ.org.models import Division
from shequ.registry import services
from tests.factories import HEFEI_YAOHAI, make_building, make_household, make_person, person_values


@pytest.fixture
def resident(tree):
    home = make_household(make_building(tree.grid_a1))
    return make_person(home, hukou_division=HEFEI_YAOHAI)


def test_a_unit_with_records_cannot_be_deleted(tree, resident):
    with pytest.raises(ProtectedError):
        tree.grid_a1.delete()


def test_a_division_someone_is_registered_in_cannot_be_deleted(resident):
    with pytest.raises(ProtectedError):
        Division.objects.get(code=HEFEI_YAOHAI).delete()


def test_an_unknown_division_code_is_refused_before_anything_is_written(tree):
    home = make_household(make_building(tree.grid_a1))
    values = person_values(hukou_division="990100000000")
    with pytest.raises(ValidationError) as raised:
        services.person_register(actor=None, values=values, household=home)
    assert "hukou_division" in raised.value.message_dict
