"""Flows through the API: each event kind, its record, and who may record it."""

import datetime

import pytest
from django.utils import timezone

from shequ.org.models import AuditEvent
from shequ.registry import services
from shequ.registry.models import Flow, Person
from tests.factories import SUIXIAN_HENAN, id_number, make_building, make_household, make_person

pytestmark = pytest.mark.django_db

URL = "/api/v1/flows/"
TODAY = timezone.localdate().isoformat()


@pytest.fixture
def home_a(tree):
    return make_household(make_building(tree.grid_a1))


@pytest.fixture
def home_a2(tree):
    return make_household(make_building(tree.grid_a2, "2号楼"))


@pytest.fixture
def home_c(tree):
    return make_household(make_building(tree.community_c, "9号楼"))


def record(api, user, **body):
    return api.as_(user).post(URL, {"date": TODAY, "reason": "登记", **body}, format="json")


def test_move_within_jurisdiction_keeps_the_record_and_answers_the_flow(
    api, people, home_a, home_a2
):
    person = make_person(home_a)
    response = record(
        api, people.worker_a, kind="move", person=str(person.uid), household=str(home_a2.uid)
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["kind"], body["person"]) == ("move", str(person.uid))
    assert (body["from_household"], body["to_household"]) == (str(home_a.uid), str(home_a2.uid))
    assert body["actor"] == "worker_a"
    person.refresh_from_db()
    assert person.household == home_a2


def test_transfer_in_by_identity_number_moves_the_record_from_elsewhere(
    api, people, home_a, home_c
):
    person = make_person(home_c, name="孙七")
    response = record(
        api,
        people.worker_a,
        kind="transfer_in",
        id_number=person.id_number,
        name="孙七",
        household=str(home_a.uid),
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["kind"], body["from_unit"], body["unit"]) == (
        "move",
        home_c.unit_id,
        home_a.unit_id,
    )
    assert Person.objects.count() == 1
    person.refresh_from_db()
    assert person.unit_id == home_a.unit_id


def transfer_in(api, user, person, household, **body):
    return record(
        api,
        user,
        kind="transfer_in",
        id_number=person.id_number,
        household=str(household.uid),
        **body,
    )


def test_transfer_in_by_number_needs_the_name(api, people, home_a, home_c):
    person = make_person(home_c, name="孙七")
    response = transfer_in(api, people.worker_a, person, home_a)
    assert response.status_code == 400
    assert "name" in response.json()
    person.refresh_from_db()
    assert person.unit_id == home_c.unit_id


def test_transfer_in_with_another_name_is_answered_like_an_unknown_number(
    api, people, home_a, home_c
):
    person = make_person(home_c, name="孙七")
    wrong = transfer_in(api, people.worker_a, person, home_a, name="孙八")
    person.refresh_from_db()
    unknown = record(
        api,
        people.worker_a,
        kind="transfer_in",
        id_number=id_number(),
        name="孙七",
        household=str(home_a.uid),
    )
    assert wrong.status_code == unknown.status_code == 400
    assert wrong.json() == unknown.json()
    assert person.unit_id == home_c.unit_id
    assert not Flow.objects.filter(kind="move").exists()


def test_grid_worker_of_another_district_cannot_take_a_person_without_the_name(
    api, people, tree, home_a
):
    person = make_person(home_a, name="张三", contraception="iud")
    home_c = make_household(make_building(tree.community_c, "9号楼"))
    response = transfer_in(api, people.worker_c, person, home_c, name="张四")
    assert response.status_code == 400
    assert "丽景社区" not in response.content.decode()
    person.refresh_from_db()
    assert person.unit_id == home_a.unit_id
    detail = api.as_(people.worker_c).get(f"/api/v1/persons/{person.uid}/")
    assert detail.status_code == 404


def test_transfer_in_name_ignores_spaces_and_full_width(api, people, home_a, home_c):
    person = make_person(home_c, name="Ayi·Li")
    response = transfer_in(api, people.worker_a, person, home_a, name=" Ａｙｉ·Ｌｉ ")
    assert response.status_code == 201, response.content


def test_transfer_in_writes_the_change_log_of_both_communities(api, people, home_a, home_c):
    person = make_person(home_c, name="孙七")
    transfer_in(api, people.worker_a, person, home_a, name="孙七")
    events = AuditEvent.objects.filter(action="person.move", target_id=str(person.uid))
    assert sorted(e.unit_code for e in events) == sorted([home_a.unit_id, home_c.unit_id])
    for event in events:
        assert event.changes["unit"] == [home_c.unit_id, home_a.unit_id]


