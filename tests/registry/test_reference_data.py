"""References to reference data (units, division codes, users in history rows) are checked by
the application rather than by database constraints: what still stops them from dangling."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import ProtectedError

from shequ.org.models import Division
from shequ.registry import services
from shequ.registry.models import Person, RegisteredHousehold, RegisteredHouseholdMember
from tests.factories import (
    HEFEI_YAOHAI,
    PERSON_IMPORT_HEADERS,
    make_building,
    make_household,
    make_person,
    person_values,
    tabular_file,
)
from tests.factories import id_number as new_id_number


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


# The 户口簿's references (its head, its members' 户口簿 and person) go without database
# constraints too (models/choices.py): what keeps them from dangling.


@pytest.fixture
def family(tree):
    home = make_household(make_building(tree.grid_a1))
    head = make_person(home, relation="head", sex="M")
    spouse = make_person(home, relation="spouse", sex="F")
    return head, spouse


def test_a_person_on_a_household_register_cannot_be_deleted(family):
    head, spouse = family
    for person in (head, spouse):
        with pytest.raises(ProtectedError):
            person.delete()


def test_a_household_register_with_members_cannot_be_deleted(family):
    household = RegisteredHousehold.objects.get(head=family[0])
    with pytest.raises(ProtectedError):
        household.delete()


def dangling() -> list[tuple[str, int]]:
    """Rows of the 户口簿 whose person or 户口簿 does not exist."""
    members = RegisteredHouseholdMember.objects
    return [
        *(
            ("head", pk)
            for pk in RegisteredHousehold.objects.exclude(
                head_id__in=Person.objects.values("pk")
            ).values_list("pk", flat=True)
        ),
        *(
            ("person", pk)
            for pk in members.exclude(person_id__in=Person.objects.values("pk")).values_list(
                "pk", flat=True
            )
        ),
        *(
            ("household", pk)
            for pk in members.exclude(
                household_id__in=RegisteredHousehold.objects.values("pk")
            ).values_list("pk", flat=True)
        ),
    ]


def test_an_imported_file_s_household_registers_point_at_its_people(api, people, tree):
    make_building(tree.grid_a1)
    headers = [*PERSON_IMPORT_HEADERS, "与户主关系"]
    rows = []
    for home in range(101, 111):
        for relation, sex in (("户主", "M"), ("配偶", "F"), ("子女", "M")):
            rows.append(
                [
                    new_id_number(sex=sex),
                    "张三",
                    "340603000000",
                    tree.grid_a1.code,
                    "1号楼",
                    str(home),
                    "已婚" if relation != "子女" else "未婚",
                    relation,
                ]
            )
    response = api.as_(people.worker_a).post(
        "/api/v1/imports/",
        {"kind": "persons", "file": SimpleUploadedFile("户.csv", tabular_file(headers, rows))},
        format="multipart",
    )

    assert response.status_code == 202 and response.data["status"] == "succeeded", response.data
    assert RegisteredHousehold.objects.count() == 10
    assert RegisteredHouseholdMember.objects.count() == 30
    assert dangling() == []
