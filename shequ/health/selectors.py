"""Reads of the health services, scoped: facilities, the monthly target list (computed
from the registry, never typed), service records, reports, claims; the figures of a
report from the records of its month."""

import datetime
from typing import Any

import django_filters
from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from shequ.core.text import prefix_q
from shequ.health import rules
from shequ.health.models import ClaimBatch, Facility, MonthlyReport, ServiceKind, ServiceRecord
from shequ.org.models import OrgUnit, User
from shequ.org.roles import Action, can
from shequ.org.scoping import jurisdiction_prefixes, prefixes_q, scoped, subtree_q
from shequ.registry.models import (
    Child,
    Contraception,
    MaritalStatus,
    Person,
    PersonStatus,
    Pregnancy,
)
from shequ.registry.models import PopulationType as PT
from shequ.registry.rules import WCBA_MAX_AGE, WCBA_MIN_AGE
from shequ.rulebook.selectors import region_prefixes, value


def _get(queryset: QuerySet, uid: Any) -> Any:
    try:
        found = queryset.filter(uid=uid).first()
    except (ValueError, ValidationError):
        found = None
    if found is None:
        raise Http404
    return found


# --- Facilities ---------------------------------------------------------------------


def facilities_visible(user: User) -> QuerySet[Facility]:
    """Facilities of the user's jurisdiction and those of its street and district, which
    serve it (a district's designated hospitals serve its communities)."""
    prefixes = jurisdiction_prefixes(user, personal=False)
    if prefixes is None:
        return Facility.objects.all()
    above = {
        p.ljust(12, "0") for prefix in prefixes for p in region_prefixes(prefix) if len(p) in (6, 9)
    }
    return Facility.objects.filter(Q(unit_code__in=above) | prefixes_q(prefixes, "unit_code"))


def facility_get(user: User, uid: Any) -> Facility:
    return _get(facilities_visible(user), uid)


def facility_history(facility: Facility) -> QuerySet:
    """Who changed the facility, when and why, newest first (one query)."""
    return facility.history.select_related("history_user").order_by("-history_date", "-history_id")


def facility_may_manage(user: User, facility: Facility) -> bool:
    """Whether the user may edit the facility: the managing right and the facility's unit in
    the jurisdiction (a community sees its district's hospitals, but does not run them)."""
    from shequ.org.scoping import code_in_scope

    return can(user, Action.MANAGE_FACILITIES) and code_in_scope(
        user, facility.unit_code, personal=False
    )


class FacilityFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=Facility.Kind.choices, label=_("类型"))
    is_active = django_filters.BooleanFilter(label=_("在用"))
    search = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label=_("名称"))

    class Meta:
        model = Facility
        fields = ["kind", "is_active", "search"]


# --- The target list ----------------------------------------------------------------


