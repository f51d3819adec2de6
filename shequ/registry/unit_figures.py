"""The registry's counts per unit for the organisation tree page and its export.

A unit's subtree is every code starting with its prefix, and the units of one level have
prefixes of one length; so one GROUP BY on the first N characters of the unit code counts
the records below every unit of that level at once (a query per kind of record and per
prefix length, never per unit).
"""

from collections.abc import Sequence
from urllib.parse import urlencode

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Substr
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.org.models import OrgUnit
from shequ.org.scoping import scoped, subtree_q
from shequ.org.selectors import UnitFigure
from shequ.registry.models import (
    ACTIVE_MIGRANTS,
    Building,
    Household,
    PendingDeparture,
    Person,
    PersonStatus,
    PopulationType,
)
from shequ.registry.rules import eight_clear_rate, month_start


def _grouped(
    queryset: QuerySet, lengths: set[int], field: str = "unit_id", **counts
) -> dict[str, dict[str, int]]:
    """``{name: {prefix: count}}`` for each conditional count, grouped by unit-code prefix.

    One GROUP BY on the longest prefix; the shorter ones (the page's own unit) are sums of
    its groups, added up here rather than counted again."""
    result: dict[str, dict[str, int]] = {name: {} for name in counts}
    longest = max(lengths)
    rows = (
        queryset.order_by()
        .annotate(unit_prefix=Substr(field, 1, longest))
        .values("unit_prefix")
        .annotate(**counts)
    )
    for row in rows:
        prefix = row["unit_prefix"] or ""
        for length in lengths:
            key = prefix[:length]
            for name in counts:
                result[name][key] = result[name].get(key, 0) + row[name]
    return result


def _list_url(name: str, **params: str):
    def url(code: str) -> str:
        return reverse(name) + "?" + urlencode({"unit": code, **params})

    return url


def registry_unit_figures(user, within: OrgUnit, units: Sequence[OrgUnit]) -> list[UnitFigure]:
    """Active persons, inflow migrants, active homes and buildings below each unit."""
    lengths = {len(unit.prefix) for unit in units}
    if not lengths:
        return []
    below = subtree_q("unit_id", within.code)
    # Counts of a column of the index (the unit code, never empty) so that each is read from
    # an index alone: person_unit_type; person_migrant_checks for the migrants' figures.
    persons = _grouped(
        scoped(Person.objects.filter(below, status=PersonStatus.ACTIVE), user),
        lengths,
        active=Count("unit"),
        inflow=Count("unit", filter=Q(population_type=PopulationType.INFLOW)),
    )
    homes = _grouped(
        scoped(Household.objects.filter(below, is_active=True), user), lengths, n=Count("*")
    )
    buildings = _grouped(
        scoped(Building.objects.filter(below, is_active=True), user), lengths, n=Count("*")
    )
    persons_url = _list_url("registry:person_list")
    buildings_url = _list_url("registry:building_list")
    return [
        UnitFigure("persons", _("在册人员"), persons["active"], persons_url, _("人员名单")),
        UnitFigure(
            "inflow",
            _("流入人口"),
            persons["inflow"],
            _list_url("registry:person_list", population_type=PopulationType.INFLOW),
        ),
        UnitFigure("households", _("住户"), homes["n"], buildings_url),
        UnitFigure("buildings", _("楼栋"), buildings["n"], buildings_url, _("楼栋名单")),
    ]


def registry_check_figures(user, within: OrgUnit, units: Sequence[OrgUnit]) -> list[UnitFigure]:
    """The checks' figures below each unit: 八个清楚 complete among the migrants (a rate in
    whole %), migrants without a 每月一查 this month, pending departures (人不在). Two
    queries, each answered from an index alone (person_migrant_checks, pending_unit_status)."""
    lengths = {len(unit.prefix) for unit in units}
    if not lengths:
        return []
    below = subtree_q("unit_id", within.code)
    since = month_start(timezone.localdate())
    migrants = _grouped(
        scoped(Person.objects.filter(below, ACTIVE_MIGRANTS), user),
        lengths,
        total=Count("unit"),
        complete=Count("unit", filter=Q(eight_clear_missing="")),
        overdue=Count(
            "unit", filter=Q(last_monthly_check__isnull=True) | Q(last_monthly_check__lt=since)
        ),
    )
    pending = _grouped(
        scoped(
            PendingDeparture.objects.filter(
                subtree_q("unit_code", within.code), status=PendingDeparture.Status.OPEN
            ),
            user,
        ),
        lengths,
        "unit_code",
        n=Count("*"),
    )
    rate = {
        prefix: eight_clear_rate(migrants["complete"].get(prefix, 0), count)
        for prefix, count in migrants["total"].items()
    }
    return [
        UnitFigure(
            "eight_clear_rate",
            _("八个清楚齐全率%"),
            rate,
            _list_url("registry:person_list", eight_clear="incomplete"),
        ),
        UnitFigure(
            "overdue_monthly",
            _("本月未查"),
            migrants["overdue"],
            _list_url("registry:person_list", overdue="monthly"),
        ),
        UnitFigure(
            "pending_departures", _("待注销"), pending["n"], _list_url("registry:pending_list")
        ),
    ]
