"""Housing pages (以房管人): buildings, their homes, landlords and who lives there."""

import datetime
import re

import pytest
from django.urls import reverse

from shequ.core.identifiers import mask_id_number
from shequ.org.models import AuditEvent
from shequ.registry import services
from shequ.registry.models import Building, Household
from tests.factories import SUIXIAN_HENAN, make_building, make_household, make_person


def text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def table_rows(response, testid: str) -> list[str]:
    """The text of each body row of the table marked ``data-testid``."""
    html = response.content.decode()
    start = html.index(f'data-testid="{testid}"')
    body = html[html.index("<tbody", start) : html.index("</tbody>", start)]
    return [text(row) for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)]


def sections(response) -> list[str]:
    html = response.content.decode()
    return [
        text(s)
        for s in re.findall(
            r'<section[^>]*data-testid="household"[^>]*>(.*?)</section>', html, re.S
        )
    ]


@pytest.fixture
def housing(tree):
    """丽景 第1网格: 1号楼 with a family home and a home let to a migrant; 文苑: 9号楼."""
    building = make_building(tree.grid_a1, "1号楼", address="丽景路8号")
    family = make_household(building, "101")
    # Their 户口簿 (opened by the 户主, joined by the spouse): the building page shows
    # each resident's registered household.
    owner = make_person(family, name="张三", relation="head")
    make_person(family, name="李梅", relation="spouse", sex="F")
    rented = make_household(building, "102", is_rented=True, landlord=owner)
    tenant = make_person(
        rented,
        name="王五",
        relation="tenant",
        sex="M",
        birth_date=datetime.date(1985, 3, 2),
        hukou_division=SUIXIAN_HENAN,
        hukou_address="睢县城关镇",
        flow_in_date=datetime.date(2025, 1, 5),
        flow_in_reason="work",
    )
    other = make_building(tree.grid_b1, "9号楼")
    other_home = make_household(other, "301")
    make_person(other_home, name="赵六")
    return {
        "building": building,
        "family": family,
        "rented": rented,
        "owner": owner,
        "tenant": tenant,
        "other": other,
        "other_home": other_home,
    }


# --- Building list --------------------------------------------------------------------------


def test_worker_sees_own_buildings_with_homes_residents_and_rented_counts(web, people, housing):
    response = web.as_(people.worker_a).get(reverse("registry:building_list"))

    assert response.status_code == 200
    rows = table_rows(response, "buildings")
    assert len(rows) == 1
    assert rows[0].startswith("1号楼 第1网格")
    assert rows[0].endswith("2 3 1")  # homes, active residents, rented homes


def test_worker_does_not_see_buildings_of_another_community(web, people, housing):
    response = web.as_(people.worker_b).get(reverse("registry:building_list"))

    rows = table_rows(response, "buildings")
    assert [row.split()[0] for row in rows] == ["9号楼"]


def test_street_sees_buildings_of_all_its_communities(web, people, housing):
    response = web.as_(people.street).get(reverse("registry:building_list"))

    assert sorted(row.split()[0] for row in table_rows(response, "buildings")) == ["1号楼", "9号楼"]


def test_building_list_filters_by_rented_homes(web, people, tree, housing):
    make_building(tree.grid_a2, "2号楼")
    client = web.as_(people.worker_a)

    rented = table_rows(
        client.get(reverse("registry:building_list") + "?has_rented=true"), "buildings"
    )
    not_rented = table_rows(
        client.get(reverse("registry:building_list") + "?has_rented=false"), "buildings"
    )

    assert [r.split()[0] for r in rented] == ["1号楼"]
    assert [r.split()[0] for r in not_rented] == ["2号楼"]


def test_building_list_filters_by_search_unit_and_kind(web, people, tree, housing):
    make_building(tree.grid_a2, "东院", kind=Building.Kind.COURTYARD, address="丽景路10号")
    client = web.as_(people.worker_a)
    url = reverse("registry:building_list")

    by_address = table_rows(client.get(url + "?search=丽景路10"), "buildings")
    by_unit = table_rows(client.get(url + f"?unit={tree.grid_a1.code}"), "buildings")
    by_kind = table_rows(client.get(url + "?kind=courtyard"), "buildings")

    assert [r.split()[0] for r in by_address] == ["东院"]
    assert [r.split()[0] for r in by_unit] == ["1号楼"]
    assert [r.split()[0] for r in by_kind] == ["东院"]


