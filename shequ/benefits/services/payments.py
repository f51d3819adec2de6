"""Payments: a payment's result, the bank's answer file imported, the rows of the file for the
bank, the list's payment summary."""

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from shequ.benefits.models import (
    BenefitList,
    ListState,
    Payment,
    PaymentState,
)
from shequ.benefits.services._common import (
    _require_scope,
    _require_street_on,
)
from shequ.core.versions import lock_row
from shequ.org.audit import audit_change, save_with_history
from shequ.org.models import SensitiveAccess, User
from shequ.org.roles import Action, can
from shequ.registry.services import log_id_number_read

RESULT_STEPS: dict[str, str] = {
    PaymentState.PAID: "pay",
    PaymentState.FAILED: "fail",
    PaymentState.RETURNED: "give_back",
    PaymentState.DUE: "reissue",
    PaymentState.CANCELLED: "cancel",
}


@transaction.atomic
def payment_result(
    *,
    actor: User | None,
    payment: Payment,
    state: str,
    note: str = "",
    on: datetime.date | None = None,
) -> Payment:
    """The bank's answer for one payment (paid, failed, returned), a payment due again
    after a failure, or one cancelled; a failure, return or cancellation says why."""
    _require_street_on(actor, payment.benefit_list)
    _require_scope(actor, payment.unit_code)
    lock_row(payment)
    step = RESULT_STEPS.get(state)
    if step is None:
        raise ValidationError({"state": [_("请选择发放结果。")]})
    method = getattr(payment, step)
    if not can_proceed(method):
        raise ValidationError(
            {
                "state": [
                    _("发放记录当前为“%(now)s”，不能改为“%(to)s”。")
                    % {"now": payment.get_state_display(), "to": PaymentState(state).label}
                ]
            }
        )
    note = (note or "").strip()[:200]
    if state in (PaymentState.FAILED, PaymentState.RETURNED, PaymentState.CANCELLED) and not note:
        raise ValidationError({"note": [_("请填写失败、退回或取消的原因。")]})
    before = payment.state
    method()
    payment.result_on = on or timezone.localdate()
    payment.result_note = note
    save_with_history(payment, actor=actor, reason=note or payment.get_state_display())
    audit_change(
        actor=actor,
        action="benefits.payment_result",
        target=payment,
        unit_code=payment.unit_code,
        label=payment.reference,
        reason=note,
        changes={"state": [before, payment.state]},
    )
    return payment


RESULT_WORDS = {
    "成功": PaymentState.PAID,
    "已发放": PaymentState.PAID,
    "paid": PaymentState.PAID,
    "失败": PaymentState.FAILED,
    "failed": PaymentState.FAILED,
    "退回": PaymentState.RETURNED,
    "已退回": PaymentState.RETURNED,
    "returned": PaymentState.RETURNED,
}


def payments_import(
    *, actor: User | None, benefit_list: BenefitList, rows: list[dict[str, Any]]
) -> list[str]:
    """The bank's result file (参考号, 结果, 说明, 日期): each row applied through
    ``payment_result``; answers one problem per row that was not (none: all applied). All
    or nothing: a file with a problem changes nothing."""
    _require_street_on(actor, benefit_list)
    problems: list[str] = []
    with transaction.atomic():
        payments = {
            p.reference: p
            for p in Payment.objects.filter(
                benefit_list=benefit_list,
                reference__in=[str(r.get("reference") or "").strip() for r in rows],
            ).select_related("benefit_list")
        }
        for number, row in enumerate(rows, 2):
            reference = str(row.get("reference") or "").strip()
            payment = payments.get(reference)
            state = RESULT_WORDS.get(str(row.get("result") or "").strip())
            if payment is None:
                problems.append(
                    _("第 %(n)d 行：本名单没有付款参考号 %(ref)s。")
                    % {"n": number, "ref": reference or "—"}
                )
                continue
            if state is None:
                problems.append(_("第 %(n)d 行：结果应为“成功”“失败”或“退回”。") % {"n": number})
                continue
            try:
                payment_result(
                    actor=actor,
                    payment=payment,
                    state=state,
                    note=str(row.get("note") or ""),
                    on=_day(row.get("date")),
                )
            except ValidationError as exc:
                problems.append(
                    _("第 %(n)d 行：%(why)s") % {"n": number, "why": "；".join(exc.messages)}
                )
        if problems:
            transaction.set_rollback(True)
    return problems


def _day(value: Any) -> datetime.date | None:
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value).strip()[:10]) if value else None
    except ValueError:
        return None


def bank_rows(
    *, actor: User, benefit_list: BenefitList, payments: QuerySet[Payment]
) -> list[dict[str, Any]]:
    """The bank's file: whole identity numbers, so a right of its own (查看完整身份证号 and
    导出), every person's number read logged, the payments marked as sent to the bank."""
    if not (can(actor, Action.REVEAL_ID_NUMBER) and can(actor, Action.EXPORT_REGISTRY)):
        raise PermissionDenied(
            _("银行代发文件含完整身份证号：需要“查看完整身份证号”和“导出人员数据”权限。")
        )
    _require_scope(actor, benefit_list.unit_id)
    if benefit_list.state != ListState.CONFIRMED:
        raise ValidationError(_("名单确认后才能导出银行代发文件。"))
    chosen = list(
        payments.filter(benefit_list=benefit_list)
        .select_related("row", "row__person")
        .order_by("period", "row__unit_code", "row__name", "id")
    )
    persons = {p.row.person_id: p.row.person for p in chosen}
    log_id_number_read(
        actor=actor,
        persons=list(persons.values()),
        channel=SensitiveAccess.Channel.EXPORT,
        purpose=SensitiveAccess.Purpose.SERVICE,
    )
    Payment.objects.filter(pk__in=[p.pk for p in chosen]).update(exported_at=timezone.now())
    programme = benefit_list.get_programme_display()
    return [
        {
            "reference": p.reference,
            "name": p.row.name,
            "id_number": p.row.person.id_number or "",
            "amount": p.amount,
            "programme": programme,
            "period": p.period,
            "unit_code": p.row.unit_code,
            "result": "",
            "note": "",
            "date": None,
        }
        for p in chosen
    ]


def payment_summary(benefit_list: BenefitList) -> dict[str, dict[str, Any]]:
    """Count and amount of the list's payments by state (one query)."""
    return {
        row["state"]: {"count": row["n"], "amount": row["s"]}
        for row in benefit_list.payments.values("state").annotate(n=Count("id"), s=Sum("amount"))
    }
