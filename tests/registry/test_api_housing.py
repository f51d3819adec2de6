"""Buildings and households through the API (以房管人)."""

import pytest

from shequ.registry.models import Building, Household
from tests.factories import make_building, make_household, make_person

pytestmark = pytest.mark.django_db

BUILDINGS = "/api/v1/buildings/"
HOUSEHOLDS = "/api/v1/households/"


# --- Buildings -------------------------------------------------------------------------------


def test_create_building_in_own_grid(api, people, tree):
    response = api.as_(people.worker_a).post(
        BUILDINGS,
        {"unit": tree.grid_a1.code, "name": "3号楼", "address": "人民路3号", "kind": "courtyard"},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["unit"], body["name"], body["kind"]) == (tree.grid_a1.code, "3号楼", "courtyard")
    assert body["household_count"] == 0
    assert Building.objects.get(uid=body["id"]).history.get().history_user == people.worker_a


def test_create_building_with_duplicate_name_is_400(api, people, tree):
    make_building(tree.grid_a1, "3号楼")
    response = api.as_(people.worker_a).post(
        BUILDINGS, {"unit": tree.grid_a1.code, "name": "3号楼"}, format="json"
    )
    assert response.status_code == 400
    assert "3号楼" in response.json()["name"][0]


def test_create_building_in_unit_of_other_community_is_404(api, people, tree):
    response = api.as_(people.worker_a).post(
        BUILDINGS, {"unit": tree.grid_b1.code, "name": "3号楼"}, format="json"
    )
    assert response.status_code == 404
    assert not Building.objects.exists()


def test_building_list_counts_homes_residents_and_rented(api, people, tree):
    building = make_building(tree.grid_a1)
    home = make_household(building, "101")
    make_household(building, "102", is_rented=True, landlord_name="周房东")
    make_person(home)
    make_person(home, name="赵四")
    row = api.as_(people.worker_a).get(BUILDINGS).json()["results"][0]
    assert (row["household_count"], row["resident_count"], row["rented_count"]) == (2, 2, 1)


def test_building_list_filters_by_search_and_unit(api, people, tree):
    make_building(tree.grid_a1, "1号楼", address="人民路1号")
    make_building(tree.grid_a2, "幸福院", address="淮海路")
    client = api.as_(people.worker_a)
    assert [b["name"] for b in client.get(BUILDINGS, {"search": "淮海"}).json()["results"]] == [
        "幸福院"
    ]
    assert [
        b["name"] for b in client.get(BUILDINGS, {"unit": tree.grid_a1.code}).json()["results"]
    ] == ["1号楼"]


