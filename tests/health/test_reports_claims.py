"""The monthly verification report chain (community → street → district): figures equal
the records behind them, return with a reason, approval locks the month, unlock logged;
designated-hospital claims compiled, decided and exported."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from shequ.health import rules, services
from shequ.health.models import ServiceRecord
from shequ.org.models import AuditEvent
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def _last_month() -> datetime.date:
    return rules.months_before(rules.month_start(timezone.localdate()), 1)


def _record(person, station, day, kind="contraception_counselling"):
    return services.service_record_create(
        actor=None, person=person, kind=kind, date=day, facility=station
    )


def test_the_figures_equal_the_records_behind_them(people, women, station, api):
    month = _last_month()
    for n in range(3):
        _record(women["newlywed"], station, month + datetime.timedelta(days=n))
    _record(women["migrant"], station, month, kind="pregnancy_registration")
    _record(women["migrant"], station, month - datetime.timedelta(days=3))  # the month before
    response = api.as_(people.worker_a).post(
        "/api/v1/monthly-reports/", {"month": str(month)}, format="json"
    )
    assert response.status_code == 201, response.content
    figures = response.json()["figures"]
    in_month = ServiceRecord.objects.filter(
        unit_code__startswith="340603020001", date__gte=month, date__lte=rules.month_end(month)
    )
    assert sum(figures["services"].values()) == in_month.count() == 4
    assert figures["services"]["contraception_counselling"] == 3
    assert figures["services"]["pregnancy_registration"] == 1
    from shequ.health.selectors import target_list

    assert figures["targets"] == target_list("340603020001", month).count()
    assert figures["targets_migrant"] == 1


def test_a_month_s_cycle_with_a_return_and_the_lock(people, tree, women, station, api):
    month = _last_month()
    _record(women["newlywed"], station, month)
    worker_b = people.worker_b
    ids = {}
    for worker in (people.worker_a, worker_b):
        created = (
            api.as_(worker)
            .post("/api/v1/monthly-reports/", {"month": str(month)}, format="json")
            .json()
        )
        ids[worker.username] = created["id"]
        assert (
            api.as_(worker)
            .post(f"/api/v1/monthly-reports/{created['id']}/submit/", {}, format="json")
            .status_code
            == 200
        )
    street = api.as_(people.street)
    a = ids["worker_a"]
    assert (
        street.post(
            f"/api/v1/monthly-reports/{a}/return/", {"reason": ""}, format="json"
        ).status_code
        == 400
    )
    returned = street.post(
        f"/api/v1/monthly-reports/{a}/return/", {"reason": "新婚人数不符"}, format="json"
    )
    assert (
        returned.json()["state"] == "returned"
        and returned.json()["return_reason"] == "新婚人数不符"
    )
    # The community corrects and sends again; the district may not review a community's.
    assert (
        api.as_(people.worker_a)
        .post(f"/api/v1/monthly-reports/{a}/submit/", {}, format="json")
        .status_code
        == 200
    )
    assert (
        api.as_(people.district)
        .post(f"/api/v1/monthly-reports/{a}/approve/", {}, format="json")
        .status_code
        == 403
    )
    # The street may not submit before its communities are approved.
    street_report = (
        api.as_(people.street)
        .post("/api/v1/monthly-reports/", {"month": str(month)}, format="json")
        .json()
    )
    assert (
        api.as_(people.street)
        .post(f"/api/v1/monthly-reports/{street_report['id']}/submit/", {}, format="json")
        .status_code
        == 400
    )
    for uid in ids.values():
        approved = api.as_(people.street).post(
            f"/api/v1/monthly-reports/{uid}/approve/", {}, format="json"
        )
        assert approved.json()["locked"] is True
    # Locked: no service of 丽景社区 in that month any more, through any channel.
    with pytest.raises(Exception, match="锁定"):
        _record(women["newlywed"], station, month + datetime.timedelta(days=1))
    locked = api.as_(people.worker_a).post(
        "/api/v1/service-records/",
        {"person": str(women["newlywed"].uid), "kind": "postnatal_visit", "date": str(month)},
        format="json",
    )
    assert locked.status_code == 400 and "date" in locked.json()
    # The street goes up; the district approves.
    assert (
        api.as_(people.street)
        .post(f"/api/v1/monthly-reports/{street_report['id']}/submit/", {}, format="json")
        .status_code
        == 200
    )
    assert (
        api.as_(people.district)
        .post(f"/api/v1/monthly-reports/{street_report['id']}/approve/", {}, format="json")
        .status_code
        == 200
    )
    # An unlock needs a reason and is logged; then the correction goes in.
    assert (
        api.as_(people.street)
        .post(f"/api/v1/monthly-reports/{a}/unlock/", {"reason": ""}, format="json")
        .status_code
        == 400
    )
    unlocked = api.as_(people.street).post(
        f"/api/v1/monthly-reports/{a}/unlock/", {"reason": "补录漏报的访视"}, format="json"
    )
    assert unlocked.json()["locked"] is False and unlocked.json()["state"] == "returned"
    assert AuditEvent.objects.filter(
        action="health.report.unlock", reason="补录漏报的访视"
    ).exists()


def test_reports_are_scoped(people, women, api):
    month = _last_month()
    created = (
        api.as_(people.worker_a)
        .post("/api/v1/monthly-reports/", {"month": str(month)}, format="json")
        .json()
    )
    assert (
        api.as_(people.worker_b).get(f"/api/v1/monthly-reports/{created['id']}/").status_code == 404
    )
    assert (
        api.as_(people.worker_c)
        .post(f"/api/v1/monthly-reports/{created['id']}/submit/", {}, format="json")
        .status_code
        == 404
    )
    future = api.as_(people.worker_a).post(
        "/api/v1/monthly-reports/", {"month": "2099-01-01"}, format="json"
    )
    assert future.status_code == 400


def test_claims_are_compiled_decided_and_exported(people, tree, women, hospital, api, web):
    month = _last_month()
    for cost in ("500.00", "820.50"):
        services.service_record_create(
            actor=None,
            person=women["newlywed"],
            kind="procedure",
            date=month,
            facility=hospital,
            cost=Decimal(cost),
            result="顺利",
        )
    street = api.as_(people.street)
    batch = street.post(
        "/api/v1/claims/", {"month": str(month), "hospital": str(hospital.uid)}, format="json"
    )
    assert batch.status_code == 201, batch.content
    body = batch.json()
    assert body["count"] == 2 and Decimal(body["total"]) == Decimal("1320.50")
    assert (
        api.as_(people.worker_a)
        .post(
            "/api/v1/claims/", {"month": str(month), "hospital": str(hospital.uid)}, format="json"
        )
        .status_code
        == 403
    )
    assert (
        api.as_(people.street)
        .post(f"/api/v1/claims/{body['id']}/submit/", {}, format="json")
        .status_code
        == 200
    )
    back = api.as_(people.district).post(
        f"/api/v1/claims/{body['id']}/decide/",
        {"approve": False, "reason": "缺发票"},
        format="json",
    )
    assert back.json()["state"] == "returned"
    assert (
        api.as_(people.street)
        .post(f"/api/v1/claims/{body['id']}/submit/", {}, format="json")
        .status_code
        == 200
    )
    done = api.as_(people.district).post(
        f"/api/v1/claims/{body['id']}/decide/", {"approve": True}, format="json"
    )
    assert done.json()["state"] == "approved"
    other = make_user("other_street", "street", tree.other_street)
    assert api.as_(other).get(f"/api/v1/claims/{body['id']}/").status_code == 404
    export = web.as_(people.district).get("/health/claims/?export=xlsx")
    assert export.status_code == 200 and export["Content-Type"].startswith(
        "application/vnd.openxml"
    )
