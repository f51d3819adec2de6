"""Property (hypothesis): after any sequence of receipts, dispensings, pick-ups, refills,
transfers, write-offs and counts — refused ones included — every balance equals the sum of
its movements and the balance of its last movement, each entry's balance is the running
sum, and none is negative (总帐 and 分帐 agree by construction)."""

import contextlib
import datetime
from collections import defaultdict

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shequ.supplies import services
from shequ.supplies.models import Balance, Lot, Movement
from tests.factories import make_building, make_household, make_person

pytestmark = pytest.mark.django_db

OPERATIONS = ["receive", "dispense", "pickup", "refill", "requisition", "write_off", "count"]

steps = st.lists(
    st.tuples(
        st.sampled_from(OPERATIONS),
        st.integers(min_value=1, max_value=60),
        st.integers(min_value=0, max_value=2),  # which lot (expiry) or item
    ),
    max_size=30,
)


def _apply(stores, person, actor, op: str, n: int, which: int) -> None:
    items = [stores.condom, stores.pill, stores.condom]
    item = items[which]
    expiry = datetime.date(2028 + which, 1, 1)
    if op == "receive":
        where = [stores.room, stores.street, stores.district][which]
        services.stock_receive(
            actor=None,
            location=where,
            item=item,
            lot_number=f"H-{item.code}-{which}",
            expiry=expiry,
            quantity=n,
        )
    elif op == "dispense":
        services.dispense(actor=None, location=stores.room, person=person, item=item, quantity=n)
    elif op == "pickup":
        services.anonymous_pickup(
            actor=None, location=stores.machine, item=stores.condom, quantity=n
        )
    elif op == "refill":
        services.machine_refill(
            actor=None, machine=stores.machine, source=stores.room, item=stores.condom, quantity=n
        )
    elif op == "requisition":
        req = services.requisition_submit(actor=None, location=stores.street, lines={item: n})
        services.requisition_decide(actor=None, requisition=req, approve=True)
        services.requisition_send(actor=None, requisition=req)
        services.requisition_receive(actor=None, requisition=req)
    elif op == "write_off":
        lot = Lot.objects.filter(item=item).order_by("-id").first()
        if lot is not None:
            services.stock_write_off(
                actor=None, location=stores.room, lot=lot, quantity=n, reason="破损"
            )
    elif op == "count":
        lots = list(Balance.objects.filter(location=stores.room).select_related("lot", "item"))
        if lots:
            services.stock_count(
                actor=None, location=stores.room,
                lines=[services.Counted(b.lot, max(b.quantity - n % 3, 0), "盘亏") for b in lots],
            )  # fmt: skip


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(sequence=steps)
def test_balances_equal_the_sum_of_movements(stores, tree, sequence):
    with transaction.atomic():
        person = make_person(make_household(make_building(tree.grid_a1, "属性楼")))
        for op, n, which in sequence:
            # Refused (no stock, a cap): nothing of it may stay written.
            with contextlib.suppress(ValidationError):
                _apply(stores, person, None, op, n, which)
        running: dict[tuple[int, int], int] = defaultdict(int)
        for m in Movement.objects.order_by("id"):
            running[(m.location_id, m.lot_id)] += m.quantity
            assert m.balance == running[(m.location_id, m.lot_id)] >= 0, m
        for b in Balance.objects.all():
            assert b.quantity == running[(b.location_id, b.lot_id)] >= 0
        assert len(running) == Balance.objects.count()
        transaction.set_rollback(True)
