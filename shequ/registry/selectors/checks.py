"""Reads of checks: who is due a check, and one person's checks."""

import datetime

from django.db.models import (
    Q,
    QuerySet,
)

from shequ.registry.models import (
    Check,
    Person,
    PersonStatus,
    PopulationType,
)
from shequ.registry.rules import (
    month_start,
    quarter_start,
)


def overdue_q(kind: str, today: datetime.date) -> Q:
    """每月一查 covers the floating population; 每季度一核对 every active person."""
    if kind == "monthly":
        since = month_start(today)
        return Q(
            status=PersonStatus.ACTIVE,
            population_type__in=[PopulationType.INFLOW, PopulationType.OUTFLOW],
        ) & (Q(last_monthly_check__isnull=True) | Q(last_monthly_check__lt=since))
    since = quarter_start(today)
    return Q(status=PersonStatus.ACTIVE) & (
        Q(last_quarterly_verification__isnull=True) | Q(last_quarterly_verification__lt=since)
    )


def person_checks(person: Person) -> QuerySet[Check]:
    return person.checks.select_related("actor")


def person_last_check(person: Person) -> Check | None:
    """The check recorded last for the person (the answer to recording one)."""
    return person.checks.select_related("actor", "person").order_by("-id").first()
