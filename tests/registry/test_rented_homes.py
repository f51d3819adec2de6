"""The register of rented homes (出租房屋登记): who lets each home, who lives there, how many
migrants; searched, filtered by unit, sorted, exported; the home card and the housing pages
lead to it."""

import csv
import datetime
import io
import re

import pytest
from django.urls import reverse

from shequ.org.models import AuditEvent
from shequ.registry import services
from tests.factories import SUIXIAN_HENAN, make_building, make_household, make_person

pytestmark = pytest.mark.django_db


def text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def rows(response) -> list[str]:
    html = response.content.decode()
    start = html.index('data-testid="rented-homes"')
    body = html[html.index("<tbody", start) : html.index("</tbody>", start)]
    return [text(r) for r in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)]


def migrant(household, name: str, **overrides):
    values = {
        "name": name,
        "sex": "M",
        "birth_date": datetime.date(1985, 3, 2),
        "hukou_division": SUIXIAN_HENAN,
        "hukou_address": "睢县城关镇",
        "flow_in_date": datetime.date(2025, 1, 5),
        "flow_in_reason": "work",
        "relation": "tenant",
    }
    values.update(overrides)
    return make_person(household, **values)


@pytest.fixture
def homes(tree):
    """丽景 第1网格 1号楼: 101 the owner's family, 102 let by the owner to two migrants and a
    local, 103 let by an outside landlord with nobody registered yet; 第2网格 5号楼 201 let
    by an outside landlord; 文苑 9号楼 301 let (another community)."""
    one = make_building(tree.grid_a1, "1号楼", address="丽景路8号")
    family = make_household(one, "101")
    owner = make_person(family, name="张三", relation="head", phone="13912345678")
    let = make_household(
        one, "102", is_rented=True, landlord=owner, rented_since=datetime.date(2024, 3, 1)
    )
    migrant(let, "王五")
    migrant(let, "刘七")
    make_person(let, name="李四", relation="tenant")
    empty = make_household(
        one, "103", is_rented=True, landlord_name="钱房东", landlord_phone="13800001111"
    )
    five = make_household(
        make_building(tree.grid_a2, "5号楼"),
        "201",
        is_rented=True,
        landlord_name="孙房东",
        landlord_phone="13700002222",
    )
    migrant(five, "陈八")
    other = make_household(
        make_building(tree.grid_b1, "9号楼"),
        "301",
        is_rented=True,
        landlord_name="周房东",
        landlord_phone="13600003333",
    )
    return {"let": let, "empty": empty, "five": five, "other": other, "owner": owner}


def get(web, user, **params):
    return web.as_(user).get(reverse("registry:rented_home_list"), params)


def test_worker_sees_each_rented_home_with_landlord_occupants_and_migrants(web, people, homes):
    response = get(web, people.worker_a)

    assert response.status_code == 200
    assert rows(response) == [
        "1号楼 102 丽景路8号 第1网格 张三 本地房东 13912345678 2024-03-01 3 2",
        "1号楼 103 丽景路8号 第1网格 钱房东 未在册房东 13800001111 — 0 0",
        "5号楼 201 第2网格 孙房东 未在册房东 13700002222 — 1 1",
    ]


def test_a_registered_landlord_of_the_jurisdiction_links_to_their_record(web, people, homes):
    html = get(web, people.worker_a).content.decode()

    assert reverse("registry:person_detail", args=[homes["owner"].uid]) in html


def test_departed_and_outflow_people_do_not_count_as_living_there(web, people, homes):
    gone = migrant(homes["let"], "周九")
    services.person_depart(
        actor=None,
        person=gone,
        date=datetime.date(2025, 6, 1),
        reason="返乡",
        division=SUIXIAN_HENAN,
    )
    away = make_person(homes["let"], name="吴十", relation="tenant")
    services.person_register_outflow(
        actor=None,
        person=away,
        date=datetime.date(2025, 6, 1),
        division=SUIXIAN_HENAN,
        address="睢县",
        reason="外出务工",
    )

    first = rows(get(web, people.worker_a))[0]

    assert first.endswith(" 3 2")


