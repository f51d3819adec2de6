"""Every write of the outbox: ``notify`` (what the apps call: idempotent by ``key``), the
local delivery, and the receiving unit's acknowledgement."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.org.audit import audit_change
from shequ.org.models import OrgUnit, User
from shequ.org.roles import Action, Role, can
from shequ.org.scoping import code_in_scope
from shequ.outbox.models import Notification
from shequ.registry.models import Person


def notify(
    *,
    key: str,
    kind: str,
    title: str,
    from_unit_code: str,
    due_date: datetime.date,
    to_unit_code: str = "",
    to_division_code: str = "",
    person: Person | None = None,
    summary: str = "",
    health: bool = False,
) -> Notification:
    """The notification ``key`` names, created when it does not exist yet. A destination
    unit of this deployment receives it at once (state ``sent``); a place outside the tree
    (only ``to_division_code``) waits, ``due``, for the exchange."""
    found = Notification.objects.filter(key=key).first()
    if found is not None:
        return found
    if not to_unit_code and not to_division_code:
        raise ValidationError(_("通报须有接收单位或接收地。"))
    local = bool(to_unit_code) and OrgUnit.objects.filter(code=to_unit_code).exists()
    notice = Notification(
        key=key,
        kind=kind,
        title=title[:120],
        summary=summary[:500],
        health=health,
        person=person,
        person_name=person.name if person is not None else "",
        from_unit_code=from_unit_code,
        to_unit_code=to_unit_code if local else "",
        to_division_code=to_division_code or to_unit_code[:12],
        due_date=due_date,
        state=Notification.State.SENT if local else Notification.State.DUE,
        sent_at=timezone.now() if local else None,
    )
    try:
        with transaction.atomic():
            notice.save()
    except IntegrityError:  # the same key at the same moment elsewhere
        return Notification.objects.get(key=key)
    return notice


def notification_acknowledge(*, actor: User, notice: Notification, reply: str = "") -> Notification:
    """The receiving unit confirms it has the message (and may reply in a line)."""
    if not (can(actor, Action.EDIT_REGISTRY) or actor.role == Role.PROVIDER):
        raise PermissionDenied(_("您的角色不能确认通报。"))
    if not notice.to_unit_code or not code_in_scope(actor, notice.to_unit_code):
        raise PermissionDenied(_("只有接收单位可以确认通报。"))
    with transaction.atomic():
        locked = Notification.objects.select_for_update().get(pk=notice.pk)
        if locked.state == Notification.State.ACKNOWLEDGED:
            raise ValidationError(_("该通报已确认。"))
        notice.state = Notification.State.ACKNOWLEDGED
        notice.acknowledged_at, notice.acknowledged_by = timezone.now(), actor
        notice.reply = (reply or "").strip()[:200]
        notice.save(update_fields=["state", "acknowledged_at", "acknowledged_by", "reply"])
        audit_change(
            actor=actor,
            action="notification.acknowledge",
            target=notice,
            unit_code=notice.to_unit_code,
            label=notice.title,
            changes={"state": [locked.state, notice.state]},
        )
    return notice
