"""The person import records marriages through the marriage page's service: both spouses
linked when both are in the registry (in the file, before or after, or registered), the
outside spouse's facts kept on the marriage otherwise; problems named by row and column."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from shequ.registry import services
from shequ.registry.models import Marriage, Person
from tests.factories import (
    PERSON_IMPORT_HEADERS,
    make_building,
    make_household,
    make_person,
    tabular_file,
)
from tests.factories import id_number as new_id_number

pytestmark = pytest.mark.django_db

GRID_A1 = "34060302000101"
HEADERS = [*PERSON_IMPORT_HEADERS, "结婚日期", "配偶身份证号码", "配偶姓名"]
WED = "2012-05-01"


@pytest.fixture
def home(tree):
    return make_household(make_building(tree.grid_a1, "1号楼"), "101")


def row(number, name, spouse="", spouse_name="", *, status="已婚", married=WED):
    return [
        number,
        name,
        "340603000000",
        GRID_A1,
        "1号楼",
        "101",
        status,
        married,
        spouse,
        spouse_name,
    ]


def upload(api, user, rows, **options):
    response = api.as_(user).post(
        "/api/v1/imports/",
        {
            "kind": "persons",
            "file": SimpleUploadedFile("人员.csv", tabular_file(HEADERS, rows)),
            **options,
        },
        format="multipart",
    )
    assert response.status_code == 202, response.data
    return response.data


def born(year, sex):
    return new_id_number(datetime.date(year, 3, 4), sex)


def test_two_rows_naming_each_other_make_one_marriage_of_both(api, people, home):
    husband, wife = born(1985, "M"), born(1987, "F")
    data = upload(
        api,
        people.worker_a,
        [row(husband, "张建国", wife, "李梅"), row(wife, "李梅", husband, "张建国")],
    )
    assert (data["errors"], data["created"]) == ([], 2)
    marriage = Marriage.objects.get()
    assert (marriage.husband.name, marriage.wife.name) == ("张建国", "李梅")
    assert marriage.married_on == datetime.date(2012, 5, 1)
    assert marriage.history.get().history_change_reason == "导入：人员.csv 第2行"
    for person in (marriage.husband, marriage.wife):
        assert (person.marital_status, person.marriage_date) == ("married", marriage.married_on)


def test_a_spouse_further_down_the_file_is_linked(api, people, home):
    husband, wife = born(1985, "M"), born(1987, "F")
    data = upload(api, people.worker_a, [row(husband, "张建国", wife, "李梅"), row(wife, "李梅")])
    assert data["errors"] == []
    marriage = Marriage.objects.get()
    assert (marriage.husband.name, marriage.wife.name, marriage.wife_name) == ("张建国", "李梅", "")


def test_a_registered_spouse_is_linked(api, people, home):
    wife = make_person(home, name="李梅", birth_date=datetime.date(1987, 3, 4))
    husband = born(1985, "M")
    data = upload(api, people.worker_a, [row(husband, "张建国", wife.id_number, "李梅")])
    assert data["errors"] == []
    marriage = Marriage.objects.get()
    assert (marriage.husband.name, marriage.wife) == ("张建国", wife)
    wife.refresh_from_db()
    assert wife.marital_status == "married"  # derived from the marriage now


def test_a_spouse_outside_the_registry_is_kept_on_the_marriage(api, people, home):
    husband, outside = born(1985, "M"), born(1988, "F")
    data = upload(api, people.worker_a, [row(husband, "张建国", outside, "外地妻")])
    assert data["errors"] == []
    marriage = Marriage.objects.get()
    assert marriage.wife is None
    assert (marriage.wife_name, marriage.wife_id_number) == ("外地妻", outside)
    assert not Person.objects.filter(name="外地妻").exists()


def test_problems_with_a_marriage_are_named_by_row_and_column(api, people, home):
    taken = make_person(home, name="李梅", birth_date=datetime.date(1987, 3, 4))
    services.marriage_record(
        actor=None,
        husband=None,
        wife=taken,
        values={"husband_name": "前夫", "married_on": datetime.date(2010, 1, 1)},
    )
    rows = [
        row(born(1985, "M"), "张甲", born(1986, "M"), "同性"),  # same sex
        row(born(1985, "M"), "张乙", taken.id_number, "李梅"),  # she is married
        row(born(1985, "M"), "张丙", born(1988, "F")),  # no spouse name
        row(born(1985, "M"), "张丁", born(1988, "F"), "王某", status="未婚", married=""),
    ]
    data = upload(api, people.worker_a, rows)
    assert data["applied"] is False
    found = {(e["row"], e["column"]) for e in data["errors"]}
    assert found == {(2, "配偶身份证号码"), (3, "配偶身份证号码"), (4, "配偶姓名"), (5, "婚姻状况")}
    assert "已有一段存续的婚姻" in str(data["errors"])
    assert Marriage.objects.count() == 1


def test_an_exported_couple_imports_back_unchanged(web, api, people, home):
    husband, wife = born(1985, "M"), born(1987, "F")
    upload(api, people.worker_a, [row(husband, "张建国", wife, "李梅"), row(wife, "李梅")])
    exported = web.as_(people.worker_a).get(
        reverse("registry:export", args=["persons"]) + "?format=csv"
    )
    text = exported.content.decode("utf-8-sig")
    assert "配偶身份证号码" in text and wife in text

    again = api.as_(people.worker_a).post(
        "/api/v1/imports/",
        {
            "kind": "persons",
            "file": SimpleUploadedFile("人员.csv", exported.content),
            "update": "true",
        },
        format="multipart",
    )
    data = again.json()
    assert (data["errors"], data["updated"], data["unchanged"]) == ([], 0, 2)
    assert Marriage.objects.count() == 1
