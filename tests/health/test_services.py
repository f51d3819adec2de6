"""The health services through their public interfaces: the target list, facilities,
service records with the health and the clinical rights, tasks and notifications."""

import datetime

import pytest
from django.utils import timezone

from shequ.duework.models import Task
from shequ.health import selectors
from shequ.org.models import SensitiveAccess
from shequ.outbox.models import Notification

pytestmark = pytest.mark.django_db


def _month():
    return timezone.localdate().strftime("%Y-%m")


def test_the_target_list_is_computed_from_the_registry(people, women, api, web):
    names = {p.name for p in selectors.target_list("340603020001", timezone.localdate())}
    assert names == {"甲新婚", "乙流入"}
    client = api.as_(people.worker_a)
    answer = client.get("/api/v1/health-targets/", {"unit": "340603020001", "month": _month()})
    assert answer.status_code == 200 and answer.json()["count"] == 2
    assert (
        SensitiveAccess.objects.filter(actor=people.worker_a, fields="health_target").count() == 2
    )
    assert (
        api.as_(people.worker_b)
        .get("/api/v1/health-targets/", {"unit": "340603020001"})
        .status_code
        == 400
    )
    page = web.as_(people.worker_a).get("/health/")
    assert page.status_code == 200 and "乙流入" in page.content.decode()
    assert "丁已落实" not in page.content.decode()


def test_a_worker_without_the_health_right_sees_no_health_facts(tree, women, api, web):
    from tests.conftest import make_user

    plain = make_user("plain", "community", tree.community_a, rights=[])
    assert api.as_(plain).get("/api/v1/health-targets/").status_code == 403
    assert api.as_(plain).get("/api/v1/service-records/").status_code == 403
    assert web.as_(plain).get("/health/services/").status_code == 403


def test_the_designated_hospitals_are_two_or_three_per_district(people, tree, api):
    client = api.as_(people.district)
    for n in range(3):
        response = client.post(
            "/api/v1/facilities/",
            {"name": f"医院{n}", "kind": "hospital", "unit_code": tree.district.code},
            format="json",
        )
        assert response.status_code == 201, response.content
    fourth = client.post(
        "/api/v1/facilities/",
        {"name": "医院4", "kind": "hospital", "unit_code": tree.district.code},
        format="json",
    )
    assert fourth.status_code == 400 and "kind" in fourth.json()
    assert (
        api.as_(people.worker_a)
        .post(
            "/api/v1/facilities/",
            {"name": "x", "kind": "station", "unit_code": tree.community_a.code},
            format="json",
        )
        .status_code
        == 403
    )
    # A community worker sees the district's hospitals that serve it.
    assert api.as_(people.worker_a).get("/api/v1/facilities/").json()["count"] == 3


def test_clinical_results_only_for_the_clinical_right(people, doctor, station, women, api, web):
    migrant = women["migrant"]
    client = api.as_(doctor)
    items = {"woman": {"blood": "normal", "rubella": "abnormal"}, "man": {"blood": "normal"}}
    created = client.post(
        "/api/v1/service-records/",
        {
            "person": str(migrant.uid),
            "kind": "reproductive_check",
            "date": str(timezone.localdate()),
            "facility": str(station.uid),
            "result": "宫颈炎，建议治疗",
            "risk_level": "high",
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    uid = created.json()["id"]
    assert created.json()["result"] == "宫颈炎，建议治疗"
    # The community worker (health right, no clinical right) sees the status, not the result.
    seen = api.as_(people.worker_a).get(f"/api/v1/service-records/{uid}/").json()
    assert (
        seen["kind"] == "reproductive_check"
        and seen["result"] is None
        and seen["risk_level"] is None
    )
    page = web.as_(people.worker_a).get(f"/health/services/{uid}/").content.decode()
    assert "宫颈炎" not in page and "clinical-hidden" in page
    assert "宫颈炎" in web.as_(doctor).get(f"/health/services/{uid}/").content.decode()
    # A community worker may not record a check-up (clinical).
    refused = api.as_(people.worker_a).post(
        "/api/v1/service-records/",
        {
            "person": str(migrant.uid),
            "kind": "reproductive_check",
            "date": str(timezone.localdate()),
        },
        format="json",
    )
    assert refused.status_code == 403
    # The pre-pregnancy check's 19 items are coded per spouse.
    client = api.as_(doctor)  # one client: authenticate again
    bad = client.post(
        "/api/v1/service-records/",
        {
            "person": str(migrant.uid),
            "kind": "prepregnancy_check",
            "date": str(timezone.localdate()),
            "items": {"woman": {"blood": "fine"}},
        },
        format="json",
    )
    assert bad.status_code == 400 and "items" in bad.json()
    ok = client.post(
        "/api/v1/service-records/",
        {
            "person": str(migrant.uid),
            "kind": "prepregnancy_check",
            "date": str(timezone.localdate()),
            "items": items,
        },
        format="json",
    )
    assert ok.status_code == 201 and ok.json()["items"] == items


def test_a_service_makes_the_next_task_and_a_migrant_notice(people, doctor, station, women, api):
    migrant = women["migrant"]
    day = timezone.localdate() - datetime.timedelta(days=2)
    client = api.as_(doctor)
    response = client.post(
        "/api/v1/service-records/",
        {
            "person": str(migrant.uid),
            "kind": "prepregnancy_check",
            "date": str(day),
            "facility": str(station.uid),
        },
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["next_due_date"] == str(day + datetime.timedelta(days=90))
    task = Task.objects.get(person=migrant)
    assert task.kind == "health.prepregnancy_followup" and task.state == "open"
    notice = Notification.objects.get(person=migrant)
    assert notice.to_division_code == "340102000000" and notice.state == "due" and notice.health
    assert notice.due_date > day
    # Recording the follow-up closes the task.
    api.as_(people.worker_a).post(
        "/api/v1/service-records/",
        {
            "person": str(migrant.uid),
            "kind": "prepregnancy_followup",
            "date": str(timezone.localdate()),
        },
        format="json",
    )
    task.refresh_from_db()
    assert task.state == "done"


def test_the_service_list_runs_a_constant_number_of_queries(
    people, doctor, station, women, web, django_assert_max_num_queries
):
    from shequ.health import services

    for n in range(12):
        services.service_record_create(
            actor=None,
            person=women["newlywed"],
            kind="contraception_counselling",
            date=timezone.localdate() - datetime.timedelta(days=n),
            facility=station,
        )
    client = web.as_(people.worker_a)
    client.get("/health/services/")
    with django_assert_max_num_queries(14):
        assert client.get("/health/services/?page_size=50").status_code == 200


def test_a_pregnancy_registration_records_the_registry_s_pregnancy(people, women):
    """The health right's fact lives in the registry: a registration opens a 孕情, which
    puts the woman on the target list; the birth closes it."""
    from shequ.health import services

    covered = women["covered"]
    day = timezone.localdate() - datetime.timedelta(days=1)
    assert covered not in selectors.target_list("340603020001", timezone.localdate())
    services.service_record_create(
        actor=people.worker_a, person=covered, kind="pregnancy_registration", date=day
    )
    assert covered.pregnancies.filter(outcome="").count() == 1
    assert covered in selectors.target_list("340603020001", timezone.localdate())
    services.service_record_create(
        actor=people.worker_a, person=covered, kind="birth", date=timezone.localdate()
    )
    assert covered.pregnancies.get().outcome == "live_birth"
    assert Task.objects.filter(person=covered, kind="health.postnatal_visit", state="open").exists()
