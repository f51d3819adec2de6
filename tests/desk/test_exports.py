"""The desk's lists export to Excel (the export right, the change log), and the birth
registration's receipt prints as a PDF whose text is Chinese, the name masked."""

import datetime
import io

import pytest
from django.test import Client
from openpyxl import load_workbook
from pypdf import PdfReader

from shequ.core import pdf
from shequ.desk import services
from shequ.org.models import AuditEvent
from shequ.org.roles import Role
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def _sheet(response) -> list[list]:
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def test_the_desk_lists_export_to_excel_with_their_filters(resident, people, web):
    application = services.application_create(
        actor=people.worker_a, person=resident, kind="status_proof"
    )
    services.application_accept(actor=people.worker_a, application=application)
    services.application_issue(actor=people.street, application=application)
    services.birth_registration_create(
        actor=people.worker_a,
        person=resident,
        channel="desk",
        values={"stage": "after", "born_on": datetime.date(2026, 1, 2), "declaration": True},
    )
    client = web.as_(people.worker_a)
    rows = _sheet(client.get("/desk/applications/", {"export": "xlsx", "state": "issued"}))
    assert rows[0][:3] == ["申请时间", "事项", "申请人"] and rows[1][2] == "欧阳娜娜"
    assert (
        len(_sheet(client.get("/desk/applications/", {"export": "xlsx", "state": "refused"}))) == 1
    )
    documents = _sheet(client.get("/desk/documents/", {"export": "xlsx"}))
    assert documents[1][2] == "欧阳娜娜" and documents[1][1] == "婚育情况证明"
    births = _sheet(client.get("/desk/births/", {"export": "xlsx"}))
    assert births[1][1] == "欧阳娜娜" and births[1][6] == "2026-01-02"
    kinds = set(
        AuditEvent.objects.filter(action__startswith="export.").values_list("action", flat=True)
    )
    assert kinds == {"export.desk_applications", "export.desk_documents", "export.desk_births"}
    assert resident.id_number not in str(rows + documents + births)


def test_exporting_needs_the_export_right(resident, people, web, tree):
    plain = make_user("plain_a", Role.COMMUNITY, tree.community_a, rights=[])
    client = web.as_(plain)
    assert client.get("/desk/applications/", {"export": "xlsx"}).status_code == 403
    page = client.get("/desk/applications/").content.decode()
    assert 'data-testid="export"' not in page


def test_the_receipt_prints_as_a_pdf_with_the_name_masked(resident, people):
    registration = services.birth_registration_create(
        actor=people.worker_a,
        person=resident,
        channel="desk",
        values={"stage": "after", "born_on": datetime.date(2026, 1, 2), "declaration": True},
    )
    answer = Client().get(f"/birth-registration/{registration.receipt_code}/pdf/")
    assert answer.status_code == 200
    assert answer["Content-Type"] == "application/pdf"
    text = PdfReader(io.BytesIO(answer.content)).pages[0].extract_text()
    assert "生育登记回执" in text and "欧***" in text and "欧阳娜娜" not in text
    assert registration.receipt_code in text
    assert Client().get("/birth-registration/not-a-code-at-all-00000/pdf/").status_code == 404


def test_the_font_is_read_once_and_may_be_read_ahead():
    assert pdf.preload_font() is True
    assert pdf._read_font.cache_info().currsize == 1
