"""The work book 一册一账一单 of a unit and month: Excel with three sheets, a PDF whose text
is Chinese (an embedded font), health right and jurisdiction, the read logged."""

import datetime
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from shequ.health import services
from shequ.org.models import AuditEvent, SensitiveAccess

pytestmark = pytest.mark.django_db


def _month() -> str:
    return timezone.localdate().strftime("%Y-%m")


def test_the_work_book_as_excel(people, tree, women, station, web):
    services.service_record_create(
        actor=None,
        person=women["newlywed"],
        kind="contraception_counselling",
        date=timezone.localdate(),
        facility=station,
    )
    response = web.as_(people.worker_a).get(
        "/health/workbook/", {"month": _month(), "format": "xlsx"}
    )
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    assert len(book.sheetnames) == 3
    log, ledger, form = (list(sheet.values) for sheet in book.worksheets)
    assert log[1][2] == "甲新婚"
    assert {row[0] for row in ledger[1:]} == {"甲新婚", "乙流入"}
    assert ("服务对象（进入系统的对象）", "2") in [tuple(r) for r in form]
    assert (
        SensitiveAccess.objects.filter(actor=people.worker_a, fields="health_workbook").count() == 2
    )
    assert AuditEvent.objects.filter(action="export.health_workbook").exists()


def test_the_work_book_as_pdf_with_chinese_text(people, women, web):
    pypdf = pytest.importorskip("pypdf")
    from shequ.core.pdf import font_path

    try:
        font_path()
    except Exception:
        pytest.skip("no Chinese TrueType font on this machine")
    response = web.as_(people.worker_a).get(
        "/health/workbook/", {"month": _month(), "format": "pdf"}
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = "".join(
        page.extract_text() for page in pypdf.PdfReader(io.BytesIO(response.content)).pages
    )
    assert "一册一账一单" in text and "乙流入" in text


def test_the_work_book_is_scoped_and_needs_the_health_right(people, tree, women, web):
    from tests.conftest import make_user

    assert (
        web.as_(people.worker_b)
        .get("/health/workbook/", {"unit": tree.community_a.code})
        .status_code
        == 404
    )
    plain = make_user("plain_wb", "community", tree.community_a, rights=[])
    assert web.as_(plain).get("/health/workbook/").status_code == 403
    assert datetime.date.today()  # the month defaults to this one