def test_transfer_in_reactivates_a_person_departed_from_another_community(
    api, people, home_a, home_c
):
    person = make_person(home_c, name="孙七")
    record(api, people.worker_c, kind="departure", person=str(person.uid), division=SUIXIAN_HENAN)
    response = transfer_in(api, people.worker_a, person, home_a, name="孙七")
    assert response.status_code == 201, response.content
    assert (response.json()["kind"], response.json()["from_unit"]) == (
        "reactivation",
        home_c.unit_id,
    )
    person.refresh_from_db()
    assert person.status == "active"


def test_departure_ends_the_record_with_destination(api, people, home_a):
    person = make_person(home_a)
    response = record(
        api,
        people.worker_a,
        kind="departure",
        person=str(person.uid),
        division=SUIXIAN_HENAN,
        address="睢县城关镇",
        reason="回原籍",
    )
    assert response.status_code == 201, response.content
    assert (response.json()["division"], response.json()["reason"]) == (SUIXIAN_HENAN, "回原籍")
    person.refresh_from_db()
    assert (person.status, person.end_reason) == ("departed", "回原籍")


def test_departure_needs_a_destination(api, people, home_a):
    person = make_person(home_a)
    response = record(api, people.worker_a, kind="departure", person=str(person.uid))
    assert response.status_code == 400
    assert response.json()["division"] == ["请选择去向地。"]
    person.refresh_from_db()
    assert person.status == "active"


def test_departure_with_destination_unknown_needs_no_division(api, people, home_a):
    person = make_person(home_a)
    response = record(
        api,
        people.worker_a,
        kind="departure",
        person=str(person.uid),
        destination_unknown=True,
        reason="人已离开，去向不明",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["division"], body["destination_unknown"]) == (None, True)
    person.refresh_from_db()
    assert person.status == "departed"
    listed = api.as_(people.worker_a).get(URL, {"person": str(person.uid)}).json()
    departures = [row for row in listed["results"] if row["kind"] == "departure"]
    assert [row["destination_unknown"] for row in departures] == [True]


def test_departure_with_destination_unknown_and_a_division_is_400(api, people, home_a):
    person = make_person(home_a)
    response = record(
        api,
        people.worker_a,
        kind="departure",
        person=str(person.uid),
        division=SUIXIAN_HENAN,
        destination_unknown=True,
    )
    assert response.status_code == 400
    assert response.json()["division"][0].startswith("已选择“去向不明”")
    person.refresh_from_db()
    assert person.status == "active"


def test_outflow_cannot_be_destination_unknown(api, people, home_a):
    person = make_person(home_a)
    response = record(
        api, people.worker_a, kind="outflow", person=str(person.uid), destination_unknown=True
    )
    assert response.status_code == 400
    assert response.json()["destination_unknown"] == ["只有迁出注销可以登记为去向不明。"]
    person.refresh_from_db()
    assert person.population_type == "resident"


def test_a_known_departure_answers_destination_unknown_false(api, people, home_a):
    person = make_person(home_a)
    response = record(
        api, people.worker_a, kind="departure", person=str(person.uid), division=SUIXIAN_HENAN
    )
    assert response.json()["destination_unknown"] is False


@pytest.mark.parametrize("division", ["340603020000", "340602000000"])
def test_departure_to_a_place_inside_the_city_is_400(api, people, home_a, division):
    person = make_person(home_a)
    response = record(
        api, people.worker_a, kind="departure", person=str(person.uid), division=division
    )
    assert response.status_code == 400
    message = response.json()["division"][0]
    assert message.startswith("去向地在本市之内。")
    assert "迁移" in message and "市内迁入" in message
    person.refresh_from_db()
    assert person.status == "active"


def test_outflow_to_a_place_inside_the_city_is_400(api, people, home_a):
    person = make_person(home_a)
    response = record(
        api, people.worker_a, kind="outflow", person=str(person.uid), division="340603000000"
    )
    assert response.status_code == 400
    message = response.json()["division"][0]
    assert message.startswith("去向地在本市之内。外出登记只用于到本市以外居住")
    person.refresh_from_db()
    assert person.population_type == "resident"


