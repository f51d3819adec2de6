"""The supplies' card on the person page: her recent named dispensings (health right, the
read logged) and a 发放 button per place, which opens the dispensing form naming her."""

import pytest
from django.urls import reverse

from shequ.org.models import SensitiveAccess
from shequ.supplies import services
from shequ.supplies.models import Dispensing
from tests.factories import make_building, make_household, make_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def person(tree):
    return make_person(make_household(make_building(tree.grid_a1)), name="卡片领取人")


def _page(web, user, person) -> str:
    answer = web.as_(user).get(reverse("registry:person_detail", args=[person.uid]))
    assert answer.status_code == 200
    return answer.content.decode()


def test_the_card_shows_her_dispensings_and_the_places_to_give_more(web, people, stores, person):
    services.dispense(
        actor=None, location=stores.room, person=person, item=stores.condom, quantity=6
    )
    before = SensitiveAccess.objects.filter(fields="supplies_dispensings").count()
    page = _page(web, people.worker_a, person)
    assert 'data-testid="panel-supplies-dispensing"' in page
    assert "男用避孕套 ×6只" in page
    assert f"/supplies/persons/{person.uid}/dispense/" in page
    assert SensitiveAccess.objects.filter(fields="supplies_dispensings").count() == before + 1


def test_the_button_goes_to_the_workers_one_place_or_lets_her_choose(web, people, stores, person):
    # The community worker has one place to dispense at (the room; the machine is anonymous).
    one = web.as_(people.worker_a).get(f"/supplies/persons/{person.uid}/dispense/")
    assert one.status_code == 302
    assert one["Location"] == f"/supplies/locations/{stores.room.uid}/dispense/?person={person.uid}"
    # The street's worker chooses among the street's store, its postal desk and the room.
    several = web.as_(people.street).get(f"/supplies/persons/{person.uid}/dispense/")
    page = several.content.decode()
    assert several.status_code == 200 and page.count("?person=") == 3
    assert str(stores.machine.uid) not in page and str(stores.district.uid) not in page


def test_without_the_health_right_the_card_offers_the_button_only(web, people, stores, person):
    services.dispense(
        actor=None, location=stores.room, person=person, item=stores.condom, quantity=6
    )
    people.worker_a.data_rights = ["dispense_supplies"]
    people.worker_a.save()
    page = _page(web, people.worker_a, person)
    assert 'data-testid="dispense-button"' in page and "男用避孕套 ×6" not in page
    people.worker_a.data_rights = []
    people.worker_a.save()
    assert 'data-testid="panel-supplies-dispensing"' not in _page(web, people.worker_a, person)


def test_the_button_opens_the_form_naming_her_and_comes_back_to_her_page(
    web, people, stores, person
):
    client = web.as_(people.worker_a)
    url = f"/supplies/locations/{stores.room.uid}/dispense/?person={person.uid}"
    form = client.get(url).content.decode()
    assert 'data-testid="dispense-to"' in form and "卡片领取人" in form
    assert person.id_number not in form  # named by her id, her number never in the form
    answer = client.post(url, {"person": str(person.uid), "item": "condom-male", "quantity": "4"})
    assert answer.status_code == 302
    assert answer["Location"] == reverse("registry:person_detail", args=[person.uid])
    assert Dispensing.objects.get(person=person).quantity == 4
    too_many = client.post(
        url, {"person": str(person.uid), "item": "condom-male", "quantity": "200"}
    )
    assert "超过年度限量" in too_many.content.decode()


def test_a_person_of_another_unit_cannot_be_named(web, people, stores, tree):
    outsider = make_person(make_household(make_building(tree.grid_b1)), name="别处的人")
    client = web.as_(people.worker_a)
    url = f"/supplies/locations/{stores.room.uid}/dispense/"
    assert client.get(url, {"person": str(outsider.uid)}).status_code == 404
    assert client.get(f"/supplies/persons/{outsider.uid}/dispense/").status_code == 404
    answer = client.post(url, {"person": str(outsider.uid), "item": "condom-male", "quantity": "1"})
    assert answer.status_code == 404
    assert not Dispensing.objects.exists()


def test_the_dispensing_list_is_health_data(
    web, people, stores, person, django_assert_max_num_queries
):
    building = make_building(person.household.building.unit, "2号楼")
    for n in range(3):
        other = make_person(make_household(building, f"20{n}"))
        services.dispense(
            actor=None, location=stores.room, person=other, item=stores.condom, quantity=2
        )
    client = web.as_(people.worker_a)
    with django_assert_max_num_queries(20):
        page = client.get("/supplies/dispensings/?item=condom-male").content.decode()
    assert page.count('data-testid="dispensing-row"') == 3
    people.worker_a.data_rights = ["dispense_supplies"]
    people.worker_a.save()
    assert client.get("/supplies/dispensings/").status_code == 403
