"""Documents: numbered per unit and year, PDF with the whole number (a logged read) and a QR
code, revoked or replaced with reason; the public verification page and its limits."""

import datetime
import io
import re

import pytest
from django.test import Client
from pypdf import PdfReader

from shequ.desk import rules, services
from shequ.desk.models import Document, VerificationLook
from shequ.org.models import AuditEvent, SensitiveAccess

pytestmark = pytest.mark.django_db


def _issued(resident, people, kind="status_proof"):
    application = services.application_create(actor=people.worker_a, person=resident, kind=kind)
    services.application_accept(actor=people.worker_a, application=application)
    services.application_issue(actor=people.street, application=application)
    return application.document


def test_numbers_run_per_unit_and_year(resident, people):
    first = _issued(resident, people)
    second = _issued(resident, people, kind="service_book")
    year = datetime.date.today().year
    assert (first.issuer_id, second.issuer_id) == ("340603020000", "340603020000")
    assert first.unit_id == resident.unit_id  # who may see it: the holder's unit
    assert (first.serial, second.serial) == (1, 2)
    assert first.number == f"示范街道〔{year}〕第000001号"
    # 192 random bits, url-safe: unguessable.
    assert len(first.code) == 32 and first.code != second.code


def test_a_status_proof_is_valid_three_months_and_stores_the_number_masked(resident, people):
    document = _issued(resident, people)
    assert document.valid_until == rules.add_months(document.issued_on, 3) - datetime.timedelta(1)
    stored = str(document.content)
    assert resident.id_number not in stored
    assert "已婚" in stored and "2018-10-01" in stored
    # From the couple's records: the spouse, the child (born 2019-06-01, a girl).
    assert ["配偶", "张伟"] in document.content["fields"]
    assert ["现有子女", "1个：2019-06-01（女）"] in document.content["fields"]


@pytest.mark.parametrize(
    ("issued", "until"),
    [
        ("2026-01-15", "2026-04-14"),
        ("2026-11-30", "2027-02-27"),  # no 30 February: the month's last day, less one
        ("2026-12-06", "2027-03-05"),
    ],
)
def test_three_months_by_hand(issued, until):
    day = datetime.date.fromisoformat(issued)
    assert rules.valid_until("status_proof", day) == datetime.date.fromisoformat(until)
    assert rules.valid_until("service_book", day) is None


def test_the_pdf_carries_the_whole_number_and_the_read_is_logged(resident, people, web):
    document = _issued(resident, people)
    web.as_(people.street)
    response = web.get(f"/desk/documents/{document.uid}/pdf/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert "婚育情况证明" in text and "欧阳娜娜" in text and resident.id_number in text
    assert document.number in text and f"/verify/{document.code}/" in text
    read = SensitiveAccess.objects.get(target_id=str(resident.uid))
    assert (read.purpose, read.channel, read.fields) == ("print", "web", "id_number")


def test_revoke_and_replace_need_a_reason_and_the_street(resident, people, api):
    document = _issued(resident, people)
    api.as_(people.worker_a)
    assert (
        api.post(f"/api/v1/documents/{document.uid}/revoke/", {"reason": "错"}).status_code == 403
    )
    api.as_(people.street)
    assert api.post(f"/api/v1/documents/{document.uid}/revoke/", {"reason": " "}).status_code == 400
    replaced = api.post(f"/api/v1/documents/{document.uid}/replace/", {"reason": "遗失"})
    assert replaced.status_code == 201, replaced.content
    new = Document.objects.get(uid=replaced.json()["id"])
    document.refresh_from_db()
    assert (document.status, document.status_reason, document.replaced_by) == (
        "replaced",
        "遗失",
        new,
    )
    assert new.serial == document.serial + 1 and new.code != document.code
    revoked = api.post(f"/api/v1/documents/{new.uid}/revoke/", {"reason": "信息有误"})
    assert revoked.json()["status"] == "revoked"
    again = api.post(f"/api/v1/documents/{new.uid}/revoke/", {"reason": "再次"})
    assert again.status_code == 400
    assert AuditEvent.objects.filter(action="desk.document_revoke", reason="信息有误").exists()


def _public(path):
    return Client().get(path)


def test_public_verification_shows_state_and_a_masked_name_only(resident, people):
    document = _issued(resident, people)
    page = _public(f"/verify/{document.code}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "欧***" in text and "有效" in text and "婚育情况证明" in text
    for secret in (
        "欧阳娜娜",
        "娜娜",
        resident.id_number,
        resident.id_number[-4:],
        "13900001111",
        "丽景",
        document.number,
        "2018-10-01",
    ):
        assert secret not in text, secret
    # Strict CSP: the page has no inline script.
    assert not re.search(r"<script(?![^>]*\bsrc=)", text)
    assert "script-src" in page["Content-Security-Policy"]
    assert (
        "unsafe-inline" not in page["Content-Security-Policy"].split("script-src")[1].split(";")[0]
    )
    services.document_revoke(actor=people.street, document=document, reason="作废")
    assert "已作废" in _public(f"/verify/{document.code}/").content.decode()
    unknown = _public("/verify/not-a-real-code-but-long-enough/")
    assert unknown.status_code == 404 and "未找到" in unknown.content.decode()
    assert VerificationLook.objects.count() == 3
    assert VerificationLook.objects.filter(document=document).count() == 2


def test_an_expired_proof_says_so(resident, people):
    document = _issued(resident, people)
    Document.objects.filter(pk=document.pk).update(valid_until=datetime.date(2020, 1, 1))
    assert "已过期" in _public(f"/verify/{document.code}/").content.decode()


def test_verification_is_rate_limited_per_address(resident, people, settings):
    settings.VERIFY_LIMIT_PER_HOUR = 3
    document = _issued(resident, people)
    for _ in range(3):
        assert _public(f"/verify/{document.code}/").status_code == 200
    limited = _public(f"/verify/{document.code}/")
    assert limited.status_code == 429 and "欧***" not in limited.content.decode()
    other = Client(REMOTE_ADDR="10.0.0.9").get(f"/verify/{document.code}/")
    assert other.status_code == 200
    assert VerificationLook.objects.filter(outcome="limited").count() == 1


def test_document_list_and_detail_are_scoped(resident, people, web, api):
    document = _issued(resident, people)
    web.as_(people.worker_b)
    assert web.get(f"/desk/documents/{document.uid}/").status_code == 404
    assert document.number not in web.get("/desk/documents/").content.decode()
    web.as_(people.worker_a)
    assert document.number in web.get("/desk/documents/").content.decode()
    assert web.get(f"/desk/documents/{document.uid}/").status_code == 200
    api.as_(people.worker_b)
    assert api.get("/api/v1/documents/").json()["count"] == 0
    assert api.get(f"/api/v1/documents/{document.uid}/pdf/").status_code == 404


def test_lists_run_a_constant_number_of_queries(
    resident, honor_couple, people, web, api, django_assert_max_num_queries
):
    _issued(resident, people)
    _issued(resident, people)
    for kind in ("status_proof", "service_book"):
        services.application_create(actor=people.worker_a, person=resident, kind=kind)
    services.application_create(
        actor=people.worker_a, person=honor_couple[0], kind="glory_certificate"
    )
    web.as_(people.street)
    api.as_(people.street)
    for path in ("/desk/documents/", "/desk/applications/"):
        with django_assert_max_num_queries(14):
            assert web.get(path).status_code == 200
    for path in ("/api/v1/documents/", "/api/v1/applications/"):
        with django_assert_max_num_queries(10):
            assert api.get(path).status_code == 200
