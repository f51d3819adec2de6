"""An exported file imports back unchanged, and rebuilds the same records in an empty scope."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from shequ.jobs.imports import import_job_create, import_job_run
from shequ.jobs.models import ImportJob
from shequ.registry import services
from shequ.registry.importers import PersonImporter
from shequ.registry.models import (
    Building,
    Check,
    Child,
    Flow,
    Household,
    Marriage,
    Person,
    RegisteredHousehold,
    RegisteredHouseholdMember,
)
from tests.factories import (
    DUJI,
    HEFEI_YAOHAI,
    SUIXIAN_HENAN,
    make_building,
    make_household,
    make_person,
)

KINDS = ("buildings", "households", "persons")


@pytest.fixture
def registry(tree):
    """A community with every kind of record an export has to carry."""
    tower = make_building(tree.grid_a1, "1号楼", address="人民路1号")
    yard = make_building(tree.grid_a2, "2号院", kind=Building.Kind.COURTYARD)
    own = make_household(tower, "101")
    landlord = make_person(own, name="房东甲", relation="head", phone="13812345678")
    make_household(
        tower, "102", is_rented=True, landlord=landlord, rented_since=datetime.date(2022, 5, 1)
    )
    rented = make_household(
        yard,
        "1",
        is_rented=True,
        landlord_name="李房东",
        landlord_phone="13912345678",
        lease_start=datetime.date(2024, 3, 1),
        lease_end=datetime.date(2026, 2, 28),
        use="group",
    )
    make_household(yard, "2", dormitory_of="淮北矿业集团", use="home")
    make_household(tower, "103", use="business")
    make_person(
        own,
        name="欧阳娜娜",
        sex="F",
        birth_date=datetime.date(1988, 8, 8),
        marital_status="married",
        marriage_date=datetime.date(2012, 10, 1),
        contraception="iud",
        contraception_since=datetime.date(2020, 1, 1),
        children=[
            {"order": 1, "birth_date": datetime.date(2014, 3, 2), "sex": "F"},
            {"order": 2, "birth_date": datetime.date(2018, 7, 1), "sex": "M", "name": "小明"},
        ],
        relation="spouse",  # joins 房东甲's 户口簿: in the file as 配偶
        ethnicity="03",
        education="bachelor",
        children_count=2,
    )
    make_person(rented, name="王五", hukou_division=DUJI, employment="flexible", employer_name="")
    make_person(
        rented,
        name="赵六",
        hukou_division=SUIXIAN_HENAN,
        hukou_address="河南省睢县城关镇",
        flow_in_date=datetime.date(2023, 4, 1),
        flow_in_reason="work",
        relation="tenant",
    )
    leaving = make_person(own, name="钱七", sex="M", birth_date=datetime.date(1992, 1, 2))
    services.person_register_outflow(
        actor=None,
        person=leaving,
        date=datetime.date(2024, 2, 1),
        reason="外出务工",
        division=HEFEI_YAOHAI,
        address="合肥市瑶海区",
    )


def export(client, kind, fmt="csv") -> bytes:
    response = client.get(reverse("registry:export", args=[kind]) + f"?format={fmt}")
    assert response.status_code == 200
    return response.content


def reimport(api, user, kind, content, fmt="csv", **options) -> dict:
    response = api.as_(user).post(
        "/api/v1/imports/",
        {"kind": kind, "file": SimpleUploadedFile(f"{kind}.{fmt}", content), **options},
        format="multipart",
    )
    assert response.status_code == 202
    return response.json()


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_imported_in_update_mode_changes_nothing(web, api, people, registry, kind, fmt):
    content = export(web.as_(people.worker_a), kind, fmt)
    history_before = Person.history.count()

    result = reimport(api, people.worker_a, kind, content, fmt, update="true")

    assert result["errors"] == []
    assert (result["created"], result["updated"], result["error_rows"]) == (0, 0, 0)
    assert result["unchanged"] == result["total_rows"] > 0
    assert result["applied"] is False
    assert Person.history.count() == history_before


def _empty_the_registry() -> None:
    RegisteredHouseholdMember.objects.all().delete()
    RegisteredHousehold.objects.all().delete()
    Marriage.objects.all().delete()
    Flow.objects.all().delete()
    Check.objects.all().delete()
    Child.objects.all().delete()
    Household.objects.update(landlord=None)
    Person.objects.all().delete()
    Household.objects.all().delete()
    Building.objects.all().delete()


def test_exports_rebuild_the_same_records_in_an_emptied_scope(web, api, people, registry):
    client = web.as_(people.worker_a)
    before = {kind: export(client, kind) for kind in KINDS}
    _empty_the_registry()

    # Buildings first; persons create their homes; the homes' rent and landlords come last.
    assert reimport(api, people.worker_a, "buildings", before["buildings"])["created"] == 2
    persons = reimport(api, people.worker_a, "persons", before["persons"])
    households = reimport(api, people.worker_a, "households", before["households"], update="true")

    assert (persons["created"], persons["errors"]) == (5, [])
    # The 户口簿 came back from the 与户主关系 column, the lease and use from the homes'.
    assert {m.person.name: m.relation for m in RegisteredHouseholdMember.objects.all()} == {
        "房东甲": "head",
        "欧阳娜娜": "spouse",
    }
    assert Household.objects.get(number="1").lease_end == datetime.date(2026, 2, 28)
    assert households["errors"] == []
    after = {kind: export(client, kind) for kind in KINDS}
    for kind in KINDS:
        assert after[kind].decode("utf-8-sig") == before[kind].decode("utf-8-sig"), kind


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_exported_file_announces_its_row_count_before_the_import_reads_it(
    web, people, registry, fmt, monkeypatch
):
    """The status page's total is there when validation starts (the upload request itself
    never opens a workbook: the job counts its rows first)."""
    content = export(web.as_(people.worker_a), "persons", fmt)
    job = import_job_create(
        actor=people.worker_a, kind="persons", filename=f"persons.{fmt}", content=content
    )
    announced = []
    validate = PersonImporter.validate

    def spy(self, rows):
        announced.append(ImportJob.objects.get(pk=self.ctx.job.pk).total_rows)
        return validate(self, rows)

    monkeypatch.setattr(PersonImporter, "validate", spy)
    import_job_run(job)

    assert announced[0] == Person.objects.count() > 0


def test_a_file_that_is_not_a_workbook_gets_a_plain_chinese_reason(api, people):
    result = reimport(api, people.worker_a, "persons", b"not a zip", fmt="xlsx")

    assert result["status"] == "failed"
    assert "它不是 .xlsx 工作簿，或文件已损坏" in result["message"]
    assert "zip" not in result["message"]
