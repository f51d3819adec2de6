"""A community worker logs in through the real form and sees only the own community."""

import pytest

from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_static_files_are_served_and_bootstrap_applies(page, live_server, people):
    response = page.request.get(f"{live_server.url}/static/vendor/bootstrap/css/bootstrap.min.css")
    assert response.status == 200
    page.goto(f"{live_server.url}/accounts/login/")
    # Bootstrap's .btn-primary is blue; without the stylesheet the button would be grey.
    colour = page.eval_on_selector(
        "main button[type=submit]", "el => getComputedStyle(el).backgroundColor"
    )
    assert colour == "rgb(13, 110, 253)"


def test_worker_logs_in_and_lands_on_own_community(page, login, people):
    login(page, "worker_a", PASSWORD)
    assert page.locator("[data-testid=unit-name]").inner_text() == "丽景社区"
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert "社区工作人员" in page.locator("main").inner_text()


def test_wrong_password_keeps_the_worker_on_the_login_page(page, login, people):
    login(page, "worker_a", "Wrong-pass-2026")
    assert "/accounts/login/" in page.url
    assert "请输入一个正确的用户名和密码" in page.locator(".alert-danger").inner_text()


def test_worker_org_tree_shows_only_own_community(page, login, live_server, people, tree):
    login(page, "worker_a", PASSWORD)
    page.click("a.nav-link[href='/org/']")
    page.wait_for_url(f"**/org/{tree.community_a.code}/")
    table = page.locator("[data-testid=children]").inner_text()
    assert "第1网格" in table and "第2网格" in table
    assert tree.grid_a1.code in table
    assert tree.grid_b1.code not in table
    assert "文苑社区" not in page.content()


def test_other_community_answers_the_404_page(page, login, live_server, people, tree):
    login(page, "worker_a", PASSWORD)
    response = page.goto(f"{live_server.url}/org/{tree.community_b.code}/")
    assert response.status == 404
    assert "要找的页面或记录不存在，或不在您的管辖范围内。" in page.locator("main").inner_text()
    assert "文苑社区" not in page.content()


def test_pages_raise_no_browser_errors(page, login, live_server, people, tree):
    # A Content-Security-Policy violation (an inline script or style) shows up as a console error.
    login(page, "street_admin", PASSWORD)
    for path in [
        "/",
        f"/org/{tree.community_a.code}/",
        "/users/",
        "/users/new/",
        f"/users/{people.worker_a.uid}/",
        f"/users/{people.worker_a.uid}/rights/",
        "/users/approvals/",
    ]:
        page.goto(f"{live_server.url}{path}")
    assert page.console_errors == []


def test_phone_screen_collapses_the_menu_behind_a_toggler(phone_page, login, people):
    login(phone_page, "worker_a", PASSWORD)
    toggler = phone_page.locator(".navbar-toggler")
    assert toggler.is_visible()
    assert not phone_page.locator("#mainnav a.nav-link[href='/org/']").is_visible()
    toggler.click()
    phone_page.locator("#mainnav a.nav-link[href='/org/']").wait_for(state="visible")
    assert phone_page.locator("[data-testid=unit-name]").inner_text() == "丽景社区"


def test_phone_screen_page_fits_without_sideways_scrolling(
    phone_page, login, live_server, people, tree
):
    login(phone_page, "worker_a", PASSWORD)
    phone_page.goto(f"{live_server.url}/org/{tree.community_a.code}/")
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375


def test_language_switch_shows_the_english_page(page, login, people):
    login(page, "worker_a", PASSWORD)
    with page.expect_navigation():
        page.click("form.language-switch button[value=en]")
    assert page.url.endswith("/en/")
    assert page.locator("html").get_attribute("lang") == "en"
    with page.expect_navigation():
        page.click("form.language-switch button[value=zh-hans]")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
