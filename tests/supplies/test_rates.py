"""The report's rates: the supply rate counted in the database by the method's blind index,
and the follow-up rates, all and the key groups', against their targets."""

import datetime

import pytest
from django.utils import timezone

from shequ.duework import services as duework
from shequ.duework.models import Task
from shequ.supplies import selectors, services
from tests.factories import HEFEI_YAOHAI, make_building, make_household, make_person

pytestmark = pytest.mark.django_db


def _report(web, user, unit, since, until) -> str:
    answer = web.as_(user).get("/supplies/report/", {"unit": unit, "since": since, "until": until})
    assert answer.status_code == 200
    return answer.content.decode()


def test_the_supply_rate_counts_users_of_supplied_methods_in_one_query(
    web, people, stores, tree, django_assert_max_num_queries
):
    home = make_household(make_building(tree.grid_a1))
    given = make_person(home, name="用套已领", contraception="condom")
    make_person(home, name="用药未领", contraception="oral_pill")
    make_person(home, name="上环", contraception="iud")  # not a supplied method
    make_person(home, name="无措施")
    elsewhere = make_person(make_household(make_building(tree.grid_b1)), contraception="condom")
    services.dispense(
        actor=None, location=stores.room, person=given, item=stores.condom, quantity=5
    )
    today = timezone.localdate()
    since = today - datetime.timedelta(days=30)
    selectors.supply_rates(people.worker_a, "340603020001", since, today)  # the jurisdiction
    with django_assert_max_num_queries(1):  # then one aggregate, whatever the unit's size
        rates = selectors.supply_rates(people.worker_a, "340603020001", since, today)
    assert (rates.users, rates.supplied, rates.supply_rate) == (2, 1, 50.0)
    street = selectors.supply_rates(people.street, "340603020000", since, today)
    assert (street.users, street.supplied) == (3, 1)
    assert elsewhere.contraception == "condom"
    page = _report(web, people.worker_a, "340603020001", since, today)
    assert "50.0%" in page and "1 / 2 名使用者" in page


def test_the_key_groups_follow_up_rate_has_its_own_target(web, people, tree):
    home = make_household(make_building(tree.grid_a1))
    migrant = make_person(home, name="流入随访", hukou_division=HEFEI_YAOHAI)
    newly_wed = make_person(
        home,
        name="新婚随访",
        marital_status="married",
        marriage_date=timezone.localdate() - datetime.timedelta(days=100),
    )
    resident = make_person(home, name="常住随访")
    due = timezone.localdate() - datetime.timedelta(days=5)
    tasks = {
        person.name: duework.ensure_task(
            kind="supplies.follow_up",
            source_key=f"supplies.follow_up:{person.uid}",
            title="随访",
            unit_code="340603020001",
            due_date=due,
            person=person,
        )
        for person in (migrant, newly_wed, resident)
    }
    done = [tasks["新婚随访"], tasks["常住随访"]]
    Task.objects.filter(pk__in=[t.pk for t in done]).update(state=Task.State.DONE)
    since, until = due - datetime.timedelta(days=30), timezone.localdate()
    rates = selectors.unit_rates(people.worker_a, "340603020001", since, until)
    assert (rates.follow_up_done, rates.follow_up_due) == (2, 3)
    assert (rates.key_group_done, rates.key_group_due) == (1, 2)
    assert (rates.follow_up_met, rates.key_group_met) == (False, False)
    page = _report(web, people.worker_a, "340603020001", since, until)
    assert "重点人群随访率（目标 100%）" in page and "1 / 2 次到期随访" in page
    assert page.count('data-testid="not-met"') == 2
    Task.objects.filter(pk=tasks["流入随访"].pk).update(state=Task.State.DONE)
    rates = selectors.unit_rates(people.worker_a, "340603020001", since, until)
    assert (rates.follow_up_met, rates.key_group_met) == (True, True)


def test_a_rate_is_met_on_the_counts_not_the_rounded_figure():
    from shequ.supplies import rules

    assert rules.rate(2999, 3000) == 100.0
    assert rules.met(2999, 3000, 100.0) is False
    assert rules.met(98, 100, 98.0) is True
    assert rules.met(0, 0, 98.0) is None


def test_the_report_through_the_api(api, people, stores, tree):
    home = make_household(make_building(tree.grid_a1))
    user_ = make_person(home, name="接口用户", contraception="condom")
    services.dispense(
        actor=None, location=stores.room, person=user_, item=stores.condom, quantity=5
    )
    today = timezone.localdate()
    query = {"unit": "340603020001", "since": today - datetime.timedelta(days=60), "until": today}
    answer = api.as_(people.worker_a).get("/api/v1/stock-reports/", query)
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["supply_rate"] == {
        "numerator": 1, "denominator": 1, "value": 100.0, "target": None, "met": None
    }  # fmt: skip
    assert body["key_group_follow_up_rate"]["target"] == 100.0
    room = {(r["location"], r["item"]): r for r in body["rows"]}[("丽景社区服务室", "男用避孕套")]
    assert (room["received"], room["given"], room["balance"]) == (150, 5, 145)
    outside = api.as_(people.worker_c).get("/api/v1/stock-reports/", query)
    assert outside.status_code == 404
    backwards = api.as_(people.worker_a).get(
        "/api/v1/stock-reports/", {**query, "since": today, "until": today - datetime.timedelta(1)}
    )
    assert backwards.status_code == 400 and "until" in backwards.json()