def target_list(
    unit_prefix: str, month: datetime.date, user: User | None = None
) -> QuerySet[Person]:
    """进入系统的对象 of a unit's subtree for a month: married women 15–49 living there —
    residents, and migrants past the residence threshold (rulebook) — who married this year,
    are pregnant, gave birth this year, or have no contraception recorded."""
    start, end = rules.month_start(month), rules.month_end(month)
    threshold = int(
        value(rules.PROGRAMME, "residence_threshold_months", division_code=unit_prefix, on=end)
    )
    year_start = start.replace(month=1)
    # A child on the woman as mother or as the registry parent: two subqueries, each served
    # by its own index (an OR inside one would read every child for every woman).
    born = {"birth_date__gte": year_start, "birth_date__lte": end}
    births_as_mother = Child.objects.filter(mother=OuterRef("pk"), **born)
    births_as_parent = Child.objects.filter(parent=OuterRef("pk"), **born)
    # Pregnancy is the registry's health fact (孕情): one recorded by the month's end and
    # without an outcome by then.
    pregnant = Pregnancy.objects.filter(person=OuterRef("pk"), recorded_on__lte=end).filter(
        Q(outcome="") | Q(outcome_on__gt=end)
    )
    queryset = Person.objects.filter(
        prefix_q("unit_id", unit_prefix),
        status=PersonStatus.ACTIVE,
        sex="F",
        marital_status=MaritalStatus.MARRIED,
        birth_date__gt=rules.months_before(end, (WCBA_MAX_AGE + 1) * 12),
        birth_date__lte=rules.months_before(end, WCBA_MIN_AGE * 12),
    ).exclude(population_type=PT.OUTFLOW)
    queryset = queryset.filter(
        ~Q(population_type=PT.INFLOW) | Q(flow_in_date__lte=rules.months_before(end, threshold))
    )
    # Contraception is stored encrypted; "none" is asked of its blind index
    # (``contraception_digest``, docs/security.md) and "nothing recorded" of the empty value,
    # stored empty: one condition in the query, no row decrypted.
    queryset = queryset.filter(
        Q(marriage_date__gte=year_start, marriage_date__lte=end)
        | Q(contraception__in=["", Contraception.NONE])
        | Exists(births_as_mother)
        | Exists(births_as_parent)
        | Exists(pregnant)
    )
    if user is not None:
        queryset = scoped(queryset, user)
    return queryset


# --- Service records ----------------------------------------------------------------


def may_see_services(user: User) -> bool:
    return can(user, Action.VIEW_HEALTH) or can(user, Action.VIEW_CLINICAL)


def service_records_visible(user: User) -> QuerySet[ServiceRecord]:
    """Service records are health facts: none without the health or the clinical right."""
    records = ServiceRecord.objects.select_related("person", "facility", "recorded_by")
    if not may_see_services(user):
        return records.none()
    return scoped(records, user)


def service_record_get(user: User, uid: Any) -> ServiceRecord:
    return _get(service_records_visible(user), uid)


class ServiceRecordFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=ServiceKind.choices, label=_("服务类型"))
    person = django_filters.UUIDFilter(field_name="person__uid", label=_("服务对象"))
    facility = django_filters.UUIDFilter(field_name="facility__uid", label=_("服务机构"))
    since = django_filters.DateFilter(field_name="date", lookup_expr="gte", label=_("起始日期"))
    until = django_filters.DateFilter(field_name="date", lookup_expr="lte", label=_("截止日期"))
    search = django_filters.CharFilter(
        field_name="person__name", lookup_expr="startswith", label=_("姓名")
    )

    class Meta:
        model = ServiceRecord
        fields = ["kind", "person", "facility", "since", "until", "search"]


# --- Monthly reports ----------------------------------------------------------------


def report_figures(unit_prefix: str, month: datetime.date) -> dict[str, Any]:
    """The figures of a unit's report for a month, from that month's records: the target
    list, the registry's marriages, births and contraception changes, the services given.
    One query each, whatever the size."""
    start, end = rules.month_start(month), rules.month_end(month)
    in_unit = prefix_q("unit_id", unit_prefix)
    targets = target_list(unit_prefix, month)
    women = Person.objects.filter(in_unit, status=PersonStatus.ACTIVE, sex="F")
    services = dict(
        ServiceRecord.objects.filter(
            prefix_q("unit_code", unit_prefix), date__gte=start, date__lte=end
        )
        .order_by()
        .values_list("kind")
        .annotate(n=Count("id"))
    )
    return {
        "targets": targets.count(),
        "targets_migrant": targets.filter(population_type=PT.INFLOW).count(),
        "married": women.filter(marriage_date__gte=start, marriage_date__lte=end).count(),
        "births": Child.objects.filter(
            prefix_q("parent__unit_id", unit_prefix),
            parent__sex="F",
            birth_date__gte=start,
            birth_date__lte=end,
        ).count(),
        # The method and its date are encrypted: decided on the decrypted values here.
        "contraception_changes": sum(
            1
            for since in women.exclude(contraception_since=None).values_list(
                "contraception_since", flat=True
            )
            if since is not None and start <= since <= end
        ),
        # The method's blind index answers "none or nothing" in the database.
        "no_contraception": targets.filter(contraception__in=["", Contraception.NONE]).count(),
        "services": {kind: services.get(kind, 0) for kind in ServiceKind.values},
    }


