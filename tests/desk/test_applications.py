"""The desk's workflow: apply → accept → (review) → issue or refuse, each step by the role
that may make it, through the pages and the API alike."""

import pytest

from shequ.desk import services
from shequ.desk.models import Application
from shequ.org.models import AuditEvent

pytestmark = pytest.mark.django_db

STEPS = ("accept", "review", "issue", "refuse")


def _apply(api, user, resident, kind="status_proof"):
    api.as_(user)
    return api.post(
        "/api/v1/applications/", {"person": str(resident.uid), "kind": kind}, format="json"
    )


@pytest.mark.parametrize(
    ("who", "may"),
    [
        ("worker_a", True),
        ("grid_a1", True),
        ("street", True),
        ("district", False),
        ("city", False),
        ("provider", False),
        ("auditor", False),
        ("street_admin", False),
    ],
)
def test_who_may_apply(who, may, resident, people, api):
    response = _apply(api, getattr(people, who), resident)
    assert response.status_code == (201 if may else 403), response.content


def test_a_resident_outside_the_jurisdiction_is_not_found(resident, people, api):
    assert _apply(api, people.worker_b, resident).status_code == 404
    assert Application.objects.count() == 0


# The roles that may make each step (rules.STEP_ROLES) and those that may not.
STEP_WHO = {
    "accept": ({"worker_a", "street"}, {"grid_a1", "district", "provider"}),
    "issue": ({"street"}, {"worker_a", "grid_a1", "district"}),
}


@pytest.mark.parametrize("step", ["accept", "issue"])
def test_each_step_by_the_roles_that_may_make_it(step, resident, people, api):
    allowed, refused = STEP_WHO[step]
    for who in sorted(allowed):
        application = services.application_create(
            actor=people.worker_a, person=resident, kind="status_proof"
        )
        if step == "issue":
            services.application_accept(actor=people.worker_a, application=application)
        for other in sorted(refused):
            api.as_(getattr(people, other))
            answer = api.post(f"/api/v1/applications/{application.uid}/{step}/")
            assert answer.status_code == 403, (other, answer.content)
        api.as_(getattr(people, who))
        answer = api.post(f"/api/v1/applications/{application.uid}/{step}/")
        assert answer.status_code == 200, (who, answer.content)
        assert answer.json()["state"] == {"accept": "accepted", "issue": "issued"}[step]
        if step == "issue":
            assert answer.json()["document"]
        else:
            services.application_refuse(actor=people.street, application=application, reason="重复")


def test_the_road_of_a_status_proof_has_no_review(resident, people, api):
    application = services.application_create(
        actor=people.worker_a, person=resident, kind="status_proof"
    )
    api.as_(people.street)
    assert api.post(f"/api/v1/applications/{application.uid}/issue/").status_code == 400
    assert api.post(f"/api/v1/applications/{application.uid}/review/").status_code == 400
    assert api.post(f"/api/v1/applications/{application.uid}/accept/").status_code == 200
    assert api.post(f"/api/v1/applications/{application.uid}/review/").status_code == 400
    issued = api.post(f"/api/v1/applications/{application.uid}/issue/")
    assert issued.status_code == 200
    # Decided: no further step, not even a refusal.
    for step in STEPS:
        assert (
            api.post(f"/api/v1/applications/{application.uid}/{step}/", {"reason": "x"}).status_code
            == 400
        )


def test_a_replaced_certificate_is_reviewed_by_the_street(honor_couple, people, api):
    wife, _husband = honor_couple
    application = services.application_create(
        actor=people.worker_a, person=wife, kind="glory_certificate"
    )
    services.application_accept(actor=people.worker_a, application=application)
    api.as_(people.street)
    assert api.post(f"/api/v1/applications/{application.uid}/issue/").status_code == 400
    api.as_(people.worker_a)
    assert api.post(f"/api/v1/applications/{application.uid}/review/").status_code == 403
    api.as_(people.street)
    assert api.post(f"/api/v1/applications/{application.uid}/review/").json()["state"] == "reviewed"
    issued = api.post(f"/api/v1/applications/{application.uid}/issue/").json()
    assert issued["state"] == "issued"
    document = api.get(f"/api/v1/documents/{issued['document']}/").json()
    assert ["原证号", "HB2001000123"] in document["content"]["fields"]
    assert ["夫妻", "陈建国、刘芳"] in document["content"]["fields"]


def test_a_refusal_needs_a_reason_and_the_role_of_the_pending_step(resident, people, api):
    application = services.application_create(
        actor=people.worker_a, person=resident, kind="status_proof"
    )
    api.as_(people.worker_a)
    assert (
        api.post(f"/api/v1/applications/{application.uid}/refuse/", {"reason": ""}).status_code
        == 400
    )
    services.application_accept(actor=people.worker_a, application=application)
    # Accepted: the issue step is the street's, so is the refusal.
    assert (
        api.post(f"/api/v1/applications/{application.uid}/refuse/", {"reason": "不符"}).status_code
        == 403
    )
    api.as_(people.street)
    refused = api.post(f"/api/v1/applications/{application.uid}/refuse/", {"reason": "材料不全"})
    assert refused.json()["state"] == "refused" and refused.json()["refusal_reason"] == "材料不全"
    event = AuditEvent.objects.get(action="desk.application_refuse")
    assert event.reason == "材料不全" and event.changes == {"state": ["accepted", "refused"]}


def test_the_legacy_certificate_is_off_by_default(resident, people, api, settings):
    answer = _apply(api, people.worker_a, resident, kind="legacy_status")
    assert answer.status_code == 400 and "婚育情况证明" in answer.json()["kind"][0]
    settings.DESK_LEGACY_STATUS_CERTIFICATE = True
    assert _apply(api, people.worker_a, resident, kind="legacy_status").status_code == 201


