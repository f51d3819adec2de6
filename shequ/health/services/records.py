"""Service records: validated, with the next due task and a migrant's notification."""

import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.duework import services as duework
from shequ.duework.calendar import add_working_days
from shequ.health import rules
from shequ.health.models import (
    PREPREGNANCY_ITEM_CODES,
    Facility,
    FacilityStaff,
    RiskLevel,
    ServiceKind,
    ServiceRecord,
)
from shequ.health.selectors import month_locked
from shequ.health.services._common import _rule
from shequ.org.audit import audit_change, save_with_history
from shequ.org.models import User
from shequ.org.roles import Action, Role, can
from shequ.org.scoping import code_in_scope
from shequ.outbox import services as outbox
from shequ.registry.models import Person, PersonStatus, PopulationType, PregnancyOutcome


def _clean_items(items: Any) -> dict[str, dict[str, str]]:
    """Per spouse (``woman``, ``man``) each of the 19 items: ``normal`` or ``abnormal``."""
    if not items:
        return {}
    if not isinstance(items, dict):
        raise ValidationError(
            {"items": _('检查项目须为对象：{"woman": {项目: normal/abnormal}, "man": {...}}。')}
        )
    cleaned: dict[str, dict[str, str]] = {}
    for spouse, values in items.items():
        if spouse not in ("woman", "man") or not isinstance(values, dict):
            raise ValidationError({"items": _("检查项目须按 woman、man 分别填写。")})
        unknown = set(values) - set(PREPREGNANCY_ITEM_CODES)
        wrong = {k for k, v in values.items() if v not in ("normal", "abnormal")}
        if unknown or wrong:
            raise ValidationError(
                {
                    "items": _("未知项目或结果：%(x)s（结果只能为 normal 或 abnormal）。")
                    % {"x": ", ".join(sorted(unknown | wrong))}
                }
            )
        cleaned[spouse] = {k: str(v) for k, v in values.items()}
    return cleaned


def _check_recorder(actor: User | None, kind: str, clinical: bool) -> None:
    if actor is None:
        return
    if actor.role == Role.PROVIDER:
        return
    if not (can(actor, Action.EDIT_REGISTRY) and can(actor, Action.VIEW_HEALTH)):
        raise PermissionDenied(_("您的角色不能登记健康服务。"))
    if kind in rules.CLINICAL_KINDS or clinical:
        raise PermissionDenied(_("检查和手术记录（含临床结果）由卫生服务机构人员登记。"))


def _next_service(record: ServiceRecord) -> tuple[str, datetime.date] | None:
    table = _rule("next_service", record.unit_code, record.date) or {}
    step = table.get(record.kind)
    if not step:
        return None
    if "working_days" in step:
        due = add_working_days(record.date, int(step["working_days"]))
    else:
        due = record.date + datetime.timedelta(days=int(step.get("days", 30)))
    return str(step["kind"]), due


