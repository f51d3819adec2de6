"""Couples and families through the API and the pages: marriages scoped to either spouse's
unit, children on both parents, newborns, 婚育证明, and pregnancies only with the health
right (every read logged)."""

import datetime

import pytest

from shequ.org.models import SensitiveAccess
from shequ.org.roles import Action, can
from shequ.registry import services
from shequ.registry.models import Child, Marriage, Person
from tests.factories import id_number, make_building, make_household, make_person

D = datetime.date
API = "/api/v1"


@pytest.fixture
def home_a(tree):
    return make_household(make_building(tree.grid_a1))


@pytest.fixture
def couple(home_a):
    wife = make_person(home_a, name="李芳", sex="F", birth_date=D(1990, 5, 17))
    husband = make_person(home_a, name="王强", sex="M", birth_date=D(1988, 3, 2))
    return husband, wife


def _record(client, husband, wife, **extra):
    return client.post(
        f"{API}/marriages/",
        {"husband": str(husband.uid), "wife": str(wife.uid), "married_on": "2014-10-01", **extra},
        format="json",
    )


def test_a_marriage_is_recorded_listed_and_ended_through_the_api(api, people, couple):
    husband, wife = couple
    client = api.as_(people.worker_a)
    made = _record(client, husband, wife, certificate_number="J340603-2014-000001")
    assert made.status_code == 201, made.content
    body = made.json()
    assert body["husband"]["person"]["id"] == str(husband.uid)
    assert body["in_force"] is True
    listed = client.get(f"{API}/marriages/").json()
    assert [m["id"] for m in listed["results"]] == [body["id"]]
    wife.refresh_from_db()
    assert wife.marital_status == "married"
    stale = client.post(
        f"{API}/marriages/{body['id']}/end/",
        {"end_reason": "divorce", "ended_on": "2020-01-01", "version": body["version"] + 1},
        format="json",
    )
    assert stale.status_code == 409
    ended = client.post(
        f"{API}/marriages/{body['id']}/end/",
        {"end_reason": "divorce", "ended_on": "2020-01-01", "version": body["version"]},
        format="json",
    )
    assert ended.status_code == 200, ended.content
    husband.refresh_from_db()
    assert husband.marital_status == "divorced"


def test_marriages_outside_the_jurisdiction_are_neither_listed_nor_found(api, people, couple):
    husband, wife = couple
    services.marriage_record(actor=None, husband=husband, wife=wife, values={})
    marriage = Marriage.objects.get()
    client = api.as_(people.worker_b)
    assert client.get(f"{API}/marriages/").json()["results"] == []
    assert client.get(f"{API}/marriages/{marriage.uid}/").status_code == 404
    refused = client.post(
        f"{API}/marriages/{marriage.uid}/end/",
        {"end_reason": "divorce", "version": 1},
        format="json",
    )
    assert refused.status_code == 404
    assert _record(client, husband, wife).status_code == 404  # persons named in a body too


def test_an_outside_spouse_number_is_masked(api, people, couple):
    _husband, wife = couple
    number = id_number(D(1987, 1, 1), "M")
    made = api.as_(people.worker_a).post(
        f"{API}/marriages/",
        {"wife": str(wife.uid), "husband_name": "周建", "husband_id_number": number},
        format="json",
    )
    assert made.status_code == 201, made.content
    shown = made.json()["husband"]
    assert shown["person"] is None and shown["name"] == "周建"
    assert number not in made.content.decode() and shown["id_number_masked"].startswith("340")


def test_a_child_with_both_parents_appears_on_both(api, web, people, couple):
    husband, wife = couple
    services.marriage_record(actor=None, husband=husband, wife=wife, values={})
    client = api.as_(people.worker_a)
    made = client.post(
        f"{API}/children/",
        {"parent": str(wife.uid), "sex": "M", "birth_date": "2016-04-04", "name": "王小强"},
        format="json",
    )
    assert made.status_code == 201, made.content
    for parent in (husband, wife):
        listed = client.get(f"{API}/children/", {"parent": str(parent.uid)}).json()["results"]
        assert [c["name"] for c in listed] == ["王小强"]
        page = web.as_(people.worker_a).get(f"/registry/persons/{parent.uid}/")
        assert "王小强" in page.content.decode()
    husband.refresh_from_db()
    assert husband.children_count == 1


def test_spouses_pages_link_each_other(web, people, couple):
    husband, wife = couple
    services.marriage_record(actor=None, husband=husband, wife=wife, values={})
    client = web.as_(people.worker_a)
    assert (
        f"/registry/persons/{wife.uid}/"
        in client.get(f"/registry/persons/{husband.uid}/").content.decode()
    )
    assert (
        f"/registry/persons/{husband.uid}/"
        in client.get(f"/registry/persons/{wife.uid}/").content.decode()
    )


def test_marriage_pages_record_and_end(web, people, couple):
    husband, wife = couple
    client = web.as_(people.worker_a)
    answer = client.post(
        f"/registry/persons/{wife.uid}/marriages/new/",
        {"spouse": str(husband.uid), "married_on": "2014-10-01", "reason": ""},
    )
    assert answer.status_code == 302, answer.content.decode()[:2000]
    marriage = Marriage.objects.get()
    assert (marriage.husband, marriage.wife) == (husband, wife)
    url = f"/registry/persons/{wife.uid}/marriages/{marriage.uid}/end/"
    form = {"end_reason": "divorce", "ended_on": "2020-01-02", "version": marriage.version}
    confirm = client.post(url, form)
    assert confirm.status_code == 200 and "确认" in confirm.content.decode()
    assert client.post(url, {**form, "confirmed": "1"}).status_code == 302
    wife.refresh_from_db()
    assert wife.marital_status == "divorced"
    listing = client.get("/registry/marriages/", {"state": "divorce"})
    assert "王强" in listing.content.decode()