def test_building_list_hides_closed_buildings_unless_asked(web, people, tree):
    building = make_building(tree.grid_a1, "拆迁楼")
    services.building_close(actor=None, building=building, reason="拆除")
    client = web.as_(people.worker_a)

    default = table_rows(client.get(reverse("registry:building_list")), "buildings")
    closed = table_rows(
        client.get(reverse("registry:building_list") + "?is_active=false"), "buildings"
    )

    assert "拆迁楼" not in " ".join(default)
    assert closed[0].startswith("拆迁楼 已停用")


def test_building_list_shows_empty_state(web, people, tree):
    response = web.as_(people.worker_a).get(reverse("registry:building_list"))

    assert "辖区内还没有登记楼栋。" in response.content.decode()
    assert "新建第一栋楼" in response.content.decode()


def test_building_list_sorts_by_residents(web, people, tree, housing):
    crowded = make_building(tree.grid_a2, "大楼")
    home = make_household(crowded, "1")
    for name in ["甲一", "甲二", "甲三", "甲四"]:
        make_person(home, name=name)
    client = web.as_(people.worker_a)

    rows = table_rows(
        client.get(reverse("registry:building_list") + "?sort=-residents"), "buildings"
    )

    assert [r.split()[0] for r in rows] == ["大楼", "1号楼"]


def test_building_list_export_link_keeps_filters(web, people, housing):
    response = web.as_(people.worker_a).get(reverse("registry:building_list") + "?has_rented=true")

    export = reverse("registry:export", args=["buildings"])
    assert f'href="{export}?has_rented=true"' in response.content.decode()


@pytest.mark.parametrize("count", [5, 50])
def test_building_list_runs_a_constant_number_of_queries(
    web, people, tree, count, django_assert_max_num_queries
):
    for i in range(count):
        building = make_building(tree.grid_a1, f"{i + 1}号楼")
        home = make_household(
            building, "101", is_rented=True, landlord_name="房东", landlord_phone="13800000000"
        )
        make_person(home, name="住户")
    client = web.as_(people.worker_a)

    with django_assert_max_num_queries(8):  # + the residents' registered households
        response = client.get(reverse("registry:building_list") + "?page_size=50")

    assert len(table_rows(response, "buildings")) == count


# --- Create, edit, close ----------------------------------------------------------------------


def test_worker_creates_a_building_in_a_grid(web, people, tree):
    client = web.as_(people.worker_a)

    response = client.post(
        reverse("registry:building_create"),
        {"unit": tree.grid_a2.code, "name": "5号楼", "address": "丽景路12号", "kind": "apartment"},
        follow=True,
    )

    building = Building.objects.get(name="5号楼")
    assert building.unit_id == tree.grid_a2.code
    assert response.redirect_chain[-1][0] == reverse(
        "registry:building_detail", args=[building.uid]
    )
    assert "已建立楼栋 5号楼。" in response.content.decode()


def test_create_form_offers_only_units_in_jurisdiction(web, people, tree):
    response = web.as_(people.worker_a).get(reverse("registry:building_create"))

    html = response.content.decode()
    assert f'value="{tree.grid_a1.code}"' in html
    assert f'value="{tree.grid_b1.code}"' not in html


def test_create_refuses_a_unit_outside_jurisdiction(web, people, tree):
    response = web.as_(people.worker_a).post(
        reverse("registry:building_create"),
        {"unit": tree.grid_b1.code, "name": "5号楼", "kind": "apartment"},
    )

    assert response.status_code == 200
    assert not Building.objects.filter(name="5号楼").exists()
    assert "选择一个有效的选项" in response.content.decode()


def test_create_refuses_a_duplicate_building_name(web, people, tree, housing):
    response = web.as_(people.worker_a).post(
        reverse("registry:building_create"),
        {"unit": tree.grid_a1.code, "name": "1号楼", "kind": "apartment"},
    )

    assert response.status_code == 200
    assert "第1网格 已有楼栋“1号楼”。" in response.content.decode()
    assert Building.objects.filter(name="1号楼").count() == 1