def test_departure_to_an_unknown_division_is_400(api, people, home_a):
    person = make_person(home_a)
    response = record(
        api, people.worker_a, kind="departure", person=str(person.uid), division="999999000000"
    )
    assert response.status_code == 400
    assert "division" in response.json()


@pytest.mark.parametrize(("kind", "status"), [("death", "deceased"), ("cancellation", "cancelled")])
def test_death_and_cancellation_end_the_record(api, people, home_a, kind, status):
    person = make_person(home_a)
    response = record(api, people.worker_a, kind=kind, person=str(person.uid))
    assert response.status_code == 201, response.content
    person.refresh_from_db()
    assert person.status == status


def test_cancellation_date_defaults_to_today(api, people, home_a):
    person = make_person(home_a)
    response = api.as_(people.worker_a).post(
        URL,
        {"kind": "cancellation", "person": str(person.uid), "reason": "重复建档"},
        format="json",
    )
    assert response.json()["date"] == TODAY


def test_outflow_then_return(api, people, home_a):
    person = make_person(home_a)
    response = record(
        api,
        people.worker_a,
        kind="outflow",
        person=str(person.uid),
        division=SUIXIAN_HENAN,
        reason="外出务工",
    )
    assert response.status_code == 201, response.content
    person.refresh_from_db()
    assert person.population_type == "outflow"
    response = record(api, people.worker_a, kind="return", person=str(person.uid))
    assert response.status_code == 201, response.content
    person.refresh_from_db()
    assert person.population_type == "resident"


def test_outflow_needs_a_destination(api, people, home_a):
    person = make_person(home_a)
    response = record(api, people.worker_a, kind="outflow", person=str(person.uid))
    assert response.status_code == 400
    assert "division" in response.json()


def test_flow_without_reason_is_400(api, people, home_a):
    person = make_person(home_a)
    response = api.as_(people.worker_a).post(
        URL, {"kind": "death", "person": str(person.uid), "date": TODAY}, format="json"
    )
    assert response.status_code == 400
    assert "reason" in response.json()
    person.refresh_from_db()
    assert person.status == "active"


def test_arrival_is_not_a_flow_kind_here(api, people, home_a):
    person = make_person(home_a)
    response = record(api, people.worker_a, kind="arrival", person=str(person.uid))
    assert response.status_code == 400
    assert "kind" in response.json()


def test_departure_of_someone_already_departed_is_400_with_detail(api, people, home_a):
    person = make_person(home_a)
    body = {"kind": "departure", "person": str(person.uid), "division": SUIXIAN_HENAN}
    record(api, people.worker_a, **body)
    response = record(api, people.worker_a, **body)
    assert response.status_code == 400
    assert "已迁出" in response.json()["detail"]


def test_future_date_is_400(api, people, home_a):
    person = make_person(home_a)
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    response = record(api, people.worker_a, kind="death", person=str(person.uid), date=tomorrow)
    assert response.status_code == 400
    assert "date" in response.json()


# --- Scoping and roles -----------------------------------------------------------------------


def test_flow_for_person_of_other_community_is_404(api, people, home_a):
    person = make_person(home_a)
    response = record(api, people.worker_b, kind="death", person=str(person.uid))
    assert response.status_code == 404
    person.refresh_from_db()
    assert person.status == "active"


def test_move_into_household_of_other_community_is_404(api, people, home_a, home_c):
    person = make_person(home_a)
    response = record(
        api, people.worker_a, kind="move", person=str(person.uid), household=str(home_c.uid)
    )
    assert response.status_code == 404
    person.refresh_from_db()
    assert person.household == home_a


@pytest.mark.parametrize("role", ["auditor", "district", "city", "provider"])
def test_roles_that_may_not_edit_get_403(api, people, home_a, role):
    person = make_person(home_a)
    response = record(api, getattr(people, role), kind="death", person=str(person.uid))
    assert response.status_code == 403
    assert not Flow.objects.filter(kind="death").exists()


def test_flow_list_shows_flows_of_own_jurisdiction_only(api, people, home_a, tree):
    make_person(home_a, name="张三")
    home_b = make_household(make_building(tree.grid_b1, "B楼"))
    make_person(home_b, name="李四")
    body = api.as_(people.worker_a).get(URL).json()
    assert [row["person_name"] for row in body["results"]] == ["张三"]
    own = body["results"][0]["id"]
    assert api.as_(people.worker_a).get(f"{URL}{own}/").status_code == 200
    assert api.as_(people.worker_b).get(f"{URL}{own}/").status_code == 404