def test_a_second_open_application_of_the_same_kind_is_refused(resident, people, api):
    assert _apply(api, people.worker_a, resident).status_code == 201
    again = _apply(api, people.worker_a, resident)
    assert again.status_code == 400 and "请勿重复" in again.json()["kind"][0]


def test_the_pages_walk_the_same_road(resident, people, web):
    web.as_(people.worker_a)
    created = web.post(
        "/desk/applications/new/",
        {"id_number": resident.id_number, "kind": "status_proof", "channel": "desk"},
    )
    assert created.status_code == 302, created.content.decode()
    application = Application.objects.get()
    detail = web.get(created["Location"]).content.decode()
    assert 'data-testid="step-accept"' in detail and 'data-testid="step-issue"' not in detail
    assert "受理" in web.get(f"/desk/applications/{application.uid}/accept/").content.decode()
    assert web.post(f"/desk/applications/{application.uid}/accept/").status_code == 302
    web.as_(people.street)
    detail = web.get(f"/desk/applications/{application.uid}/").content.decode()
    assert 'data-testid="step-issue"' in detail
    assert web.post(f"/desk/applications/{application.uid}/issue/").status_code == 302
    application.refresh_from_db()
    assert application.state == "issued" and application.document is not None
    assert (
        application.document.number
        in web.get(f"/desk/applications/{application.uid}/").content.decode()
    )
    assert web.get(f"/desk/applications/{application.uid}/nonsense/").status_code == 404


def test_a_page_refusal_asks_for_the_reason(resident, people, web):
    application = services.application_create(
        actor=people.worker_a, person=resident, kind="status_proof"
    )
    web.as_(people.worker_a)
    empty = web.post(f"/desk/applications/{application.uid}/refuse/", {"reason": ""})
    assert empty.status_code == 200 and "is-invalid" in empty.content.decode()
    assert (
        web.post(
            f"/desk/applications/{application.uid}/refuse/", {"reason": "重复申请"}
        ).status_code
        == 302
    )
    application.refresh_from_db()
    assert application.state == "refused"


def test_an_unknown_number_on_the_form_is_named(people, web, tree):
    web.as_(people.worker_a)
    page = web.post(
        "/desk/applications/new/",
        {"id_number": "110101199003071234", "kind": "status_proof", "channel": "desk"},
    )
    assert "您的辖区内没有登记这个身份证号码" in page.content.decode()


def test_the_promised_date_counts_working_days_and_overdue_ones_are_listed(
    resident, people, api, monkeypatch
):
    from datetime import date, datetime, timedelta
    from zoneinfo import ZoneInfo

    from django.utils import timezone

    from shequ.duework.models import Task

    # Accepted on Wednesday 30 September 2026: 1–7 October are holidays, Saturday the 10th
    # is worked (调休). A status proof's 3 working days end on that Saturday.
    accepted = datetime(2026, 9, 30, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    monkeypatch.setattr(timezone, "now", lambda: accepted)
    proof = services.application_create(actor=people.worker_a, person=resident, kind="status_proof")
    services.application_accept(actor=people.worker_a, application=proof)
    assert proof.due_on == date(2026, 10, 10)
    book = services.application_create(actor=people.worker_a, person=resident, kind="service_book")
    services.application_accept(actor=people.worker_a, application=book)
    assert book.due_on == date(2026, 10, 13)  # 5 working days: 8, 9, 10, 12, 13 October
    task = Task.objects.get(source_key=f"desk.application:{proof.uid}")
    assert (task.due_date, task.state, task.unit_code) == (
        date(2026, 10, 10),
        "open",
        resident.unit_id,
    )

    # On 12 October the proof is overdue, the book not yet.
    monkeypatch.setattr(timezone, "now", lambda: accepted + timedelta(days=12))
    api.as_(people.street)
    overdue = api.get("/api/v1/applications/", {"overdue": "true"}).json()
    assert [row["id"] for row in overdue["results"]] == [str(proof.uid)]
    services.application_issue(actor=people.street, application=proof)
    assert api.get("/api/v1/applications/", {"overdue": "true"}).json()["count"] == 0
    task.refresh_from_db()
    assert task.state == "done"


def test_no_new_glory_certificate_for_a_child_born_after_2015(resident, people, api):
    # The resident's only child was born in 2019 and no certificate is recorded.
    answer = _apply(api, people.worker_a, resident, kind="glory_certificate")
    assert answer.status_code == 400
    assert "2016 年 1 月 1 日以后" in answer.json()["kind"][0]
    assert "不再新发" in answer.json()["kind"][0]


@pytest.mark.parametrize(
    ("born", "problem"),
    [("2015-12-31", ""), ("2016-01-01", "不再新发"), (None, "出生日期")],
)
def test_the_2015_12_31_rule_by_hand(born, problem):
    import datetime

    from shequ.desk import rules

    day = datetime.date.fromisoformat(born) if born else None
    found = rules.glory_certificate_problem(day)
    assert (problem in found) if problem else found == ""


def test_recording_a_certificate_dated_after_mid_2016_is_refused(honor_couple):
    import datetime

    from django.core.exceptions import ValidationError

    wife, _husband = honor_couple
    with pytest.raises(ValidationError, match="不再新发"):
        services.glory_certificate_record(
            actor=None,
            person=wife,
            number="HB2017000001",
            issued_on=datetime.date(2017, 1, 5),
            reason="补录",
        )
