"""A person's timeline through the API: who changed what, when and why."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from shequ.core.identifiers import mask_id_number
from shequ.org.models import SensitiveAccess
from shequ.registry import services
from shequ.registry.models import Person
from tests.factories import id_number, make_building, make_household, make_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def home_a(tree):
    return make_household(make_building(tree.grid_a1))


def history(api, user, person, **params):
    response = api.as_(user).get(f"/api/v1/persons/{person.uid}/history/", params)
    assert response.status_code == 200, response.content
    return response.json()


def changes(entry) -> dict:
    return {c["field"]: (c["old"], c["new"]) for c in entry["changes"]}


def test_history_lists_changes_newest_first_with_user_reason_and_old_and_new(api, people, home_a):
    person = make_person(home_a, phone="")
    services.person_update(
        actor=people.worker_a, person=person, values={"phone": "13912345678"}, reason="入户核实"
    )
    body = history(api, people.worker_a, person)
    assert body["count"] == 2
    latest, created = body["results"]
    assert latest["history_user"] == "worker_a"
    assert latest["history_type"] == "~"
    assert latest["history_change_reason"] == "入户核实"
    assert changes(latest) == {"phone": ("", "13912345678")}
    assert created["history_type"] == "+"
    assert changes(created)["name"] == (None, "张三")


def test_history_masks_identity_numbers_even_for_roles_that_may_reveal(api, people, home_a):
    person = make_person(home_a)
    old = person.id_number
    new = id_number(person.birth_date, "F")
    services.person_update(
        actor=people.worker_a, person=person, values={"id_number": new}, reason="号码录错"
    )
    latest = history(api, people.worker_a, person)["results"][0]
    assert changes(latest) == {"id_number": (mask_id_number(old), mask_id_number(new))}


def test_history_shows_a_move_as_a_new_household_uid(api, people, home_a, tree):
    person = make_person(home_a)
    other = make_household(make_building(tree.grid_a2, "2号楼"))
    services.person_move(
        actor=people.worker_a,
        person=person,
        household=other,
        date=timezone.localdate(),
        reason="换房",
    )
    latest = history(api, people.worker_a, person)["results"][0]
    assert changes(latest)["household"] == (str(home_a.uid), str(other.uid))
    assert changes(latest)["unit"] == (tree.grid_a1.code, tree.grid_a2.code)


def _change_contraception(person, actor):
    services.person_update(
        actor=actor,
        person=person,
        values={"contraception": "implant", "contraception_since": datetime.date(2023, 1, 5)},
        reason="随访更新",
    )


@pytest.fixture
def woman(home_a, people):
    person = make_person(
        home_a,
        name="李芳",
        marital_status="married",
        marriage_date=datetime.date(2014, 10, 1),
        contraception="iud",
        contraception_since=datetime.date(2016, 3, 1),
    )
    _change_contraception(person, people.worker_a)
    return person


def test_history_shows_contraception_changes_to_health_roles_and_logs_it(api, people, woman):
    latest = history(api, people.provider, woman)["results"][0]
    assert changes(latest)["contraception"] == ("iud", "implant")
    row = SensitiveAccess.objects.get(actor=people.provider)
    assert (row.target_id, row.fields, row.channel) == (str(woman.uid), "contraception", "api")


def test_history_hides_contraception_from_roles_without_health_access(api, people, woman):
    body = history(api, people.district, woman)
    assert all("contraception" not in changes(entry) for entry in body["results"])
    assert not SensitiveAccess.objects.exists()


def test_history_is_paginated_and_pages_compare_across_their_edge(api, people, home_a):
    person = make_person(home_a, phone="")
    for number in ["13900000001", "13900000002", "13900000003"]:
        services.person_update(
            actor=people.worker_a, person=person, values={"phone": number}, reason="更正"
        )
    page_two = history(api, people.worker_a, person, page=2, page_size=2)
    assert page_two["count"] == 4
    # The oldest change on page 1 is 0002; page 2 starts with 0001, compared with the creation.
    assert changes(page_two["results"][0]) == {"phone": ("", "13900000001")}


def test_history_lists_the_changes_the_person_page_shows(api, web, people, home_a, tree):
    person = make_person(home_a, phone="")
    other = make_household(make_building(tree.grid_a2, "2号楼"))
    services.person_update(
        actor=people.worker_a,
        person=person,
        values={"phone": "13912345678", "employer_name": "淮北供电"},
        reason="入户核实",
    )
    services.person_move(
        actor=people.worker_a,
        person=person,
        household=other,
        date=timezone.localdate(),
        reason="换房",
    )
    services.checks_record(
        actor=people.worker_a, persons=[person], kind="monthly", date=timezone.localdate()
    )

    rows = history(api, people.worker_a, person)["results"][:-1]  # the creation has no diff
    from_api = [
        {str(Person._meta.get_field(c["field"]).verbose_name) for c in row["changes"]}
        for row in rows
    ]
    page = web.as_(people.worker_a).get(reverse("registry:person_detail", args=[person.uid]))
    entries = page.content.decode().split('data-testid="timeline-entry"')[1:-1]
    on_page = [set(re.findall(r"<li>([^<：]+)：<del", entry)) for entry in entries]
    assert from_api == on_page
    assert len(from_api) == 3 and all(from_api)


def test_history_of_person_in_other_community_is_404(api, people, home_a):
    person = make_person(home_a)
    assert api.as_(people.worker_b).get(f"/api/v1/persons/{person.uid}/history/").status_code == 404


def test_history_runs_the_same_number_of_queries_for_5_and_31_rows(
    api, people, home_a, tree, django_assert_max_num_queries
):
    person = make_person(home_a, phone="")
    homes = [home_a, make_household(make_building(tree.grid_a2, "2号楼"))]
    client = api.as_(people.worker_a)

    def edit(count):
        for i in range(count):
            services.person_update(
                actor=people.worker_a, person=person, values={"phone": f"139{i:08d}"}, reason="更正"
            )
            services.person_move(
                actor=people.worker_a,
                person=person,
                household=next(h for h in homes if h.pk != person.household_id),
                date=timezone.localdate(),
                reason="换房",
            )

    edit(2)
    with django_assert_max_num_queries(7):
        assert len(client.get(f"/api/v1/persons/{person.uid}/history/").json()["results"]) == 5
    edit(13)
    with django_assert_max_num_queries(7):
        body = client.get(f"/api/v1/persons/{person.uid}/history/", {"page_size": 100}).json()
    assert len(body["results"]) == 31
