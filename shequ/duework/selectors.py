"""Reads of due work: the tasks in a user's jurisdiction, a worker's own, and the counts of
open and overdue tasks per unit and per worker (one grouped query each)."""

import datetime
from typing import Any

import django_filters
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.core.hooks import app_hooks
from shequ.duework.models import CalendarDay, Task
from shequ.org.models import OrgUnit, User
from shequ.org.roles import Action, can
from shequ.org.scoping import scoped, subtree_q


def today() -> datetime.date:
    return timezone.localdate()


def tasks_visible(user: User) -> QuerySet[Task]:
    tasks = scoped(Task.objects.select_related("person", "assignee", "done_by"), user)
    if not can(user, Action.VIEW_HEALTH):
        # A health task names what it is for (孕期访视 says she is pregnant, a follow-up
        # which method she uses): listed only to those who may read health facts.
        for prefix in app_hooks("health_task_kinds"):
            tasks = tasks.exclude(kind__startswith=prefix)
    return tasks


# The columns a list shows: the task's own and the few of its person and workers. The full
# rows joined were ~5.6 kB a task (two user rows, the person's encrypted fields decrypted
# on load) for a name and two usernames (bench/health.py, docs/benchmarks.md).
LIST_COLUMNS = (
    *(f.name for f in Task._meta.concrete_fields),
    "person__uid",
    "person__name",
    "assignee__username",
    "assignee__full_name",
    "done_by__username",
    "done_by__full_name",
)


def tasks_listed(user: User) -> QuerySet[Task]:
    """``tasks_visible`` as a list reads it: the listed columns only, soonest due first."""
    return tasks_visible(user).only(*LIST_COLUMNS).order_by("due_date", "id")


def task_get(user: User, uid: Any) -> Task:
    try:
        found = tasks_visible(user).filter(uid=uid).first()
    except (ValueError, ValidationError):
        found = None
    if found is None:
        raise Http404
    return found


def overdue_q(on: datetime.date | None = None) -> Q:
    return Q(state=Task.State.OPEN, due_date__lt=on or today())


class TaskFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(
        choices=[*Task.State.choices, ("overdue", _("已逾期"))],
        method="filter_state",
        label=_("状态"),
    )
    kind = django_filters.CharFilter(label=_("类型"))
    unit = django_filters.CharFilter(
        method="filter_unit",
        label=_("单位"),
        validators=[RegexValidator(r"^\d{12}(\d{2})?$", _("单位代码应为 12 或 14 位数字。"))],
    )
    mine = django_filters.BooleanFilter(method="filter_mine", label=_("只看我的"))
    due_before = django_filters.DateFilter(
        field_name="due_date", lookup_expr="lte", label=_("截止不晚于")
    )
    person = django_filters.UUIDFilter(field_name="person__uid", label=_("对象"))

    class Meta:
        model = Task
        fields = ["state", "kind", "unit", "mine", "due_before", "person"]

    def filter_state(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == "overdue":
            return queryset.filter(overdue_q())
        return queryset.filter(state=value)

    def filter_unit(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(subtree_q("unit_code", value))

    def filter_mine(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        user = getattr(self.request, "user", None)
        return queryset.filter(assignee=user) if value and user else queryset

    def problems(self) -> list[str]:
        if self.is_valid():
            return []
        return [
            f"{self.form.fields[name].label}：{message}" if name in self.form.fields else message
            for name, messages in self.errors.items()
            for message in messages
        ]


def task_counts_by_unit(user: User, tasks: QuerySet[Task]) -> list[dict[str, Any]]:
    """Open and overdue tasks per unit, with the unit's name: two queries whatever the size."""
    on = today()
    rows: list[dict[str, Any]] = [
        dict(row)
        for row in tasks.filter(state=Task.State.OPEN)
        .order_by()
        .values("unit_code")
        .annotate(open=Count("id"), overdue=Count("id", filter=Q(due_date__lt=on)))
        .order_by("-overdue", "unit_code")[:200]
    ]
    names = dict(
        OrgUnit.objects.filter(code__in=[r["unit_code"] for r in rows]).values_list("code", "name")
    )
    for row in rows:
        row["name"] = names.get(row["unit_code"], row["unit_code"])
    return rows


def task_counts_by_assignee(tasks: QuerySet[Task]) -> list[dict[str, Any]]:
    """Open and overdue tasks per worker (unassigned tasks under None): one query."""
    on = today()
    rows: list[dict[str, Any]] = [
        dict(row)
        for row in tasks.filter(state=Task.State.OPEN)
        .order_by()
        .values("assignee", "assignee__full_name", "assignee__username")
        .annotate(open=Count("id"), overdue=Count("id", filter=Q(due_date__lt=on)))
        .order_by("-overdue")[:200]
    ]
    return rows


def calendar_days(year: int | None = None) -> QuerySet[CalendarDay]:
    days = CalendarDay.objects.select_related("created_by")
    return days.filter(date__year=year) if year else days
