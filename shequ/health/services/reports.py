"""The monthly report chain: generate, submit, return, approve (locks), unlock."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core.text import prefix_q
from shequ.core.versions import lock_for_edit
from shequ.duework.calendar import add_working_days
from shequ.health import rules
from shequ.health.models import (
    MonthlyReport,
)
from shequ.health.selectors import report_figures
from shequ.health.services._common import _require, _require_scope, _rule
from shequ.org.audit import audit_change, save_with_history
from shequ.org.models import OrgUnit, User
from shequ.org.roles import Action, Level, Role, can


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
