"""The division reference list a client needs for the 户籍地 picker."""

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

URL = "/api/v1/divisions/"


def codes(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["code"] for row in response.json()["results"]]


def test_children_of_a_city_are_its_counties(api, people):
    response = api.as_(people.worker_a).get(URL, {"parent": "340600000000"})
    assert codes(response) == ["340602000000", "340603000000", "340604000000", "340621000000"]
    assert response.json()["results"][1] == {
        "code": "340603000000",
        "name": "相山区",
        "level": "county",
        "parent": "340600000000",
        "full_name": "安徽省淮北市相山区",
    }


def test_provinces_by_level(api, people):
    body = api.as_(people.worker_a).get(URL, {"level": "province", "page_size": 200}).json()
    assert body["count"] >= 31
    assert {row["level"] for row in body["results"]} == {"province"}


def test_search_by_name_or_code_prefix(api, people):
    client = api.as_(people.worker_a)
    assert "340600000000" in codes(client.get(URL, {"search": "淮北"}))
    assert codes(client.get(URL, {"search": "340603", "level": "county"})) == ["340603000000"]


def test_division_by_code_and_unknown_code_is_404(api, people):
    client = api.as_(people.worker_a)
    assert client.get(f"{URL}411422000000/").json()["name"] == "睢县"
    assert client.get(f"{URL}999999000000/").status_code == 404


def test_divisions_need_credentials_and_cannot_be_changed(api, people):
    assert APIClient().get(URL).status_code == 401
    response = api.as_(people.worker_a).post(URL, {"code": "999999000000"}, format="json")
    assert response.status_code in (403, 405)


def test_division_list_runs_the_same_number_of_queries_for_4_and_60_rows(
    api, people, django_assert_max_num_queries
):
    client = api.as_(people.worker_a)
    with django_assert_max_num_queries(3):
        assert len(client.get(URL, {"parent": "340600000000"}).json()["results"]) == 4
    with django_assert_max_num_queries(3):
        body = client.get(URL, {"level": "county", "page_size": 60}).json()
    assert len(body["results"]) == 60
