"""The building picker of the register, transfer and move forms: one list for a worker with few
buildings; a search box (HTMX, or "查找" without JavaScript) when a street has thousands."""

import re

import pytest
from django.urls import reverse

from shequ.registry.forms.housing import BUILDING_SELECT_MAX
from shequ.registry.models import Building, Person
from tests import factories
from tests.registry.test_person_pages import register_data

pytestmark = pytest.mark.django_db


def options(html: str, select_id: str = "id_building") -> list[tuple[str, str]]:
    """(value, text) of each <option> of one <select> of the page (or of a bare option list)."""
    match = re.search(rf'<select[^>]*id="{select_id}"[^>]*>(.*?)</select>', html, re.S)
    body = match.group(1) if match else html
    return [
        (value, re.sub(r"\s+", " ", text).strip())
        for value, text in re.findall(r'<option value="([^"]*)"[^>]*>(.*?)</option>', body, re.S)
    ]


def chosen(html: str) -> list[str]:
    return re.findall(r'<option value="([^"]+)" selected>', html)


@pytest.fixture
def many(tree):
    """More buildings than one list holds: 丽景 第2网格 1…N号楼, and 3号楼 with a home in
    第1网格 on 丽景路8号; 文苑 has 3号楼 too (another community)."""
    Building.objects.bulk_create(  # plain rows: only their number matters here
        Building(unit=tree.grid_a2, name=f"{i}号楼") for i in range(1, BUILDING_SELECT_MAX + 1)
    )
    target = factories.make_building(tree.grid_a1, "3号楼", address="丽景路8号")
    home = factories.make_household(target, "201")
    other = factories.make_household(factories.make_building(tree.grid_b1, "3号楼"), "101")
    return {"building": target, "home": home, "other": other}


def register_page(web, user, **params) -> str:
    response = web.as_(user).get(reverse("registry:person_register"), params)
    assert response.status_code == 200
    return response.content.decode()


def search(web, user, term: str):
    return web.as_(user).get(reverse("registry:building_options"), {"building_search": term})


# --- Few buildings: one list -----------------------------------------------------------------


def test_a_worker_with_few_buildings_picks_from_one_list_without_a_search_box(web, people, tree):
    factories.make_building(tree.grid_a1, "3号楼")
    factories.make_building(tree.grid_a2, "5号楼")

    page = register_page(web, people.worker_a)

    labels = [text for value, text in options(page) if value]
    assert labels == ["丽景社区 第1网格 · 3号楼", "丽景社区 第2网格 · 5号楼"]
    assert 'name="building_search"' not in page


# --- Many buildings: the search box ---------------------------------------------------------


def test_with_many_buildings_the_register_form_lists_none_until_searched(web, people, many):
    page = register_page(web, people.worker_a)

    assert 'name="building_search"' in page
    assert 'hx-get="/housing/options/"' in page
    assert options(page) == [("", "（请先在上面输入楼栋名称、地址或楼号）")]


def test_search_finds_buildings_by_name_best_match_first(web, people, many):
    response = search(web, people.worker_a, "3号楼")

    assert response.status_code == 200
    found = options(response.content.decode())
    assert found[0] == ("", "（找到 6 栋，请选择）")  # 3, 3 and 13, 23, 33, 43号楼
    assert [text for _value, text in found[1:4]] == [
        "丽景社区 第1网格 · 3号楼",
        "丽景社区 第2网格 · 3号楼",
        "丽景社区 第2网格 · 13号楼",
    ]


def test_search_finds_by_address_and_by_community_and_number_together(web, people, many):
    by_address = options(search(web, people.worker_a, "丽景路").content.decode())
    by_place = options(search(web, people.worker_a, "第1网格 3号").content.decode())

    target = str(many["building"].uid)
    assert [value for value, _text in by_address if value] == [target]
    assert [value for value, _text in by_place if value] == [target]


def test_a_single_match_comes_chosen_so_its_households_load(web, people, many):
    html = search(web, people.worker_a, "丽景路8号").content.decode()

    assert chosen(html) == [str(many["building"].uid)]