def test_worker_edits_a_building_with_a_reason_kept_in_history(web, people, tree, housing):
    building = housing["building"]

    web.as_(people.worker_a).post(
        reverse("registry:building_edit", args=[building.uid]),
        {
            "unit": tree.grid_a1.code,
            "name": "1栋",
            "address": "丽景路8号",
            "kind": "apartment",
            "reason": "门牌统一更名",
            "version": building.version,
        },
    )

    building.refresh_from_db()
    assert building.name == "1栋"
    assert building.history.first().history_change_reason == "门牌统一更名"
    event = AuditEvent.objects.get(action="building.update")
    assert event.reason == "门牌统一更名"
    assert event.actor == people.worker_a


def test_edit_requires_a_reason(web, people, tree, housing):
    building = housing["building"]

    response = web.as_(people.worker_a).post(
        reverse("registry:building_edit", args=[building.uid]),
        {"unit": tree.grid_a1.code, "name": "1栋", "kind": "apartment", "reason": ""},
    )

    assert response.status_code == 200
    assert "该字段是必填项。" in response.content.decode()
    building.refresh_from_db()
    assert building.name == "1号楼"


def test_close_is_refused_while_people_live_in_the_building(web, people, housing):
    building = housing["building"]

    response = web.as_(people.worker_a).post(
        reverse("registry:building_close", args=[building.uid]), {"reason": "拆除"}
    )

    assert response.status_code == 200
    assert "楼栋内还有在册人员，请先办理迁出或迁移。" in response.content.decode()
    building.refresh_from_db()
    assert building.is_active


def test_close_asks_for_confirmation_first(web, people, housing):
    response = web.as_(people.worker_a).get(
        reverse("registry:building_close", args=[housing["building"].uid])
    )

    assert "确定停用吗？" in response.content.decode()
    assert "确认停用" in response.content.decode()


def test_worker_closes_an_empty_building_with_its_homes(web, people, tree):
    building = make_building(tree.grid_a1, "危房")
    make_household(building, "1")

    response = web.as_(people.worker_a).post(
        reverse("registry:building_close", args=[building.uid]), {"reason": "危房拆除"}, follow=True
    )

    building.refresh_from_db()
    assert not building.is_active
    assert building.closed_reason == "危房拆除"
    assert not Household.objects.filter(building=building, is_active=True).exists()
    assert "楼栋 危房 已停用。" in response.content.decode()
    assert "已停用：危房拆除" in response.content.decode()


# --- Building detail ------------------------------------------------------------------------


def test_building_detail_lists_every_home_and_its_residents(web, people, housing):
    response = web.as_(people.worker_a).get(
        reverse("registry:building_detail", args=[housing["building"].uid])
    )

    assert response.status_code == 200
    family, rented = sections(response)
    assert family.startswith("101")
    assert "张三" in family and "户主" in family and "李梅" in family and "配偶" in family
    assert rented.startswith("102 出租 房东： 张三")
    assert "王五" in rented and "租户" not in family


def test_building_detail_masks_identity_numbers(web, people, housing):
    response = web.as_(people.worker_a).get(
        reverse("registry:building_detail", args=[housing["building"].uid])
    )

    html = response.content.decode()
    owner = housing["owner"]
    assert mask_id_number(owner.id_number) in html
    assert owner.id_number not in html


def test_building_detail_marks_tenants_and_links_a_registered_landlord(web, people, housing):
    response = web.as_(people.worker_a).get(
        reverse("registry:building_detail", args=[housing["building"].uid])
    )

    html = response.content.decode()
    rented = html[html.index(f'id="h-{housing["rented"].uid}"') :]
    landlord_link = reverse("registry:person_detail", args=[housing["owner"].uid])
    assert f'<a href="{landlord_link}">张三</a>' in rented.split("</section>")[0]
    assert html.count('data-testid="tenant"') == 1  # 王五: tenant and inflow; the family is not


def test_building_detail_shows_an_outside_landlord_with_phone(web, people, tree):
    building = make_building(tree.grid_a1, "3号楼")
    make_household(
        building,
        "201",
        is_rented=True,
        landlord_name="钱房东",
        landlord_phone="13912345678",
        rented_since=datetime.date(2024, 6, 1),
    )

    response = web.as_(people.worker_a).get(
        reverse("registry:building_detail", args=[building.uid])
    )

    (home,) = sections(response)
    assert "房东： 钱房东 · 13912345678 （未在册房东） ，2024-06-01 起出租" in home
    assert "出租房屋，暂无登记的租住人员。" in home


