"""Reads of checks: who is due a check, one person's checks, the checks, visits, pending
departures and quarterly reviews of a jurisdiction, and what is overdue per unit."""

import datetime
from typing import Any
from uuid import UUID

import django_filters
from django.db.models import (
    Count,
    Q,
    QuerySet,
)
from django.db.models.functions import Substr
from django.utils.translation import gettext_lazy as _

from shequ.org.models import OrgUnit, User
from shequ.org.roles import Level
from shequ.org.scoping import get_in_scope_or_404, scoped, subtree_q
from shequ.registry.models import (
    ACTIVE_MIGRANTS,
    Check,
    PendingDeparture,
    Person,
    PersonStatus,
    PopulationType,
    QuarterlyReview,
    Visit,
)
from shequ.registry.rules import (
    month_start,
    quarter_start,
)
from shequ.registry.selectors._filters import StrictFilterSet


def overdue_q(kind: str, today: datetime.date) -> Q:
    """每月一查 covers the floating population; 每季度一核对 every active person."""
    if kind == "monthly":
        since = month_start(today)
        return ACTIVE_MIGRANTS & (
            Q(last_monthly_check__isnull=True) | Q(last_monthly_check__lt=since)
        )
    since = quarter_start(today)
    return Q(status=PersonStatus.ACTIVE) & (
        Q(last_quarterly_verification__isnull=True) | Q(last_quarterly_verification__lt=since)
    )


def person_checks(person: Person) -> QuerySet[Check]:
    """The person's checks, newest first, with the visit (每月一查 of a home) each was on."""
    return person.checks.select_related("actor", "visit__household__building")


def person_last_check(person: Person) -> Check | None:
    """The check recorded last for the person (the answer to recording one)."""
    return person.checks.select_related("actor", "person").order_by("-id").first()


def _in_unit(queryset: QuerySet, unit: str | None, field: str = "unit_code") -> QuerySet:
    unit = (unit or "").strip()
    return queryset.filter(subtree_q(field, unit)) if unit else queryset


