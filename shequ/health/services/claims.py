"""The designated hospitals' claims: compile, submit, decide."""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core.text import prefix_q
from shequ.core.versions import lock_for_edit
from shequ.health import rules
from shequ.health.models import (
    ClaimBatch,
    Facility,
    ServiceKind,
    ServiceRecord,
)
from shequ.health.services._common import _require, _require_scope
from shequ.org.audit import audit_change, save_with_history
from shequ.org.models import OrgUnit, User
from shequ.org.roles import Action, Level, Role, can


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
