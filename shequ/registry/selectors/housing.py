"""Reads of housing (以房管人): buildings and dwellings (住户) with their counts and residents, the
register of rented homes (出租房屋登记) and the building search of the housing pickers.

Always through the jurisdiction, complete with their joins, so a list of any length runs
the same few queries."""

from typing import Any
from uuid import UUID

import django_filters
from django import forms
from django.db.models import (
    Case,
    F,
    Func,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, NullIf
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from shequ.core.text import prefix_q
from shequ.org.models import OrgUnit, User
from shequ.org.roles import Action, can
from shequ.org.scoping import (
    get_in_scope_or_404,
    scoped,
    subtree_q,
)
from shequ.registry.models import (
    Building,
    Household,
    Person,
    PersonStatus,
    PopulationType,
    RegisteredHouseholdMember,
)


def buildings_visible(user: User) -> QuerySet[Building]:
    return scoped(Building.objects.select_related("unit"), user)


def building_get(user: User, uid: UUID | str) -> Building:
    return get_in_scope_or_404(Building.objects.select_related("unit"), user, uid=uid)


def households_visible(user: User) -> QuerySet[Household]:
    return scoped(Household.objects.select_related("building", "unit", "landlord"), user)


def household_get(user: User, uid: UUID | str) -> Household:
    return get_in_scope_or_404(
        Household.objects.select_related("building", "unit", "landlord"), user, uid=uid
    )


def _count_of(queryset: QuerySet) -> Subquery:
    """COUNT(*) of a correlated queryset, as a column of the outer query (no GROUP BY)."""
    counted = queryset.order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n")
    return Subquery(counted, output_field=IntegerField())


def buildings_with_counts(user: User) -> QuerySet[Building]:
    """Buildings in the user's jurisdiction, each with its homes, active residents and rented
    homes counted in the same query, whatever the page size."""
    homes = Household.objects.filter(building=OuterRef("pk"), is_active=True)
    residents = Person.objects.filter(
        household__building=OuterRef("pk"), status=PersonStatus.ACTIVE
    )
    return (
        buildings_visible(user)
        .select_related("unit__parent")
        .annotate(
            household_count=_count_of(homes),
            resident_count=_count_of(residents),
            rented_count=_count_of(homes.filter(is_rented=True)),
        )
    )


def current_memberships_prefetch() -> Prefetch:
    """Each person's current registered-household membership (``current_memberships``)."""
    return Prefetch(
        "household_memberships",
        queryset=RegisteredHouseholdMember.objects.filter(left_on__isnull=True).select_related(
            "household"
        ),
        to_attr="current_memberships",
    )


def residents_prefetch(to_attr: str = "residents") -> Prefetch:
    """The active people of each dwelling, eldest first (a dwelling has no 户主: that is a
    fact of the registered household), with their current registered household."""
    return Prefetch(
        "members",
        queryset=Person.objects.filter(status=PersonStatus.ACTIVE)
        .order_by("birth_date", "id")
        .prefetch_related(current_memberships_prefetch()),
        to_attr=to_attr,
    )


def building_households(building: Building) -> QuerySet[Household]:
    """Every home of a building with its landlord and the people living there (3 queries)."""
    return (
        building.households.select_related("landlord")
        .prefetch_related(residents_prefetch())
        .order_by("-is_active", "number")
    )


def rented_homes_of(user: User, landlord: Person) -> QuerySet[Household]:
    """The homes a registered person lets (房屋出租户), with their tenants, in the user's scope."""
    return (
        households_visible(user)
        .filter(landlord=landlord, is_active=True)
        .prefetch_related(residents_prefetch())
        .order_by("building__name", "number")
    )


def unit_close_objection(unit: OrgUnit) -> str:
    """What keeps a unit from being closed: active people or buildings in its subtree."""
    persons = Person.objects.filter(
        prefix_q("unit_id", unit.prefix), status=PersonStatus.ACTIVE
    ).count()
    buildings = Building.objects.filter(prefix_q("unit_id", unit.prefix), is_active=True).count()
    parts = []
    if persons:
        parts.append(_("还有 %(n)d 名在册人员") % {"n": persons})
    if buildings:
        parts.append(_("还有 %(n)d 栋在用楼栋") % {"n": buildings})
    return "、".join(str(p) for p in parts)


class BuildingFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(method="filter_search", label=_("楼栋名称或地址"))
    unit = django_filters.CharFilter(method="filter_unit", label=_("单位代码（含下级）"))
    # Labels given, not taken from the model: an automatic label is fixed the first time a
    # filter's form field is built, and the OpenAPI schema builds it before any FilterSet has
    # told the filter its model ("Kind" instead of 类型 on every page afterwards).
    kind = django_filters.ChoiceFilter(choices=Building.Kind.choices, label=_("类型"))
    is_active = django_filters.BooleanFilter(label=_("在用"), widget=forms.NullBooleanSelect)
    has_rented = django_filters.BooleanFilter(
        method="filter_rented", label=_("有出租房屋"), widget=forms.NullBooleanSelect
    )

    class Meta:
        model = Building
        fields = ["search", "unit", "kind", "is_active"]

    def filter_search(
        self, queryset: QuerySet[Building], name: str, value: str
    ) -> QuerySet[Building]:
        return queryset.filter(Q(name__contains=value) | Q(address__contains=value))

    def filter_unit(
        self, queryset: QuerySet[Building], name: str, value: str
    ) -> QuerySet[Building]:
        return queryset.filter(subtree_q("unit_id", value.strip()))

    def filter_rented(
        self, queryset: QuerySet[Building], name: str, value: bool
    ) -> QuerySet[Building]:
        rented = Household.objects.filter(is_rented=True, is_active=True).values("building_id")
        return queryset.filter(pk__in=rented) if value else queryset.exclude(pk__in=rented)


class HouseholdFilter(django_filters.FilterSet):
    unit = django_filters.CharFilter(method="filter_unit", label=_("单位代码（含下级）"))
    building = django_filters.UUIDFilter(field_name="building__uid", label=_("楼栋"))
    is_rented = django_filters.BooleanFilter(label=_("出租房屋"))
    is_active = django_filters.BooleanFilter(label=_("在用"))

    class Meta:
        model = Household
        fields = ["unit", "building", "is_rented", "is_active"]

    def filter_unit(
        self, queryset: QuerySet[Household], name: str, value: str
    ) -> QuerySet[Household]:
        return queryset.filter(subtree_q("unit_id", value.strip()))


def households_with_counts(user: User) -> QuerySet[Household]:
    """Homes in the user's jurisdiction, each with its active residents counted in the query."""
    members = Person.objects.filter(household=OuterRef("pk"), status=PersonStatus.ACTIVE)
    return households_visible(user).annotate(member_count=_count_of(members))


BUILDING_MATCHES = 20  # a search-as-you-type picker shows at most this many buildings


def rented_homes(user: User) -> QuerySet[Household]:
    """The rented homes in use in the user's jurisdiction, with building, unit and landlord,
    each with the people living there and the migrants (流入) among them counted in the same
    query. People registered as gone out (流出) are on the home's roll but do not live there."""
    living = Person.objects.filter(household=OuterRef("pk"), status=PersonStatus.ACTIVE).exclude(
        population_type=PopulationType.OUTFLOW
    )
    return (
        households_visible(user)
        .filter(is_active=True, is_rented=True)
        .select_related("unit__parent")
        .annotate(
            occupant_count=_count_of(living),
            migrant_count=_count_of(living.filter(population_type=PopulationType.INFLOW)),
            # A registered landlord's name lives in their record, an outside one's on the home.
            landlord_sort=Coalesce(F("landlord__name"), NullIf(F("landlord_name"), Value(""))),
        )
    )


def contact_visible(user: User) -> bool:
    """Whether the user sees landlords' names and phones in full: the roles that keep the
    housing register and sign agreements with landlords; the others see them masked."""
    return can(user, Action.EDIT_REGISTRY)


class RentedHomeFilter(django_filters.FilterSet):
    """Search and filters of the rented-home register (page and its export)."""

    search = django_filters.CharFilter(method="filter_search", label=_("地址或房东"))
    unit = django_filters.CharFilter(method="filter_unit", label=_("单位代码（含下级）"))
    building = django_filters.UUIDFilter(
        field_name="building__uid",
        label=_("楼栋"),
        error_messages={"invalid": _("楼栋的编号格式不对：应为楼栋页面链接中的编号（UUID）。")},
    )
    occupants = django_filters.ChoiceFilter(
        choices=[
            ("none", _("无登记住户")),
            ("migrants", _("有流入人口")),
        ],
        method="filter_occupants",
        label=pgettext_lazy("occupants", "住户"),
    )

    class Meta:
        model = Household
        fields = ["search", "unit", "building", "occupants"]

    def filter_search(
        self, queryset: QuerySet[Household], name: str, value: str
    ) -> QuerySet[Household]:
        """Every word must match the address (building, its address, the door number, the
        grid or community) or the landlord (name; phone for those who may see it)."""
        user = getattr(self.request, "user", None)
        with_phone = user is not None and contact_visible(user)
        for word in value.split()[:5]:
            match = (
                Q(building__name__icontains=word)
                | Q(building__address__icontains=word)
                | Q(number__icontains=word)
                | Q(unit__name__icontains=word)
                | Q(landlord_name__icontains=word)
                | Q(landlord__name__icontains=word)
            )
            if with_phone:
                match |= Q(landlord_phone__contains=word) | Q(landlord__phone__contains=word)
            queryset = queryset.filter(match)
        return queryset

    def filter_unit(
        self, queryset: QuerySet[Household], name: str, value: str
    ) -> QuerySet[Household]:
        return queryset.filter(subtree_q("unit_id", value.strip()))

    def filter_occupants(  # the queryset is rented_homes(), with its counts
        self, queryset: QuerySet[Any], name: str, value: str
    ) -> QuerySet[Any]:
        if value == "none":
            return queryset.filter(occupant_count=0)
        return queryset.filter(migrant_count__gt=0)


def buildings_matching(user: User, term: str, *, limit: int = BUILDING_MATCHES) -> list[Building]:
    """Buildings in use in the user's jurisdiction whose name, address, grid or community
    holds every word of ``term``; names equal to or beginning with it first. At most
    ``limit`` + 1 rows, so the caller can tell there are more."""
    words = (term or "").split()[:5]
    if not words:
        return []
    buildings = buildings_visible(user).filter(is_active=True).select_related("unit__parent")
    for word in words:
        buildings = buildings.filter(
            Q(name__icontains=word)
            | Q(address__icontains=word)
            | Q(unit__name__icontains=word)
            | Q(unit__parent__name__icontains=word)
        )
    first = words[-1] if len(words) > 1 else words[0]
    rank = Case(
        When(name__iexact=first, then=Value(0)),
        When(name__istartswith=first, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    return list(buildings.annotate(rank=rank).order_by("rank", "unit_id", "name")[: limit + 1])


def building_households_active(user: User, building_uid: UUID | str | None) -> list[Household]:
    """The homes in use of one building in the user's jurisdiction, by number (a picker's)."""
    if building_uid is None:
        return []
    return list(
        households_visible(user)
        .filter(is_active=True, building__uid=building_uid)
        .order_by("number")
    )


def building_unit_code(user: User, building_uid: UUID | str | None) -> str | None:
    """The unit code of a building in the user's jurisdiction, or None."""
    if building_uid is None:
        return None
    # The unit's code, typed as an int by django-stubs (it takes the key for the unit's id).
    return (
        buildings_visible(user).filter(uid=building_uid).values_list("unit_id", flat=True).first()  # type: ignore[return-value]
    )
