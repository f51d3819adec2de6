"""Reads of the organisation tree, users and audit logs, always through the jurisdiction."""

import datetime
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncSecond
from django.utils import timezone
from django.utils.functional import Promise

from shequ.core.identifiers import division_parents
from shequ.core.text import prefix_q
from shequ.org.models import AuditEvent, OrgUnit, SensitiveAccess, User
from shequ.org.roles import ROLE_LEVELS, Role, may_manage_auditor_at
from shequ.org.scoping import get_in_scope_or_404, scoped, subtree_q


def org_units_visible(user) -> QuerySet[OrgUnit]:
    """Units in the user's jurisdiction, with parent and delegate loaded."""
    return scoped(OrgUnit.objects.select_related("parent", "delegate"), user)


def org_unit_get(user, code: str) -> OrgUnit:
    return get_in_scope_or_404(
        OrgUnit.objects.select_related("parent", "delegate"), user, code=code
    )


def org_unit_ancestors(unit: OrgUnit) -> list[OrgUnit]:
    """The chain from the root down to the unit's parent, in one query."""
    base = unit.code[:12]
    candidates = division_parents(base) + ([base] if len(unit.code) == 14 else [])
    return list(OrgUnit.objects.filter(code__in=candidates).order_by("level"))


def org_unit_children(user, unit: OrgUnit) -> QuerySet[OrgUnit]:
    """Direct children visible to the user, with counts of their own children and users."""
    return (
        scoped(OrgUnit.objects.filter(parent=unit), user)
        .select_related("delegate")
        .annotate(
            child_count=Count("children", filter=Q(children__is_active=True), distinct=True),
            user_count=Count("users", filter=Q(users__is_active=True), distinct=True),
        )
        .order_by("-is_active", "code")
    )


@dataclass(frozen=True)
class UnitFigure:
    """One count shown for every unit of a tree page or export, with the list behind it."""

    key: str
    label: str | Promise
    values: Mapping[str, int]  # unit prefix → count of records in that unit's subtree
    url: Callable[[str], str]  # unit code → the list of those records
    link_label: str | Promise = ""  # also offered as a button for the page's own unit

    def of(self, unit: OrgUnit) -> int:
        return self.values.get(unit.prefix, 0)


# Other apps count their records per unit here (the registry: persons, homes, buildings).
# A provider takes (user, within, units) and returns figures for the units, all inside
# ``within``'s subtree, in a number of queries that does not grow with the units.
UnitFigureProvider = Callable[[object, OrgUnit, Sequence[OrgUnit]], list[UnitFigure]]
UNIT_FIGURE_PROVIDERS: list[UnitFigureProvider] = []


def org_unit_figures(user, within: OrgUnit, units: Sequence[OrgUnit]) -> list[UnitFigure]:
    """Every provider's counts for ``units`` (each the root of a subtree inside ``within``)."""
    figures: list[UnitFigure] = []
    for provider in UNIT_FIGURE_PROVIDERS:
        figures.extend(provider(user, within, units))
    return figures


def org_units_in_subtree(user, unit: OrgUnit) -> QuerySet[OrgUnit]:
    """The unit and every unit below it that the user may see, in code order."""
    return scoped(
        OrgUnit.objects.filter(prefix_q("prefix", unit.prefix)).select_related("parent"), user
    ).order_by("code")


def org_unit_root_for(user) -> OrgUnit | None:
    if user.is_superuser:
        return OrgUnit.objects.filter(parent__isnull=True).order_by("code").first()
    return user.unit


def org_unit_subtree_counts(unit: OrgUnit) -> dict[int, int]:
    """How many active units of each level lie below ``unit``."""
    rows = (
        OrgUnit.objects.filter(prefix_q("prefix", unit.prefix), is_active=True)
        .exclude(pk=unit.pk)
        .values("level")
        .annotate(n=Count("id"))
    )
    return {row["level"]: row["n"] for row in rows}


def user_roles_assignable(user, units: QuerySet[OrgUnit]) -> list[tuple[str, str]]:
    """The roles the user can actually give at one of ``units`` (the units they manage):
    a role whose level has no such unit, or an auditor the user may not appoint, would only
    fail on saving."""
    levels = set(units.order_by().values_list("level", flat=True).distinct())
    choices = []
    for value, label in Role.choices:
        possible = levels & ROLE_LEVELS[value]
        if value == Role.AUDITOR:
            possible = {level for level in possible if may_manage_auditor_at(user, level)}
        if possible:
            choices.append((value, label))
    return choices


def users_visible(user) -> QuerySet[User]:
    return scoped(User.objects.filter(is_superuser=False).select_related("unit"), user)


def user_get(user, uid) -> User:
    return get_in_scope_or_404(
        User.objects.filter(is_superuser=False).select_related("unit"), user, uid=uid
    )


def _between(queryset: QuerySet, since: datetime.date | None, until: datetime.date | None):
    tz = timezone.get_current_timezone()
    # The calendar's first and last days have no midnight in every time zone (the database
    # answered 500 to ?since=0001-01-01): there they bound nothing.
    if since and since > datetime.date.min:
        queryset = queryset.filter(at__gte=datetime.datetime.combine(since, datetime.time.min, tz))
    if until and until < datetime.date.max:
        end = datetime.datetime.combine(until + datetime.timedelta(days=1), datetime.time.min, tz)
        queryset = queryset.filter(at__lt=end)
    return queryset


def audit_events(
    user,
    *,
    actor: str = "",
    unit: str = "",
    action: str = "",
    since: datetime.date | None = None,
    until: datetime.date | None = None,
) -> QuerySet[AuditEvent]:
    """The change log of the user's jurisdiction, newest first."""
    queryset = scoped(AuditEvent.objects.select_related("actor"), user)
    if actor:
        queryset = queryset.filter(actor__username=actor)
    if unit:
        queryset = queryset.filter(subtree_q("unit_code", unit))
    if action:
        queryset = queryset.filter(action__startswith=action)
    return _between(queryset, since, until)


def sensitive_accesses(
    user,
    *,
    actor: str = "",
    unit: str = "",
    since: datetime.date | None = None,
    until: datetime.date | None = None,
) -> QuerySet[SensitiveAccess]:
    """The sensitive-read log of the user's jurisdiction, newest first."""
    queryset = scoped(SensitiveAccess.objects.select_related("actor"), user)
    if actor:
        queryset = queryset.filter(actor__username=actor)
    if unit:
        queryset = queryset.filter(subtree_q("unit_code", unit))
    return _between(queryset, since, until)


def sensitive_access_summary(accesses: QuerySet[SensitiveAccess], top: int = 10) -> list[dict]:
    """The users who read most, by occasions rather than rows: an export logs a row per
    person written (in batches of one second), which would bury ten reveals under one export.
    An occasion is one user's reads within the same second."""
    return list(
        accesses.order_by()
        .values("actor__username")
        .annotate(n=Count(TruncSecond("at"), distinct=True))
        .order_by("-n", "actor__username")[:top]
    )
