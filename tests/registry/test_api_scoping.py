"""Break-in attempts on the registry API: other communities' records are absent or 404,
roles that may not change the registry get 403, and nothing is ever deleted."""

import uuid

import pytest

from shequ.registry.models import Building, Household, Person
from tests.factories import make_building, make_household, make_person, person_values

pytestmark = pytest.mark.django_db


@pytest.fixture
def b_records(tree):
    """A building, a home and a person of 文苑社区 (community B)."""
    building = make_building(tree.grid_b1, "B楼")
    household = make_household(building, "101")
    person = make_person(household, name="李四")
    return {"buildings": building, "households": household, "persons": person}


@pytest.mark.parametrize("resource", ["buildings", "households", "persons"])
def test_worker_list_and_search_show_nothing_of_other_community(api, people, b_records, resource):
    client = api.as_(people.worker_a)
    assert client.get(f"/api/v1/{resource}/").json()["count"] == 0
    assert client.get(f"/api/v1/{resource}/", {"unit": "340603020002"}).json()["count"] == 0


def test_worker_search_by_identity_number_of_other_community_finds_nothing(api, people, b_records):
    number = b_records["persons"].id_number
    response = api.as_(people.worker_a).post(
        "/api/v1/persons/search/", {"search": number}, format="json"
    )
    assert response.json()["count"] == 0


@pytest.mark.parametrize("resource", ["buildings", "households", "persons"])
def test_record_of_other_community_answers_404_like_a_guessed_id(api, people, b_records, resource):
    client = api.as_(people.worker_a)
    outside = client.get(f"/api/v1/{resource}/{b_records[resource].uid}/")
    guessed = client.get(f"/api/v1/{resource}/{uuid.uuid4()}/")
    assert outside.status_code == guessed.status_code == 404
    assert outside.json() == guessed.json()


@pytest.mark.parametrize("resource", ["buildings", "households", "persons"])
def test_edit_of_other_community_record_is_404(api, people, b_records, resource):
    response = api.as_(people.worker_a).patch(
        f"/api/v1/{resource}/{b_records[resource].uid}/",
        {"name": "改名", "number": "999", "reason": "试探"},
        format="json",
    )
    assert response.status_code == 404


@pytest.mark.parametrize("action", ["history", "reveal", "checks"])
def test_person_actions_on_other_community_are_404(api, people, b_records, action):
    client = api.as_(people.worker_a)
    url = f"/api/v1/persons/{b_records['persons'].uid}/{action}/"
    if action == "history":
        response = client.get(url)
    else:
        response = client.post(url, {"purpose": "verify", "kind": "monthly"}, format="json")
    assert response.status_code == 404


def test_street_sees_records_of_all_its_communities(api, people, b_records, tree):
    make_person(make_household(make_building(tree.grid_a1)), name="张三")
    body = api.as_(people.street).get("/api/v1/persons/").json()
    assert sorted(row["name"] for row in body["results"]) == ["张三", "李四"]


@pytest.mark.parametrize("role", ["auditor", "district", "city", "provider"])
def test_roles_that_may_not_edit_get_403_on_every_write(api, people, b_records, role):
    client = api.as_(getattr(people, role))
    person, household = b_records["persons"], b_records["households"]
    writes = [
        client.post("/api/v1/persons/", {**person_values(), "household": str(household.uid)}),
        client.patch(f"/api/v1/persons/{person.uid}/", {"phone": "", "reason": "x"}),
        client.post(f"/api/v1/persons/{person.uid}/checks/", {"kind": "monthly"}),
        client.post("/api/v1/buildings/", {"unit": "34060302000201", "name": "新楼"}),
        client.post(f"/api/v1/buildings/{household.building.uid}/close/", {"reason": "x"}),
        client.post("/api/v1/households/", {"building": str(household.building.uid)}),
        client.patch(f"/api/v1/households/{household.uid}/", {"reason": "x"}),
    ]
    assert [r.status_code for r in writes] == [403] * len(writes)
    assert (Person.objects.count(), Building.objects.count(), Household.objects.count()) == (
        1,
        1,
        1,
    )


def test_auditor_reads_no_registry(api, people, b_records):
    # Separation of duties: the auditor reads the audit logs, not people's records.
    assert api.as_(people.worker_b).get("/api/v1/persons/").json()["count"] == 1
    assert api.as_(people.auditor).get("/api/v1/persons/").json()["count"] == 0


@pytest.mark.parametrize("resource", ["buildings", "households", "persons"])
def test_nothing_can_be_deleted(api, people, tree, resource):
    building = make_building(tree.grid_a1)
    household = make_household(building)
    records = {"buildings": building, "households": household, "persons": make_person(household)}
    client = api.as_(people.worker_a)
    response = client.delete(f"/api/v1/{resource}/{records[resource].uid}/")
    assert response.status_code == 405
    assert type(records[resource]).objects.filter(pk=records[resource].pk).exists()


def test_schema_documents_the_registry_endpoints(api, people):
    response = api.as_(people.worker_a).get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in [
        "/api/v1/persons/",
        "/api/v1/persons/{id}/history/",
        "/api/v1/persons/{id}/reveal/",
        "/api/v1/flows/",
        "/api/v1/buildings/{id}/close/",
        "/api/v1/households/",
        "/api/v1/divisions/",
    ]:
        assert path in paths
