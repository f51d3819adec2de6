"""Every read of the benefits, scoped to the user's jurisdiction (org/scoping.py): a list by
its street, its rows and payments by the community of each person, so a community worker
sees their own people on the street's list."""

from typing import Any
from uuid import UUID

import django_filters
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from shequ.benefits.models import (
    BenefitList,
    BenefitRow,
    Confirmation,
    ListState,
    Payment,
    PaymentState,
)
from shequ.benefits.rules import Outcome, Programme
from shequ.core.text import prefix_q
from shequ.org.models import User
from shequ.org.scoping import (
    get_in_scope_or_404,
    jurisdiction_prefixes,
    prefixes_q,
    scoped,
    subtree_q,
)
from shequ.registry.selectors import StrictFilterSet


def lists_visible(user: User) -> QuerySet[BenefitList]:
    """The lists of the streets in the user's jurisdiction, and the list of their own
    street for a community or grid worker (they check their people's rows on it)."""
    prefixes = jurisdiction_prefixes(user)
    query = BenefitList.objects.select_related("unit", "computed_by", "confirmed_by")
    if prefixes is None:
        return query
    # A community's street: its code's first 9 digits and "000".
    streets = {p[:9] + "000" for p in prefixes if len(p) > 9}
    return query.filter(prefixes_q(prefixes, "unit_id") | Q(unit_id__in=streets))


def list_get(user: User, uid: UUID | str) -> BenefitList:
    """One list the user may see, or 404 (missing, malformed or not theirs alike)."""
    try:
        found = lists_visible(user).filter(uid=uid).first()
    except (ValueError, ValidationError):
        found = None
    if found is None:
        raise Http404
    return found


class ListFilter(StrictFilterSet):
    programme = django_filters.ChoiceFilter(choices=Programme.choices, label=_("项目"))
    year = django_filters.NumberFilter(field_name="year", label=_("年度"))
    state = django_filters.ChoiceFilter(choices=ListState.choices, label=_("状态"))

    class Meta:
        model = BenefitList
        fields = ["programme", "year", "state"]


def rows_visible(user: User) -> QuerySet[BenefitRow]:
    return scoped(BenefitRow.objects.select_related("benefit_list", "checked_by"), user)


def row_get(user: User, uid: UUID | str) -> BenefitRow:
    return get_in_scope_or_404(
        BenefitRow.objects.select_related("benefit_list", "benefit_list__unit", "checked_by"),
        user,
        uid=uid,
    )


class RowFilter(StrictFilterSet):
    benefit_list = django_filters.UUIDFilter(field_name="benefit_list__uid", label=_("年度名单"))
    outcome = django_filters.ChoiceFilter(choices=Outcome.choices, label=_("计算结果"))
    included = django_filters.BooleanFilter(label=_("列入发放"))
    checked = django_filters.BooleanFilter(
        field_name="checked_at", lookup_expr="isnull", exclude=True, label=_("已核对")
    )
    corrected = django_filters.BooleanFilter(label=_("已更正"))
    unit = django_filters.CharFilter(method="filter_unit", label=_("社区代码（含下级）"))
    search = django_filters.CharFilter(method="filter_search", label=_("姓名"))

    class Meta:
        model = BenefitRow
        fields = ["benefit_list", "outcome", "included", "checked", "corrected", "unit", "search"]

    def filter_unit(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(subtree_q("unit_code", value.strip())) if value.strip() else queryset

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        return queryset.filter(prefix_q("name", value)) if value else queryset


def list_rows(user: User, benefit_list: BenefitList) -> QuerySet[BenefitRow]:
    """The rows of a list the user may see, in the list's order."""
    return rows_visible(user).filter(benefit_list=benefit_list).order_by("unit_code", "name", "id")


def payments_visible(user: User) -> QuerySet[Payment]:
    return scoped(Payment.objects.select_related("row", "benefit_list"), user)


def payment_get(user: User, uid: UUID | str) -> Payment:
    return get_in_scope_or_404(
        Payment.objects.select_related("row", "benefit_list", "benefit_list__unit"), user, uid=uid
    )


class PaymentFilter(StrictFilterSet):
    state = django_filters.ChoiceFilter(choices=PaymentState.choices, label=_("状态"))
    period = django_filters.CharFilter(field_name="period", label=_("发放期"))
    benefit_list = django_filters.UUIDFilter(field_name="benefit_list__uid", label=_("年度名单"))
    search = django_filters.CharFilter(method="filter_search", label=_("姓名或参考号"))

    class Meta:
        model = Payment
        fields = ["state", "period", "benefit_list", "search"]

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(prefix_q("row__name", value) | Q(reference=value.upper()))


def confirmations_visible(user: User) -> QuerySet[Confirmation]:
    return scoped(Confirmation.objects.select_related("person", "recorded_by"), user)


def programme_rules(programme: str, division_code: str, on: Any) -> list[dict[str, Any]]:
    """The rule values a programme uses at a place on a day, each with the row deciding it
    (the programmes' page and API)."""
    from shequ.benefits.rules import RULE_PROGRAMME, RULES, rule_key
    from shequ.rulebook.selectors import rules_in_force

    table = rules_in_force(RULE_PROGRAMME, on=on, within=division_code)
    found = []
    for key in RULES[programme]:
        row = table.row(rule_key(programme, key), division_code)
        found.append(
            {
                "key": key,
                "value": None if row is None else row.value,
                "region": None if row is None else row.region_prefix,
                "valid_from": None if row is None else row.valid_from,
                "note": "" if row is None else row.note,
                "setting": None if row is None else row.uid,
            }
        )
    return found
