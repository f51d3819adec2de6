"""Due work and the outbox: idempotent creation by the rules, the lists scoped with their
counts, completing a task, the receiving unit acknowledging a message."""

import datetime

import pytest
from django.utils import timezone

from shequ.duework import services as duework
from shequ.duework.models import Task
from shequ.org.models import SensitiveAccess
from shequ.outbox import services as outbox
from shequ.outbox.models import Notification
from tests.factories import make_building, make_household, make_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def person(tree):
    return make_person(make_household(make_building(tree.grid_a1)), name="吴待办")


def _task(person, key="t:1", due=None, **extra):
    return duework.ensure_task(
        kind="health.visit",
        source_key=key,
        title="产后访视",
        unit_code=person.unit_id[:12],
        due_date=due or timezone.localdate() + datetime.timedelta(days=3),
        person=person,
        **extra,
    )


def test_ensure_task_is_idempotent(person):
    first = _task(person)
    again = _task(person, due=datetime.date(2030, 1, 1))
    assert first.pk == again.pk and Task.objects.count() == 1
    assert first.grid_code == person.unit_id


def test_tasks_are_scoped_counted_and_completed(
    people, person, api, web, django_assert_max_num_queries
):
    _task(
        person,
        "t:late",
        due=timezone.localdate() - datetime.timedelta(days=2),
        assignee=people.worker_a,
    )
    for n in range(20):
        _task(person, f"t:{n}")
    assert api.as_(people.worker_b).get("/api/v1/tasks/").json()["count"] == 0
    client = api.as_(people.worker_a)
    late = client.get("/api/v1/tasks/", {"state": "overdue"}).json()
    assert late["count"] == 1 and late["results"][0]["overdue"] is True
    assert client.get("/api/v1/tasks/", {"mine": "true"}).json()["count"] == 1
    uid = late["results"][0]["id"]
    assert (
        api.as_(people.worker_b)
        .post(f"/api/v1/tasks/{uid}/complete/", {"outcome": "x"})
        .status_code
        == 404
    )
    client = api.as_(people.worker_a)  # one client: authenticate again after worker_b
    done = client.post(f"/api/v1/tasks/{uid}/complete/", {"outcome": "已入户访视"}, format="json")
    assert done.status_code == 200 and done.json()["state"] == "done"
    assert (
        client.post(
            f"/api/v1/tasks/{uid}/complete/", {"outcome": "again"}, format="json"
        ).status_code
        == 400
    )
    page = web.as_(people.street)
    page.get("/tasks/")
    with django_assert_max_num_queries(14):
        response = page.get("/tasks/?page_size=50")
    assert response.status_code == 200 and "丽景社区" in response.content.decode()
    assert (
        web.as_(people.worker_b).get("/tasks/").content.decode().count('data-testid="task-row"')
        == 0
    )


def test_the_task_api_list_runs_the_same_queries_for_a_short_or_a_full_page(people, person, api):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = api.as_(people.worker_a)
    _task(person, "q:0", assignee=people.worker_a)
    client.get("/api/v1/tasks/", {"mine": "true"})  # warm the caches
    with CaptureQueriesContext(connection) as short:
        one = client.get("/api/v1/tasks/", {"mine": "true"}).json()
    for n in range(1, 60):
        _task(person, f"q:{n}", assignee=people.worker_a)
    with CaptureQueriesContext(connection) as full:
        page = client.get("/api/v1/tasks/", {"mine": "true"}).json()
    assert one["count"] == 1 and page["count"] == 60 and len(page["results"]) == 50
    # A full page adds the count to the ids and the rows; nothing grows with the rows.
    assert len(full) <= len(short) + 1
    row = page["results"][0]
    assert row["person_name"] == "吴待办" and row["assignee"] == "worker_a"
    assert row["person"] == str(person.uid) and row["overdue"] is False


def _health_notice(person, tree, key: str) -> Notification:
    """A health message from community A to community C."""
    return outbox.notify(
        key=key,
        kind="health.checkup_result",
        title="流动人口孕检结果通报",
        summary="孕早期检查：正常",
        health=True,
        person=person,
        from_unit_code=tree.community_a.code,
        to_unit_code=tree.community_c.code,
        due_date=timezone.localdate() + datetime.timedelta(days=10),
    )


