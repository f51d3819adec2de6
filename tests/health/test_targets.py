"""The target list asks "no contraception" of the method's blind index: a woman who recorded
"none" is on it, counted in the month's figures, and no method is decrypted to decide it."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from shequ.health import selectors
from tests.factories import make_building, make_household, make_person

pytestmark = pytest.mark.django_db


def test_a_woman_who_recorded_no_method_is_a_target_found_by_the_blind_index(tree, women):
    home = make_household(make_building(tree.grid_a2), "301")
    make_person(
        home,
        name="戊无措施",
        marital_status="married",
        marriage_date=datetime.date(2012, 5, 1),
        contraception="none",
        birth_date=datetime.date(1992, 3, 1),
    )
    month = timezone.localdate()
    with CaptureQueriesContext(connection) as queries:
        names = {p.name for p in selectors.target_list(tree.community_a.prefix, month)}
    assert names == {"甲新婚", "乙流入", "戊无措施"}
    assert len(queries) == 2  # the rule's threshold, then the list: nothing read beforehand
    assert "contraception_digest" in queries[-1]["sql"]
    figures = selectors.report_figures(tree.community_a.prefix, month)
    assert figures["targets"] == 3 and figures["no_contraception"] == 2
