"""The registry's home-page cards, and the guard that keeps inhabited units from closing."""

import datetime
import re
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from shequ.org.models import OrgUnit
from shequ.registry import services
from shequ.registry.dashboard import registry_cards
from tests.factories import DUJI, SUIXIAN_HENAN, make_building, make_household, make_person


def cards(response) -> dict[str, tuple[int, str]]:
    """{label: (value, link)} of the cards on the home page."""
    html = response.content.decode()
    found = re.findall(
        r'<a class="card stat-card[^"]*" href="([^"]*)">.*?</i> (.*?)</div>\s*'
        r'<div class="display-6">([\d,]+)</div>',
        html,
        re.S,
    )
    return {
        label.strip(): (int(value.replace(",", "")), unescape(url)) for url, label, value in found
    }


def migrant(household, name: str, **overrides):
    values = {
        "name": name,
        "sex": "M",
        "birth_date": datetime.date(1985, 3, 2),
        "hukou_division": SUIXIAN_HENAN,
        "hukou_address": "睢县城关镇",
        "flow_in_date": datetime.date(2025, 1, 5),
        "flow_in_reason": "work",
    }
    values.update(overrides)
    return make_person(household, **values)


@pytest.fixture
def city(tree):
    """丽景: 2 residents, 1 separated, 3 migrants (one checked this month, one with gaps),
    2 rented homes, 1 departed migrant; 文苑: 1 migrant in a rented home."""
    a1 = make_building(tree.grid_a1, "1号楼")
    home = make_household(a1, "101")
    let1 = make_household(
        a1, "102", is_rented=True, landlord_name="钱", landlord_phone="13900000000"
    )
    let2 = make_household(
        a1, "103", is_rented=True, landlord_name="孙", landlord_phone="13900000001"
    )
    make_person(home, name="张三")
    make_person(home, name="李梅")
    make_person(home, name="李四", hukou_division=DUJI)
    checked = migrant(let1, "王五")
    services.checks_record(actor=None, persons=[checked], kind="monthly", date=timezone.localdate())
    migrant(let1, "刘七")
    migrant(let2, "陈八", employment="", employer_name="")
    gone = migrant(let2, "周九")
    services.person_depart(
        actor=None,
        person=gone,
        date=datetime.date(2025, 6, 1),
        reason="返乡",
        division=SUIXIAN_HENAN,
    )
    b_home = make_household(
        make_building(tree.grid_b1, "9号楼"),
        "1",
        is_rented=True,
        landlord_name="吴",
        landlord_phone="13900000002",
    )
    migrant(b_home, "赵六")


def test_community_worker_sees_the_real_figures_of_the_community(web, people, city):
    response = web.as_(people.worker_a).get(reverse("home"))

    figures = {label: value for label, (value, _url) in cards(response).items()}
    assert figures["在册人员"] == 6
    assert figures["流入人口"] == 3
    assert figures["人户分离"] == 1
    assert figures["出租房屋"] == 2
    assert figures["本月未查（每月一查）"] == 2
    assert figures["八个清楚有缺项"] == 1


def test_street_officer_sees_figures_of_all_communities(web, people, city):
    response = web.as_(people.street).get(reverse("home"))

    figures = {label: value for label, (value, _url) in cards(response).items()}
    assert (figures["在册人员"], figures["流入人口"], figures["出租房屋"]) == (7, 4, 3)


def test_worker_of_another_district_sees_zero(web, people, city):
    response = web.as_(people.worker_c).get(reverse("home"))

    figures = {label: value for label, (value, _url) in cards(response).items()}
    assert figures["在册人员"] == 0 and figures["出租房屋"] == 0


@pytest.mark.parametrize(
    "label", ["在册人员", "流入人口", "人户分离", "本月未查（每月一查）", "八个清楚有缺项"]
)
def test_each_card_links_to_a_list_of_the_same_people(web, people, city, label):
    client = web.as_(people.worker_a)
    value, url = cards(client.get(reverse("home")))[label]

    listing = client.get(url)

    assert url.startswith(reverse("registry:person_list"))
    assert f"共 {value} 条" in listing.content.decode()


def test_rented_homes_card_links_to_the_register_of_rented_homes(web, people, city):
    client = web.as_(people.worker_a)
    value, url = cards(client.get(reverse("home")))["出租房屋"]

    listing = client.get(url).content.decode()

    assert url == reverse("registry:rented_home_list")
    assert listing.count('data-testid="rented-home"') == value == 2


@pytest.mark.parametrize("extra", [0, 20])
def test_cards_take_a_fixed_number_of_queries_whatever_the_data(
    people, tree, city, extra, django_assert_num_queries
):
    home = make_household(make_building(tree.grid_a2, "2号楼"), "1")
    for i in range(extra):
        migrant(home, "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许"[i] + "民")
    user = people.worker_a
    user.unit  # noqa: B018 — the user's unit is loaded with the session, not by the cards

    with django_assert_num_queries(3):  # the jurisdiction, the persons aggregate, rented homes
        result = registry_cards(user, user.unit)

    assert result[0].value == 6 + extra


def test_superuser_sees_the_figures_of_the_whole_city(web, people, city):
    from shequ.org.models import User

    admin = User.objects.create_superuser("admin", password="Admin-pass-2026")

    response = web.as_(admin).get(reverse("home"))

    assert cards(response)["在册人员"][0] == 7


# --- Close guard ------------------------------------------------------------------------------


def close(web, user, unit: OrgUnit, reason: str = "网格调整"):
    return web.as_(user).post(reverse("org:unit_close", args=[unit.code]), {"reason": reason})


def test_a_grid_with_residents_cannot_be_closed(web, people, tree):
    home = make_household(make_building(tree.grid_a2, "2号楼"), "1")
    make_person(home, name="张三")
    make_person(home, name="李梅")

    response = close(web, people.street_admin, tree.grid_a2)

    assert response.status_code == 200
    assert "不能撤销 第2网格：还有 2 名在册人员、还有 1 栋在用楼栋。" in response.content.decode()
    tree.grid_a2.refresh_from_db()
    assert tree.grid_a2.is_active


def test_a_grid_with_an_empty_building_cannot_be_closed(web, people, tree):
    make_building(tree.grid_a2, "2号楼")

    response = close(web, people.street_admin, tree.grid_a2)

    assert "不能撤销 第2网格：还有 1 栋在用楼栋。" in response.content.decode()


def test_a_grid_whose_people_left_and_building_closed_can_be_closed(web, people, tree):
    building = make_building(tree.grid_a2, "2号楼")
    person = make_person(make_household(building, "1"), name="张三")
    services.person_depart(
        actor=None,
        person=person,
        date=datetime.date(2025, 6, 1),
        reason="迁走",
        division=SUIXIAN_HENAN,
    )
    services.building_close(actor=None, building=building, reason="拆除")

    close(web, people.street_admin, tree.grid_a2)

    tree.grid_a2.refresh_from_db()
    assert not tree.grid_a2.is_active


def test_residents_of_a_grid_keep_its_community_from_closing(web, people, tree):
    home = make_household(make_building(tree.grid_b1, "9号楼"), "1")
    make_person(home, name="张三")

    response = close(web, people.district_admin, tree.community_b)

    assert "还有 1 名在册人员、还有 1 栋在用楼栋" in response.content.decode()
