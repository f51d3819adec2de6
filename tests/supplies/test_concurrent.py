"""Two dispensings of the last box at the same moment, each on its own connection (issue 19):
the balance row's lock makes the second wait for the first, then find nothing left and be
told so; the balance never goes below zero. Commits for real (``transaction=True``)."""

import datetime
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from shequ.supplies import selectors, services
from shequ.supplies.models import Balance, Dispensing, Location
from tests.factories import make_building, make_household, make_person

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="two connections at once: SQLite's shared in-memory test database locks",
    ),
]


def test_two_dispensings_of_the_last_box_one_wins_the_other_is_told(divisions, tree, people):
    services.defaults_ensure()
    from shequ.supplies.models import Item

    condom = Item.objects.get(code="condom-male")
    room = services.location_create(
        actor=None,
        unit_code=tree.community_a.code,
        name="丽景社区服务室",
        kind=Location.Kind.SERVICE_ROOM,
    )
    home = make_household(make_building(tree.grid_a1))
    persons = [make_person(home, name="甲"), make_person(home, name="乙", sex="M")]
    for round_ in range(5):
        services.stock_receive(
            actor=None,
            location=room,
            item=condom,
            lot_number=f"LAST-{round_}",
            expiry=datetime.date(2030, 1, 1),
            quantity=1,
        )
        outcomes = [""] * 2
        ready = threading.Barrier(2)

        def give(i: int, ready=ready, outcomes=outcomes) -> None:
            try:
                ready.wait()
                try:
                    services.dispense(
                        actor=people.worker_a, location=room, person=persons[i], item=condom,
                        quantity=1,
                    )  # fmt: skip
                    outcomes[i] = "given"
                except ValidationError as exc:
                    outcomes[i] = " ".join(exc.messages)
            finally:
                connection.close()

        threads = [threading.Thread(target=give, args=(i,)) for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(outcomes)[0] == "given", outcomes
        assert "可用库存不足" in sorted(outcomes)[1], outcomes
        assert selectors.stock_level(room, condom) == {"total": 0, "usable": 0}
    assert Dispensing.objects.count() == 5
    assert not Balance.objects.filter(quantity__lt=0).exists()