class CheckFilter(StrictFilterSet):
    """Filters of the checks list (page and API)."""

    kind = django_filters.ChoiceFilter(choices=Check.Kind.choices, label=_("类型"))
    result = django_filters.ChoiceFilter(choices=Check.Result.choices, label=_("结果"))
    unit = django_filters.CharFilter(method="filter_unit", label=_("单位代码（含下级）"))
    since = django_filters.DateFilter(field_name="date", lookup_expr="gte", label=_("起始日期"))
    until = django_filters.DateFilter(field_name="date", lookup_expr="lte", label=_("截止日期"))
    actor = django_filters.CharFilter(field_name="actor__username", label=_("核查人账号"))
    person = django_filters.UUIDFilter(field_name="person__uid", label=_("人员"))

    class Meta:
        model = Check
        fields = ["kind", "result", "unit", "since", "until", "actor", "person"]

    def filter_unit(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return _in_unit(queryset, value)


def checks_visible(user: User) -> QuerySet[Check]:
    return scoped(Check.objects.select_related("person", "actor", "visit__household"), user)


class VisitFilter(StrictFilterSet):
    unit = django_filters.CharFilter(method="filter_unit", label=_("单位代码（含下级）"))
    since = django_filters.DateFilter(field_name="date", lookup_expr="gte", label=_("起始日期"))
    until = django_filters.DateFilter(field_name="date", lookup_expr="lte", label=_("截止日期"))
    household = django_filters.UUIDFilter(field_name="household__uid", label=_("住户"))

    class Meta:
        model = Visit
        fields = ["unit", "since", "until", "household"]

    def filter_unit(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return _in_unit(queryset, value)


def visits_visible(user: User) -> QuerySet[Visit]:
    return scoped(
        Visit.objects.select_related("household__building", "actor").annotate(
            found=Count("checks", filter=~Q(checks__result=Check.Result.ABSENT)),
            absent=Count("checks", filter=Q(checks__result=Check.Result.ABSENT)),
        ),
        user,
    )


def visit_get(user: User, uid: UUID | str) -> Visit:
    return get_in_scope_or_404(visits_visible(user), user, uid=uid)


def visit_checks(visit: Visit) -> QuerySet[Check]:
    return visit.checks.select_related("person").order_by("person__name", "id")


class PendingDepartureFilter(StrictFilterSet):
    status = django_filters.ChoiceFilter(
        choices=PendingDeparture.Status.choices, label=_("状态"), empty_label=None
    )
    unit = django_filters.CharFilter(method="filter_unit", label=_("单位代码（含下级）"))

    class Meta:
        model = PendingDeparture
        fields = ["status", "unit"]

    def __init__(self, data: Any = None, *args: Any, **kwargs: Any) -> None:
        data = data.copy() if data is not None else {}
        if not data.get("status"):
            data["status"] = PendingDeparture.Status.OPEN
        super().__init__(data, *args, **kwargs)

    def filter_unit(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return _in_unit(queryset, value)


def pending_departures_visible(user: User) -> QuerySet[PendingDeparture]:
    return scoped(
        PendingDeparture.objects.select_related(
            "person", "check_row__actor", "check_row__visit__household__building", "resolved_by"
        ),
        user,
    )


def pending_departure_get(user: User, uid: UUID | str) -> PendingDeparture:
    return get_in_scope_or_404(pending_departures_visible(user), user, uid=uid)


def reviews_visible(user: User) -> QuerySet[QuarterlyReview]:
    return scoped(QuarterlyReview.objects.select_related("reviewer"), user)


def overdue_by_unit(user: User, within: OrgUnit, today: datetime.date) -> list[dict]:
    """每月一查 overdue and 人不在 pending per child unit of ``within`` (its grids or
    communities): two grouped queries whatever the number of units."""
    children = list(OrgUnit.objects.filter(parent=within, is_active=True).order_by("code"))
    if not children:
        return []
    lengths = {len(unit.prefix) for unit in children}
    below = subtree_q("unit_id", within.code)
    persons = scoped(Person.objects.filter(below), user)
    overdue: dict[str, int] = {}
    migrants: dict[str, int] = {}
    pending: dict[str, int] = {}
    for length in lengths:
        rows = (
            persons.filter(
                status=PersonStatus.ACTIVE,
                population_type__in=[PopulationType.INFLOW, PopulationType.OUTFLOW],
            )
            .order_by()
            .annotate(p=Substr("unit_id", 1, length))
            .values("p")
            .annotate(n=Count("pk"), late=Count("pk", filter=overdue_q("monthly", today)))
        )
        for row in rows:
            migrants[row["p"]] = row["n"]
            overdue[row["p"]] = row["late"]
        open_rows = (
            scoped(PendingDeparture.objects.filter(status=PendingDeparture.Status.OPEN), user)
            .filter(subtree_q("unit_code", within.code))
            .order_by()
            .annotate(p=Substr("unit_code", 1, length))
            .values("p")
            .annotate(n=Count("pk"))
        )
        for counted in open_rows:
            pending[counted["p"]] = counted["n"]
    return [
        {
            "unit": unit,
            "migrants": migrants.get(unit.prefix, 0),
            "overdue": overdue.get(unit.prefix, 0),
            "pending": pending.get(unit.prefix, 0),
        }
        for unit in children
    ]


def quarter_figures(street: OrgUnit, quarter: datetime.date) -> dict:
    """The figures a street reviews: per community, active persons and how many were
    verified this quarter (每季度一核对), and the monthly checks' 人不在 still open."""
    persons = (
        Person.objects.filter(subtree_q("unit_id", street.code), status=PersonStatus.ACTIVE)
        .order_by()
        .annotate(p=Substr("unit_id", 1, 12))
        .values("p")
        .annotate(
            active=Count("pk"),
            verified=Count("pk", filter=Q(last_quarterly_verification__gte=quarter)),
        )
    )
    names = dict(
        OrgUnit.objects.filter(subtree_q("code", street.code), level=Level.COMMUNITY).values_list(
            "code", "name"
        )
    )
    rows = [
        {
            "code": r["p"],
            "name": names.get(r["p"], r["p"]),
            "active": r["active"],
            "verified": r["verified"],
        }
        for r in sorted(persons, key=lambda r: r["p"])
    ]
    pending = PendingDeparture.objects.filter(
        subtree_q("unit_code", street.code), status=PendingDeparture.Status.OPEN
    ).count()
    return {
        "communities": rows,
        "active": sum(r["active"] for r in rows),
        "verified": sum(r["verified"] for r in rows),
        "pending_departures": pending,
    }
