"""Reads of the outbox: a unit's inbox and what it sent, and one message with its summary
(health facts only for the health right, the read logged)."""

from collections.abc import Iterable
from typing import Any

import django_filters
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.org.audit import SensitiveTarget, audit_sensitive_read
from shequ.org.models import User
from shequ.org.roles import Action, can
from shequ.org.scoping import scope_q
from shequ.outbox.models import Notification


def notifications_visible(user: User) -> QuerySet[Notification]:
    """Messages to or from a unit in the user's jurisdiction."""
    return Notification.objects.select_related("person", "acknowledged_by").filter(
        scope_q(user, "to_unit_code") | scope_q(user, "from_unit_code")
    )


def notification_get(user: User, uid: Any) -> Notification:
    try:
        found = notifications_visible(user).filter(uid=uid).first()
    except (ValueError, ValidationError):
        found = None
    if found is None:
        raise Http404
    return found


# What a reader without the health right sees of a message that carries health facts: its
# title and kind name the service (流动人口孕期访视通报 says "pregnant"), so both are replaced.
HEALTH_KIND = "health"
HEALTH_TITLE = _("健康服务通报")


def conceal_health(user: User, notices: Iterable[Notification]) -> None:
    """Give health messages a neutral title and kind for a reader without the health right
    (in memory only, never saved): pages and API show what this leaves."""
    if can(user, Action.VIEW_HEALTH):
        return
    for notice in notices:
        if notice.health:
            notice.title, notice.kind = str(HEALTH_TITLE), HEALTH_KIND


def overdue_q() -> Q:
    return ~Q(state=Notification.State.ACKNOWLEDGED) & Q(due_date__lt=timezone.localdate())


def summary_for(user: User, notice: Notification, *, channel: str) -> str | None:
    """The message's text for this reader: ``None`` when it carries health facts the reader
    may not see; a health summary shown is logged."""
    if not notice.health:
        return notice.summary
    if not can(user, Action.VIEW_HEALTH):
        return None
    audit_sensitive_read(
        actor=user,
        targets=[
            SensitiveTarget(
                "outbox.notification",
                str(notice.uid),
                notice.title,
                notice.to_unit_code or notice.from_unit_code,
            )
        ],
        fields=["summary"],
        purpose="exchange",
        channel=channel,
    )
    return notice.summary


class NotificationFilter(django_filters.FilterSet):
    box = django_filters.ChoiceFilter(
        choices=[("inbox", _("收到的")), ("sent", _("发出的"))],
        method="filter_box",
        label=_("收发"),
    )
    state = django_filters.ChoiceFilter(
        choices=[*Notification.State.choices, ("overdue", _("已逾期"))],
        method="filter_state",
        label=_("状态"),
    )
    kind = django_filters.CharFilter(method="filter_kind", label=_("类型"))

    class Meta:
        model = Notification
        fields = ["box", "state", "kind"]

    def filter_box(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        user = self.request.user
        field = "to_unit_code" if value == "inbox" else "from_unit_code"
        return queryset.filter(scope_q(user, field))

    def filter_kind(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        """Without the health right a health message's kind is ``health`` alone: asking for
        a service's kind must not count its messages."""
        if can(self.request.user, Action.VIEW_HEALTH):
            return queryset.filter(kind=value)
        if value == HEALTH_KIND:
            return queryset.filter(health=True)
        return queryset.filter(kind=value, health=False)

    def filter_state(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(overdue_q()) if value == "overdue" else queryset.filter(state=value)
