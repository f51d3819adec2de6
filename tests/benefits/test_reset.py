"""A list stuck in "computing" (its job died) is reset by the street with a reason, through
the API and the page: it becomes "failed" with the reason in its history and the change log,
and is computed again; a job that still finishes afterwards drops its result."""

import pytest

from shequ.benefits import services
from shequ.benefits.models import BenefitList, BenefitRow
from shequ.org.models import AuditEvent
from shequ.org.roles import Role
from tests.benefits.conftest import YEAR
from tests.benefits.test_lists import families  # noqa: F401  (the fixture)
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def _stuck(people, tree):
    """A list started whose job never ran (a worker killed before it picked it up)."""
    return services.benefit_list_start(
        actor=people.street, unit=tree.street, programme="reward_assistance", year=YEAR
    )


def test_a_stuck_list_is_reset_with_a_reason_and_computed_again(families, people, tree, api):  # noqa: F811
    benefit_list = _stuck(people, tree)
    assert benefit_list.state == "computing"
    api.as_(people.street)
    path = f"/api/v1/benefits/{benefit_list.uid}/reset/"
    assert "reason" in api.post(path, {}, format="json").json()
    answer = api.post(path, {"reason": "任务进程重启，计算中断"}, format="json")
    assert answer.status_code == 200, answer.content
    assert answer.json()["state"] == "failed"
    benefit_list.refresh_from_db()
    assert benefit_list.message == "任务进程重启，计算中断"
    assert benefit_list.history.first().history_change_reason == "任务进程重启，计算中断"
    event = AuditEvent.objects.get(action="benefits.list_reset")
    assert event.reason == "任务进程重启，计算中断"
    again = api.post("/api/v1/benefits/", {"programme": "reward_assistance", "year": YEAR})
    assert again.status_code == 202, again.content
    assert again.json()["state"] == "computed"
    assert BenefitRow.objects.filter(benefit_list=benefit_list).count() == 4


def test_only_a_list_in_computation_is_reset(families, people, api):  # noqa: F811
    api.as_(people.street)
    made = api.post("/api/v1/benefits/", {"programme": "reward_assistance", "year": YEAR})
    assert made.json()["state"] == "computed"
    refused = api.post(f"/api/v1/benefits/{made.json()['id']}/reset/", {"reason": "误操作"})
    assert refused.status_code == 400
    assert "不在计算中" in refused.content.decode()


def test_only_the_street_resets_and_another_street_does_not_find_it(people, tree, api):
    benefit_list = _stuck(people, tree)
    path = f"/api/v1/benefits/{benefit_list.uid}/reset/"
    api.as_(people.worker_a)
    assert api.post(path, {"reason": "试试"}, format="json").status_code == 403
    api.as_(make_user("street_k", Role.STREET, tree.other_street))
    assert api.post(path, {"reason": "试试"}, format="json").status_code == 404
    benefit_list.refresh_from_db()
    assert benefit_list.state == "computing"


def test_a_job_that_finishes_after_the_reset_drops_its_result(families, people, tree):  # noqa: F811
    benefit_list = _stuck(people, tree)
    running = BenefitList.objects.get(pk=benefit_list.pk)  # what the job holds
    services.benefit_list_reset(actor=people.street, benefit_list=benefit_list, reason="卡住了")
    services.benefit_list_compute(running)
    benefit_list.refresh_from_db()
    assert benefit_list.state == "failed"
    assert not BenefitRow.objects.filter(benefit_list=benefit_list).exists()


def test_the_page_asks_for_the_reason_then_resets(people, tree, web):
    benefit_list = _stuck(people, tree)
    street = web.as_(people.street)
    detail = street.get(f"/benefits/{benefit_list.uid}/").content.decode()
    assert 'data-testid="reset"' in detail
    path = f"/benefits/{benefit_list.uid}/reset/"
    assert "0 / 0" in street.get(path).content.decode()  # what the list shows so far
    assert street.post(path, {"reason": ""}).status_code == 200  # asked again
    assert street.post(path, {"reason": "服务器重启"}).status_code == 302
    benefit_list.refresh_from_db()
    assert benefit_list.state == "failed"
    page = street.get(f"/benefits/{benefit_list.uid}/").content.decode()
    assert "服务器重启" in page and 'data-testid="recompute"' in page
    assert web.as_(people.worker_a).get(path).status_code == 403
