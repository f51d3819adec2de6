"""The landing page, and the language: Chinese by default, English at /en/."""

import ast
import datetime
import gettext as gettext_module
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from shequ.org import services
from shequ.org.models import OrgUnit, User
from shequ.registry.models import ETHNICITY_CHOICES, Person
from shequ.registry.tables import parse_ethnicity
from tests import factories
from tests.conftest import make_unit
from tests.factories import SUIXIAN_HENAN


@pytest.fixture(autouse=True)
def default_language_afterwards():
    """A request to an /en/ page leaves English active in the thread: tests that render
    without a request must not depend on which test ran before them."""
    yield
    translation.deactivate()


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
    client.force_login(admin, backend="shequ.org.auth.UnitModelBackend")
    page = client.get("/").text
    assert "尚未建立组织。请运行 shequ demo 载入演示数据，或由管理员建立市级单位。" in page


def test_menu_shows_what_the_role_may_use(web, people):
    worker_page = web.as_(people.worker_a).get("/").text
    city_page = web.as_(people.city_admin).get("/").text
    assert "> 组织</a>" in worker_page
    assert 'href="/users/"' not in worker_page
    assert 'href="/users/"' in city_page
    # An administrator works on accounts and the tree: no people in its menu.
    assert 'href="/registry/persons/"' in worker_page
    assert 'href="/registry/persons/"' not in city_page


def test_the_menu_lists_every_app_s_entries_in_their_order(admin_client, tree):
    page = admin_client.get("/").text  # a superuser may use every entry
    labels = re.findall(
        r'class="nav-link text-nowrap[^"]*" href="[^"]*"[^>]*><i [^>]*></i> (\S+)</a>', page
    )
    # Org's entries, the registry's, the shared pieces' and the desk's, each registered by
    # its app, in one order.
    assert labels == [
        "首页",
        "组织",
        "待办",
        "通报",
        "人口",
        "房屋",
        "出租房屋",
        "户籍户",
        "每月一查",
        "导入导出",
        "健康服务",
        "生育登记",
        "办事申请",
        "证明文书",
        "政务公开",
        "扶助名单",
        "药具",
        "规则设置",
        "人口分类设置",
        "用户",
        "审计",
    ]


def test_no_two_menu_entries_share_a_position():
    """Entries come from each app's ``menu_entries``; two at one position would be ordered by
    the apps' order alone, which moves when an app is added."""
    from shequ.core.hooks import app_hooks

    positions = [entry.position for entry in app_hooks("menu_entries")]
    assert len(positions) == len(set(positions))


def test_the_menu_leads_to_the_rented_homes_register_and_marks_it_active(web, people):
    assert 'href="/housing/rented/"' in web.as_(people.worker_a).get("/").text
    register = web.get("/housing/rented/").text
    assert 'active" href="/housing/rented/" aria-current="page"' in register
    assert 'active" href="/housing/"' not in register  # the longer section wins
    assert 'active" href="/housing/"' in web.get("/housing/").text


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


# --- English, end to end ---------------------------------------------------------------------


@pytest.fixture
def migrant(tree):
    """A migrant from Henan living in 丽景社区's first grid."""
    household = factories.make_household(factories.make_building(tree.grid_a1, "3号楼"), "201")
    return factories.make_person(
        household,
        name="王强",
        hukou_division=SUIXIAN_HENAN,
        region="412326",
        flow_in_date=datetime.date(2024, 1, 1),
        flow_in_reason="work",
    )


def test_english_home_is_in_english(web, people):
    page = web.as_(people.worker_a).get("/en/").text
    assert "<title>Home · Community Population Services</title>" in page
    assert "Log out" in page
    assert '<span class="badge text-bg-primary">Community staff</span>' in page
    assert "退出登录" not in page


def test_english_home_counts_are_labelled_in_english(web, people):
    counts = cards(web.as_(people.street).get("/en/").text)
    assert counts["Communities/villages"] == "3"
    assert counts["Grid"] == "4"


