"""The work book through the API: GET /api/v1/workbook/ as JSON (three parts), /xlsx/ and
/pdf/ as files; the health right, the jurisdiction, the read logged."""

import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from shequ.health import services
from shequ.org.models import AuditEvent, SensitiveAccess
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def _month() -> str:
    return timezone.localdate().strftime("%Y-%m")


def test_the_work_book_as_json_has_its_three_parts(people, tree, women, station, api):
    services.service_record_create(
        actor=None,
        person=women["newlywed"],
        kind="contraception_counselling",
        date=timezone.localdate(),
        facility=station,
    )
    answer = api.as_(people.worker_a).get("/api/v1/workbook/", {"month": _month()})
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["unit"] == tree.community_a.code and body["month"] == _month()
    log, ledger, form = body["sections"]
    assert log["title"].startswith("一册") and log["rows"][0][2] == "甲新婚"
    assert {row[0] for row in ledger["rows"]} == {"甲新婚", "乙流入"}
    assert ["服务对象（进入系统的对象）", "2"] in form["rows"]
    logged = SensitiveAccess.objects.filter(actor=people.worker_a, fields="health_workbook")
    assert logged.count() == 2 and set(logged.values_list("channel", flat=True)) == {"api"}
    # A JSON read is not a file taken out: no export event.
    assert not AuditEvent.objects.filter(action="export.health_workbook").exists()


def test_the_work_book_api_gives_the_excel_file_and_logs_the_export(people, tree, women, api):
    answer = api.as_(people.street).get(
        "/api/v1/workbook/xlsx/", {"unit": tree.community_a.code, "month": _month()}
    )
    assert answer.status_code == 200
    assert answer["Content-Disposition"].endswith(
        f'workbook-{tree.community_a.code}-{_month()}.xlsx"'
    )
    book = load_workbook(io.BytesIO(answer.content))
    assert len(book.sheetnames) == 3
    event = AuditEvent.objects.get(action="export.health_workbook", actor=people.street)
    assert event.changes["format"] == "xlsx" and event.changes["unit"] == tree.community_a.code


def test_the_work_book_api_gives_the_pdf(people, women, api):
    answer = api.as_(people.worker_a).get("/api/v1/workbook/pdf/", {"month": _month()})
    assert answer.status_code == 200 and answer["Content-Type"] == "application/pdf"
    assert answer.content.startswith(b"%PDF")


def test_the_work_book_api_is_scoped_validated_and_needs_the_health_right(people, tree, women, api):
    other = api.as_(people.worker_b)
    assert other.get("/api/v1/workbook/", {"unit": tree.community_a.code}).status_code == 404
    assert other.get("/api/v1/workbook/xlsx/", {"unit": tree.community_a.code}).status_code == 404
    bad = api.as_(people.worker_a).get("/api/v1/workbook/", {"month": "2026-13"})
    assert bad.status_code == 400 and bad.json()["month"] == ["月份格式应为 YYYY-MM。"]
    plain = make_user("plain_wb_api", "community", tree.community_a, rights=[])
    for path in ("/api/v1/workbook/", "/api/v1/workbook/pdf/"):
        assert api.as_(plain).get(path).status_code == 403
    assert not SensitiveAccess.objects.filter(actor__in=[people.worker_b, plain]).exists()


def test_the_work_book_is_in_the_api_schema(web, people):
    import yaml

    paths = yaml.safe_load(web.as_(people.worker_a).get("/api/schema/").content)["paths"]
    assert {"/api/v1/workbook/", "/api/v1/workbook/xlsx/", "/api/v1/workbook/pdf/"} <= set(paths)
