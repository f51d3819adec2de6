"""What the benefits' writes share: the batch size, the scope and reason checks, who computes
and who acts for the street."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from shequ.benefits.models import (
    BenefitList,
    BenefitRow,
    may_confirm,
)
from shequ.org.models import User
from shequ.org.roles import Action, Role, can
from shequ.org.scoping import code_in_scope

BATCH = 2000


def _require_scope(actor: User | None, code: str) -> None:
    if actor is not None and not code_in_scope(actor, code):
        raise PermissionDenied(_("该记录不在您的管辖范围内。"))


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("请填写原因。")]})
    return reason


def may_compute(user: User | None) -> bool:
    """The street computes its lists (the superuser and the system too)."""
    if user is None or user.is_superuser:
        return True
    return can(user, Action.EDIT_REGISTRY) and user.role == Role.STREET


def _require_street_on(
    actor: User | None, benefit_list: BenefitList, row: BenefitRow | None = None
) -> None:
    if not may_confirm(actor) or (actor is not None and not can(actor, Action.EDIT_REGISTRY)):
        raise PermissionDenied(_("只有街道工作人员可以更正已确认的名单或登记发放结果。"))
    _require_scope(actor, benefit_list.unit_id)
    if row is not None:
        _require_scope(actor, row.unit_code)
