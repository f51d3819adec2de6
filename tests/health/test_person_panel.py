"""The health card on the registry's person page (the "person_panels" hook): the person's
open health tasks with their due dates and her last services, for the health right only,
the read logged, in a constant number of queries."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from shequ.duework import services as duework
from shequ.health import services
from shequ.org.models import SensitiveAccess
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def _page(client, person):
    return client.get(reverse("registry:person_detail", args=[person.uid]))


def test_the_person_page_shows_her_health_tasks_and_services(people, women, station, web):
    woman = women["newlywed"]
    day = timezone.localdate() - datetime.timedelta(days=40)
    services.service_record_create(
        actor=None, person=woman, kind="pregnancy_registration", date=day, facility=station
    )
    html = _page(web.as_(people.worker_a), woman).content.decode()
    assert 'data-testid="panel-health-due"' in html
    due = day + datetime.timedelta(days=30)  # the rule: a visit 30 days after registration
    assert f"孕期访视 · 截止 {due:%Y-%m-%d}" in html
    assert "已逾期" in html  # due ten days ago
    assert "孕产期保健登记（早孕建册）" in html
    logged = SensitiveAccess.objects.filter(
        actor=people.worker_a, target_id=str(woman.uid), fields__contains="health_tasks"
    )
    assert logged.count() == 1


def test_the_health_card_has_an_empty_state(people, women, web):
    html = _page(web.as_(people.worker_a), women["covered"]).content.decode()
    assert 'data-testid="health-tasks-empty"' in html and "尚无服务记录" in html


def test_no_health_card_without_the_health_right(tree, women, station, web):
    services.service_record_create(
        actor=None,
        person=women["newlywed"],
        kind="pregnancy_registration",
        date=timezone.localdate(),
        facility=station,
    )
    plain = make_user("plain_panel", "community", tree.community_a, rights=[])
    page = _page(web.as_(plain), women["newlywed"])
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="panel-health-due"' not in html and "孕期访视" not in html
    assert not SensitiveAccess.objects.filter(actor=plain).exists()


def test_the_health_card_runs_the_same_queries_for_one_task_or_many(people, women, web):
    woman = women["migrant"]
    client = web.as_(people.worker_a)

    def add_tasks(n, start):
        for i in range(start, start + n):
            duework.ensure_task(
                kind="health.pregnancy_visit",
                source_key=f"test:{i}",
                title="孕期访视",
                unit_code=woman.unit_id[:12],
                due_date=timezone.localdate() + datetime.timedelta(days=i),
                person=woman,
            )

    add_tasks(1, 0)
    _page(client, woman)  # warm caches (menu, jurisdiction)
    with CaptureQueriesContext(connection) as one:
        _page(client, woman)
    add_tasks(8, 1)
    with CaptureQueriesContext(connection) as many:
        html = _page(client, woman).content.decode()
    assert html.count('data-testid="health-task"') == 9
    assert len(many) == len(one)
