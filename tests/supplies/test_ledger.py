"""The ledger through the services: FEFO, nothing expired or recalled given out, balances
never negative, requisitions down the tree, counts with variance, write-offs with reason."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from shequ.supplies import selectors, services
from shequ.supplies.models import Balance, Movement, MovementKind, Requisition
from tests.factories import make_building, make_household, make_person

pytestmark = pytest.mark.django_db


def _woman(tree):
    return make_person(make_household(make_building(tree.grid_a1)), name="领药人")


def test_receipts_set_the_balance_and_the_ledger_agrees(stores):
    level = selectors.stock_level(stores.room, stores.condom)
    assert level == {"total": 150, "usable": 150}
    for row in selectors.reconciliation(stores.room):
        assert row.agree, row


def test_dispensing_takes_the_lot_that_expires_first(stores, tree, people):
    person = _woman(tree)
    done = services.dispense(
        actor=people.worker_a,
        location=stores.room,
        person=person,
        item=stores.condom,
        quantity=60,
    )
    assert [(m.lot.number, m.quantity) for m in done.movements] == [
        ("C-EARLY", -50),
        ("C-LATE", -10),
    ]
    assert Balance.objects.get(location=stores.room, lot=stores.condom_early).quantity == 0
    assert done.dispensing.person_id == person.pk


def test_nothing_expired_or_recalled_is_dispensed(stores, tree, people):
    person = _woman(tree)
    stores.condom_early.expiry = timezone.localdate() - datetime.timedelta(days=1)
    stores.condom_early.save()
    services.lot_recall(actor=people.worker_a, lot=stores.condom_late, reason="质量问题")
    with pytest.raises(ValidationError, match="可用库存不足"):
        services.dispense(
            actor=people.worker_a,
            location=stores.room,
            person=person,
            item=stores.condom,
            quantity=1,
        )
    with pytest.raises(ValidationError, match="已过期"):
        services.dispense(
            actor=people.worker_a,
            location=stores.room,
            person=person,
            item=stores.condom,
            quantity=1,
            lot=stores.condom_early,
        )
    assert selectors.stock_level(stores.room, stores.condom) == {"total": 150, "usable": 0}


def test_the_database_refuses_a_negative_balance(stores):
    row = Balance.objects.get(location=stores.room, lot=stores.condom_early)
    with pytest.raises(IntegrityError), transaction.atomic():
        Balance.objects.filter(pk=row.pk).update(quantity=-1)


def test_more_than_the_stock_is_refused_and_nothing_written(stores, people):
    before = Movement.objects.count()
    with pytest.raises(ValidationError, match="库存不足"):
        services.stock_write_off(
            actor=people.worker_a,
            location=stores.room,
            lot=stores.condom_early,
            quantity=51,
            reason="破损",
        )
    with pytest.raises(ValidationError, match="可用库存不足"):
        services.machine_refill(
            actor=people.worker_a,
            machine=stores.machine,
            source=stores.room,
            item=stores.condom,
            quantity=151,
        )
    assert Movement.objects.count() == before


def test_dispensing_needs_the_right_and_the_jurisdiction(stores, tree, people):
    person = _woman(tree)
    with pytest.raises(PermissionDenied):
        services.dispense(
            actor=people.worker_c,
            location=stores.room,
            person=person,
            item=stores.condom,
            quantity=1,
        )
    people.worker_a.data_rights = []
    people.worker_a.save()
    with pytest.raises(PermissionDenied):
        services.dispense(
            actor=people.worker_a,
            location=stores.room,
            person=person,
            item=stores.condom,
            quantity=1,
        )


def test_the_first_pill_is_given_by_a_clinician(stores, tree, people):
    person = _woman(tree)
    with pytest.raises(ValidationError, match="医务人员"):
        services.dispense(
            actor=people.worker_a, location=stores.room, person=person, item=stores.pill, quantity=1
        )
    services.dispense(
        actor=people.provider, location=stores.room, person=person, item=stores.pill, quantity=1
    )
    services.dispense(
        actor=people.worker_a, location=stores.room, person=person, item=stores.pill, quantity=1
    )


def test_the_fact_is_updated_only_with_consent(stores, tree, people):
    person = _woman(tree)
    person.contraception = ""
    person.save()
    services.dispense(
        actor=people.worker_a, location=stores.room, person=person, item=stores.condom, quantity=10
    )
    person.refresh_from_db()
    assert person.contraception == ""
    done = services.dispense(
        actor=people.worker_a,
        location=stores.room,
        person=person,
        item=stores.condom,
        quantity=10,
        update_fact=True,
    )
    person.refresh_from_db()
    assert person.contraception == "condom" and done.fact_updated
    assert person.history.first().history_change_reason.startswith("本人同意")


def test_anonymous_pickups_at_a_machine_are_a_count(stores, people):
    services.machine_refill(
        actor=people.worker_a,
        machine=stores.machine,
        source=stores.room,
        item=stores.condom,
        quantity=40,
    )
    assert selectors.stock_level(stores.machine, stores.condom)["total"] == 40
    services.anonymous_pickup(
        actor=people.worker_a, location=stores.machine, item=stores.condom, quantity=3
    )
    assert selectors.stock_level(stores.machine, stores.condom)["total"] == 37
    assert Movement.objects.filter(kind=MovementKind.PICKUP).count() == 1


def test_a_requisition_goes_down_the_tree(stores, tree, people):
    street_keeper = people.street
    req = services.requisition_submit(
        actor=street_keeper, location=stores.street, lines={stores.pill: 200}
    )
    with pytest.raises(PermissionDenied):  # the street cannot approve what it asked for
        services.requisition_decide(actor=street_keeper, requisition=req, approve=True)
    services.requisition_decide(
        actor=people.district, requisition=req, approve=True, approved={stores.pill.pk: 150}
    )
    with pytest.raises(ValidationError, match="当前状态"):
        services.requisition_receive(actor=street_keeper, requisition=req)
    services.requisition_send(actor=people.district, requisition=req)
    assert selectors.stock_level(stores.district, stores.pill)["total"] == 850
    services.requisition_receive(actor=street_keeper, requisition=req)
    req.refresh_from_db()
    assert req.status == Requisition.Status.RECEIVED
    assert selectors.stock_level(stores.street, stores.pill)["total"] == 150


def test_a_count_books_the_variance_with_its_explanation(stores, people):
    lot = stores.condom_late
    with pytest.raises(ValidationError, match="请说明原因"):
        services.stock_count(
            actor=people.worker_a, location=stores.room, lines=[services.Counted(lot, 97)]
        )
    count = services.stock_count(
        actor=people.worker_a,
        location=stores.room,
        lines=[services.Counted(lot, 97, "包装破损未登记")],
    )
    line = count.lines.get()
    assert (line.booked, line.counted, line.variance) == (100, 97, -3)
    assert Balance.objects.get(location=stores.room, lot=lot).quantity == 97
    rows = {r.lot: r for r in selectors.reconciliation(stores.room)}
    assert rows["C-LATE"].agree and rows["C-LATE"].counted == 97


def test_a_write_off_needs_a_reason(stores, people):
    with pytest.raises(ValidationError):
        services.stock_write_off(
            actor=people.worker_a,
            location=stores.room,
            lot=stores.condom_early,
            quantity=5,
            reason=" ",
        )
    services.stock_write_off(
        actor=people.worker_a,
        location=stores.room,
        lot=stores.condom_early,
        quantity=5,
        reason="过期",
    )
    assert selectors.stock_level(stores.room, stores.condom)["total"] == 145


def test_caps_from_the_rulebook_are_checked_with_a_clear_message(stores, tree, people):
    person = _woman(tree)
    services.stock_receive(
        actor=None,
        location=stores.room,
        item=stores.condom,
        lot_number="C-MORE",
        expiry=datetime.date(2030, 1, 1),
        quantity=200,
    )
    services.dispense(
        actor=people.worker_a, location=stores.room, person=person, item=stores.condom, quantity=100
    )
    with pytest.raises(ValidationError, match=r"超过年度限量.*120.*已领 100.*还可领 20"):
        services.dispense(
            actor=people.worker_a,
            location=stores.room,
            person=person,
            item=stores.condom,
            quantity=30,
        )
    services.dispense(
        actor=people.worker_a, location=stores.room, person=person, item=stores.condom, quantity=20
    )


def test_a_regional_rule_overrides_the_city_default(stores, tree, people):
    from shequ.rulebook import services as rulebook_services

    rulebook_services.setting_create(
        actor=None,
        programme="supplies",
        key="limits.condom_male",
        value={"per_year": 10, "min_days": 30},
        region_prefix=tree.community_a.prefix,
        valid_from=datetime.date(2020, 1, 1),
        reason="本社区试点",
    )
    person = _woman(tree)
    with pytest.raises(ValidationError, match="最多 10"):
        services.dispense(
            actor=people.worker_a,
            location=stores.room,
            person=person,
            item=stores.condom,
            quantity=11,
        )
    services.dispense(
        actor=people.worker_a, location=stores.room, person=person, item=stores.condom, quantity=5
    )
    with pytest.raises(ValidationError, match="不足 30 天"):
        services.dispense(
            actor=people.worker_a,
            location=stores.room,
            person=person,
            item=stores.condom,
            quantity=1,
        )


def test_named_pill_users_get_a_follow_up_task_condom_users_not(stores, tree, people):
    from shequ.duework.models import Task

    person = _woman(tree)
    services.dispense(
        actor=people.worker_a, location=stores.room, person=person, item=stores.condom, quantity=5
    )
    assert not Task.objects.filter(person=person).exists()
    done = services.dispense(
        actor=people.provider, location=stores.room, person=person, item=stores.pill, quantity=1
    )
    task = Task.objects.get(person=person)
    assert task.kind == "supplies.follow_up"
    assert task.due_date == done.dispensing.day + datetime.timedelta(days=90)
    services.dispense(
        actor=people.worker_a, location=stores.room, person=person, item=stores.pill, quantity=1
    )
    assert Task.objects.filter(person=person).count() == 1  # the same month's follow-up
