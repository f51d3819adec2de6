"""Two connections editing the same person at the same moment (issue 14, item 7): the row
lock makes the second wait for the first, then find the version moved on. These tests
commit for real (``transaction=True``)."""

import threading

import pytest
from django.db import connection

from shequ.core.versions import EditConflict
from shequ.registry import services
from shequ.registry.models import Person
from tests.factories import make_building, make_household, make_person

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="two connections at once: SQLite's shared in-memory test database locks",
    ),
]


def _edit_at_once(person_pk: int, actor, changes: list[dict]) -> list[str]:
    """Each change sent by its own connection, all based on the version they read, released
    together; returns each one's outcome ("saved" or "conflict")."""
    outcomes = [""] * len(changes)
    ready = threading.Barrier(len(changes))

    def writer(i: int) -> None:
        try:
            based_on = Person.objects.select_related("household").get(pk=person_pk)
            form = {"phone": based_on.phone, "employer_name": based_on.employer_name}
            ready.wait()
            try:
                services.person_update(
                    actor=actor, person=based_on, values={**form, **changes[i]},
                    reason="入户核实", version=based_on.version,
                )  # fmt: skip
                outcomes[i] = "saved"
            except EditConflict:
                outcomes[i] = "conflict"
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(len(changes))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_two_connections_editing_at_once_one_saves_and_the_other_is_told(divisions, tree, people):
    person = make_person(make_household(make_building(tree.grid_a1)), phone="")
    for round_ in range(10):
        phone, employer = f"1391234{round_:04d}", f"单位{round_}"
        outcomes = _edit_at_once(
            person.pk, people.worker_a, [{"phone": phone}, {"employer_name": employer}]
        )
        assert sorted(outcomes) == ["conflict", "saved"], round_
        stored = Person.objects.get(pk=person.pk)
        assert stored.version == round_ + 2
        if outcomes[0] == "saved":
            assert stored.phone == phone and stored.employer_name != employer
        else:
            assert stored.employer_name == employer and stored.phone != phone