def test_worker_does_not_see_rented_homes_of_another_community(web, people, homes):
    assert [r.split()[0] for r in rows(get(web, people.worker_b))] == ["9号楼"]


def test_street_sees_rented_homes_of_all_its_communities(web, people, homes):
    assert len(rows(get(web, people.street))) == 4


def test_unit_filter_narrows_to_a_grid(web, people, tree, homes):
    found = rows(get(web, people.street, unit=tree.grid_a2.code))

    assert [r.split()[:2] for r in found] == [["5号楼", "201"]]


def test_unit_filter_outside_the_jurisdiction_lists_nothing(web, people, tree, homes):
    response = get(web, people.worker_a, unit=tree.community_b.code)

    assert "没有符合条件的出租房屋。" in rows(response)[0]


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("丽景路", ["102", "103"]),  # the building's address
        ("5号楼", ["201"]),
        ("钱房东", ["103"]),  # an outside landlord
        ("张三", ["102"]),  # a registered landlord
        ("0000222", ["201"]),  # a landlord's phone
        ("1号楼 103", ["103"]),  # every word
    ],
)
def test_search_by_address_landlord_name_or_phone(web, people, homes, term, expected):
    found = rows(get(web, people.worker_a, search=term))

    assert [r.split()[1] for r in found] == expected


def test_filter_homes_with_nobody_registered_and_homes_with_migrants(web, people, homes):
    nobody = rows(get(web, people.worker_a, occupants="none"))
    with_migrants = rows(get(web, people.worker_a, occupants="migrants"))

    assert [r.split()[1] for r in nobody] == ["103"]
    assert [r.split()[1] for r in with_migrants] == ["102", "201"]


def test_building_filter_lists_the_rented_homes_of_one_building(web, people, homes):
    building = homes["five"].building

    found = rows(get(web, people.worker_a, building=str(building.uid)))

    assert [r.split()[:2] for r in found] == [["5号楼", "201"]]


def test_a_malformed_building_id_is_an_error_not_every_home(web, people, homes):
    response = get(web, people.worker_a, building="abc")

    assert "楼栋的编号格式不对" in response.content.decode()
    assert "没有符合条件的出租房屋。" in rows(response)[0]


@pytest.mark.parametrize(
    ("sort", "first"), [("-occupants", "102"), ("migrants", "103"), ("-landlord", "103")]
)
def test_sort_by_occupants_migrants_and_landlord(web, people, homes, sort, first):
    assert rows(get(web, people.worker_a, sort=sort))[0].split()[1] == first


def test_pages_of_the_register(web, people, tree):
    building = make_building(tree.grid_a1, "8号楼")
    for i in range(12):
        make_household(
            building, f"{i:03d}", is_rented=True, landlord_name="房东", landlord_phone="1"
        )

    response = get(web, people.worker_a, page_size=10, page=2)

    assert len(rows(response)) == 2
    assert "第 11–12 条，共 12 条" in response.content.decode()


def test_empty_register_says_how_to_add_a_rented_home(web, people, tree):
    make_household(make_building(tree.grid_a1, "1号楼"), "101")  # not let

    response = get(web, people.worker_a)

    assert "辖区内还没有登记出租房屋。" in rows(response)[0]
    assert "勾选“出租房屋”" in rows(response)[0]


def test_roles_that_do_not_keep_the_register_see_landlords_masked(web, people, homes):
    response = get(web, people.provider)
    found = rows(response)

    assert found[0].startswith("1号楼 102 丽景路8号 丽景社区 · 第1网格 张* 本地房东 139****5678")
    assert "13912345678" not in response.content.decode()
    assert reverse("registry:person_detail", args=[homes["owner"].uid]) not in (
        response.content.decode()
    )


