"""The landing page, and the language: Chinese by default, English at /en/."""

import re

from shequ.org.models import OrgUnit, User
from tests.conftest import make_unit


def breadcrumb(html: str) -> list[str]:
    nav = re.search(r'<nav class="tree-breadcrumb".*?</nav>', html, re.S).group(0)
    return [
        re.sub(r"<[^>]+>", "", item).strip() for item in re.findall(r"<li[^>]*>(.*?)</li>", nav)
    ]


def cards(html: str) -> dict[str, str]:
    found = re.findall(
        r'<i class="bi bi-[\w-]+"></i> ([^<]+)</div>\s*<div class="display-6">([^<]+)</div>', html
    )
    return {label.strip(): value.strip() for label, value in found}


# --- The landing page -------------------------------------------------------------------------


def test_home_shows_the_users_unit_and_role(web, people):
    page = web.as_(people.worker_a).get("/").text
    assert '<h1 class="h3 mb-0" data-testid="unit-name">丽景社区</h1>' in page
    assert "340603020001" in page
    assert '<span class="badge text-bg-primary">社区工作人员</span>' in page


def test_home_shows_the_units_place_in_the_tree(web, people):
    page = web.as_(people.worker_a).get("/").text
    assert breadcrumb(page) == ["淮北市", "相山区", "示范街道", "丽景社区"]


def test_breadcrumb_does_not_link_above_the_jurisdiction(web, people, tree):
    page = web.as_(people.worker_a).get("/").text
    assert f'href="/org/{tree.street.code}/"' not in page
    assert f'href="/org/{tree.community_a.code}/"' in page


def test_breadcrumb_links_the_units_in_the_jurisdiction(web, people, tree):
    page = web.as_(people.street).get(f"/org/{tree.grid_a1.code}/").text
    assert breadcrumb(page) == ["淮北市", "相山区", "示范街道", "丽景社区", "第1网格"]
    assert f'href="/org/{tree.community_a.code}/"' in page
    assert f'href="/org/{tree.district.code}/"' not in page


def test_home_counts_the_units_below(web, people):
    page = web.as_(people.street).get("/").text
    counts = cards(page)
    assert counts["社区/村"] == "3"
    assert counts["网格"] == "4"


def test_home_counts_are_live(web, people, tree):
    make_unit("34060302000103", "第3网格", OrgUnit.Kind.GRID, tree.community_a)
    assert cards(web.as_(people.worker_a).get("/").text)["网格"] == "3"


def test_home_of_the_city_counts_every_level(web, people):
    counts = cards(web.as_(people.city).get("/").text)
    assert (counts["区县"], counts["街道/乡镇"], counts["社区/村"], counts["网格"]) == (
        "2",
        "2",
        "4",
        "4",
    )


def test_home_of_a_superuser_without_a_tree_explains_what_to_do(client, db):
    admin = User.objects.create_superuser("root", password="Root-pass-2026")
    client.force_login(admin, backend="django.contrib.auth.backends.ModelBackend")
    page = client.get("/").text
    assert "尚未建立组织。请运行 shequ demo 载入演示数据，或由管理员建立市级单位。" in page


def test_menu_shows_what_the_role_may_use(web, people):
    worker_page = web.as_(people.worker_a).get("/").text
    city_page = web.as_(people.city).get("/").text
    assert "> 组织</a>" in worker_page
    assert 'href="/users/"' not in worker_page
    assert 'href="/users/"' in city_page


# --- Language ------------------------------------------------------------------------------------


def test_pages_are_chinese_by_default(web, people):
    page = web.as_(people.worker_a).get("/").text
    assert '<html lang="zh-hans">' in page
    assert "<title>首页 · 社区人口服务</title>" in page
    assert "退出登录" in page


def test_login_page_is_chinese_by_default(client, db):
    page = client.get("/accounts/login/").text
    assert '<html lang="zh-hans">' in page
    assert 'value="en"' in page  # the switch offers English


def test_english_lives_under_en(web, people):
    response = web.as_(people.worker_a).get("/en/")
    assert response.status_code == 200
    assert '<html lang="en">' in response.text
    assert "丽景社区" in response.text


def test_english_org_page_renders(web, people, tree):
    response = web.as_(people.worker_a).get(f"/en/org/{tree.community_a.code}/")
    assert response.status_code == 200
    assert '<html lang="en">' in response.text


def test_english_page_offers_chinese(web, people):
    page = web.as_(people.worker_a).get("/en/").text
    assert 'value="zh-hans"' in page


def test_language_switch_posts_and_goes_to_the_english_page(web, people):
    client = web.as_(people.worker_a)
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert response.url == "/en/"
    assert client.cookies["django_language"].value == "en"


def switch_form(html: str) -> dict[str, str]:
    form = re.search(r'<form action="/i18n/setlang/".*?</form>', html, re.S).group(0)
    return {
        "next": re.search(r'name="next" type="hidden" value="([^"]*)"', form).group(1),
        "language": re.search(r'name="language" value="([^"]*)"', form).group(1),
    }


def test_switch_on_an_english_page_returns_to_the_same_chinese_page(web, people, tree):
    client = web.as_(people.worker_a)
    form = switch_form(client.get(f"/en/org/{tree.community_a.code}/", {"closed": "1"}).text)
    assert form["language"] == "zh-hans"
    response = client.post("/i18n/setlang/", form)
    assert response.url == f"/org/{tree.community_a.code}/?closed=1"


def test_switch_on_a_chinese_page_goes_to_the_same_english_page(web, people, tree):
    client = web.as_(people.worker_a)
    form = switch_form(client.get(f"/org/{tree.community_a.code}/").text)
    assert form["language"] == "en"
    response = client.post("/i18n/setlang/", form)
    assert response.url == f"/en/org/{tree.community_a.code}/"


def test_language_switch_refuses_get(web, people):
    response = web.as_(people.worker_a).get("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code in (302, 204, 405)
    assert "django_language" not in response.cookies


def test_english_login_redirect_keeps_the_language(client, db):
    response = client.get("/en/")
    assert response.status_code == 302
    assert response.url.startswith("/en/accounts/login/")


def test_api_errors_follow_the_default_language(api, people, tree):
    response = api.as_(people.worker_a).get("/api/v1/org-units/340603020999/")
    assert response.status_code == 404
    assert response.json() == {"detail": "未找到。"}
