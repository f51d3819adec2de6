"""Every write of the health services: facilities and their staff, service records (with
the next due task and a migrant's notification), the monthly report chain (generate,
submit, return, approve and lock, unlock) and the hospitals' claims."""

import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core.text import prefix_q
from shequ.core.versions import lock_for_edit
from shequ.duework import services as duework
from shequ.duework.calendar import add_working_days
from shequ.health import rules
from shequ.health.models import (
    PREPREGNANCY_ITEM_CODES,
    ClaimBatch,
    Facility,
    FacilityStaff,
    MonthlyReport,
    RiskLevel,
    ServiceKind,
    ServiceRecord,
)
from shequ.health.selectors import month_locked, report_figures
from shequ.org.audit import audit_change, save_with_history
from shequ.org.models import OrgUnit, User
from shequ.org.roles import Action, Level, Role, can
from shequ.org.scoping import code_in_scope
from shequ.outbox import services as outbox
from shequ.registry.models import Person, PersonStatus, PopulationType, PregnancyOutcome
from shequ.rulebook.selectors import value

MAX_HOSPITALS_PER_DISTRICT = 3


def _require(actor: User | None, allowed: bool, message: str) -> None:
    if actor is not None and not allowed:
        raise PermissionDenied(message)


def _require_scope(actor: User | None, code: str) -> None:
    if actor is not None and not code_in_scope(actor, code, personal=False):
        raise PermissionDenied(_("不在您的管辖范围内。"))


def _rule(key: str, code: str, on: datetime.date) -> Any:
    return value(rules.PROGRAMME, key, division_code=code, on=on)


# --- Facilities ---------------------------------------------------------------------


def facility_create(
    *, actor: User | None, name: str, kind: str, unit: OrgUnit, address: str = "", phone: str = ""
) -> Facility:
    """A facility on a district, street or community; a district has 2–3 designated hospitals."""
    _require(
        actor,
        actor is None or can(actor, Action.MANAGE_FACILITIES),
        _("您的角色不能管理服务机构。"),
    )
    _require_scope(actor, unit.code)
    if unit.level not in (Level.DISTRICT, Level.STREET, Level.COMMUNITY):
        raise ValidationError({"unit": _("服务机构须设在区县、街道或社区。")})
    if kind == Facility.Kind.HOSPITAL:
        if unit.level != Level.DISTRICT:
            raise ValidationError({"unit": _("定点医院按区县设置。")})
        count = Facility.objects.filter(unit_code=unit.code, kind=kind, is_active=True).count()
        if count >= MAX_HOSPITALS_PER_DISTRICT:
            raise ValidationError(
                {"kind": _("每个区县最多 %(n)s 家定点医院。") % {"n": MAX_HOSPITALS_PER_DISTRICT}}
            )
    if not (name or "").strip():
        raise ValidationError({"name": _("请填写名称。")})
    with transaction.atomic():
        facility = Facility(
            name=name.strip(), kind=kind, unit_code=unit.code, address=address, phone=phone
        )
        save_with_history(facility, actor=actor, reason=_("新建服务机构"))
        audit_change(
            actor=actor,
            action="facility.create",
            target=facility,
            unit_code=unit.code,
            label=facility.name,
        )
    return facility


def facility_staff_set(*, actor: User | None, facility: Facility, user: User) -> FacilityStaff:
    """A provider account belongs to this facility (sitting on the facility's unit)."""
    _require(
        actor,
        actor is None or can(actor, Action.MANAGE_FACILITIES),
        _("您的角色不能管理服务机构。"),
    )
    _require_scope(actor, facility.unit_code)
    if user.role != Role.PROVIDER:
        raise ValidationError({"user": _("只有卫生服务机构人员（provider）可以归属服务机构。")})
    if user.unit_id != facility.unit_code:
        raise ValidationError({"user": _("该用户的单位与服务机构所在单位不一致。")})
    with transaction.atomic():
        staff, _created = FacilityStaff.objects.update_or_create(
            user=user, defaults={"facility": facility}
        )
        audit_change(
            actor=actor,
            action="facility.staff",
            target=facility,
            unit_code=facility.unit_code,
            label=facility.name,
            changes={"staff": [None, user.username]},
        )
    return staff


