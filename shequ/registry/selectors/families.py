"""Reads of couples and families: marriages (seen wherever one spouse is managed), a person's
children on either side, 婚育证明. Pregnancies are health facts: read only through
``services.person_pregnancies_read`` (the right checked, the read logged)."""

import datetime
from typing import Any
from uuid import UUID

import django_filters
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from shequ.core.text import prefix_q
from shequ.org.models import User
from shequ.org.scoping import OutsideJurisdiction, jurisdiction_prefixes, prefixes_q
from shequ.registry.models import Child, FertilityCertificate, Marriage, MarriageEnd, Person
from shequ.registry.selectors._filters import StrictFilterSet

_EPOCH = datetime.date(1900, 1, 1)
MARRIAGE_SORTS = {
    "married_on": ("married_on", "id"),
    "-married_on": ("-married_on", "-id"),
    "registered_at": ("registered_at", "id"),
    "-registered_at": ("-registered_at", "-id"),
}


def marriage_scope_q(user: User) -> Q:
    """Marriages of which one registry spouse lies in the user's jurisdiction."""
    prefixes = jurisdiction_prefixes(user)
    if prefixes is None:
        return Q()
    return prefixes_q(prefixes, "husband__unit_id") | prefixes_q(prefixes, "wife__unit_id")


def marriages_visible(user: User) -> QuerySet[Marriage]:
    return Marriage.objects.filter(marriage_scope_q(user)).select_related(
        "husband",
        "wife",
        "husband__unit",
        "wife__unit",
        "husband_hukou_division",
        "wife_hukou_division",
    )


def marriage_get(user: User, uid: UUID | str) -> Marriage:
    """One marriage in the jurisdiction; outside it the same 404 as a missing one."""
    try:
        return marriages_visible(user).get(uid=uid)
    except (Marriage.DoesNotExist, ValueError, ValidationError) as exc:
        if isinstance(exc, Marriage.DoesNotExist) and Marriage.objects.filter(uid=uid).exists():
            raise OutsideJurisdiction("registry.marriage", str(uid)) from exc
        raise Http404 from exc


def _linked(queryset: QuerySet, *persons: str) -> QuerySet:
    """The rows whole and, of the related persons, what a link to them shows (id, uid,
    name): a person's page names spouses, parents and children; reading each whole (some
    60 columns, encrypted numbers among them) was most of the cost of building its SQL."""
    own = [field.name for field in queryset.model._meta.concrete_fields]
    linked = [f"{person}__{field}" for person in persons for field in ("id", "uid", "name")]
    return queryset.select_related(*persons).only(*own, *linked)


def person_marriages(person: Person, *, links: bool = False) -> list[Marriage]:
    """The person's marriages, the one in force first, then the newest. ``links``: the
    spouses as links only (a page; never for a change, which saves the spouses)."""
    rows = Marriage.objects.filter(Q(husband=person) | Q(wife=person)).select_related(
        "husband_hukou_division", "wife_hukou_division"
    )
    rows = _linked(rows, "husband", "wife") if links else rows.select_related("husband", "wife")
    return sorted(rows, key=lambda m: (bool(m.end_reason), -(m.married_on or _EPOCH).toordinal()))


def person_children_all(person: Person, *, links: bool = False) -> list[Child]:
    """Every child of the person, recorded on them or on the other parent, by birth.
    ``links``: the child and the parents as links only (a page)."""
    rows = (
        Child.objects.filter(Q(mother=person) | Q(father=person))
        .select_related("marriage")
        .order_by("birth_date", "id")
    )
    persons = ("person", "mother", "father")
    return list(_linked(rows, *persons) if links else rows.select_related(*persons))


def person_certificates(person: Person) -> list[FertilityCertificate]:
    return list(
        person.fertility_certificates.select_related("issuing_division", "verified_by").order_by(
            "-issued_on", "-id"
        )
    )


def children_visible(user: User) -> QuerySet[Child]:
    """Children of a registry parent in the jurisdiction (mother or father)."""
    prefixes = jurisdiction_prefixes(user)
    q = (
        Q()
        if prefixes is None
        else (prefixes_q(prefixes, "mother__unit_id") | prefixes_q(prefixes, "father__unit_id"))
    )
    return Child.objects.filter(q).select_related(
        "person", "mother", "father", "marriage", "parent"
    )


def certificates_visible(user: User) -> QuerySet[FertilityCertificate]:
    prefixes = jurisdiction_prefixes(user)
    q = Q() if prefixes is None else prefixes_q(prefixes, "person__unit_id")
    return FertilityCertificate.objects.filter(q).select_related(
        "person", "issuing_division", "verified_by"
    )


class MarriageFilter(StrictFilterSet):
    """Search and filters of the marriage list (page and API)."""

    search = django_filters.CharFilter(method="filter_search", label=_("姓名"))
    unit = django_filters.CharFilter(method="filter_unit", label=_("单位代码（含下级）"))
    state = django_filters.ChoiceFilter(
        choices=[("in_force", _("存续")), *MarriageEnd.choices],
        method="filter_state",
        label=_("婚姻状态"),
    )
    honor = django_filters.BooleanFilter(method="filter_honor", label=_("持独生子女父母光荣证"))
    outside = django_filters.BooleanFilter(method="filter_outside", label=_("一方为非本库人员"))

    class Meta:
        model = Marriage
        fields: list[str] = []

    def filter_search(
        self, queryset: QuerySet[Marriage], name: str, value: Any
    ) -> QuerySet[Marriage]:
        value = (value or "").strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(husband__name__startswith=value)
            | Q(wife__name__startswith=value)
            | Q(husband_name__startswith=value)
            | Q(wife_name__startswith=value)
        )

    def filter_unit(
        self, queryset: QuerySet[Marriage], name: str, value: Any
    ) -> QuerySet[Marriage]:
        value = (value or "").strip()
        if not value:
            return queryset
        return queryset.filter(
            prefix_q("husband__unit_id", value) | prefix_q("wife__unit_id", value)
        )

    def filter_state(
        self, queryset: QuerySet[Marriage], name: str, value: Any
    ) -> QuerySet[Marriage]:
        return queryset.filter(end_reason="" if value == "in_force" else value)

    def filter_honor(
        self, queryset: QuerySet[Marriage], name: str, value: Any
    ) -> QuerySet[Marriage]:
        if value is None:
            return queryset
        return (
            queryset.exclude(honor_certificate_number="")
            if value
            else queryset.filter(honor_certificate_number="")
        )

    def filter_outside(
        self, queryset: QuerySet[Marriage], name: str, value: Any
    ) -> QuerySet[Marriage]:
        if value is None:
            return queryset
        outside = Q(husband__isnull=True) | Q(wife__isnull=True)
        return queryset.filter(outside) if value else queryset.exclude(outside)


def marriage_order(sort: str) -> tuple[str, ...]:
    return MARRIAGE_SORTS.get(sort, MARRIAGE_SORTS["-married_on"])