def reports_visible(user: User) -> QuerySet[MonthlyReport]:
    if not may_see_services(user) and not can(user, Action.READ_REGISTRY):
        return MonthlyReport.objects.none()
    return scoped(
        MonthlyReport.objects.select_related("submitted_by", "reviewed_by"), user, personal=True
    )


def report_get(user: User, uid: Any) -> MonthlyReport:
    return _get(reports_visible(user), uid)


def month_locked(unit_code: str, month: datetime.date) -> MonthlyReport | None:
    """The approved report that locks this unit's month, if any."""
    return (
        MonthlyReport.objects.filter(
            unit_code__in=rules.locking_units(unit_code),
            month=rules.month_start(month),
            locked=True,
        )
        .order_by("unit_code")
        .first()
    )


class ReportFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(choices=MonthlyReport.State.choices, label=_("状态"))
    month = django_filters.DateFilter(label=_("月份（该月第一天）"))
    unit = django_filters.CharFilter(method="filter_unit", label=_("单位"))

    class Meta:
        model = MonthlyReport
        fields = ["state", "month", "unit"]

    def filter_unit(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if not value.isdigit() or len(value) != 12:
            return queryset.none()
        return queryset.filter(subtree_q("unit_code", value))


def unit_names(codes: list[str]) -> dict[str, str]:
    return dict(OrgUnit.objects.filter(code__in=codes).values_list("code", "name"))


# --- Claims -------------------------------------------------------------------------


def claims_visible(user: User) -> QuerySet[ClaimBatch]:
    return scoped(ClaimBatch.objects.select_related("hospital", "created_by", "reviewed_by"), user)


def claim_get(user: User, uid: Any) -> ClaimBatch:
    return _get(claims_visible(user), uid)


def claim_totals(claims: QuerySet[ClaimBatch]) -> list[dict[str, Any]]:
    """Totals per hospital and month (one grouped query)."""
    return [
        dict(row)
        for row in claims.order_by()
        .values("hospital__name", "month")
        .annotate(cases=Sum("count"), amount=Sum("total"))
        .order_by("-month", "hospital__name")
    ]


class ClaimFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(choices=ClaimBatch.State.choices, label=_("状态"))
    month = django_filters.DateFilter(label=_("月份（该月第一天）"))

    class Meta:
        model = ClaimBatch
        fields = ["state", "month"]


def log_health_read(
    user: User,
    persons: list[Person],
    fields: list[str],
    *,
    channel: str,
    target_type: str = "registry.person",
) -> None:
    """Log that these people's health facts were shown (one insert for a page)."""
    from shequ.org.audit import SensitiveTarget, audit_sensitive_read

    seen: dict[int, Person] = {p.pk: p for p in persons}
    if not seen:
        return
    audit_sensitive_read(
        actor=user,
        targets=[
            SensitiveTarget(target_type, str(p.uid), p.name, p.unit_id) for p in seen.values()
        ],
        fields=fields,
        purpose="service",
        channel=channel,
    )


def clinical_visible(user: User) -> bool:
    return can(user, Action.VIEW_CLINICAL)


def target_reasons(person: Person, month: datetime.date) -> list[str]:
    """Why a woman is on the list (for the page; the query decides, this only says)."""
    end = rules.month_end(month)
    found = []
    if (
        person.marriage_date
        and person.marriage_date.year == end.year
        and person.marriage_date <= end
    ):
        found.append(str(_("本年结婚")))
    if person.contraception in ("", Contraception.NONE):
        found.append(str(_("未落实节育措施")))
    return found