# --- Service records ----------------------------------------------------------------


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
    if record.risk_level:
        summary += f"，{record.get_risk_level_display()}"
    if record.result:
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


# --- Monthly reports ----------------------------------------------------------------


def _report_unit_code(prefix: str) -> str:
    return prefix.ljust(12, "0")


def report_generate(*, actor: User | None, unit: OrgUnit, month: datetime.date) -> MonthlyReport:
    """The unit's report for the month, its figures (re)computed from the month's records.
    A street's needs its communities' reports approved first; an approved report is kept."""
    level = rules.report_level(unit.prefix)
    if level is None:
        raise ValidationError({"unit": _("报告由社区和街道填报。")})
    _require(actor, actor is None or can(actor, Action.EDIT_REGISTRY), _("您的角色不能填报报告。"))
    _require_scope(actor, unit.code)
    month = rules.month_start(month)
    if month > rules.month_start(timezone.localdate()):
        raise ValidationError({"month": _("不能填报未来月份的报告。")})
    days = _rule("report_deadline_working_days", unit.code, month)[level]
    deadline = add_working_days(rules.month_end(month), int(days))
    with transaction.atomic():
        report, _created = MonthlyReport.objects.select_for_update().get_or_create(
            unit_code=unit.code, month=month, defaults={"deadline": deadline}
        )
        if report.state in (MonthlyReport.State.APPROVED, MonthlyReport.State.SUBMITTED):
            return report
        report.figures = report_figures(unit.prefix, month)
        save_with_history(report, actor=actor, reason=_("生成报告数据"))
    return report


def _lock_report(report: MonthlyReport, version: int | None, check) -> None:
    lock_for_edit(report, version=version, check=check)


def report_submit(
    *, actor: User, report: MonthlyReport, note: str = "", version: int | None = None
) -> MonthlyReport:
    """The unit sends its report up (its figures generated again at this moment)."""
    level = rules.report_level(OrgUnit.prefix_for(report.unit_code))

    def check(r: MonthlyReport) -> None:
        _require(actor, can(actor, Action.EDIT_REGISTRY), _("您的角色不能上报报告。"))
        _require(actor, actor.unit_id == r.unit_code, _("只有本单位可以上报本单位的报告。"))

    with transaction.atomic():
        _lock_report(report, version, check)
        if report.state not in (MonthlyReport.State.DRAFT, MonthlyReport.State.RETURNED):
            raise ValidationError(_("该报告已上报或已审核。"))
        if level == "street":
            pending = (
                MonthlyReport.objects.filter(
                    prefix_q("unit_code", report.unit_code[:9]), month=report.month
                )
                .exclude(unit_code=report.unit_code)
                .exclude(state=MonthlyReport.State.APPROVED)
            )
            missing = OrgUnit.objects.filter(
                parent__code=report.unit_code, is_active=True, level=Level.COMMUNITY
            )
            # A blind zone reports through its street's figures (it has no staff of its own).
            missing = missing.exclude(kind=OrgUnit.Kind.COMPOUND).exclude(
                code__in=MonthlyReport.objects.filter(
                    month=report.month, state=MonthlyReport.State.APPROVED
                ).values("unit_code")
            )
            if pending.exists() or missing.exists():
                raise ValidationError(_("街道上报前，所辖社区的报告须全部审核通过。"))
        report.figures = report_figures(OrgUnit.prefix_for(report.unit_code), report.month)
        report.state, report.note = MonthlyReport.State.SUBMITTED, note
        report.submitted_at, report.submitted_by = timezone.now(), actor
        report.return_reason = ""
        save_with_history(report, actor=actor, reason=_("上报"))
        audit_change(
            actor=actor,
            action="health.report.submit",
            target=report,
            unit_code=report.unit_code,
            label=str(report),
            changes={"state": ["draft", "submitted"]},
        )
    return report