def test_flow_lists_are_newest_first_for_a_community_and_a_street_alike(
    api, client, people, home_a
):
    # A community's list is sorted by the date as text (flows_in_order): the same order.
    persons = [make_person(home_a, name=name) for name in ("甲一", "乙二", "丙三")]
    for days, person in zip((40, 3, 400), persons, strict=True):
        Flow.objects.filter(person=person).update(
            date=timezone.localdate() - datetime.timedelta(days=days)
        )
    newest_first = ["乙二", "甲一", "丙三"]
    for user, unit in (
        (people.worker_a, None),
        (people.street, None),
        (people.street, "340603020001"),
    ):
        params = {"unit": unit} if unit else {}
        body = api.as_(user).get(URL, params).json()
        assert [row["person_name"] for row in body["results"]] == newest_first
        client.force_login(user)
        page = client.get("/registry/flows/", params).content.decode()
        assert [page.index(name) for name in newest_first] == sorted(
            page.index(name) for name in newest_first
        )


def test_flow_list_filters_by_kind_and_person(api, people, home_a):
    first, second = make_person(home_a), make_person(home_a, name="赵四")
    record(api, people.worker_a, kind="death", person=str(second.uid))
    client = api.as_(people.worker_a)
    assert [r["kind"] for r in client.get(URL, {"kind": "death"}).json()["results"]] == ["death"]
    assert client.get(URL, {"person": str(first.uid)}).json()["count"] == 1


def test_departed_person_stays_in_flows_of_the_unit_they_left(api, people, home_a, home_c):
    person = make_person(home_c)
    transfer_in(api, people.worker_a, person, home_a, name=person.name)
    kinds = [r["kind"] for r in api.as_(people.worker_c).get(URL).json()["results"]]
    assert kinds == ["move", "registration"]


def test_flows_cannot_be_deleted_or_replaced(api, people, home_a):
    make_person(home_a)
    flow = Flow.objects.get()
    client = api.as_(people.worker_a)
    assert client.delete(f"{URL}{flow.uid}/").status_code == 405
    assert client.put(f"{URL}{flow.uid}/", {}, format="json").status_code == 405


def test_flow_list_runs_the_same_number_of_queries_for_5_and_60_rows(
    api, people, home_a, home_a2, django_assert_max_num_queries
):
    client = api.as_(people.worker_a)
    for _ in range(5):
        make_person(home_a)
    with django_assert_max_num_queries(4):
        assert len(client.get(URL, {"page_size": 100}).json()["results"]) == 5
    for _ in range(55):
        person = make_person(home_a)
        record(
            api, people.worker_a, kind="move", person=str(person.uid), household=str(home_a2.uid)
        )
    client = api.as_(people.worker_a)
    with django_assert_max_num_queries(4):
        assert len(client.get(URL, {"page_size": 200}).json()["results"]) == 115


def test_each_refused_transfer_in_is_logged_with_the_number_masked(api, people, home_a, home_c):
    person = make_person(home_c, name="孙七")
    transfer_in(api, people.worker_a, person, home_a, name="孙八")
    refusals = AuditEvent.objects.filter(action="person.transfer_in_refused")
    assert list(refusals.values_list("actor__username", "unit_code")) == [
        ("worker_a", home_a.unit_id)
    ]
    assert person.id_number not in refusals.get().target_label


def test_too_many_refused_transfer_ins_stop_even_the_right_name(api, people, home_a, home_c):
    person = make_person(home_c, name="孙七")
    for _ in range(services.TRANSFER_GUESS_LIMIT):
        assert transfer_in(api, people.worker_a, person, home_a, name="孙八").status_code == 400
    response = transfer_in(api, people.worker_a, person, home_a, name="孙七")
    assert response.status_code == 400
    assert "核对不符的次数过多" in response.content.decode()
    person.refresh_from_db()
    assert person.unit_id == home_c.unit_id
    # another worker is not held back by a colleague's mistakes
    assert (
        transfer_in(
            api,
            people.worker_b,
            person,
            make_household(make_building(people.worker_b.unit, "8号楼")),
            name="孙七",
        ).status_code
        == 201
    )
