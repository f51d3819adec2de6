"""Reads of registered households (户籍户), landlords' homes and the typing settings."""

from uuid import UUID

import django_filters
from django import forms
from django.db.models import F, Func, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext_lazy as _

from shequ.org.models import User
from shequ.org.scoping import get_in_scope_or_404, scoped, subtree_q
from shequ.registry.models import (
    Household,
    Person,
    RegisteredHousehold,
    RegisteredHouseholdMember,
    RetypeJob,
    TypingSettings,
)
from shequ.registry.selectors.housing import households_visible, residents_prefetch
from shequ.registry.selectors.people import person_get


def _count_of(queryset: QuerySet) -> Subquery:
    counted = queryset.order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n")
    return Subquery(counted, output_field=IntegerField())


def registered_households_visible(user: User) -> QuerySet[RegisteredHousehold]:
    """The registered households kept in the user's jurisdiction, with head, division and
    the number of current members counted in the same query."""
    members = RegisteredHouseholdMember.objects.filter(
        household=OuterRef("pk"), left_on__isnull=True
    )
    return scoped(
        RegisteredHousehold.objects.select_related("head", "division", "unit"), user
    ).annotate(member_count=_count_of(members))


def registered_household_get(user: User, uid: UUID | str) -> RegisteredHousehold:
    return get_in_scope_or_404(
        RegisteredHousehold.objects.select_related("head", "division", "unit"), user, uid=uid
    )


def registered_household_members(household: RegisteredHousehold) -> list[RegisteredHouseholdMember]:
    """Every membership of the household, current first (head first), then those who left."""
    return list(
        household.memberships.select_related("person", "person__household__building").order_by(
            F("left_on").desc(nulls_first=True), "joined_on", "id"
        )
    )


def registered_member_get(user: User, uid: UUID | str) -> RegisteredHouseholdMember:
    return get_in_scope_or_404(
        RegisteredHouseholdMember.objects.select_related("household", "person"), user, uid=uid
    )


def person_membership(person: Person) -> RegisteredHouseholdMember | None:
    """The person's current registered household, if any."""
    return (
        RegisteredHouseholdMember.objects.filter(person=person, left_on__isnull=True)
        .select_related("household", "household__head")
        .first()
    )


class RegisteredHouseholdFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(method="filter_search", label=_("户号、户主或地址"))
    unit = django_filters.CharFilter(method="filter_unit", label=_("单位代码（含下级）"))
    is_active = django_filters.BooleanFilter(label=_("有效"), widget=forms.NullBooleanSelect)

    class Meta:
        model = RegisteredHousehold
        fields = ["search", "unit", "is_active"]

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        for word in value.split()[:5]:
            queryset = queryset.filter(
                Q(number__icontains=word)
                | Q(head__name__icontains=word)
                | Q(address__icontains=word)
            )
        return queryset

    def filter_unit(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(subtree_q("unit_id", value.strip()))


def landlord_homes(user: User, landlord_uid: UUID | str) -> tuple[Person, list[Household]]:
    """A registered landlord and the homes of the user's jurisdiction they let, each with the
    people living there (a constant number of queries). 404 when the user sees neither the
    landlord nor any home they let: a landlord living elsewhere is still shown by the homes
    the user keeps."""
    homes = list(
        households_visible(user)
        .filter(landlord__uid=landlord_uid, is_rented=True)
        .prefetch_related(residents_prefetch())
        .order_by("-is_active", "building__name", "number")
    )
    if homes:
        landlord = homes[0].landlord
        assert landlord is not None
        return landlord, homes
    return person_get(user, landlord_uid), []


def typing_settings() -> TypingSettings:
    """The deployment's typing settings row (unsaved defaults when never changed)."""
    return TypingSettings.objects.filter(pk=1).first() or TypingSettings(pk=1)


def retype_jobs_visible(user: User) -> QuerySet[RetypeJob]:
    return scoped(RetypeJob.objects.select_related("actor"), user)


def retype_job_get(user: User, uid: UUID | str) -> RetypeJob:
    return get_in_scope_or_404(RetypeJob.objects.select_related("actor"), user, uid=uid)