def _check_reviewer(actor: User, report: MonthlyReport) -> None:
    """The level above the reporting unit reviews: the street a community's, the district
    a street's."""
    unit_prefix = OrgUnit.prefix_for(report.unit_code)
    above = unit_prefix[:9] if len(unit_prefix) == 12 else unit_prefix[:6]
    own = actor.unit.prefix if actor.unit else ""
    _require(
        actor,
        can(actor, Action.READ_REGISTRY) and actor.role in (Role.STREET, Role.DISTRICT),
        _("您的角色不能审核报告。"),
    )
    _require(actor, own == above, _("只有上一级单位可以审核该报告。"))


def report_return(
    *, actor: User, report: MonthlyReport, reason: str, version: int | None = None
) -> MonthlyReport:
    if not (reason or "").strip():
        raise ValidationError({"reason": _("请填写退回原因。")})
    with transaction.atomic():
        _lock_report(report, version, lambda r: _check_reviewer(actor, r))
        if report.state != MonthlyReport.State.SUBMITTED:
            raise ValidationError(_("只能退回已上报的报告。"))
        report.state, report.return_reason = MonthlyReport.State.RETURNED, reason.strip()
        report.reviewed_at, report.reviewed_by = timezone.now(), actor
        save_with_history(report, actor=actor, reason=reason)
        audit_change(
            actor=actor,
            action="health.report.return",
            target=report,
            unit_code=report.unit_code,
            label=str(report),
            reason=reason,
            changes={"state": ["submitted", "returned"]},
        )
    return report


def report_approve(
    *, actor: User, report: MonthlyReport, version: int | None = None
) -> MonthlyReport:
    """Approve and lock the unit's month: no service of the unit in that month is recorded
    or changed until an unlock."""
    with transaction.atomic():
        _lock_report(report, version, lambda r: _check_reviewer(actor, r))
        if report.state != MonthlyReport.State.SUBMITTED:
            raise ValidationError(_("只能审核已上报的报告。"))
        report.state, report.locked = MonthlyReport.State.APPROVED, True
        report.reviewed_at, report.reviewed_by = timezone.now(), actor
        save_with_history(report, actor=actor, reason=_("审核通过"))
        audit_change(
            actor=actor,
            action="health.report.approve",
            target=report,
            unit_code=report.unit_code,
            label=str(report),
            changes={"state": ["submitted", "approved"], "locked": [False, True]},
        )
    return report


def report_unlock(
    *, actor: User, report: MonthlyReport, reason: str, version: int | None = None
) -> MonthlyReport:
    """Open an approved month again for a correction (the reviewer, with a reason, logged):
    the report goes back to the unit as returned."""
    if not (reason or "").strip():
        raise ValidationError({"reason": _("请填写解锁原因。")})
    with transaction.atomic():
        _lock_report(report, version, lambda r: _check_reviewer(actor, r))
        if not report.locked:
            raise ValidationError(_("该报告未锁定。"))
        report.locked, report.state = False, MonthlyReport.State.RETURNED
        report.return_reason = reason.strip()
        save_with_history(report, actor=actor, reason=reason)
        audit_change(
            actor=actor,
            action="health.report.unlock",
            target=report,
            unit_code=report.unit_code,
            label=str(report),
            reason=reason,
            changes={"locked": [True, False]},
        )
    return report


# --- Claims -------------------------------------------------------------------------