def test_a_newborn_is_registered_and_gets_its_number_later(api, people, couple):
    _husband, wife = couple
    client = api.as_(people.worker_a)
    birth = datetime.date.today() - datetime.timedelta(days=10)
    made = client.post(
        f"{API}/children/newborn/",
        {
            "parent": str(wife.uid),
            "name": "王宝宝",
            "sex": "F",
            "birth_date": birth.isoformat(),
            "birth_certificate_number": "P340123456",
        },
        format="json",
    )
    assert made.status_code == 201, made.content
    baby = Person.objects.get(uid=made.json()["person"])
    assert baby.id_number is None
    shown = client.get(f"{API}/persons/{baby.uid}/").json()
    assert (shown["id_number"], shown["birth_certificate_number"]) == ("", "P340123456")
    number = id_number(birth, "F")
    issued = client.post(
        f"{API}/persons/{baby.uid}/issue-id-number/",
        {"id_number": number, "version": shown["version"]},
        format="json",
    )
    assert issued.status_code == 200, issued.content
    baby.refresh_from_db()
    assert baby.id_number == number


def test_certificates_are_recorded_and_verified(api, people, couple):
    _husband, wife = couple
    client = api.as_(people.worker_a)
    made = client.post(
        f"{API}/fertility-certificates/",
        {"person": str(wife.uid), "number": "341622-2019-001", "issued_on": "2019-03-01"},
        format="json",
    )
    assert made.status_code == 201, made.content
    assert made.json()["verified"] is False
    cert = made.json()
    verified = client.post(
        f"{API}/fertility-certificates/{cert['id']}/verify/",
        {"verified_how": "registration_place", "version": cert["version"]},
        format="json",
    )
    assert verified.status_code == 200, verified.content
    assert verified.json()["verified_by"] == people.worker_a.username
    assert api.as_(people.worker_b).get(f"{API}/fertility-certificates/").json()["results"] == []


def test_grid_workers_lack_the_health_right_unless_the_deployment_gives_it(people, settings):
    people.grid_a1.data_rights = [Action.VIEW_HEALTH]
    settings.GRID_HEALTH_RIGHT = False
    assert not can(people.grid_a1, Action.VIEW_HEALTH)
    settings.GRID_HEALTH_RIGHT = True
    assert can(people.grid_a1, Action.VIEW_HEALTH)


def test_pregnancies_are_hidden_without_the_health_right_and_logged_with_it(
    api, web, people, couple, settings
):
    _husband, wife = couple
    services.pregnancy_record(actor=None, person=wife, values={"expected_on": D(2027, 3, 1)})
    settings.GRID_HEALTH_RIGHT = False
    grid = api.as_(people.grid_a1)
    assert grid.get(f"{API}/pregnancies/").status_code == 403
    page = web.as_(people.grid_a1).get(f"/registry/persons/{wife.uid}/").content.decode()
    assert "2027-03-01" not in page and 'data-testid="pregnancies"' not in page
    assert not SensitiveAccess.objects.filter(fields="pregnancy").exists()

    listed = api.as_(people.worker_a).get(f"{API}/pregnancies/").json()["results"]
    assert [p["expected_on"] for p in listed] == ["2027-03-01"]
    row = SensitiveAccess.objects.get(fields="pregnancy")
    assert (row.actor, row.target_id, row.channel) == (people.worker_a, str(wife.uid), "api")
    page = web.as_(people.worker_a).get(f"/registry/persons/{wife.uid}/").content.decode()
    assert "2027-03-01" in page
    assert SensitiveAccess.objects.filter(fields="pregnancy", channel="web").count() == 1


def test_the_marriage_list_runs_the_same_number_of_queries_for_3_and_30_rows(
    api, web, people, home_a, django_assert_max_num_queries
):
    def couples(n):
        for _ in range(n):
            wife = make_person(home_a, name="李芳", sex="F")
            services.marriage_record(
                actor=None, husband=None, wife=wife, values={"husband_name": "王强"}
            )

    couples(3)
    client = api.as_(people.worker_a)
    pages = web.as_(people.worker_a)
    with django_assert_max_num_queries(8):
        assert len(client.get(f"{API}/marriages/", {"page_size": 100}).json()["results"]) == 3
    with django_assert_max_num_queries(12):
        pages.get("/registry/marriages/")
    couples(27)
    with django_assert_max_num_queries(8):
        assert len(client.get(f"{API}/marriages/", {"page_size": 100}).json()["results"]) == 30
    with django_assert_max_num_queries(12):
        assert pages.get("/registry/marriages/").content.decode().count("marriage-row") == 30


def test_children_list_has_a_constant_number_of_queries(
    api, people, couple, django_assert_max_num_queries
):
    husband, wife = couple
    services.marriage_record(actor=None, husband=husband, wife=wife, values={})
    client = api.as_(people.worker_a)
    for i in range(25):
        services.child_record(
            actor=None, parent=wife, values={"birth_date": D(2000 + i % 20, 1, 1 + i), "sex": "F"}
        )
    with django_assert_max_num_queries(8):
        assert len(client.get(f"{API}/children/", {"page_size": 100}).json()["results"]) == 25
    assert Child.objects.filter(father=husband).count() == 25
