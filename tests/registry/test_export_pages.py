"""Exports: what the list shows, in the import's own format, logged when numbers are shown."""

import csv
import datetime
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from shequ.core.identifiers import mask_id_number
from shequ.org.models import AuditEvent, SensitiveAccess
from shequ.registry.models import Person
from shequ.registry.tables import export_write
from tests.factories import HEFEI_YAOHAI, make_building, make_household, make_person


def sheet_rows(response) -> list[list]:
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    return [[c.value for c in r] for r in sheet.iter_rows()]


def csv_rows(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


@pytest.fixture
def homes(tree):
    return (
        make_household(make_building(tree.grid_a1, "1号楼"), "101"),
        make_household(make_building(tree.grid_b1, "文苑1号楼"), "101"),
    )


def test_persons_export_has_the_import_headers_and_only_the_jurisdiction(web, people, homes):
    mine = make_person(homes[0], name="张三")
    make_person(homes[1], name="李四")

    response = web.as_(people.worker_a).get(reverse("registry:export", args=["persons"]))

    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = sheet_rows(response)
    assert rows[0][:4] == ["公民身份号码", "姓名", "性别", "出生日期"]
    assert [r[:2] for r in rows[1:]] == [[mine.id_number, "张三"]]


def test_export_applies_the_list_filters(web, people, homes):
    make_person(homes[0], name="张三")
    migrant = make_person(homes[0], name="王五", hukou_division=HEFEI_YAOHAI)

    response = web.as_(people.worker_a).get(
        reverse("registry:export", args=["persons"]) + "?population_type=inflow&format=csv"
    )

    assert [(r["姓名"], r["人口类型"]) for r in csv_rows(response)] == [("王五", "流入")]
    assert csv_rows(response)[0]["公民身份号码"] == migrant.id_number


def test_export_writes_labels_dates_and_children_as_the_import_reads_them(web, people, homes):
    person = make_person(
        homes[0],
        name="赵六",
        marital_status="married",
        marriage_date=datetime.date(2012, 1, 1),
        contraception="iud",
        children=[
            {"order": 1, "birth_date": datetime.date(2015, 3, 2), "sex": "F"},
            {"order": 2, "birth_date": datetime.date(2019, 7, 1), "sex": "M", "name": "赵小明"},
        ],
        children_count=2,
    )

    (row,) = csv_rows(
        web.as_(people.worker_a).get(reverse("registry:export", args=["persons"]) + "?format=csv")
    )

    assert row["公民身份号码"] == person.id_number
    assert (row["婚姻状况"], row["结婚日期"], row["节育措施"]) == (
        "已婚",
        "2012-01-01",
        "宫内节育器",
    )
    assert row["子女"] == "1:2015-03-02:女;2:2019-07-01:男:赵小明"
    assert (row["单位代码"], row["楼栋名称"], row["门牌/室号"]) == (
        "34060302000101",
        "1号楼",
        "101",
    )


def test_identity_numbers_in_cells_are_text(web, people, homes):
    make_person(homes[0])

    response = web.as_(people.worker_a).get(reverse("registry:export", args=["persons"]))

    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert sheet["A2"].data_type == "s"
    assert sheet["A2"].number_format == "@"


def test_unmasked_export_logs_one_sensitive_read_per_person(web, people, homes):
    persons = [make_person(homes[0]), make_person(homes[0], contraception="")]
    persons[0].contraception = "iud"
    persons[0].save()

    web.as_(people.worker_a).get(reverse("registry:export", args=["persons"]))

    reads = SensitiveAccess.objects.filter(actor=people.worker_a)
    assert reads.count() == 2
    assert set(reads.values_list("channel", flat=True)) == {"export"}
    assert set(reads.values_list("target_id", "fields")) == {
        (str(persons[0].uid), "contraception,id_number"),
        (str(persons[1].uid), "id_number"),
    }
    assert AuditEvent.objects.get(action="export.persons").changes["rows"] == 2


def test_masked_export_writes_masked_numbers_and_no_health_facts(people, homes):
    person = make_person(homes[0])
    out = io.BytesIO()

    export_write(
        "persons",
        Person.objects.all(),
        out,
        actor=people.worker_a,
        fmt="csv",
        reveal=False,
        health=False,
    )

    (row,) = csv.DictReader(io.StringIO(out.getvalue().decode("utf-8-sig")))
    assert row["公民身份号码"] == mask_id_number(person.id_number)
    assert "节育措施" not in row
    assert not SensitiveAccess.objects.exists()


def test_buildings_export_shows_unit_names_for_the_reader(web, people, homes):
    response = web.as_(people.worker_a).get(reverse("registry:export", args=["buildings"]))

    assert sheet_rows(response) == [
        ["单位代码", "单位名称", "楼栋名称", "地址", "类型"],
        ["34060302000101", "第1网格", "1号楼", None, "住宅楼"],
    ]


def test_households_export_lists_rent_and_landlords(web, people, tree):
    building = make_building(tree.grid_a1, "1号楼")
    landlord = make_person(make_household(building, "100"))
    make_household(building, "101", is_rented=True, landlord=landlord)

    rows = csv_rows(
        web.as_(people.worker_a).get(
            reverse("registry:export", args=["households"]) + "?format=csv"
        )
    )

    assert [(r["门牌/室号"], r["出租房屋"], r["房东身份证号码"]) for r in rows] == [
        ("100", "否", ""),
        ("101", "是", landlord.id_number),
    ]
    assert SensitiveAccess.objects.get().target_id == str(landlord.uid)


@pytest.mark.parametrize("role", ["grid_a1", "auditor", "provider", "district"])
def test_roles_without_export_get_403(web, people, role):
    response = web.as_(getattr(people, role)).get(reverse("registry:export", args=["persons"]))

    assert response.status_code == 403


def test_unknown_kind_is_404(web, people):
    response = web.as_(people.worker_a).get(reverse("registry:export", args=["cats"]))

    assert response.status_code == 404


def test_export_runs_a_constant_number_of_queries(
    web, people, homes, django_assert_max_num_queries
):
    client = web.as_(people.worker_a)
    url = reverse("registry:export", args=["persons"])
    for _ in range(3):
        make_person(homes[0])
    client.get(url)
    # The logged reads append to the audit hash chain: lock, insert, new head.
    with django_assert_max_num_queries(14):
        client.get(url)
    for _ in range(30):
        make_person(homes[0])
    with django_assert_max_num_queries(14):
        response = client.get(url)

    assert len(sheet_rows(response)) == 34