def test_english_person_list_labels_columns_filters_and_choices(web, people, migrant):
    page = web.as_(people.worker_a).get("/en/registry/persons/").text
    assert "<th>Citizen ID number</th>" in page
    assert "Population type" in page
    assert "Separated from household registration" in page  # a filter choice
    assert "Eight clear facts" in page
    assert "王强" in page  # the data stays as registered
    assert ">Inflow<" in page  # the migrant's population type
    assert "流入" not in page
    assert "人口类型" not in page


def test_choices_built_when_the_module_loads_follow_the_language(web, people, migrant):
    english = web.as_(people.worker_a).get("/en/registry/persons/").text
    chinese = web.get("/registry/persons/").text
    assert "0–14 years" in english and "0–14岁" in chinese  # age groups
    assert "Oldest first" in english and "年龄从大到小" in chinese  # sort order


def test_english_person_page_shows_translated_choice_labels(web, people, migrant):
    page = web.as_(people.worker_a).get(f"/en/registry/persons/{migrant.uid}/").text
    assert "Basic information" in page
    assert "Work or business" in page  # 务工经商, the reason for inflow
    assert "Han" in page  # 汉族


def test_english_register_form(web, people, migrant):
    page = web.as_(people.worker_a).get("/en/registry/persons/new/").text
    assert "Register arrival" in page
    assert ">Date of birth" in page
    assert ">Ethnicity" in page
    assert '<option value="01" selected>Han</option>' in page
    assert '<option value="03">Hui</option>' in page


def test_register_form_is_chinese_by_default(web, people, migrant):
    page = web.as_(people.worker_a).get("/registry/persons/new/").text
    assert '<html lang="zh-hans">' in page
    assert '<option value="01" selected>汉族</option>' in page


def test_english_validation_errors(web, people, migrant):
    response = web.as_(people.worker_a).post(
        "/en/registry/persons/new/",
        {
            "id_number": "34060319900102",
            "children-TOTAL_FORMS": "0",
            "children-INITIAL_FORMS": "0",
            "children-MIN_NUM_FORMS": "0",
            "children-MAX_NUM_FORMS": "20",
        },
    )
    assert response.status_code == 200
    assert not Person.objects.filter(id_number="34060319900102").exists()
    page = response.text
    assert "The ID number must have 18 characters; it has 14." in page
    assert "Please correct the fields as indicated below and save again." in page
    assert "This field is required." in page
    assert "身份证号码应为" not in page


def test_action_and_state_words_are_told_apart(web, people):
    client = web.as_(people.city_admin)
    services.user_set_active(
        actor=people.city_admin, user=people.worker_b, active=False, reason="离职"
    )
    listing = client.get("/en/users/", {"status": "all"}).text
    assert '<span class="badge text-bg-secondary">Inactive</span>' in listing
    edit = client.get(f"/en/users/{people.worker_a.uid}/").text
    assert ">Deactivate</a>" in edit


def test_switch_to_english_then_back_to_chinese(web, people):
    client = web.as_(people.worker_a)
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"}, follow=True)
    assert "Log out" in response.text
    response = client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"}, follow=True)
    assert response.redirect_chain[-1][0] == "/"
    assert "退出登录" in response.text


def test_server_error_page_follows_the_language():
    with translation.override("en"):
        english = render_to_string("500.html")
    assert '<html lang="en">' in english and "Server error" in english
    assert "服务器错误" in render_to_string("500.html")


def test_files_keep_chinese_names_on_english_pages():
    """Import files are read in Chinese whatever the page language."""
    with translation.override("en"):
        assert parse_ethnicity("回族") == "03"
        assert parse_ethnicity("回") == "03"
        assert str(dict(ETHNICITY_CHOICES)["03"]) == "Hui"


# --- The catalogue ------------------------------------------------------------------------------

LOCALE = Path(settings.LOCALE_PATHS[0]) / "en" / "LC_MESSAGES"


