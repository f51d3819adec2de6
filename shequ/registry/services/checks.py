"""Writes of checks: 每月一查 (a visit to a home, or a check of one person or many),
每季度一核对, the pending departures 人不在 opens and their resolution, the street's review."""

import datetime
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.org.audit import (
    ChangedTarget,
    audit_change,
    audit_changes,
    field_changes,
)
from shequ.org.models import OrgUnit, User
from shequ.org.roles import Level
from shequ.org.scoping import code_in_scope
from shequ.registry.models import (
    Check,
    Household,
    PendingDeparture,
    Person,
    PersonStatus,
    QuarterlyReview,
    Visit,
)
from shequ.registry.rules import quarter_start
from shequ.registry.selectors.checks import quarter_figures
from shequ.registry.services._common import (
    _not_future,
    _reason,
    _require,
    _require_active,
    _require_scope,
    person_label,
)
from shequ.registry.services.flows import person_depart


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
    visit: Visit | None = None,
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
            visit=visit,
        )
        for p in people
    ]
    Check.objects.bulk_create(checks, batch_size=500)
    if result == Check.Result.ABSENT:
        _pending_open(checks, date)

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


def _pending_open(checks: list[Check], date: datetime.date) -> None:
    """人不在: each person goes on the pending-departure list (人走注销) of their community,
    once — a second 人不在 while a case is open adds to that case."""
    already = set(
        PendingDeparture.objects.filter(
            person__in=[c.person_id for c in checks], status=PendingDeparture.Status.OPEN
        ).values_list("person_id", flat=True)
    )
    PendingDeparture.objects.bulk_create(
        [
            PendingDeparture(
                person_id=c.person_id, check_row=c, unit_code=c.unit_code, raised_on=date
            )
            for c in checks
            if c.person_id not in already
        ]
    )


@transaction.atomic
def visit_record(
    *,
    actor: User | None,
    household: Household,
    date: datetime.date,
    absent: Iterable[Person] = (),
    corrected: Iterable[Person] = (),
    newcomers: str = "",
    note: str = "",
) -> Visit:
    """每月一查 as a visit to a home: every active member found (信息无误, or 已更正 for those
    in ``corrected``) or not (``absent``: 人不在, onto the pending-departure list); people
    found living there but not registered are named in ``newcomers`` for registration."""
    _require(actor)
    _require_scope(actor, household.unit_id)
    today = timezone.localdate()
    _not_future(date, "date", today)
    if date < today - datetime.timedelta(days=366):
        raise ValidationError({"date": [_("走访日期不能早于一年前：补录更早的走访请联系上级。")]})
    if not household.is_active:
        raise ValidationError(_("该住户已注销，不能走访。"))
    members = {p.pk: p for p in household.members.filter(status=PersonStatus.ACTIVE).order_by("pk")}
    gone = {p.pk for p in absent}
    fixed = {p.pk for p in corrected}
    strangers = (gone | fixed) - set(members)
    if strangers:
        raise ValidationError({"absent": [_("所选人员不是该住户的在册人员。")]})
    if gone & fixed:
        raise ValidationError({"absent": [_("同一人不能既“人不在”又“已更正”。")]})
    newcomers, note = newcomers.strip()[:200], note.strip()[:200]
    if not members and not newcomers:
        raise ValidationError(_("该住户没有在册人员：请填写走访发现的新来人员。"))
    visit = Visit.objects.create(
        household=household,
        date=date,
        unit_code=household.unit_id,
        actor=actor if getattr(actor, "pk", None) else None,
        newcomers=newcomers,
        note=note,
    )
    groups = {
        Check.Result.ABSENT: [members[pk] for pk in sorted(gone)],
        Check.Result.CORRECTED: [members[pk] for pk in sorted(fixed)],
        Check.Result.CONFIRMED: [p for pk, p in members.items() if pk not in gone | fixed],
    }
    for result, people in groups.items():
        if people:
            checks_record(
                actor=actor,
                persons=people,
                kind=Check.Kind.MONTHLY,
                date=date,
                result=result,
                note=note,
                visit=visit,
            )
    audit_change(
        actor=actor,
        action="household.visit",
        target=visit,
        unit_code=visit.unit_code,
        label=str(household),
        reason=_("每月一查：在 %(found)s 人，人不在 %(absent)s 人")
        % {"found": len(members) - len(gone), "absent": len(gone)},
        changes={"newcomers": newcomers} if newcomers else None,
    )
    return visit


@transaction.atomic
def pending_departure_resolve(
    *,
    actor: User | None,
    pending: PendingDeparture,
    outcome: str,
    reason: str,
    date: datetime.date | None = None,
    division: str | None = None,
    destination_unknown: bool = False,
) -> PendingDeparture:
    """The community resolves a 人不在: the person left (人走注销 — a departure through the
    flow service, with its destination or 去向不明) or was found again."""
    _require(actor)
    pending = (
        PendingDeparture.objects.select_for_update().select_related("person").get(pk=pending.pk)
    )
    _require_scope(actor, pending.unit_code)
    reason = _reason(reason)
    if pending.status != PendingDeparture.Status.OPEN:
        raise ValidationError(_("该待注销记录已处理。"))
    if outcome == PendingDeparture.Status.DEPARTED:
        person_depart(
            actor=actor,
            person=pending.person,
            date=date or timezone.localdate(),
            reason=reason,
            division=division,
            destination_unknown=destination_unknown or not division,
        )
    elif outcome != PendingDeparture.Status.FOUND:
        raise ValidationError({"outcome": [_("未知的处理结果。")]})
    pending.status = outcome
    pending.resolved_by = actor if getattr(actor, "pk", None) else None
    pending.resolved_at = timezone.now()
    pending.resolution = reason[:200]
    pending.save(update_fields=["status", "resolved_by", "resolved_at", "resolution"])
    audit_change(
        actor=actor,
        action=f"person.pending_departure.{outcome}",
        target=pending.person,
        unit_code=pending.unit_code,
        label=person_label(pending.person),
        reason=reason,
        changes={"pending_departure": outcome},
    )
    return pending


@transaction.atomic
def quarterly_review_record(
    *,
    actor: User | None,
    street: OrgUnit,
    quarter: datetime.date,
    findings: str,
) -> QuarterlyReview:
    """每季度一核对 reviewed by a street: records who reviewed its communities' checks of a
    quarter, when, the figures as they were and the findings."""
    _require(actor)
    if street.level != Level.STREET:
        raise ValidationError({"unit": [_("季度核对由街道（乡镇）组织：请选择街道。")]})
    if actor is not None and not code_in_scope(actor, street.code):
        raise PermissionDenied(_("该记录不在您的管辖范围内。"))
    if actor is not None and getattr(actor.unit, "level", Level.CITY) > Level.STREET:
        raise PermissionDenied(_("季度核对由街道及以上工作人员记录。"))
    findings = (findings or "").strip()
    if not findings:
        raise ValidationError({"findings": [_("请填写核对意见。")]})
    start = quarter_start(quarter)
    if start > timezone.localdate():
        raise ValidationError({"quarter": [_("不能核对尚未开始的季度。")]})
    review = QuarterlyReview.objects.create(
        unit_code=street.code,
        quarter=start,
        reviewer=actor if getattr(actor, "pk", None) else None,
        figures=quarter_figures(street, start),
        findings=findings[:2000],
    )
    audit_change(
        actor=actor,
        action="unit.quarterly_review",
        target=review,
        unit_code=street.code,
        label=f"{street.name} {start}",
        reason=findings[:100],
    )
    return review
