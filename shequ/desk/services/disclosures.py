"""政务公开: items edited by staff, withdrawn with reason, birth registrations published."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core.text import prefix_q
from shequ.core.versions import lock_for_edit, lock_row, row_values
from shequ.desk import rules
from shequ.desk.models import (
    BirthRegistration,
    Disclosure,
    DisclosureCategory,
)
from shequ.desk.services._common import (
    _reason,
    _require_scope,
    _today,
)
from shequ.org.audit import (
    audit_change,
    field_changes,
    save_with_history,
)
from shequ.org.models import OrgUnit, User

# --- Public disclosure (政务公开) -----------------------------------------------------------

_DISCLOSURE_FIELDS = ("category", "title", "body", "published_on")


def _check_disclosure(actor: User | None, unit_code: str) -> None:
    if not rules.may_step(actor, "apply"):
        raise PermissionDenied(_("您的角色不能编辑政务公开。"))
    _require_scope(actor, unit_code)


def _disclosure_values(values: dict) -> dict:
    errors: dict[str, list[str]] = {}
    out = {name: values.get(name) for name in _DISCLOSURE_FIELDS}
    for name in ("title", "body"):
        out[name] = (out[name] or "").strip()
        if not out[name]:
            errors[name] = [_("必填。")]
    if out["category"] not in DisclosureCategory.values:
        errors["category"] = [_("请选择类别。")]
    if out["published_on"] is None:
        errors["published_on"] = [_("请填写发布日期。")]
    if errors:
        raise ValidationError(errors)
    return out


@transaction.atomic
def disclosure_create(*, actor: User | None, unit: OrgUnit, values: dict) -> Disclosure:
    """A new item, public from its publish date."""
    _check_disclosure(actor, unit.code)
    item = Disclosure(unit=unit, created_by=actor, **_disclosure_values(values))
    save_with_history(item, actor=actor, reason=_("发布"))
    audit_change(
        actor=actor,
        action="desk.disclosure_create",
        target=item,
        unit_code=unit.code,
        label=item.title,
        changes={"category": item.category, "published_on": str(item.published_on)},
    )
    return item


@transaction.atomic
def disclosure_update(
    *, actor: User | None, item: Disclosure, values: dict, reason: str, version: int | None = None
) -> Disclosure:
    """Correct an item (its history keeps what was published before, and why)."""
    reason = _reason(reason)
    lock_for_edit(item, version=version, check=lambda i: _check_disclosure(actor, i.unit_id))
    before = row_values(item)
    for name, value in _disclosure_values(values).items():
        setattr(item, name, value)
    save_with_history(item, actor=actor, reason=reason)
    audit_change(
        actor=actor,
        action="desk.disclosure_update",
        target=item,
        unit_code=item.unit_id,
        label=item.title,
        reason=reason,
        changes=field_changes(before, row_values(item)),
    )
    return item


@transaction.atomic
def disclosure_withdraw(*, actor: User | None, item: Disclosure, reason: str) -> Disclosure:
    """Take an item off the public page (kept, with the reason)."""
    reason = _reason(reason)
    lock_row(item)
    _check_disclosure(actor, item.unit_id)
    item.withdrawn, item.withdrawn_reason = True, reason
    save_with_history(item, actor=actor, reason=reason)
    audit_change(
        actor=actor,
        action="desk.disclosure_withdraw",
        target=item,
        unit_code=item.unit_id,
        label=item.title,
        reason=reason,
        changes={"withdrawn": [False, True]},
    )
    return item


@transaction.atomic
def disclosure_publish_births(
    *, actor: User | None, unit: OrgUnit, month: datetime.date
) -> Disclosure:
    """公示 of a month's birth registrations in the unit: masked names, community, date —
    a service-category item the staff may correct or withdraw like any other."""
    _check_disclosure(actor, unit.code)
    start = month.replace(day=1)
    end = rules.add_months(start, 1)
    rows = list(
        BirthRegistration.objects.filter(
            prefix_q("unit_id", unit.prefix),
            registered_at__date__gte=start,
            registered_at__date__lt=end,
        )
        .select_related("person", "unit")
        .order_by("registered_at", "id")
    )
    # The community a registration belongs to (a grid's is its first 12 digits).
    names = dict(
        OrgUnit.objects.filter(code__in={r.unit_id[:12] for r in rows}).values_list("code", "name")
    )
    lines = [
        f"{rules.mask_name(r.person.name)}　{names.get(r.unit_id[:12], r.unit.name)}　"
        f"{r.get_stage_display()}　"
        f"{timezone.localtime(r.registered_at):%Y-%m-%d}"
        for r in rows
    ]
    body = "\n".join(lines) or str(_("本月无生育登记。"))
    return disclosure_create(
        actor=actor,
        unit=unit,
        values={
            "category": DisclosureCategory.SERVICE,
            "title": _("%(unit)s %(month)s 生育登记公示（%(n)s 人）")
            % {"unit": unit.name, "month": f"{start:%Y年%m月}", "n": len(lines)},
            "body": body,
            "published_on": _today(),
        },
    )