def test_building_detail_offers_register_here_for_each_home(web, people, housing):
    response = web.as_(people.worker_a).get(
        reverse("registry:building_detail", args=[housing["building"].uid])
    )

    register = reverse("registry:person_register")
    assert f'href="{register}?household={housing["family"].uid}"' in response.content.decode()


def test_building_detail_shows_empty_state(web, people, tree):
    building = make_building(tree.grid_a1, "新楼")

    response = web.as_(people.worker_a).get(
        reverse("registry:building_detail", args=[building.uid])
    )

    assert "这栋楼还没有登记住户。" in response.content.decode()


def test_building_detail_does_not_list_departed_people(web, people, housing):
    services.person_depart(
        actor=None,
        person=housing["tenant"],
        date=datetime.date(2025, 6, 1),
        reason="返乡",
        division=SUIXIAN_HENAN,
    )

    response = web.as_(people.worker_a).get(
        reverse("registry:building_detail", args=[housing["building"].uid])
    )

    assert "王五" not in response.content.decode()


@pytest.mark.parametrize("homes", [2, 12])
def test_building_detail_runs_a_constant_number_of_queries(
    web, people, tree, homes, django_assert_max_num_queries
):
    building = make_building(tree.grid_a1, "8号楼")
    for i in range(homes):
        home = make_household(building, f"{i + 1:03d}")
        make_person(home, name="住户", relation="head")
    client = web.as_(people.worker_a)

    with django_assert_max_num_queries(8):  # + the residents' registered households
        response = client.get(reverse("registry:building_detail", args=[building.uid]))

    assert len(sections(response)) == homes


# --- Households -------------------------------------------------------------------------------


def test_worker_adds_a_rented_home_let_by_a_registered_person(web, people, housing):
    building = housing["building"]

    response = web.as_(people.worker_a).post(
        reverse("registry:household_create", args=[building.uid]),
        {
            "number": "103",
            "is_rented": "on",
            "landlord_id_number": housing["owner"].id_number.lower(),
            "rented_since": "2025-03-01",
        },
    )

    home = Household.objects.get(building=building, number="103")
    assert response.status_code == 302
    assert response["Location"].endswith(f"#h-{home.uid}")
    assert home.is_rented and home.landlord == housing["owner"]
    assert home.rented_since == datetime.date(2025, 3, 1)


def test_worker_adds_a_home_let_by_an_outside_landlord(web, people, housing):
    building = housing["building"]

    web.as_(people.worker_a).post(
        reverse("registry:household_create", args=[building.uid]),
        {
            "number": "104",
            "is_rented": "on",
            "landlord_name": "孙房东",
            "landlord_phone": "13900001111",
        },
    )

    home = Household.objects.get(building=building, number="104")
    assert (home.landlord_id, home.landlord_name, home.landlord_phone) == (
        None,
        "孙房东",
        "13900001111",
    )


def test_a_rented_home_needs_a_landlord(web, people, housing):
    response = web.as_(people.worker_a).post(
        reverse("registry:household_create", args=[housing["building"].uid]),
        {"number": "105", "is_rented": "on"},
    )

    assert response.status_code == 200
    assert "出租房屋须登记房东：已登记人员的身份证号码，或姓名和电话。" in response.content.decode()
    assert not Household.objects.filter(number="105").exists()


def test_an_outside_landlord_needs_a_phone(web, people, housing):
    response = web.as_(people.worker_a).post(
        reverse("registry:household_create", args=[housing["building"].uid]),
        {"number": "105", "is_rented": "on", "landlord_name": "孙房东"},
    )

    assert "未在本辖区登记的房东须填写电话。" in response.content.decode()
    assert not Household.objects.filter(number="105").exists()


def test_a_landlord_of_another_community_cannot_be_found_by_identity_number(
    web, people, tree, housing
):
    stranger = housing["other_home"].members.get()

    response = web.as_(people.worker_a).post(
        reverse("registry:household_create", args=[housing["building"].uid]),
        {"number": "105", "is_rented": "on", "landlord_id_number": stranger.id_number},
    )

    assert "本辖区没有该身份证号码的在册人员。" in response.content.decode()
    assert stranger.name not in response.content.decode()
    assert not Household.objects.filter(number="105").exists()


