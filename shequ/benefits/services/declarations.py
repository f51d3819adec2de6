"""Declarations (a person's confirmation of the facts the rules ask for) and the national
default rows of the benefits' rules."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from shequ.benefits.models import (
    Confirmation,
)
from shequ.benefits.rules import CONFIRMATION_KEYS
from shequ.org.audit import audit_change, save_with_history
from shequ.org.models import User
from shequ.org.roles import Action, can
from shequ.org.scoping import code_in_scope, registration_in_scope
from shequ.registry.models import Person


@transaction.atomic
def confirmation_record(
    *, actor: User | None, person: Person, key: str, value: bool, note: str = ""
) -> Confirmation:
    """Record a declaration or a confirmation the registry cannot hold (a newer one
    replaces it; the history keeps the old). Where the person lives or is registered."""
    if actor is not None and not can(actor, Action.EDIT_REGISTRY):
        raise PermissionDenied(_("您的角色不能登记承诺与核实。"))
    if actor is not None and not (
        code_in_scope(actor, person.unit_id)
        or registration_in_scope(actor, person.hukou_division_id)
    ):
        raise PermissionDenied(_("该人员不在您的管辖范围内。"))
    if key not in CONFIRMATION_KEYS:
        raise ValidationError({"key": [_("请选择事项。")]})
    note = (note or "").strip()[:200]
    found = Confirmation.objects.select_for_update().filter(person=person, key=key).first()
    unit_code = (
        person.unit_id
        if (actor is None or code_in_scope(actor, person.unit_id))
        else (person.hukou_division_id or person.unit_id)
    )
    row = found or Confirmation(person=person, key=key, unit_code=unit_code, value=value)
    before = None if found is None else found.value
    row.value, row.note, row.unit_code = bool(value), note, unit_code
    row.recorded_by = actor if getattr(actor, "pk", None) else None
    save_with_history(row, actor=actor, reason=note or _("登记承诺与核实"))
    audit_change(
        actor=actor,
        action="benefits.confirmation",
        target=row,
        unit_code=unit_code,
        label=f"{person.name} · {CONFIRMATION_KEYS[key][1]}",
        reason=note,
        changes={"value": [before, bool(value)]},
    )
    return row


def defaults_ensure() -> int:
    """The national rows of the benefits' rules, added where missing (the data migration adds
    them; ``demo --reset`` and a flushed test database empty the table). Returns how many."""
    from shequ.benefits.defaults import default_settings
    from shequ.rulebook import services as rulebook_services
    from shequ.rulebook.models import Setting

    added = 0
    for entry in default_settings():
        if not Setting.objects.filter(
            programme=entry["programme"], key=entry["key"], region_prefix=""
        ).exists():
            rulebook_services.setting_create(
                actor=None,
                programme=entry["programme"],
                key=entry["key"],
                value=entry["value"],
                valid_from=entry["since"],
                note=entry["note"],
                reason=_("默认设置"),
            )
            added += 1
    return added
