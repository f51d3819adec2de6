"""A worker enrols an authenticator app in the browser: the QR code shows under the CSP and the
first code leads to the recovery codes and on to the work."""

import pytest

from tests.conftest import PASSWORD
from tests.test_second_factor import code_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_worker_enrols_and_reaches_the_home_page(page, login, people, settings):
    settings.OTP_REQUIRED = True
    login(page, "worker_a", PASSWORD)
    assert "/accounts/otp/setup/" in page.url
    box = page.locator(".otp-qr svg").bounding_box()
    assert box is not None and box["width"] >= 100 and box["height"] >= 100
    secret = page.locator(".otp-secret").inner_text()
    page.fill("#id_otp", code_for(secret))
    with page.expect_navigation():
        page.click("main form:first-of-type button[type=submit]")
    assert len(page.locator(".recovery-codes li").all()) == 10
    with page.expect_navigation():
        page.click("text=我已保存，继续")
    assert page.locator("[data-testid=unit-name]").inner_text() == "丽景社区"
    assert page.console_errors == []
