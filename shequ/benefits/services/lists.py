"""A year's list: started, computed in a background job with progress, rows checked by the
communities, confirmed and frozen by the street, corrected and added to after that, published
(政务公开)."""

import datetime
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from shequ.benefits import rules
from shequ.benefits.eligibility import Answer, eligibility, masked_identity
from shequ.benefits.models import (
    BenefitList,
    BenefitRow,
    ListState,
    Payment,
    PaymentState,
    may_check,
    may_confirm,
)
from shequ.benefits.rules import Outcome, Programme
from shequ.benefits.services._common import (
    BATCH,
    _reason,
    _require_scope,
    _require_street_on,
    may_compute,
)
from shequ.core.bulk import bulk_insert
from shequ.core.versions import lock_row
from shequ.org.audit import audit_change, save_with_history
from shequ.org.models import OrgUnit, User
from shequ.org.roles import Action, Level, can
from shequ.registry.models import Person
from shequ.rulebook.selectors import RuleMissing


def benefit_list_start(
    *, actor: User | None, unit: OrgUnit, programme: str, year: int
) -> BenefitList:
    """Start computing a programme's list of a year for a street (again, while it is not
    confirmed: its rows and their checks are then computed afresh). The caller runs it:
    ``tasks.enqueue_compute`` (a job with progress) or ``benefit_list_compute`` at once."""
    if not may_compute(actor):
        raise PermissionDenied(_("只有街道工作人员可以计算年度名单。"))
    _require_scope(actor, unit.code)
    errors: dict[str, list[str]] = {}
    if programme not in Programme.values:
        errors["programme"] = [_("请选择项目。")]
    if not 2004 <= year <= timezone.localdate().year + 1:
        errors["year"] = [_("年度须在 2004 年至明年之间。")]
    if actor is not None and not actor.is_superuser and unit.level != Level.STREET:
        errors["unit"] = [_("年度名单由街道（乡镇）计算。")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        found = (
            BenefitList.objects.select_for_update()
            .filter(programme=programme, year=year, unit=unit)
            .first()
        )
        if found is not None:
            if found.state == ListState.CONFIRMED:
                raise ValidationError(
                    {"year": [_("该年度名单已确认冻结，不能重新计算；如有变动请做更正。")]}
                )
            if found.state == ListState.COMPUTING:
                raise ValidationError({"year": [_("该年度名单正在计算，请稍候。")]})
            found.recompute()
            benefit_list = found
        else:
            benefit_list = BenefitList(
                programme=programme, year=year, unit=unit, basis_on=datetime.date(year, 1, 1)
            )
        benefit_list.progress_done = benefit_list.progress_total = 0
        benefit_list.message = ""
        benefit_list.computed_by = actor if getattr(actor, "pk", None) else None
        save_with_history(benefit_list, actor=actor, reason=_("计算年度名单"))
        audit_change(
            actor=actor,
            action="benefits.list_compute",
            target=benefit_list,
            unit_code=unit.code,
            label=f"{unit.name} {benefit_list}",
        )
    return benefit_list


def benefit_list_reset(
    *, actor: User | None, benefit_list: BenefitList, reason: str
) -> BenefitList:
    """Release a list stuck in "computing" (its job died: a restart, a killed worker): it
    becomes "failed" with the reason, and may be computed again. A job still running when
    this happens finds the list no longer computing and drops its result."""
    reason = _reason(reason)
    if not may_compute(actor):
        raise PermissionDenied(_("只有街道工作人员可以重置年度名单的计算。"))
    _require_scope(actor, benefit_list.unit_id)
    with transaction.atomic():
        lock_row(benefit_list)
        if not can_proceed(benefit_list.reset):
            raise ValidationError(
                _("名单当前为“%(state)s”，不在计算中，无需重置。")
                % {"state": benefit_list.get_state_display()}
            )
        benefit_list.reset()
        benefit_list.message = reason
        save_with_history(benefit_list, actor=actor, reason=reason)
        audit_change(
            actor=actor,
            action="benefits.list_reset",
            target=benefit_list,
            unit_code=benefit_list.unit_id,
            label=f"{benefit_list.unit.name} {benefit_list}",
            reason=reason,
            changes={"progress": f"{benefit_list.progress_done}/{benefit_list.progress_total}"},
        )
    return benefit_list


def _row(benefit_list: BenefitList, answer: Answer, **extra: Any) -> BenefitRow:
    person, result = answer.person, answer.result
    return BenefitRow(
        benefit_list=benefit_list,
        person_id=person["id"],
        unit_code=answer.unit_code,
        name=person["name"],
        id_masked=masked_identity(person),
        sex=person["sex"],
        birth_year=person["birth_date"].year,
        hukou_code=(person["hukou_division_id"] or "")[:12],
        outcome=result.outcome,
        category=result.category,
        amount=result.amount,
        reasons=result.reasons,
        facts=answer.frozen_facts,
        included=result.outcome == Outcome.ELIGIBLE,
        **extra,
    )


def benefit_list_compute(benefit_list: BenefitList) -> BenefitList:
    """Run the computation of a list in ``computing`` (the job's body): every person the
    street pays through ``eligibility``, written as draft rows; progress on the list."""
    if benefit_list.state != ListState.COMPUTING:
        return benefit_list

    def progress(done: int, total: int) -> None:
        BenefitList.objects.filter(pk=benefit_list.pk).update(
            progress_done=done, progress_total=total
        )

    try:
        found = eligibility(
            unit=benefit_list.unit,
            year=benefit_list.year,
            programme=benefit_list.programme,
            with_identity=True,
            progress=progress,
        )
    except RuleMissing as missing:
        with transaction.atomic():
            lock_row(benefit_list)
            if benefit_list.state != ListState.COMPUTING:  # reset meanwhile: nothing to say
                return benefit_list
            benefit_list.fail()
            benefit_list.message = "；".join(missing.messages)
            save_with_history(benefit_list, actor=None, reason=_("计算失败"))
        return benefit_list
    with transaction.atomic():
        lock_row(benefit_list)
        if benefit_list.state != ListState.COMPUTING:
            # Reset while this job ran (``benefit_list_reset``): its result is dropped; the
            # list is computed again when someone starts it.
            return benefit_list
        # Draft rows of an earlier computation: never confirmed, never paid, replaced.
        BenefitRow.objects.filter(benefit_list=benefit_list).delete()
        rows = [_row(benefit_list, answer) for answer in found.answers]
        # bulk_create, not the COPY path: the rows carry JSON (reasons, facts) it does not
        # write; the list's own history says who computed them and when.
        BenefitRow.objects.bulk_create(rows, batch_size=BATCH)
        counts = found.counts()
        benefit_list.eligible_count = counts.get(Outcome.ELIGIBLE, 0)
        benefit_list.pending_count = counts.get(Outcome.PENDING, 0)
        benefit_list.ineligible_count = counts.get(Outcome.INELIGIBLE, 0)
        benefit_list.total_amount = sum(
            (
                a.result.amount or Decimal(0)
                for a in found.answers
                if a.result.outcome == "eligible"
            ),
            Decimal(0),
        )
        assert found.table is not None
        benefit_list.rules = {
            str(row.uid): {
                "key": row.key,
                "region": row.region_prefix,
                "value": row.value,
                "valid_from": row.valid_from.isoformat(),
            }
            for row in found.table.used.values()
        }
        benefit_list.progress_done = benefit_list.progress_total = len(rows)
        benefit_list.computed_at = timezone.now()
        benefit_list.finish()
        save_with_history(benefit_list, actor=None, reason=_("计算完成"))
    return benefit_list


def rows_check(
    *, actor: User | None, benefit_list: BenefitList, rows: QuerySet[BenefitRow], note: str = ""
) -> int:
    """核对: the community (or the street) marks rows it has checked, with an optional
    note; ``rows`` is what the actor may see of the list (a scoped queryset)."""
    if not may_check(actor) or (actor is not None and not can(actor, Action.EDIT_REGISTRY)):
        raise PermissionDenied(_("您的角色不能核对名单。"))
    if benefit_list.state != ListState.COMPUTED:
        raise ValidationError(
            _("名单当前为“%(state)s”，不能核对。") % {"state": benefit_list.get_state_display()}
        )
    note = (note or "").strip()[:200]
    with transaction.atomic():
        chosen = list(
            rows.filter(benefit_list=benefit_list, checked_at__isnull=True).values_list(
                "pk", "uid", "unit_code", "name"
            )
        )
        now = timezone.now()
        by = actor if getattr(actor, "pk", None) else None
        for part in range(0, len(chosen), BATCH):
            keys = [pk for pk, *_rest in chosen[part : part + BATCH]]
            BenefitRow.objects.filter(pk__in=keys).update(
                checked_at=now, checked_by=by, check_note=note
            )
        units = sorted({code[:12] for _pk, _uid, code, _name in chosen})
        audit_change(
            actor=actor,
            action="benefits.rows_check",
            target=benefit_list,
            unit_code=benefit_list.unit_id,
            label=str(benefit_list),
            reason=note,
            changes={"rows": len(chosen), "units": units},
        )
    return len(chosen)


@transaction.atomic
def benefit_list_confirm(*, actor: User | None, benefit_list: BenefitList) -> BenefitList:
    """确认: the street confirms the checked list; it is frozen from now on, and the payments
    of every included row are due (one per payment period, the amount from the row)."""
    lock_row(benefit_list)
    _require_scope(actor, benefit_list.unit_id)
    # The role first (the transition's permission), then the state and the checks: a street
    # officer confirming too early is told what is missing, not that they may not.
    if not may_confirm(actor) or (actor is not None and not can(actor, Action.EDIT_REGISTRY)):
        raise PermissionDenied(_("只有街道工作人员可以确认年度名单。"))
    if not can_proceed(benefit_list.confirm):
        unchecked = benefit_list.rows.filter(checked_at__isnull=True).count()
        if benefit_list.state == ListState.COMPUTED and unchecked:
            raise ValidationError(_("还有 %(n)d 人未经社区核对，不能确认。") % {"n": unchecked})
        raise ValidationError(
            _("名单当前为“%(state)s”，不能确认。") % {"state": benefit_list.get_state_display()}
        )
    benefit_list.confirm()
    benefit_list.confirmed_at = timezone.now()
    benefit_list.confirmed_by = actor if getattr(actor, "pk", None) else None
    save_with_history(benefit_list, actor=actor, reason=_("确认名单"))
    included = benefit_list.rows.filter(included=True)
    made = _payments_for(benefit_list, included)
    audit_change(
        actor=actor,
        action="benefits.list_confirm",
        target=benefit_list,
        unit_code=benefit_list.unit_id,
        label=str(benefit_list),
        changes={"payments": made},
    )
    return benefit_list


def _payments_for(benefit_list: BenefitList, rows: Iterable[BenefitRow]) -> int:
    """The due payments of included rows, for the periods they do not have yet."""
    made = []
    # What the list has already (one query, not one per row).
    have = set(Payment.objects.filter(benefit_list=benefit_list).values_list("row_id", "period"))
    for row in rows:
        if row.amount is None:
            continue
        count = int((row.facts.get("rules") or {}).get("payment_periods") or 1)
        count = count if count in (1, 2, 4, 12) else 1
        labels = rules.periods(benefit_list.year, count)
        for label, amount in zip(labels, rules.split(row.amount, count), strict=True):
            if (row.pk, label) in have or amount <= 0:
                continue
            made.append(
                Payment(
                    row=row,
                    benefit_list=benefit_list,
                    unit_code=row.unit_code,
                    period=label,
                    amount=amount,
                )
            )
    bulk_insert(Payment, made, reasons=[_("确认名单，生成发放记录")] * len(made))
    return len(made)


@transaction.atomic
def row_correct(
    *,
    actor: User | None,
    row: BenefitRow,
    include: bool,
    reason: str,
    amount: Decimal | None = None,
) -> BenefitRow:
    """更正 after confirmation: include a person the computation left out (pending, or
    found eligible on review) or exclude one, with the reason. Excluding cancels the
    payments not yet made; including makes the missing ones due."""
    reason = _reason(reason)
    benefit_list = row.benefit_list
    _require_street_on(actor, benefit_list, row)
    if benefit_list.state != ListState.CONFIRMED:
        raise ValidationError(_("名单尚未确认：请直接核对或重新计算，无需更正。"))
    lock_row(row)
    if row.included == include:
        raise ValidationError(_("该人员已是此状态，无需更正。"))
    if include and row.amount is None:
        if amount is None or amount <= 0:
            raise ValidationError({"amount": [_("计算时未能确定金额，请填写年度金额。")]})
        row.amount = amount
    row.included, row.corrected, row.correction_reason = include, True, reason[:200]
    save_with_history(row, actor=actor, reason=reason)
    if include:
        made = _payments_for(benefit_list, [row])
    else:
        made = 0
        for payment in row.payments.exclude(state__in=[PaymentState.PAID, PaymentState.CANCELLED]):
            payment.cancel()
            save_with_history(payment, actor=actor, reason=reason)
    _refresh_totals(benefit_list)
    audit_change(
        actor=actor,
        action="benefits.row_correct",
        target=row,
        unit_code=row.unit_code,
        label=f"{row.name} · {benefit_list}",
        reason=reason,
        changes={"included": [not include, include], "payments": made},
    )
    return row


@transaction.atomic
def row_add(
    *,
    actor: User | None,
    benefit_list: BenefitList,
    person: Person,
    reason: str,
    amount: Decimal | None = None,
) -> BenefitRow:
    """增补 after confirmation: a person missing from the list, computed through the same
    ``eligibility`` (their facts and reasons as they are today), included with the reason."""
    reason = _reason(reason)
    _require_street_on(actor, benefit_list)
    if benefit_list.state != ListState.CONFIRMED:
        raise ValidationError(_("名单尚未确认：请重新计算，无需增补。"))
    if benefit_list.rows.filter(person=person).exists():
        raise ValidationError({"person": [_("该人员已在名单上：请对其做更正。")]})
    found = eligibility(
        unit=benefit_list.unit,
        year=benefit_list.year,
        programme=benefit_list.programme,
        person_ids=[person.pk],
        with_identity=True,
    )
    answer = found.answers[0]
    if answer.result.amount is None and (amount is None or amount <= 0):
        raise ValidationError({"amount": [_("计算时未能确定金额，请填写年度金额。")]})
    row = _row(
        benefit_list,
        answer,
        corrected=True,
        added_by_correction=True,
        correction_reason=reason[:200],
    )
    if answer.result.amount is None:
        row.amount = amount
    row.included = True
    if not row.unit_code.startswith(benefit_list.unit.prefix):
        row.unit_code = benefit_list.unit_id  # the street holds the row of someone it pays
    save_with_history(row, actor=actor, reason=reason)
    made = _payments_for(benefit_list, [row])
    _refresh_totals(benefit_list)
    audit_change(
        actor=actor,
        action="benefits.row_add",
        target=row,
        unit_code=row.unit_code,
        label=f"{row.name} · {benefit_list}",
        reason=reason,
        changes={"outcome": answer.result.outcome, "payments": made},
    )
    return row


def _refresh_totals(benefit_list: BenefitList) -> None:
    """The list's total: the included rows' amounts (a correction moves it)."""
    total = benefit_list.rows.filter(included=True).aggregate(s=Sum("amount"))["s"] or Decimal(0)
    BenefitList.objects.filter(pk=benefit_list.pk).update(total_amount=total)
    benefit_list.total_amount = total


def benefit_list_publish(*, actor: User | None, benefit_list: BenefitList):
    """公示 of a confirmed list on /public/: masked names, community and amount of the
    included persons, as a 政务公开 item the desk may correct or withdraw."""
    from shequ.desk import rules as desk_rules
    from shequ.desk import services as desk_services

    if benefit_list.state != ListState.CONFIRMED:
        raise ValidationError(_("名单确认后才能公示。"))
    _require_street_on(actor, benefit_list)
    rows = list(
        benefit_list.rows.filter(included=True)
        .order_by("unit_code", "name", "id")
        .values_list("name", "unit_code", "amount")
    )
    names = dict(
        OrgUnit.objects.filter(code__in={code[:12] for _n, code, _a in rows}).values_list(
            "code", "name"
        )
    )
    lines = [
        f"{desk_rules.mask_name(name)}　{names.get(code[:12], '')}　{amount} 元"
        for name, code, amount in rows
    ]
    with transaction.atomic():
        item = desk_services.disclosure_create(
            actor=actor,
            unit=benefit_list.unit,
            values={
                "category": "service",
                "title": _("%(unit)s %(year)s 年度%(programme)s对象公示（%(n)s 人）")
                % {
                    "unit": benefit_list.unit.name,
                    "year": benefit_list.year,
                    "programme": benefit_list.get_programme_display(),
                    "n": len(lines),
                },
                "body": "\n".join(lines) or str(_("本年度无符合条件人员。")),
                "published_on": timezone.localdate(),
            },
        )
        BenefitList.objects.filter(pk=benefit_list.pk).update(published=True)
        benefit_list.published = True
    return item