def test_a_notification_reaches_the_inbox_once_and_is_acknowledged(people, person, tree, api, web):
    def send():
        return _health_notice(person, tree, "n:1")

    first, again = send(), send()
    assert first.pk == again.pk and first.state == Notification.State.SENT
    receiver = api.as_(people.worker_c)
    inbox = receiver.get("/api/v1/notifications/", {"box": "inbox"}).json()
    assert inbox["count"] == 1 and inbox["results"][0]["summary"] is None
    detail = receiver.get(f"/api/v1/notifications/{first.uid}/").json()
    assert detail["summary"] == "孕早期检查：正常"
    assert SensitiveAccess.objects.filter(target_id=str(first.uid)).count() == 1
    # The sender sees it in what it sent, but cannot acknowledge it.
    sender = api.as_(people.worker_a)
    assert sender.get("/api/v1/notifications/", {"box": "sent"}).json()["count"] == 1
    assert sender.post(f"/api/v1/notifications/{first.uid}/acknowledge/").status_code == 403
    assert api.as_(people.worker_b).get(f"/api/v1/notifications/{first.uid}/").status_code == 404
    page = web.as_(people.worker_c)
    assert page.get("/notifications/").status_code == 200
    response = page.post(f"/notifications/{first.uid}/", {"reply": "收到"})
    assert response.status_code == 302
    first.refresh_from_db()
    assert (
        first.state == Notification.State.ACKNOWLEDGED and first.acknowledged_by == people.worker_c
    )


def test_a_place_outside_the_tree_waits_for_the_exchange(person, tree):
    notice = outbox.notify(
        key="n:2",
        kind="k",
        title="t",
        person=person,
        from_unit_code=tree.community_a.code,
        to_division_code="411422000000",
        due_date=datetime.date(2026, 12, 31),
    )
    assert notice.state == Notification.State.DUE and notice.to_unit_code == ""


def test_a_health_task_is_listed_only_to_those_who_may_read_health_facts(
    tree, people, person, api, web
):
    """孕期访视 in a list says she is pregnant: a worker without the health right sees the
    registry's own tasks, not the health services' (pages, API, the task itself)."""
    from shequ.org.roles import Action, Role, rights_for
    from tests.conftest import make_user

    _task(person, "t:health")
    other = duework.ensure_task(
        kind="desk.application",
        source_key="t:desk",
        title="办理申请",
        unit_code=person.unit_id[:12],
        due_date=timezone.localdate() + datetime.timedelta(days=5),
        person=person,
    )
    rights = [r for r in rights_for(Role.COMMUNITY, "") if r != Action.VIEW_HEALTH]
    without = make_user("worker_nohealth", Role.COMMUNITY, tree.community_a, rights=rights)

    listed = api.as_(without).get("/api/v1/tasks/").json()
    assert [t["title"] for t in listed["results"]] == ["办理申请"]
    page = web.as_(without).get("/tasks/").content.decode()
    assert "办理申请" in page and "产后访视" not in page
    health_uid = Task.objects.get(source_key="t:health").uid
    assert api.as_(without).get(f"/api/v1/tasks/{health_uid}/").status_code == 404

    titles = {t["title"] for t in api.as_(people.worker_a).get("/api/v1/tasks/").json()["results"]}
    assert titles == {"产后访视", other.title}


def test_a_health_message_names_no_service_to_a_reader_without_the_health_right(
    tree, people, person, api, web
):
    """流动人口孕检结果通报 in an inbox says she is pregnant: a worker of the receiving unit
    without the health right sees a neutral title and kind, and cannot count the messages of a
    service by its kind (pages and API)."""
    from shequ.org.roles import Action, Role, rights_for
    from tests.conftest import make_user

    notice = _health_notice(person, tree, "n:health")
    rights = [r for r in rights_for(Role.COMMUNITY, "") if r != Action.VIEW_HEALTH]
    without = make_user("receiver_nohealth", Role.COMMUNITY, tree.community_c, rights=rights)

    listed = api.as_(without).get("/api/v1/notifications/", {"box": "inbox"}).json()["results"]
    assert [(n["title"], n["kind"], n["summary"]) for n in listed] == [
        ("健康服务通报", "health", None)
    ]
    detail = api.as_(without).get(f"/api/v1/notifications/{notice.uid}/").json()
    assert (detail["title"], detail["kind"], detail["summary"]) == ("健康服务通报", "health", None)
    by_kind = api.as_(without).get("/api/v1/notifications/", {"kind": "health.checkup_result"})
    assert by_kind.json()["count"] == 0
    assert api.as_(without).get("/api/v1/notifications/", {"kind": "health"}).json()["count"] == 1
    pages = web.as_(without)
    for url in ["/notifications/", f"/notifications/{notice.uid}/"]:
        html = pages.get(url).content.decode()
        assert "健康服务通报" in html and "孕检" not in html and "checkup_result" not in html

    # The health right reads what was sent, and its reading is not changed by the other's.
    seen = api.as_(people.worker_c).get(f"/api/v1/notifications/{notice.uid}/").json()
    assert (seen["title"], seen["kind"]) == ("流动人口孕检结果通报", "health.checkup_result")
    notice.refresh_from_db()
    assert notice.title == "流动人口孕检结果通报"