def test_a_duplicate_home_number_is_refused(web, people, housing):
    response = web.as_(people.worker_a).post(
        reverse("registry:household_create", args=[housing["building"].uid]), {"number": "101"}
    )

    assert "1号楼 已有门牌“101”。" in response.content.decode()


def test_worker_ends_a_tenancy_with_a_reason(web, people, housing):
    home = housing["rented"]

    web.as_(people.worker_a).post(
        reverse("registry:household_edit", args=[home.uid]),
        {"number": "102", "reason": "房东收回自住", "version": home.version},
    )

    home.refresh_from_db()
    assert not home.is_rented and home.landlord_id is None
    assert home.history.first().history_change_reason == "房东收回自住"
    assert AuditEvent.objects.get(action="household.update").reason == "房东收回自住"


def test_editing_a_rented_home_keeps_its_registered_landlord_when_left_blank(web, people, housing):
    home = housing["rented"]

    web.as_(people.worker_a).post(
        reverse("registry:household_edit", args=[home.uid]),
        {"number": "102A", "is_rented": "on", "reason": "门牌更正", "version": home.version},
    )

    home.refresh_from_db()
    assert home.number == "102A"
    assert home.landlord == housing["owner"]


def test_household_edit_form_does_not_reveal_the_landlords_identity_number(web, people, housing):
    response = web.as_(people.worker_a).get(
        reverse("registry:household_edit", args=[housing["rented"].uid])
    )

    assert "当前房东：张三" in response.content.decode()
    assert housing["owner"].id_number not in response.content.decode()


# --- Jurisdiction and read-only roles ---------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["building_detail", "building_edit", "building_close", "household_create"]
)
def test_worker_of_another_community_gets_404_on_a_building(web, people, housing, name):
    response = web.as_(people.worker_b).get(
        reverse(f"registry:{name}", args=[housing["building"].uid])
    )

    assert response.status_code == 404


def test_worker_of_another_community_gets_404_on_a_household(web, people, housing):
    client = web.as_(people.worker_b)
    url = reverse("registry:household_edit", args=[housing["rented"].uid])

    assert client.get(url).status_code == 404
    assert client.post(url, {"number": "9", "reason": "x"}).status_code == 404
    assert Household.objects.get(pk=housing["rented"].pk).number == "102"


def test_worker_of_another_community_cannot_close_a_building_by_post(web, people, housing):
    response = web.as_(people.worker_b).post(
        reverse("registry:building_close", args=[housing["building"].uid]),
        {"reason": "x"},
    )

    assert response.status_code == 404
    assert Building.objects.get(pk=housing["building"].pk).is_active


@pytest.mark.parametrize("persona", ["district", "city", "provider"])
def test_read_only_roles_see_buildings_without_buttons(web, people, housing, persona):
    client = web.as_(getattr(people, persona))

    listing = client.get(reverse("registry:building_list")).content.decode()
    detail = client.get(reverse("registry:building_detail", args=[housing["building"].uid]))

    assert "1号楼" in listing
    assert reverse("registry:building_create") not in listing
    assert detail.status_code == 200
    html = detail.content.decode()
    assert "王五" in html
    assert reverse("registry:building_edit", args=[housing["building"].uid]) not in html
    assert reverse("registry:household_create", args=[housing["building"].uid]) not in html
    assert reverse("registry:household_edit", args=[housing["family"].uid]) not in html


@pytest.mark.parametrize(
    ("name", "arg"),
    [
        ("building_create", None),
        ("building_edit", "building"),
        ("building_close", "building"),
        ("household_create", "building"),
        ("household_edit", "family"),
    ],
)
def test_auditor_changing_housing_gets_403(web, people, tree, housing, name, arg):
    args = [housing[arg].uid] if arg else []

    response = web.as_(people.auditor).post(
        reverse(f"registry:{name}", args=args),
        {"unit": tree.grid_a1.code, "name": "X", "number": "X", "kind": "apartment", "reason": "x"},
    )

    assert response.status_code == 403
    assert not Building.objects.filter(name="X").exists()
    assert not Household.objects.filter(number="X").exists()


def test_worker_sees_edit_buttons_on_own_building(web, people, housing):
    html = (
        web.as_(people.worker_a)
        .get(reverse("registry:building_detail", args=[housing["building"].uid]))
        .content.decode()
    )

    assert reverse("registry:building_edit", args=[housing["building"].uid]) in html
    assert reverse("registry:household_edit", args=[housing["family"].uid]) in html
