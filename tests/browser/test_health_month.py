"""A month's verification report through the pages: the community generates and submits,
the street returns it with a reason, the community submits again, the street approves (the
month locks), the street reports up and the district approves."""

import datetime

import pytest
from django.utils import timezone

from shequ.health import rules, services
from shequ.health.models import MonthlyReport
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _open_report(page, live_server, month: str):
    page.goto(f"{live_server.url}/health/reports/")
    page.fill("input[type=month]", month)
    with page.expect_navigation():
        page.click("[data-testid=generate] button[type=submit]")


def test_a_month_s_cycle_community_street_district(page, login, live_server, people, tree):
    services.seed_defaults(datetime.date(2020, 1, 1))  # emptied by earlier transactional tests
    month = rules.months_before(rules.month_start(timezone.localdate()), 1)
    label = f"{month:%Y-%m}"
    # 文苑社区's report is already approved (the street waits for all its communities).
    other = services.report_generate(actor=None, unit=tree.community_b, month=month)
    services.report_submit(actor=people.worker_b, report=other)
    services.report_approve(actor=people.street, report=other)

    login(page, "worker_a", PASSWORD)
    _open_report(page, live_server, label)
    assert "丽景社区" in page.locator("h1").inner_text()
    with page.expect_navigation():
        page.click("[data-testid=submit]")
    assert page.locator("[data-testid=state]").inner_text() == "已上报"
    report_url = page.url

    page.context.clear_cookies()
    login(page, "street", PASSWORD)
    page.goto(report_url)
    page.fill("#reason", "新婚人数与入户核实不一致")
    with page.expect_navigation():
        page.click("[data-testid=return]")
    assert page.locator("[data-testid=state]").inner_text() == "已退回"

    page.context.clear_cookies()
    login(page, "worker_a", PASSWORD)
    page.goto(report_url)
    assert "新婚人数与入户核实不一致" in page.locator("[data-testid=return-reason]").inner_text()
    page.fill("#note", "已核对更正")
    with page.expect_navigation():
        page.click("[data-testid=submit]")

    page.context.clear_cookies()
    login(page, "street", PASSWORD)
    page.goto(report_url)
    with page.expect_navigation():
        page.click("[data-testid=approve]")
    assert page.locator("[data-testid=locked]").is_visible()
    _open_report(page, live_server, label)
    assert "示范街道" in page.locator("h1").inner_text()
    with page.expect_navigation():
        page.click("[data-testid=submit]")
    street_url = page.url

    page.context.clear_cookies()
    login(page, "district", PASSWORD)
    page.goto(street_url)
    with page.expect_navigation():
        page.click("[data-testid=approve]")
    assert page.locator("[data-testid=state]").inner_text() == "已审核"
    states = dict(MonthlyReport.objects.filter(month=month).values_list("unit_code", "state"))
    assert states == {
        tree.community_a.code: "approved",
        tree.community_b.code: "approved",
        tree.street.code: "approved",
    }
    assert not page.console_errors