def service_record_create(
    *,
    actor: User | None,
    person: Person,
    kind: str,
    date: datetime.date,
    facility: Facility | None = None,
    place: str = "",
    status: str = ServiceRecord.Status.DONE,
    result: str = "",
    items: Any = None,
    risk_level: str = "",
    advice: str = "",
    spouse: Person | None = None,
    cost: Decimal | None = None,
    share_clinical: bool = False,
    reason: str = "",
) -> ServiceRecord:
    """Record a service: validated, refused in a locked month, kept with history and a
    change-log event; the next due service becomes a task, the task this record answers
    is done, and a migrant's check-up or birth is notified to her registration place."""
    clinical = bool(result or items or risk_level or advice)
    _check_recorder(actor, kind, clinical)
    if actor is not None and not code_in_scope(actor, person.unit_id):
        raise PermissionDenied(_("该人员不在您的管辖范围内。"))
    errors: dict[str, str] = {}
    if kind not in ServiceKind.values:
        errors["kind"] = _("未知的服务类型。")
    if person.sex != "F" and kind != ServiceKind.PREPREGNANCY_CHECK:
        errors["person"] = _("服务对象应为育龄妇女。")
    if person.status != PersonStatus.ACTIVE:
        errors["person"] = _("该人员已不在册。")
    if date > timezone.localdate():
        errors["date"] = _("服务日期不能晚于今天。")
    if risk_level and risk_level not in RiskLevel.values:
        errors["risk_level"] = _("风险等级无效。")
    if kind == ServiceKind.PROCEDURE:
        if facility is None or facility.kind != Facility.Kind.HOSPITAL:
            errors["facility"] = _("手术须在定点医院进行，请选择定点医院。")
        if cost is None or cost < 0:
            errors["cost"] = _("请填写手术费用。")
    elif cost is not None:
        errors["cost"] = _("只有定点医院手术填写费用。")
    if facility is not None and not facility.is_active:
        errors["facility"] = _("该服务机构已停用，请选择在用的机构。")
    if share_clinical and not clinical:
        errors["share_clinical"] = _("没有临床结果可通报：请填写结果或风险等级。")
    if spouse is not None and kind != ServiceKind.PREPREGNANCY_CHECK:
        errors["spouse"] = _("只有孕前优生健康检查按夫妻登记。")
    if actor is not None and actor.role == Role.PROVIDER and facility is not None:
        own = FacilityStaff.objects.filter(user=actor).values_list("facility_id", flat=True).first()
        if own is not None and own != facility.pk:
            errors["facility"] = _("只能登记本机构的服务。")
    cleaned_items = _clean_items(items) if kind == ServiceKind.PREPREGNANCY_CHECK else {}
    if items and kind != ServiceKind.PREPREGNANCY_CHECK:
        errors["items"] = _("只有孕前优生健康检查填写 19 项检查结果。")
    if errors:
        raise ValidationError(errors)
    locked = month_locked(person.unit_id, date)
    if locked is not None:
        raise ValidationError(
            {
                "date": _("%(month)s 的报告已审核锁定，补录须先解锁（说明原因）。")
                % {"month": f"{date:%Y-%m}"}
            }
        )
    with transaction.atomic():
        record = ServiceRecord(
            kind=kind,
            person=person,
            spouse=spouse,
            unit_code=person.unit_id,
            facility=facility,
            date=date,
            place=place,
            status=status,
            result=result,
            items=cleaned_items,
            risk_level=risk_level,
            advice=advice,
            cost=cost,
            share_clinical=share_clinical,
            recorded_by=actor,
        )
        following = _next_service(record)
        record.next_due_date = following[1] if following else None
        save_with_history(record, actor=actor, reason=reason or _("登记服务"))
        audit_change(
            actor=actor,
            action="health.service",
            target=record,
            unit_code=record.unit_code,
            label=f"{person.name} · {record.get_kind_display()}",
            changes={"kind": [None, kind], "date": [None, str(date)]},
        )
        duework.tasks_close_for(
            person=person, kind=f"health.{kind}", outcome=_("已登记：%(d)s") % {"d": date}
        )
        if following is not None and status != ServiceRecord.Status.DECLINED:
            next_kind, due = following
            duework.ensure_task(
                kind=f"health.{next_kind}",
                source_key=f"health.{next_kind}:{record.uid}",
                title=str(ServiceKind(next_kind).label),
                unit_code=person.unit_id[:12],
                due_date=due,
                person=person,
            )
        _registry_pregnancy(actor, record)
        if person.population_type == PopulationType.INFLOW and kind in rules.NOTIFIED_KINDS:
            _notify_registration_place(record, person)
    return record


def _registry_pregnancy(actor: User | None, record: ServiceRecord) -> None:
    """A pregnancy care registration records the pregnancy in the registry (孕情), a birth
    its outcome: the registry's own services, so the health fact has one home."""
    from shequ.registry import services as registry

    person = record.person
    ongoing = person.pregnancies.filter(outcome="").order_by("-recorded_on").first()
    if record.kind == ServiceKind.PREGNANCY_REGISTRATION and ongoing is None:
        registry.pregnancy_record(
            actor=actor,
            person=person,
            values={"recorded_on": record.date},
            reason=_("孕产期保健登记"),
        )
    elif record.kind == ServiceKind.BIRTH and ongoing is not None:
        registry.pregnancy_outcome(
            actor=actor,
            pregnancy=ongoing,
            outcome=PregnancyOutcome.LIVE_BIRTH,
            outcome_on=record.date,
            reason=_("分娩"),
        )


def _notify_registration_place(record: ServiceRecord, person: Person) -> None:
    days = int(_rule("migrant_notice_working_days", record.unit_code, record.date))
    summary = f"{record.get_kind_display()} {record.date:%Y-%m-%d}"
    # The clinical part only when the provider shared it for this record.
    if record.share_clinical and record.risk_level:
        summary += f"，{record.get_risk_level_display()}"
    if record.share_clinical and record.result:
        summary += f"：{record.result}"
    outbox.notify(
        key=f"health.notice:{record.uid}",
        kind=f"health.{record.kind}",
        title=_("流动人口%(kind)s通报") % {"kind": record.get_kind_display()},
        summary=summary,
        health=True,
        person=person,
        from_unit_code=record.unit_code[:12],
        to_division_code=person.hukou_division_id or "",
        due_date=add_working_days(record.date, days),
    )
