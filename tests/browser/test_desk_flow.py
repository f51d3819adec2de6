"""The one-stop desk end to end: a resident registers a birth online on a phone and gets a
receipt; the community worker sees it, takes an application for a status proof and accepts
it; the street issues it; the QR code's address, opened on a phone, says it is valid."""

import datetime
import io
import re

import pytest
from pypdf import PdfReader

from shequ.registry import services as registry_services
from tests import factories
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def resident(tree):
    home = factories.make_household(factories.make_building(tree.grid_a1, "7号楼"), "502")
    wife = factories.make_person(
        home, name="欧阳娜娜", birth_date=datetime.date(1994, 2, 3), phone="13900003333"
    )
    husband = factories.make_person(
        home, name="张伟", sex="M", birth_date=datetime.date(1992, 7, 9)
    )
    registry_services.marriage_record(
        actor=None, husband=husband, wife=wife, values={"married_on": datetime.date(2020, 5, 1)}
    )
    wife.refresh_from_db()
    return wife


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= 375


def test_online_birth_registration_to_a_verified_proof(
    page, phone_page, login, live_server, people, resident
):
    # 1. The resident, on a phone, without an account.
    phone_page.goto(f"{live_server.url}/birth-registration/")
    phone_page.fill("#id_id_number", resident.id_number)
    phone_page.fill("#id_mobile", "13900003333")
    phone_page.fill("#id_spouse_name", "张伟")
    phone_page.select_option("#id_stage", "before")
    expected = datetime.date.today() + datetime.timedelta(days=150)
    phone_page.fill("#id_expected_on", expected.isoformat())
    phone_page.check("#id_declaration")
    assert fits(phone_page)
    with phone_page.expect_navigation():
        phone_page.click("[data-testid=birth-submit]")
    receipt = phone_page.locator("[data-testid=receipt-code]").inner_text().strip()
    assert len(receipt) >= 22
    assert "欧***" in phone_page.locator("[data-testid=receipt]").inner_text()
    assert fits(phone_page)

    # 2. The community worker sees it, and takes an application for a status proof.
    login(page, "worker_a", PASSWORD)
    page.goto(f"{live_server.url}/desk/births/")
    row = page.locator("[data-testid=birth-row]")
    assert row.count() == 1 and "欧阳娜娜" in row.inner_text() and "网上申请" in row.inner_text()
    with page.expect_navigation():
        row.locator("a").first.click()
    assert page.locator("[data-testid=receipt-code]").inner_text().strip() == receipt

    page.goto(f"{live_server.url}/desk/applications/new/")
    page.fill("#id_id_number", resident.id_number)
    page.select_option("#id_kind", "status_proof")
    with page.expect_navigation():
        page.click("[data-testid=application-form] button[type=submit]")
    with page.expect_navigation():
        page.click("[data-testid=step-accept]")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert page.locator("[data-testid=state]").inner_text() == "已受理"
    application_url = page.url

    # 3. The street issues it; the printed page carries the verification address.
    page.context.clear_cookies()
    login(page, "street", PASSWORD)
    page.goto(application_url)
    with page.expect_navigation():
        page.click("[data-testid=step-issue]")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    with page.expect_navigation():
        page.click("[data-testid=document-link]")
    pdf = page.request.get(
        live_server.url + page.locator("[data-testid=pdf]").get_attribute("href")
    )
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    text = PdfReader(io.BytesIO(pdf.body())).pages[0].extract_text()
    assert "婚育情况证明" in text and "欧阳娜娜" in text
    verify_url = re.search(r"https?://\S+/verify/[\w-]+/", text).group(0)

    # 4. Anyone scanning the QR code, on a phone.
    phone_page.goto(verify_url)
    card = phone_page.locator("[data-testid=verify]").inner_text()
    assert "本系统出具的真实文书" in card and "有效" in card and "欧***" in card
    assert "欧阳娜娜" not in card and resident.id_number not in phone_page.content()
    assert fits(phone_page)
    assert phone_page.console_errors == [] and page.console_errors == []
