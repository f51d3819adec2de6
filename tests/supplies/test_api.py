"""The supplies' API: the six endpoints, their actions, scoping and constant queries."""

import datetime

import pytest
from django.utils import timezone

from shequ.supplies import services
from shequ.supplies.models import Requisition
from tests.factories import make_building, make_household, make_person

pytestmark = pytest.mark.django_db


def test_the_catalogue_lists_every_item(api, people, stores):
    answer = api.as_(people.worker_a).get("/api/v1/stock-items/")
    assert answer.status_code == 200
    codes = {row["code"] for row in answer.json()}
    assert {"pill-21-7", "condom-male", "iud", "implant", "injection", "pill-emergency"} <= codes


def test_locations_and_levels_are_scoped(api, people, stores):
    mine = api.as_(people.worker_a).get("/api/v1/stock-locations/").json()["results"]
    assert {row["name"] for row in mine} == {"丽景社区服务室", "丽景社区自助发放机"}
    theirs = api.as_(people.worker_c).get(f"/api/v1/stock-locations/{stores.room.uid}/")
    assert theirs.status_code == 404
    levels = api.as_(people.worker_c).get("/api/v1/stock-levels/").json()["results"]
    assert levels == []
    levels = api.as_(people.worker_a).get("/api/v1/stock-levels/?item=condom-male").json()
    assert sum(row["quantity"] for row in levels["results"]) == 150


def test_dispensing_through_the_api(api, people, stores, tree):
    person = make_person(make_household(make_building(tree.grid_a1)), name="API领取人")
    answer = api.as_(people.worker_a).post(
        f"/api/v1/stock-locations/{stores.room.uid}/dispensings/",
        {"person": str(person.uid), "item": "condom-male", "quantity": 10, "update_fact": True},
        format="json",
    )
    assert answer.status_code == 201, answer.content
    assert answer.json()["fact_updated"] is True
    level = api.as_(people.worker_a).get(
        f"/api/v1/stock-locations/{stores.room.uid}/level/?item=condom-male"
    )
    assert level.json() == {"total": 140, "usable": 140}
    too_many = api.as_(people.worker_a).post(
        f"/api/v1/stock-locations/{stores.room.uid}/dispensings/",
        {"person": str(person.uid), "item": "condom-male", "quantity": 1000},
        format="json",
    )
    assert too_many.status_code == 400
    assert "超过年度限量" in too_many.json()["quantity"][0]


def test_a_person_outside_cannot_be_named(api, people, stores, tree):
    outsider = make_person(make_household(make_building(tree.grid_b1)), name="别处的人")
    answer = api.as_(people.worker_a).post(
        f"/api/v1/stock-locations/{stores.room.uid}/dispensings/",
        {"person": str(outsider.uid), "item": "condom-male", "quantity": 1},
        format="json",
    )
    assert answer.status_code == 404


def test_a_requisition_through_the_api(api, people, stores):
    client = api.as_(people.street)
    made = client.post(
        "/api/v1/requisitions/",
        {"location": str(stores.street.uid), "lines": [{"item": "pill-21-7", "requested": 20}]},
        format="json",
    )
    assert made.status_code == 201, made.content
    body = made.json()
    uid = body["id"]
    district = api.as_(people.district)
    assert district.get("/api/v1/requisitions/").json()["count"] == 1
    approved = district.post(
        f"/api/v1/requisitions/{uid}/approve/", {"version": body["version"]}, format="json"
    )
    assert approved.status_code == 200, approved.content
    stale = district.post(
        f"/api/v1/requisitions/{uid}/send/", {"version": body["version"]}, format="json"
    )
    assert stale.status_code == 409
    sent = district.post(
        f"/api/v1/requisitions/{uid}/send/", {"version": approved.json()["version"]}, format="json"
    )
    assert sent.json()["status"] == Requisition.Status.SENT
    received = api.as_(people.street).post(
        f"/api/v1/requisitions/{uid}/receive/", {"version": sent.json()["version"]}, format="json"
    )
    assert received.json()["status"] == Requisition.Status.RECEIVED
    moves = client.get(f"/api/v1/stock-movements/?location={stores.street.uid}").json()
    assert [row["quantity"] for row in moves["results"]] == [20]


def test_the_lists_run_a_constant_number_of_queries(
    api, people, stores, django_assert_max_num_queries
):
    day = timezone.localdate() - datetime.timedelta(days=3)
    for n in range(30):
        services.stock_receive(
            actor=None,
            location=stores.room,
            item=stores.pill,
            lot_number=f"Q-{n}",
            expiry=datetime.date(2030, 1, 1),
            quantity=5,
            day=day,
        )
        services.requisition_submit(actor=None, location=stores.room, lines={stores.pill: 5})
    client = api.as_(people.worker_a)
    for path in (
        "stock-movements",
        "stock-levels",
        "stock-locations",
        "stock-lots",
        "requisitions",
        "stock-levels/low",
    ):
        with django_assert_max_num_queries(12):
            answer = client.get(f"/api/v1/{path}/?page_size=50")
        assert answer.status_code == 200, (path, answer.content)