def test_masked_roles_cannot_search_by_phone(web, people, homes):
    assert "没有符合条件的出租房屋。" in rows(get(web, people.provider, search="0000222"))[0]


@pytest.mark.parametrize("count", [3, 30])
def test_register_runs_a_constant_number_of_queries(
    web, people, tree, count, django_assert_max_num_queries
):
    landlord = make_person(make_household(make_building(tree.grid_a1, "0号楼"), "1"), name="房东")
    for i in range(count):
        home = make_household(
            make_building(tree.grid_a1 if i % 2 else tree.grid_a2, f"{i + 1}号楼"),
            "101",
            is_rented=True,
            landlord=landlord if i % 3 else None,
            landlord_name="" if i % 3 else "外来",
            landlord_phone="" if i % 3 else "13800000000",
        )
        migrant(home, "租客")
    client = web.as_(people.worker_a)

    with django_assert_max_num_queries(8):
        response = client.get(reverse("registry:rented_home_list") + "?page_size=50")

    assert len(rows(response)) == count


def test_export_writes_what_is_listed_and_is_audited(web, people, homes):
    response = get(web, people.worker_a, search="丽景路", export="csv")

    assert response.status_code == 200
    assert "rented-homes-" in response["Content-Disposition"]
    table = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert table[0][:6] == ["单位代码", "网格/社区", "楼栋", "楼栋地址", "门牌/室号", "房东"]
    assert [(r[4], r[5], r[7], r[9], r[10]) for r in table[1:]] == [
        ("102", "张三", "13912345678", "3", "2"),
        ("103", "钱房东", "13800001111", "0", "0"),
    ]
    event = AuditEvent.objects.get(action="export.rented_homes")
    assert (event.actor, event.changes["rows"]) == (people.worker_a, 2)
    assert (event.target_type, event.unit_code) == ("registry.household", people.worker_a.unit_id)
    assert event.ip == "127.0.0.1"  # where it went, as for every other export


def test_export_as_excel(web, people, homes):
    response = get(web, people.worker_a, export="xlsx")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")


def test_roles_without_export_get_403_on_the_export(web, people, homes):
    assert get(web, people.grid_a1, export="csv").status_code == 403


def test_export_link_keeps_the_filters(web, people, homes):
    html = get(web, people.worker_a, search="丽景路", sort="-occupants").content.decode()

    assert 'href="?search=%E4%B8%BD%E6%99%AF%E8%B7%AF&amp;sort=-occupants&amp;export=xlsx"' in html


# --- The way in ---------------------------------------------------------------------------------


def test_home_card_of_rented_homes_opens_the_register_with_the_same_count(web, people, homes):
    client = web.as_(people.worker_a)
    home = client.get(reverse("home")).content.decode()
    link = re.search(
        r'<a class="card stat-card[^"]*" href="([^"]*)">(?:(?!</a>).)*?出租房屋.*?'
        r'<div class="display-6">([\d,]+)</div>',
        home,
        re.S,
    )

    url, value = link.group(1).replace("&amp;", "&"), int(link.group(2))
    listing = client.get(url)

    assert url == reverse("registry:rented_home_list")
    assert value == len(rows(listing)) == 3


def test_building_list_and_building_detail_lead_to_the_register(web, people, homes):
    client = web.as_(people.worker_a)
    building = homes["let"].building

    listing = client.get(reverse("registry:building_list")).content.decode()
    detail = client.get(reverse("registry:building_detail", args=[building.uid])).content.decode()

    assert f'href="{reverse("registry:rented_home_list")}"' in listing
    assert f'href="{reverse("registry:rented_home_list")}?building={building.uid}"' in detail


def test_households_api_lists_rented_homes(api, people, homes):
    response = api.as_(people.worker_a).get("/api/v1/households/", {"is_rented": "true"})

    assert response.status_code == 200
    numbers = sorted(h["number"] for h in response.json()["results"])
    assert numbers == ["102", "103", "201"]