def claim_compile(
    *, actor: User | None, street: OrgUnit, month: datetime.date, hospital: Facility
) -> ClaimBatch:
    """The street's batch of a month's procedures at one designated hospital: every such
    record of the street not yet claimed elsewhere; its count and total."""
    _require(
        actor,
        actor is None or (actor.role == Role.STREET and can(actor, Action.EDIT_REGISTRY)),
        _("报销由街道汇总。"),
    )
    _require_scope(actor, street.code)
    if street.level != Level.STREET:
        raise ValidationError({"unit": _("报销批次按街道汇总。")})
    if hospital.kind != Facility.Kind.HOSPITAL:
        raise ValidationError({"hospital": _("请选择定点医院。")})
    month = rules.month_start(month)
    with transaction.atomic():
        batch, _created = ClaimBatch.objects.select_for_update().get_or_create(
            unit_code=street.code, month=month, hospital=hospital, defaults={"created_by": actor}
        )
        if batch.state not in (ClaimBatch.State.DRAFT, ClaimBatch.State.RETURNED):
            raise ValidationError(_("该批次已提交或已批准。"))
        records = ServiceRecord.objects.filter(
            prefix_q("unit_code", street.prefix),
            kind=ServiceKind.PROCEDURE,
            facility=hospital,
            date__gte=month,
            date__lte=rules.month_end(month),
        )
        records.filter(claim__isnull=True).update(claim=batch)
        if not batch.records.exists():
            raise ValidationError({"month": _("该月在这家定点医院没有本街道的手术记录。")})
        totals = batch.records.aggregate(total=Sum("cost"))
        batch.count = batch.records.count()
        batch.total = totals["total"] or Decimal("0")
        save_with_history(batch, actor=actor, reason=_("汇总报销"))
    return batch


def claim_submit(*, actor: User, batch: ClaimBatch, version: int | None = None) -> ClaimBatch:
    def check(b: ClaimBatch) -> None:
        _require(
            actor,
            actor.role == Role.STREET and actor.unit_id == b.unit_code,
            _("只有本街道可以提交。"),
        )

    with transaction.atomic():
        lock_for_edit(batch, version=version, check=check)
        if (
            batch.state not in (ClaimBatch.State.DRAFT, ClaimBatch.State.RETURNED)
            or not batch.count
        ):
            raise ValidationError(_("只能提交有记录的待提交批次。"))
        batch.state = ClaimBatch.State.SUBMITTED
        save_with_history(batch, actor=actor, reason=_("提交报销"))
        audit_change(
            actor=actor,
            action="health.claim.submit",
            target=batch,
            unit_code=batch.unit_code,
            label=str(batch),
        )
    return batch


def claim_decide(
    *, actor: User, batch: ClaimBatch, approve: bool, reason: str = "", version: int | None = None
) -> ClaimBatch:
    """The district approves a submitted batch, or returns it with a reason."""

    def check(b: ClaimBatch) -> None:
        own = actor.unit.prefix if actor.unit else ""
        _require(
            actor,
            actor.role == Role.DISTRICT and own == b.unit_code[:6],
            _("只有所属区县可以审批。"),
        )

    if not approve and not (reason or "").strip():
        raise ValidationError({"reason": _("请填写退回原因。")})
    with transaction.atomic():
        lock_for_edit(batch, version=version, check=check)
        if batch.state != ClaimBatch.State.SUBMITTED:
            raise ValidationError(_("只能审批已提交的批次。"))
        batch.state = ClaimBatch.State.APPROVED if approve else ClaimBatch.State.RETURNED
        batch.return_reason = "" if approve else reason.strip()
        batch.reviewed_at, batch.reviewed_by = timezone.now(), actor
        save_with_history(batch, actor=actor, reason=reason or _("批准"))
        audit_change(
            actor=actor,
            action="health.claim.approve" if approve else "health.claim.return",
            target=batch,
            unit_code=batch.unit_code,
            label=str(batch),
            reason=reason,
        )
    return batch


def seed_defaults(since: datetime.date) -> int:
    """The programme's rulebook defaults (whole country), for the demo and a new deployment."""
    from shequ.rulebook.services import settings_seed

    return settings_seed(
        [
            {"programme": rules.PROGRAMME, "key": key, "value": value_, "note": note}
            for key, (value_, note) in rules.DEFAULTS.items()
        ],
        since=since,
    )
