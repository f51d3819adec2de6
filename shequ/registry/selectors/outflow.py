"""Reads of the registration place (户籍地): its people living elsewhere in the deployment.

The community where a person is registered sees them, read-only, while the residence manages
them (居住地为主). The second scope is ``org.scoping.registered_elsewhere``; everything here
is a read; the one write that takes a person found here is the registration place's own act,
the 流出 (``person_for_outflow``; the service checks who may).
"""

from typing import Any
from uuid import UUID

import django_filters
from django.core.exceptions import ValidationError
from django.db.models import Count, QuerySet
from django.db.models.functions import Substr
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from shequ.org.models import Division, User
from shequ.org.scoping import code_in_scope, registered_elsewhere, scoped, subtree_q
from shequ.registry.models import (
    AWAY_FROM_HUKOU,
    Person,
    PersonStatus,
    PopulationType,
    Sex,
)
from shequ.registry.selectors._filters import StrictFilterSet
from shequ.registry.selectors.people import person_get, person_search_q


def outflow_persons(user: User) -> QuerySet[Person]:
    """户在人不在: active persons registered in the user's jurisdiction who live outside it,
    elsewhere in the deployment (read from the partial index ``person_hukou_away``)."""
    persons = Person.objects.filter(AWAY_FROM_HUKOU, status=PersonStatus.ACTIVE).select_related(
        "unit", "hukou_division", "household__building"
    )
    return registered_elsewhere(persons, user)


def outflow_person_get(user: User, uid: UUID | str) -> Person:
    """One person of the user's outflow, or 404 (missing, or not registered here)."""
    try:
        return outflow_persons(user).get(uid=uid)
    except (Person.DoesNotExist, ValueError, ValidationError) as exc:
        raise Http404 from exc


class OutflowFilter(StrictFilterSet):
    """Search and filters of the outflow list (page, export and API)."""

    search = django_filters.CharFilter(method="filter_search", label=_("姓名/拼音/身份证号开头"))
    hukou = django_filters.CharFilter(method="filter_hukou", label=_("户籍地代码（含下级）"))
    residence = django_filters.CharFilter(
        method="filter_residence", label=_("现居住单位代码（含下级）")
    )
    population_type = django_filters.ChoiceFilter(
        choices=PopulationType.choices, label=_("人口类型")
    )
    sex = django_filters.ChoiceFilter(choices=Sex.choices, label=_("性别"))

    class Meta:
        model = Person
        fields = ["search", "hukou", "residence", "population_type", "sex"]

    def filter_search(self, queryset: QuerySet[Person], name: str, value: str) -> QuerySet[Person]:
        return queryset.filter(person_search_q(value))

    def filter_hukou(self, queryset: QuerySet[Person], name: str, value: str) -> QuerySet[Person]:
        return queryset.filter(subtree_q("hukou_division_id", value.strip()))

    def filter_residence(
        self, queryset: QuerySet[Person], name: str, value: str
    ) -> QuerySet[Person]:
        return queryset.filter(subtree_q("unit_id", value.strip()))


def outflow_ordered(persons: QuerySet[Person]) -> QuerySet[Person]:
    """By 户籍地, then the unit lived in, then name: the order of the partial index
    ``person_hukou_away`` (its status column is fixed by the filter), so a page is a walk of
    that index that stops at its 50 rows. By name alone, PostgreSQL read a district's whole
    outflow and sorted it (14,000 people at 1,000,000 persons: 25-33 ms a page against
    5 ms; docs/benchmarks.md), or, offered a name index, walked past everyone else. Grouped
    this way a registration place reads its people by where they are registered and where
    they live now, the two columns the list shows."""
    return persons.order_by("hukou_division_id", "unit_id", "name", "id")


def outflow_filtered(
    user: User, data: Any, request: Any = None
) -> tuple[OutflowFilter, QuerySet[Person]]:
    filterset = OutflowFilter(data, queryset=outflow_persons(user), request=request)
    return filterset, outflow_ordered(filterset.qs)


def migrants_by_registration_place(
    user: User, unit_code: str | None = None, limit: int = 20
) -> list[tuple[str, str, int]]:
    """数量清楚: the migrants (流入) living in the user's jurisdiction (or below ``unit_code``)
    counted by the county of their registration place, most first."""
    persons = scoped(
        Person.objects.filter(status=PersonStatus.ACTIVE, population_type=PopulationType.INFLOW),
        user,
    )
    if unit_code:
        persons = persons.filter(subtree_q("unit_id", unit_code))
    rows = (
        persons.order_by()
        .annotate(county=Substr("hukou_division_id", 1, 6))
        .values("county")
        .annotate(n=Count("pk"))
        .order_by("-n", "county")[:limit]
    )
    counts = [(row["county"], row["n"]) for row in rows]
    names = dict(
        Division.objects.filter(code__in=[f"{c:0<12}" for c, _n in counts]).values_list(
            "code", "full_name"
        )
    )
    return [(county, names.get(f"{county:0<12}", county), n) for county, n in counts]


def person_for_outflow(user: User, uid: UUID | str) -> Person:
    """The person a 流出 may be recorded for by the user: one they manage where they live, or
    one registered in their jurisdiction living elsewhere (the service decides who may)."""
    try:
        return person_get(user, uid)
    except Http404:
        return outflow_person_get(user, uid)


def person_page_url(user: User, person: Person) -> str:
    """The person's page the user may open: the residence's, or the registration place's."""
    if code_in_scope(user, person.unit_id):
        return reverse("registry:person_detail", args=[person.uid])
    return reverse("registry:outflow_detail", args=[person.uid])
