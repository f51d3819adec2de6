"""Landlords' side (issue 16 item 9): a landlord's page lists the homes they let in the
jurisdiction and who lives there (masked for roles that do not keep the housing register);
a local owner living elsewhere is not an 外来房东."""

import pytest
from django.urls import reverse

from tests.factories import SUIXIAN_HENAN, make_building, make_household, make_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def lets(tree):
    own = make_household(make_building(tree.grid_b1, "9号楼"), "301")
    owner = make_person(own, name="赵房东", phone="13912345678")  # lives in 文苑社区
    building = make_building(tree.grid_a1, "1号楼")
    homes = []
    for number, name in (("101", "租客甲"), ("102", "租客乙")):
        home = make_household(building, number, is_rented=True, landlord=owner)
        make_person(home, name=name, hukou_division=SUIXIAN_HENAN)
        homes.append(home)
    return owner, homes


def test_a_landlord_living_elsewhere_shows_the_homes_of_the_jurisdiction(
    lets, people, web, django_assert_max_num_queries
):
    owner, _homes = lets
    web.as_(people.worker_a)
    url = reverse("registry:landlord_detail", args=[owner.uid])
    web.get(url)
    with django_assert_max_num_queries(14):
        page = web.get(url).content.decode()
    assert "赵房东" in page and "本地房东" in page and "外来房东" not in page
    assert page.count('data-testid="home"') == 2 and "租客甲" in page and "租客乙" in page
    assert "人员档案" not in page  # the landlord's own record is another community's


def test_the_landlord_is_masked_for_roles_without_the_housing_register(lets, people, web, api):
    owner, _homes = lets
    web.as_(people.city)
    page = web.get(reverse("registry:landlord_detail", args=[owner.uid])).content.decode()
    assert "赵房东" not in page and "赵**" in page and "13912345678" not in page
    shown = api.as_(people.city).get(f"/api/v1/landlords/{owner.uid}/").json()
    assert shown["name"] == "赵**" and len(shown["homes"]) == 2
    assert shown["kind"] == "本地房东"


def test_someone_else_sees_no_homes_and_no_landlord(lets, people, web, api):
    owner, _homes = lets
    web.as_(people.worker_c)
    assert web.get(reverse("registry:landlord_detail", args=[owner.uid])).status_code == 404
    assert api.as_(people.worker_c).get(f"/api/v1/landlords/{owner.uid}/").status_code == 404


def test_the_register_names_landlords_by_what_is_known(lets, people, web, tree):
    building = make_building(tree.grid_a1, "2号楼")
    make_household(
        building, "1", is_rented=True, landlord_name="钱某", landlord_phone="13800001111"
    )
    migrant_home = make_household(building, "2")
    migrant = make_person(migrant_home, name="孙外来", hukou_division=SUIXIAN_HENAN)
    make_household(building, "3", is_rented=True, landlord=migrant)
    web.as_(people.worker_a)
    page = web.get(reverse("registry:rented_home_list")).content.decode()
    assert "未在册房东" in page and "本地房东" in page and "外来房东" in page
