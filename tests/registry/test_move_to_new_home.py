"""Moving (or registering a person) into a new home, a 户 not registered yet: the page and
the API call the same service, which registers the home and the person's change in one
transaction."""

import pytest
from django.urls import reverse
from django.utils import timezone

from shequ.registry.models import Flow, Household
from tests.factories import make_building, make_household, make_person, person_values

pytestmark = pytest.mark.django_db

FLOWS = "/api/v1/flows/"
PERSONS = "/api/v1/persons/"


@pytest.fixture
def home(tree):
    return make_household(make_building(tree.grid_a1, "3号楼"), "201")


@pytest.fixture
def person(home):
    return make_person(home, name="张三")


def move_body(person, building, number: str = "606", **extra) -> dict:
    return {
        "kind": "move",
        "person": str(person.uid),
        "date": timezone.localdate().isoformat(),
        "reason": "换房",
        "new_home": {"building": str(building.uid), "number": number, **extra},
    }


def test_page_moves_into_a_new_home_with_one_move_flow(web, people, person, home):
    response = web.as_(people.worker_a).post(
        reverse("registry:person_move", args=[person.uid]),
        {
            "building": str(home.building.uid),
            "new_household": "606",
            "date": timezone.localdate().isoformat(),
            "reason": "换房",
        },
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert (person.household.building, person.household.number) == (home.building, "606")
    flow = person.flows.get(kind=Flow.Kind.MOVE)
    assert (flow.from_household, flow.to_household) == (home, person.household)


def test_api_moves_into_a_new_rented_home(api, people, person, home):
    response = api.as_(people.worker_a).post(
        FLOWS,
        move_body(person, home.building, is_rented=True, landlord_name="王房东"),
        format="json",
    )
    assert response.status_code == 201, response.content
    person.refresh_from_db()
    new = person.household
    assert (new.number, new.is_rented, new.landlord_name) == ("606", True, "王房东")
    assert response.json()["to_household"] == str(new.uid)
    assert person.history.first().history_change_reason == "换房"


def test_api_move_into_a_taken_number_is_refused_and_creates_nothing(api, people, person, home):
    make_household(home.building, "606")
    response = api.as_(people.worker_a).post(FLOWS, move_body(person, home.building), format="json")
    assert response.status_code == 400
    assert "606" in str(response.json())
    person.refresh_from_db()
    assert person.household == home


def test_api_refused_move_leaves_no_new_home_behind(api, people, person, home):
    body = move_body(person, home.building)
    body["reason"] = " "
    response = api.as_(people.worker_a).post(FLOWS, body, format="json")
    assert response.status_code == 400
    assert not Household.objects.filter(building=home.building, number="606").exists()


def test_api_new_home_and_household_together_are_refused(api, people, person, home):
    other = make_household(home.building, "305")
    body = {**move_body(person, home.building), "household": str(other.uid)}
    response = api.as_(people.worker_a).post(FLOWS, body, format="json")
    assert response.status_code == 400
    assert "new_home" in response.json()


def test_api_new_home_in_a_building_of_another_community_is_404(api, people, person, tree):
    elsewhere = make_building(tree.grid_b1, "B楼")
    response = api.as_(people.worker_a).post(FLOWS, move_body(person, elsewhere), format="json")
    assert response.status_code == 404
    assert not Household.objects.filter(building=elsewhere).exists()


def test_worker_of_another_community_cannot_move_the_person_into_a_new_home(
    api, web, people, person, home, tree
):
    theirs = make_building(tree.grid_b1, "B楼")
    response = api.as_(people.worker_b).post(FLOWS, move_body(person, theirs), format="json")
    assert response.status_code == 404
    page = web.as_(people.worker_b).post(
        reverse("registry:person_move", args=[person.uid]),
        {
            "building": str(theirs.uid),
            "new_household": "606",
            "date": timezone.localdate().isoformat(),
            "reason": "换房",
        },
    )
    assert page.status_code == 404
    person.refresh_from_db()
    assert person.household == home
    assert not Household.objects.filter(building=theirs).exists()


def test_api_transfer_in_into_a_new_home(api, people, tree):
    theirs = make_household(make_building(tree.community_c, "9号楼"))
    person = make_person(theirs, name="孙七")
    mine = make_building(tree.grid_a1, "5号楼")
    response = api.as_(people.worker_a).post(
        FLOWS,
        {
            "kind": "transfer_in",
            "id_number": person.id_number,
            "name": "孙七",
            "date": timezone.localdate().isoformat(),
            "reason": "迁入",
            "new_home": {"building": str(mine.uid), "number": "101"},
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    person.refresh_from_db()
    assert (person.household.building, person.household.number) == (mine, "101")
    assert person.unit_id == tree.grid_a1.code


def test_new_home_only_for_a_move_or_a_transfer_in(api, people, person, home):
    body = {**move_body(person, home.building), "kind": "death"}
    response = api.as_(people.worker_a).post(FLOWS, body, format="json")
    assert response.status_code == 400
    assert "new_home" in response.json()


def test_api_registers_a_person_into_a_new_home(api, people, home):
    body = {**person_values(), "new_home": {"building": str(home.building.uid), "number": "707"}}
    response = api.as_(people.worker_a).post(PERSONS, body, format="json")
    assert response.status_code == 201, response.content
    household = Household.objects.get(building=home.building, number="707")
    assert response.json()["household"] == str(household.uid)


def test_api_refused_registration_leaves_no_new_home_behind(api, people, home):
    body = {
        **person_values(),
        "birth_date": "1990-05-18",  # disagrees with the identity number
        "new_home": {"building": str(home.building.uid), "number": "707"},
    }
    response = api.as_(people.worker_a).post(PERSONS, body, format="json")
    assert response.status_code == 400
    assert not Household.objects.filter(number="707").exists()


def test_api_registration_into_a_new_home_of_another_community_is_404(api, people, tree):
    theirs = make_building(tree.grid_b1, "B楼")
    body = {**person_values(), "new_home": {"building": str(theirs.uid), "number": "707"}}
    response = api.as_(people.worker_a).post(PERSONS, body, format="json")
    assert response.status_code == 404
    assert not Household.objects.filter(building=theirs).exists()
