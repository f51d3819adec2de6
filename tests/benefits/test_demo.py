"""The benefits' demo: last year's lists confirmed with payments, this year's computed —
through the same eligibility the pages use, so the demo's rows are what it answers now."""

import io
from collections.abc import Iterator

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from shequ.benefits.eligibility import eligibility
from shequ.benefits.models import BenefitList, Payment

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker) -> Iterator[str]:
    """One load for the module (its tests only read it), rolled back after it."""
    # DEBUG=1: the demo loads only so.
    with django_db_blocker.unblock(), override_settings(DEBUG=True), transaction.atomic():
        out = io.StringIO()
        call_command("demo", "--persons", "3000", "--seed", "5", stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


def test_the_demo_has_a_confirmed_year_with_payments_and_this_years_lists(demo):
    year = timezone.localdate().year
    lists = {(b.year, b.programme): b for b in BenefitList.objects.all()}
    assert lists[(year - 1, "reward_assistance")].state == "confirmed"
    assert lists[(year - 1, "special_assistance")].state == "confirmed"
    assert lists[(year - 1, "reward_assistance")].published
    for programme in ("reward_assistance", "special_assistance", "only_child_reward"):
        assert lists[(year, programme)].state == "computed"
    confirmed = lists[(year - 1, "reward_assistance")]
    states = set(Payment.objects.filter(benefit_list=confirmed).values_list("state", flat=True))
    if confirmed.eligible_count >= 3:
        assert {"paid", "failed", "returned"} <= states
    assert "benefits:" in demo


def test_the_demo_rows_are_what_eligibility_answers(demo):
    year = timezone.localdate().year
    benefit_list = BenefitList.objects.get(year=year, programme="only_child_reward")
    found = eligibility(unit=benefit_list.unit, year=year, programme="only_child_reward")
    rows = dict(benefit_list.rows.values_list("person_id", "outcome"))
    assert rows == {a.person["id"]: a.result.outcome for a in found.answers}
    assert benefit_list.eligible_count == sum(1 for o in rows.values() if o == "eligible")