def po_entries(path: Path) -> list[dict[str, object]]:
    """The entries of a .po file: {"msgctxt", "msgid", "msgid_plural", "msgstr": [...], "flags"}."""
    entries: list[dict[str, object]] = []
    entry: dict[str, object] = {}
    field = None
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if not line.strip():
            if "msgid" in entry:
                entries.append(entry)
            entry, field = {}, None
        elif line.startswith("#,"):
            entry["flags"] = line[2:].replace(" ", "").split(",")
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            value = ast.literal_eval(line)
            if field == "msgstr":
                entry["msgstr"][-1] += value
            else:
                entry[field] += value
        else:
            keyword, text = line.split(" ", 1)
            if keyword.startswith("msgstr"):
                field = "msgstr"
                entry.setdefault("msgstr", []).append(ast.literal_eval(text))
            else:
                field = keyword
                entry[field] = ast.literal_eval(text)
    return entries


def test_every_message_has_an_english_translation():
    entries = po_entries(LOCALE / "django.po")
    assert len(entries) > 800
    header, messages = entries[0], entries[1:]
    assert header["msgid"] == "" and "fuzzy" not in header.get("flags", [])
    for entry in messages:
        assert "fuzzy" not in entry.get("flags", []), entry["msgid"]
        assert all(entry["msgstr"]), f"untranslated: {entry['msgid']}"


def test_compiled_catalogue_matches_the_po_file():
    """The .mo is committed (servers may lack gettext): it must hold every translation."""
    with (LOCALE / "django.mo").open("rb") as mo:
        catalog = gettext_module.GNUTranslations(mo)
    for entry in po_entries(LOCALE / "django.po")[1:]:
        msgid = entry["msgid"]
        if "msgctxt" in entry:
            assert catalog.pgettext(entry["msgctxt"], msgid) == entry["msgstr"][0], msgid
        elif "msgid_plural" in entry:
            assert catalog.ngettext(msgid, entry["msgid_plural"], 1) == entry["msgstr"][0]
            assert catalog.ngettext(msgid, entry["msgid_plural"], 2) == entry["msgstr"][1]
        else:
            assert catalog.gettext(msgid) == entry["msgstr"][0], msgid


# --- Pages added after the first translation ----------------------------------------------------


def test_english_rented_home_register(web, people, tree):
    building = factories.make_building(tree.grid_a1, "1号楼")
    let = factories.make_household(building, "102", is_rented=True, landlord_name="钱房东")
    factories.make_person(let, name="王五", hukou_division=SUIXIAN_HENAN, region="412326")
    page = web.as_(people.worker_a).get("/en/housing/rented/").text
    assert "<title>Rented homes register · Community Population Services</title>" in page
    assert "Rented homes register" in page and "Landlords, tenants and inflow migrants" in page
    assert ">Occupants</label>" in page  # 住户 in the sense of the people living there
    # A landlord known only by name is no longer called 外来 (issue 16).
    assert "Unregistered landlord" in page
    shown = page.replace("钱房东", "")
    assert "出租房屋" not in shown and "房东" not in shown


def test_english_unit_page_labels_its_counts(web, people, tree):
    page = web.as_(people.street).get(f"/en/org/{tree.street.code}/").text
    totals = re.findall(
        r'<div class="small text-body-secondary">([^<]+)</div><div class="fs-4">', page
    )
    assert totals == [
        "Registered persons",
        "Inflow migrants",
        "Households",
        "Building",
        "Eight-clear completeness %",
        "Not checked this month",
        "Pending departure",
    ]
    assert "List of persons" in page and "Export units to Excel" in page
    assert "在册人员" not in page and "导出组织" not in page


def test_english_change_log_names_actions_and_facts():
    from shequ.org.audit_display import EXTRA_FIELDS, action_label

    with translation.override("en"):
        assert action_label("export.rented_homes") == "Export rented homes"
        assert action_label("person.register") == "Register person"
        assert str(EXTRA_FIELDS["id_numbers"][1]["masked"]) == "Masked"
    assert action_label("export.rented_homes") == "导出出租房屋"


def test_the_data_rights_approval_page_is_in_english_at_en(web, people):
    """The security redesign's pages were missing from the catalogue: /en/ showed Chinese."""
    page = web.as_(people.city_admin).get("/en/users/approvals/").text
    assert "<h1" in page and "Data rights approvals" in page
    assert "No requests waiting for a decision." in page
    assert "数据权限审批" not in page and "没有待审批的申请" not in page
