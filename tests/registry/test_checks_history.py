"""每月一查 / 季度核对 leave a trace: the person's history, timeline, API history and change log."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from shequ.org.models import AuditEvent
from shequ.registry import services
from shequ.registry.models import Person
from tests.factories import make_building, make_household, make_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def home(tree):
    return make_household(make_building(tree.grid_a1))


def bulk_check(web, user, persons, **fields):
    return web.as_(user).post(
        reverse("registry:checks_bulk"),
        {
            "person": [str(p.uid) for p in persons],
            "kind": "monthly",
            "date": timezone.localdate().isoformat(),
            "result": "confirmed",
            **fields,
        },
    )


def timeline(web, user, person) -> str:
    page = web.as_(user).get(reverse("registry:person_detail", args=[person.uid]))
    return page.content.decode().split('data-testid="timeline"')[1]


def test_bulk_check_writes_a_history_row_per_person_with_who_when_and_why(web, people, home):
    persons = [make_person(home, name=name) for name in ("张三", "李四")]

    bulk_check(web, people.worker_a, persons, note="入户核实")

    for person in persons:
        row = Person.objects.get(pk=person.pk).history.latest()
        assert row.history_type == "~"
        assert row.history_user == people.worker_a
        assert row.history_change_reason == "每月一查：信息无误；入户核实"
        assert row.last_monthly_check == timezone.localdate()
        assert timezone.localdate(row.history_date) == timezone.localdate()


def test_timeline_shows_the_check_once_with_who_and_the_date_it_set(web, people, home):
    person = make_person(home)

    bulk_check(web, people.worker_a, [person], kind="quarterly", result="corrected")

    text = timeline(web, people.worker_a, person)
    assert text.count('data-testid="timeline-entry"') == 2  # 建档 and the check
    assert "季度核对" in text and "已更正" in text
    assert "worker_a" in text
    assert f'最近季度核对：<del class="text-body-secondary">—</del> → {timezone.localdate()}' in (
        text
    )
    assert "信息变更" not in text


def test_check_is_in_the_api_history_with_user_reason_and_change(api, people, home):
    person = make_person(home)
    today = timezone.localdate()

    response = api.as_(people.grid_a1).post(
        f"/api/v1/persons/{person.uid}/checks/",
        {"kind": "monthly", "date": today.isoformat(), "note": "电话核实"},
        format="json",
    )
    assert response.status_code == 201, response.content

    body = api.as_(people.worker_a).get(f"/api/v1/persons/{person.uid}/history/").json()
    latest = body["results"][0]
    assert body["count"] == 2
    assert latest["history_user"] == "grid_a1"
    assert latest["history_change_reason"] == "每月一查：信息无误；电话核实"
    assert latest["changes"] == [
        {"field": "last_monthly_check", "old": None, "new": today.isoformat()}
    ]


def test_an_earlier_check_keeps_the_later_date_and_is_still_in_the_history(web, people, home):
    person = make_person(home)
    today = timezone.localdate()
    services.checks_record(actor=people.worker_a, persons=[person], kind="monthly", date=today)
    earlier = today - datetime.timedelta(days=3)

    services.checks_record(actor=people.worker_a, persons=[person], kind="monthly", date=earlier)

    assert Person.objects.get(pk=person.pk).last_monthly_check == today
    assert person.history.filter(history_type="~").count() == 2
    text = timeline(web, people.worker_a, person)
    assert text.count("bi-clipboard-check") == 2
    assert earlier.isoformat() in text


def test_check_writes_a_change_log_row_per_person(people, home):
    persons = [make_person(home, name=name) for name in ("张三", "李四")]
    today = timezone.localdate()

    services.checks_record(actor=people.worker_a, persons=persons, kind="monthly", date=today)

    events = AuditEvent.objects.filter(action="person.check.monthly").order_by("id")
    assert [(e.target_id, e.actor, e.unit_code) for e in events] == [
        (str(p.uid), people.worker_a, p.unit_id) for p in persons
    ]
    assert events[0].reason == "每月一查：信息无误"
    assert events[0].changes == {"last_monthly_check": [None, today.isoformat()]}


def test_check_history_is_written_from_the_stored_record(people, home):
    person = make_person(home, phone="")
    stale = Person.objects.get(pk=person.pk)
    services.person_update(
        actor=people.worker_a, person=person, values={"phone": "13912345678"}, reason="补电话"
    )
    today = timezone.localdate()

    services.checks_record(actor=people.worker_a, persons=[stale], kind="monthly", date=today)
    services.checks_record(actor=people.worker_a, persons=[person], kind="quarterly", date=today)

    monthly, quarterly = person.history.order_by("history_date")[2:]
    assert monthly.phone == "13912345678"  # the stale object does not undo the update
    assert quarterly.history_change_reason == "季度核对：信息无误"  # not the update's reason
    assert quarterly.last_monthly_check == today


def test_checking_a_batch_runs_a_fixed_number_of_queries(people, home):
    def queries_for(count: int) -> int:
        persons = [make_person(home, name="张三") for i in range(count)]
        with CaptureQueriesContext(connection) as captured:
            services.checks_record(
                actor=people.worker_a,
                persons=Person.objects.filter(pk__in=[p.pk for p in persons]),
                kind="monthly",
                date=timezone.localdate(),
            )
        return len(captured)

    few, many = queries_for(3), queries_for(60)
    # On SQLite Django splits the 60 history rows into inserts of at most 999 parameters.
    assert many <= few + (2 if connection.vendor == "sqlite" else 0)
