"""Writes of checks: 每月一查 and 每季度一核对, for one person or many."""

import datetime
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.org.audit import (
    ChangedTarget,
    audit_changes,
    field_changes,
)
from shequ.org.models import User
from shequ.registry.models import (
    Check,
    Person,
)
from shequ.registry.services._common import (
    _not_future,
    _require,
    _require_active,
    _require_scope,
    person_label,
)


def _check_reason(kind: str, result: str, note: str = "") -> str:
    """The reason a check writes into the history and the change log: "每月一查：信息无误"."""
    reason = f"{Check.Kind(kind).label}：{Check.Result(result).label}"
    return f"{reason}；{note}" if note else reason


@transaction.atomic
def checks_record(
    *,
    actor: User | None,
    persons: Iterable[Person],
    kind: str,
    date: datetime.date,
    result: str = Check.Result.CONFIRMED,
    note: str = "",
) -> int:
    """每月一查 / 季度核对 for one or many people at once; returns how many were recorded.

    Each person gets a check row, a history row (who, when, the check as reason) and a
    change-log row; each kind of row is one insert, however many people a community checks.
    """
    _require(actor)
    today = timezone.localdate()
    _not_future(date, "date", today)
    if kind not in Check.Kind.values:
        raise ValidationError({"kind": [_("未知的核查类型。")]})
    if result not in Check.Result.values:
        raise ValidationError({"result": [_("未知的核查结果。")]})
    people = list({p.pk: p for p in persons}.values())
    for person in people:
        _require_scope(actor, person.unit_id)
        _require_active(person)
    user = actor if getattr(actor, "pk", None) else None
    note = note[:200]
    checks = [
        Check(
            person=p,
            kind=kind,
            date=date,
            result=result,
            note=note,
            unit_code=p.unit_id,
            actor=user,
        )
        for p in people
    ]
    Check.objects.bulk_create(checks, batch_size=500)

    field = "last_monthly_check" if kind == Check.Kind.MONTHLY else "last_quarterly_verification"
    reason = _check_reason(kind, result, note)
    # History is written from the rows as stored, locked: the caller's objects may be stale
    # or still carry the user and reason of an earlier save.
    stored = Person.objects.select_for_update().order_by().in_bulk([p.pk for p in people])
    records, changed, targets = [], [], []
    for person, check in zip(people, checks, strict=True):
        record = stored[person.pk]
        old = getattr(record, field)
        if old is None or old < date:
            setattr(record, field, date)
            setattr(person, field, date)
            record.version += 1  # the row is locked: no one else counts meanwhile
            person.version = record.version
            changed.append(record)
        # simple-history's attributes (undeclared: ignored by mypy)
        record._history_user = user  # type: ignore[attr-defined]
        record._change_reason = reason[:100]  # type: ignore[attr-defined]
        record._history_date = check.created_at  # type: ignore[attr-defined]  # the timeline joins check and row by it
        records.append(record)
        targets.append(
            ChangedTarget(
                record,
                record.unit_id,
                person_label(record),
                field_changes({field: old}, {field: getattr(record, field)}),
            )
        )
    Person.objects.bulk_update(changed, [field, "version"], batch_size=500)
    Person.history.bulk_history_create(records, batch_size=500, update=True)
    audit_changes(actor=actor, action=f"person.check.{kind}", targets=targets, reason=reason)
    return len(people)