def test_search_shows_at_most_twenty_buildings_and_says_there_are_more(web, people, many):
    found = options(search(web, people.worker_a, "号楼").content.decode())

    assert len(found) == 1 + 20
    assert found[0] == ("", "（前 20 栋，输入更多字可缩小范围）")


def test_search_says_when_nothing_is_found(web, people, many):
    found = options(search(web, people.worker_a, "不存在的楼").content.decode())

    assert found == [("", "（没有找到“不存在的楼”，请换个词）")]


def test_search_does_not_find_buildings_of_another_community(web, people, many):
    found = options(search(web, people.worker_b, "3号楼").content.decode())

    assert [value for value, _text in found if value] == [str(many["other"].building.uid)]


def test_street_officer_finds_buildings_of_all_its_communities(web, people, many):
    found = options(search(web, people.street, "3号楼").content.decode())

    assert len([text for _value, text in found if text.endswith(" · 3号楼")]) == 3


def test_search_answers_a_bounded_page_of_html(web, people, many, django_assert_max_num_queries):
    client = web.as_(people.street)

    with django_assert_max_num_queries(5):  # session, user, unit, delegated zones, search
        response = client.get(reverse("registry:building_options"), {"building_search": "号楼"})

    assert len(response.content) < 5000


def test_roles_that_cannot_edit_the_registry_get_403_from_the_search(web, people, many):
    assert search(web, people.provider, "3号楼").status_code == 403


def test_register_page_for_a_street_is_small_whatever_the_number_of_buildings(web, people, many):
    page = register_page(web, people.street)

    assert len(options(page)) == 1
    assert len(page.encode()) < 60_000


def test_register_link_with_a_household_keeps_its_building_chosen(web, people, many):
    page = register_page(web, people.worker_a, household=str(many["home"].uid))

    assert str(many["building"].uid) in chosen(page)
    assert str(many["home"].uid) in chosen(page)


def test_a_building_found_by_search_registers_the_person(web, people, many):
    data = register_data(many["home"], building_search="3号楼")

    response = web.as_(people.worker_a).post(reverse("registry:person_register"), data)

    assert response.status_code == 302
    assert Person.objects.get(id_number=data["id_number"]).household == many["home"]


def test_a_building_outside_the_jurisdiction_is_refused(web, people, many):
    data = register_data(many["other"])

    response = web.as_(people.worker_a).post(reverse("registry:person_register"), data)

    assert response.status_code == 200
    assert "选择一个有效的选项" in response.content.decode()
    assert not Person.objects.exists()


def test_find_without_javascript_lists_the_matches_and_saves_nothing(web, people, many):
    data = register_data(many["home"], building="", household="", name="", find_building="1")
    data["building_search"] = "丽景路"

    response = web.as_(people.worker_a).post(reverse("registry:person_register"), data)

    page = response.content.decode()
    assert response.status_code == 200
    assert not Person.objects.exists()
    assert str(many["building"].uid) in [value for value, _text in options(page)]
    assert "请在下面的列表中选择楼栋，然后保存。" in page
    assert "这个字段是必填项" not in page  # the unfinished name is not an error yet
    assert 'value="丽景路"' in page  # what was typed stays


def test_transfer_and_move_forms_search_buildings_too(web, people, many):
    person = factories.make_person(many["home"], name="张三")
    client = web.as_(people.worker_a)

    transfer = client.get(reverse("registry:person_transfer_in")).content.decode()
    move = client.get(reverse("registry:person_move", args=[person.uid])).content.decode()

    for page in (transfer, move):
        assert 'name="building_search"' in page
        assert len(options(page)) == 1
    assert move.count('name="building_search"') == 1


def test_household_options_follow_the_building_found(web, people, many):
    factories.make_household(many["building"], "202")

    response = web.as_(people.worker_a).get(
        reverse("registry:person_move", args=[factories.make_person(many["home"]).uid]),
        {"part": "households", "building": str(many["building"].uid)},
    )

    assert [text for value, text in options(response.content.decode()) if value] == [
        "201",
        "202",
    ]
