"""Reads of the organisation tree, users and audit logs, always through the jurisdiction."""

import datetime
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar
from uuid import UUID

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncSecond
from django.utils import timezone
from django.utils.functional import Promise

from shequ.core.hooks import app_hooks
from shequ.core.identifiers import division_parents
from shequ.core.text import prefix_q
from shequ.org.models import AuditEvent, OrgUnit, RightRequest, SensitiveAccess, User
from shequ.org.roles import ROLE_LEVELS, Role
from shequ.org.scoping import get_in_scope_or_404, scoped, subtree_q

_Logged = TypeVar("_Logged", AuditEvent, SensitiveAccess)


def org_units_visible(user: User) -> QuerySet[OrgUnit]:
    """Units in the user's jurisdiction, with parent and delegate loaded."""
    return scoped(OrgUnit.objects.select_related("parent", "delegate"), user)


def org_unit_get(user: User, code: str) -> OrgUnit:
    return get_in_scope_or_404(
        OrgUnit.objects.select_related("parent", "delegate"), user, code=code
    )


def org_unit_ancestors(unit: OrgUnit) -> list[OrgUnit]:
    """The chain from the root down to the unit's parent, in one query."""
    base = unit.code[:12]
    candidates = division_parents(base) + ([base] if len(unit.code) == 14 else [])
    return list(OrgUnit.objects.filter(code__in=candidates).order_by("level"))


def org_unit_children(user: User, unit: OrgUnit) -> QuerySet[OrgUnit]:
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


# Other apps count their records per unit as "unit_figures" (core/hooks.py): the registry
# counts persons, homes and buildings.
# A provider takes (user, within, units) and returns figures for the units, all inside
# ``within``'s subtree, in a number of queries that does not grow with the units.
UnitFigureProvider = Callable[[User, OrgUnit, Sequence[OrgUnit]], list[UnitFigure]]


def org_unit_figures(user: User, within: OrgUnit, units: Sequence[OrgUnit]) -> list[UnitFigure]:
    """Every provider's counts for ``units`` (each the root of a subtree inside ``within``)."""
    figures: list[UnitFigure] = []
    provider: UnitFigureProvider
    for provider in app_hooks("unit_figures"):
        figures.extend(provider(user, within, units))
    return figures


def org_units_in_subtree(user: User, unit: OrgUnit) -> QuerySet[OrgUnit]:
    """The unit and every unit below it that the user may see, in code order."""
    return scoped(
        OrgUnit.objects.filter(prefix_q("prefix", unit.prefix)).select_related("parent"), user
    ).order_by("code")


def org_unit_root_for(user: User) -> OrgUnit | None:
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


def user_roles_assignable(user: User, units: QuerySet[OrgUnit]) -> list[tuple[str, str | Promise]]:
    """The roles the user can actually give at one of ``units`` (the units they manage):
    a role whose level has no such unit would only fail on saving."""
    levels = set(units.order_by().values_list("level", flat=True).distinct())
    return [(value, label) for value, label in Role.choices if levels & ROLE_LEVELS[value]]


def user_units_manageable(user: User) -> QuerySet[OrgUnit]:
    """The active units where the user may create or move accounts: strictly below their own
    (nobody manages accounts at their own unit or above), never a blind zone."""
    units = org_units_visible(user).filter(is_active=True).exclude(kind=OrgUnit.Kind.COMPOUND)
    if not user.is_superuser:
        units = units.exclude(code=user.unit_id)
    return units.order_by("code")


def right_requests_pending(user: User) -> QuerySet[RightRequest]:
    """Requests for data rights this user may decide: accounts below their unit, asked for
    and created by someone else."""
    queryset = scoped(
        RightRequest.objects.filter(status=RightRequest.Status.PENDING).select_related(
            "user__unit", "requested_by"
        ),
        user,
    ).exclude(user=user)
    queryset = queryset.exclude(requested_by=user).exclude(user__created_by=user)
    if not user.is_superuser:
        queryset = queryset.exclude(unit_code=user.unit_id)
    return queryset.order_by("requested_at", "id")


def right_requests_of(user: User, target: User) -> QuerySet[RightRequest]:
    """The requests for one account, newest first (its page shows them)."""
    return scoped(RightRequest.objects.filter(user=target), user).select_related(
        "requested_by", "decided_by"
    )


def right_request_get(user: User, uid: UUID | str) -> RightRequest:
    return get_in_scope_or_404(
        RightRequest.objects.select_related("user__unit", "requested_by"), user, uid=uid
    )


def users_visible(user: User) -> QuerySet[User]:
    return scoped(User.objects.filter(is_superuser=False).select_related("unit"), user)


def user_get(user: User, uid: UUID | str) -> User:
    return get_in_scope_or_404(
        User.objects.filter(is_superuser=False).select_related("unit"), user, uid=uid
    )


def _between(
    queryset: QuerySet[_Logged], since: datetime.date | None, until: datetime.date | None
) -> QuerySet[_Logged]:
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
    user: User,
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
    user: User,
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


def sensitive_access_summary(
    accesses: QuerySet[SensitiveAccess], top: int = 10
) -> list[Mapping[str, Any]]:
    """The users who read most, by occasions rather than rows: an export logs a row per
    person written (in batches of one second), which would bury ten reveals under one export.
    An occasion is one user's reads within the same second."""
    return list(
        accesses.order_by()
        .values("actor__username")
        .annotate(n=Count(TruncSecond("at"), distinct=True))
        .order_by("-n", "actor__username")[:top]
    )