def test_rename_building_needs_a_reason(api, people, tree):
    building = make_building(tree.grid_a1)
    client = api.as_(people.worker_a)
    url = f"{BUILDINGS}{building.uid}/"
    assert client.patch(url, {"name": "一号楼"}, format="json").status_code == 400
    response = client.patch(
        url, {"name": "一号楼", "reason": "按门牌更正", "version": 1}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["name"] == "一号楼"
    assert building.history.latest().history_change_reason == "按门牌更正"


def test_moving_building_to_grid_of_other_community_is_404(api, people, tree):
    building = make_building(tree.grid_a1)
    response = api.as_(people.worker_a).patch(
        f"{BUILDINGS}{building.uid}/",
        {"unit": tree.grid_b1.code, "reason": "划转", "version": 1},
        format="json",
    )
    assert response.status_code == 404
    building.refresh_from_db()
    assert building.unit_id == tree.grid_a1.code


def test_close_building_with_residents_is_refused(api, people, tree):
    building = make_building(tree.grid_a1)
    make_person(make_household(building))
    response = api.as_(people.worker_a).post(
        f"{BUILDINGS}{building.uid}/close/", {"reason": "拆迁"}, format="json"
    )
    assert response.status_code == 400
    assert "在册人员" in response.json()["detail"]


def test_close_empty_building(api, people, tree):
    building = make_building(tree.grid_a1)
    response = api.as_(people.worker_a).post(
        f"{BUILDINGS}{building.uid}/close/", {"reason": "拆迁"}, format="json"
    )
    assert response.status_code == 200
    assert (response.json()["is_active"], response.json()["closed_reason"]) == (False, "拆迁")


def test_close_building_without_reason_is_400(api, people, tree):
    building = make_building(tree.grid_a1)
    response = api.as_(people.worker_a).post(f"{BUILDINGS}{building.uid}/close/", {}, format="json")
    assert response.status_code == 400
    assert "reason" in response.json()


# --- Households ------------------------------------------------------------------------------


def test_create_rented_household_with_registered_landlord(api, people, tree):
    building = make_building(tree.grid_a1)
    landlord = make_person(make_household(building, "101"), name="周房东")
    response = api.as_(people.worker_a).post(
        HOUSEHOLDS,
        {
            "building": str(building.uid),
            "number": "102",
            "is_rented": True,
            "landlord": str(landlord.uid),
            "rented_since": "2024-01-01",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["is_rented"], body["landlord"], body["member_count"]) == (
        True,
        str(landlord.uid),
        0,
    )


def test_rented_household_without_landlord_is_400(api, people, tree):
    building = make_building(tree.grid_a1)
    response = api.as_(people.worker_a).post(
        HOUSEHOLDS,
        {"building": str(building.uid), "number": "102", "is_rented": True},
        format="json",
    )
    assert response.status_code == 400
    assert "landlord_name" in response.json()


def test_landlord_of_other_community_is_404(api, people, tree):
    building = make_building(tree.grid_a1)
    stranger = make_person(make_household(make_building(tree.grid_b1, "B楼")), name="钱五")
    response = api.as_(people.worker_a).post(
        HOUSEHOLDS,
        {
            "building": str(building.uid),
            "number": "102",
            "is_rented": True,
            "landlord": str(stranger.uid),
        },
        format="json",
    )
    assert response.status_code == 404
    assert not Household.objects.filter(number="102").exists()


def test_household_in_building_of_other_community_is_404(api, people, tree):
    building = make_building(tree.grid_b1, "B楼")
    response = api.as_(people.worker_a).post(
        HOUSEHOLDS, {"building": str(building.uid), "number": "102"}, format="json"
    )
    assert response.status_code == 404


def test_mark_household_rented_keeps_its_number(api, people, tree):
    home = make_household(make_building(tree.grid_a1), "101")
    response = api.as_(people.worker_a).patch(
        f"{HOUSEHOLDS}{home.uid}/",
        {
            "is_rented": True,
            "landlord_name": "周房东",
            "landlord_phone": "13912345678",
            "reason": "出租",
            "version": 1,
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["number"], body["is_rented"], body["landlord_name"]) == ("101", True, "周房东")


def test_household_edit_without_reason_is_400(api, people, tree):
    home = make_household(make_building(tree.grid_a1), "101")
    response = api.as_(people.worker_a).patch(
        f"{HOUSEHOLDS}{home.uid}/", {"number": "102"}, format="json"
    )
    assert response.status_code == 400
    assert "reason" in response.json()


def test_household_list_shows_member_count_and_filters_by_building(api, people, tree):
    building = make_building(tree.grid_a1)
    home = make_household(building, "101")
    make_household(make_building(tree.grid_a1, "2号楼"), "201")
    make_person(home)
    rows = api.as_(people.worker_a).get(HOUSEHOLDS, {"building": str(building.uid)}).json()
    assert [(r["number"], r["member_count"]) for r in rows["results"]] == [("101", 1)]


# --- Query counts ------------------------------------------------------------------------------


def test_building_list_runs_the_same_number_of_queries_for_5_and_60_rows(
    api, people, tree, django_assert_max_num_queries
):
    client = api.as_(people.worker_a)
    for i in range(5):
        make_household(make_building(tree.grid_a1, f"{i}号楼"))
    with django_assert_max_num_queries(3):
        assert len(client.get(BUILDINGS, {"page_size": 100}).json()["results"]) == 5
    for i in range(5, 60):
        make_building(tree.grid_a2, f"{i}号楼")
    with django_assert_max_num_queries(3):
        assert len(client.get(BUILDINGS, {"page_size": 100}).json()["results"]) == 60


def test_household_list_runs_the_same_number_of_queries_for_5_and_60_rows(
    api, people, tree, django_assert_max_num_queries
):
    client = api.as_(people.worker_a)
    building = make_building(tree.grid_a1)
    landlord = make_person(make_household(building, "0"), name="周房东")
    for i in range(1, 5):
        make_household(building, str(i), is_rented=True, landlord=landlord)
    with django_assert_max_num_queries(3):
        assert len(client.get(HOUSEHOLDS, {"page_size": 100}).json()["results"]) == 5
    for i in range(5, 60):
        make_household(building, str(i), is_rented=True, landlord=landlord)
    with django_assert_max_num_queries(3):
        assert len(client.get(HOUSEHOLDS, {"page_size": 100}).json()["results"]) == 60


def test_form_encoded_edit_without_the_rented_box_keeps_the_home_rented(api, people, tree):
    home = make_household(make_building(tree.grid_a1), "101", is_rented=True, landlord_name="周")
    response = api.as_(people.worker_a).patch(
        f"{HOUSEHOLDS}{home.uid}/", {"number": "101A", "reason": "门牌更正", "version": 1}
    )
    assert response.status_code == 200, response.content
    assert (response.json()["number"], response.json()["is_rented"]) == ("101A", True)
