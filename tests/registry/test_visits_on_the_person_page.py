"""The person's page lists their checks and the visits (每月一查) they were made on; a
newcomer noted on a visit is turned into a registration prefilled from the note."""

import datetime

import pytest
from django.urls import reverse

from shequ.registry import services
from shequ.registry.models import Person
from shequ.registry.rules import Newcomer, newcomers_of
from tests.factories import id_number as new_id_number
from tests.factories import make_building, make_household, make_person

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today()


@pytest.fixture
def home(tree):
    return make_household(make_building(tree.grid_a1, "1号楼"), "101")


def test_newcomers_are_read_from_the_visits_note():
    number = new_id_number()
    assert newcomers_of(f"张三 {number.lower()}，李四（租客）; 3人") == [
        Newcomer("张三", number),
        Newcomer("李四", ""),
    ]
    assert newcomers_of("") == []


def test_the_person_page_lists_the_visits_checks_with_the_worker(web, people, home):
    person = make_person(home, name="张三")
    visit = services.visit_record(actor=people.worker_a, household=home, date=TODAY)
    page = web.as_(people.worker_a).get(reverse("registry:person_detail", args=[person.uid]))
    html = page.content.decode()
    table = html.split('data-testid="person-checks"')[1].split("</table>")[0]
    assert reverse("registry:visit_detail", args=[visit.uid]) in table
    assert "1号楼 101" in table and "worker_a" in table and "信息无误" in table
    assert f"?person={person.uid}" in html


def test_a_person_without_checks_says_so(web, people, home):
    person = make_person(home, name="张三")
    page = web.as_(people.worker_a).get(reverse("registry:person_detail", args=[person.uid]))
    assert 'data-testid="person-checks-empty"' in page.content.decode()


def test_the_person_page_reads_its_checks_in_constant_queries(
    web, people, home, django_assert_max_num_queries
):
    person = make_person(home, name="张三")
    client = web.as_(people.worker_a)
    url = reverse("registry:person_detail", args=[person.uid])
    services.visit_record(actor=people.worker_a, household=home, date=TODAY)
    with django_assert_max_num_queries(200) as few:
        client.get(url)
    for days in range(1, 6):
        services.visit_record(
            actor=people.worker_a, household=home, date=TODAY - datetime.timedelta(days=days)
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)


def test_a_newcomer_of_a_visit_starts_a_prefilled_registration(web, people, home):
    number = new_id_number(sex="M")
    visit = services.visit_record(
        actor=people.worker_a, household=home, date=TODAY, newcomers=f"王五 {number}"
    )
    client = web.as_(people.worker_a)
    detail = client.get(reverse("registry:visit_detail", args=[visit.uid])).content.decode()
    newcomers = detail.split('data-testid="newcomers"')[1].split("</ul>")[0]
    assert "王五" in newcomers and number not in newcomers  # masked on the visit's page
    start = reverse("registry:person_register") + f"?visit={visit.uid}&amp;newcomer=0"
    assert start in newcomers

    form = client.get(start.replace("&amp;", "&")).content.decode()
    assert 'data-testid="found-on-visit"' in form
    assert f'value="{number}"' in form and 'value="王五"' in form
    assert f'value="{home.uid}" selected' in form


def test_a_newcomer_registration_from_another_communitys_visit_is_not_found(web, people, home):
    visit = services.visit_record(
        actor=people.worker_a, household=home, date=TODAY, newcomers="王五"
    )
    answer = web.as_(people.worker_b).get(
        reverse("registry:person_register") + f"?visit={visit.uid}&newcomer=0"
    )
    assert answer.status_code == 404


def test_the_visit_api_reads_the_newcomers(api, people, home):
    number = new_id_number()
    visit = services.visit_record(
        actor=people.worker_a, household=home, date=TODAY, newcomers=f"李四、赵六 {number}"
    )
    found = api.as_(people.worker_a).get(f"/api/v1/visits/{visit.uid}/").json()
    assert [n["name"] for n in found["newcomers_found"]] == ["李四", "赵六"]
    assert found["newcomers_found"][1]["id_number"].startswith("340***")
    assert not Person.objects.filter(name="赵六").exists()
