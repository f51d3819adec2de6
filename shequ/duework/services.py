"""Every write of due work: ``ensure_task`` (what the apps' rules call: idempotent by
``source_key``), completing, reassigning or cancelling a task, and the staff's calendar."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core.versions import lock_for_edit
from shequ.duework.models import CalendarDay, Task
from shequ.org.audit import audit_change
from shequ.org.models import User
from shequ.org.roles import Action, Role, can
from shequ.org.scoping import code_in_scope
from shequ.registry.models import Person


def ensure_task(
    *,
    kind: str,
    source_key: str,
    title: str,
    unit_code: str,
    due_date: datetime.date,
    person: Person | None = None,
    grid_code: str = "",
    assignee: User | None = None,
) -> Task:
    """The task ``source_key`` names, created when it does not exist yet. A rule calls this
    every time it runs: the second call finds the first one's task and changes nothing (a
    task done or cancelled stays so)."""
    found = Task.objects.filter(source_key=source_key).first()
    if found is not None:
        return found
    if person is not None and not grid_code and len(person.unit_id or "") == 14:
        grid_code = person.unit_id
    task = Task(
        kind=kind,
        source_key=source_key,
        title=title[:120],
        unit_code=unit_code,
        grid_code=grid_code,
        due_date=due_date,
        person=person,
        assignee=assignee,
    )
    try:
        with transaction.atomic():
            task.save()
    except IntegrityError:  # the same rule ran at the same moment elsewhere
        return Task.objects.get(source_key=source_key)
    return task


def _check(actor: User, task: Task) -> None:
    if not can(actor, Action.EDIT_REGISTRY) and actor.role != Role.PROVIDER:
        raise PermissionDenied(_("您的角色不能办理待办任务。"))
    if not code_in_scope(actor, task.unit_code):
        raise PermissionDenied(_("该任务不在您的管辖范围内。"))


def task_complete(*, actor: User, task: Task, outcome: str, version: int | None = None) -> Task:
    """Mark an open task done with its outcome."""
    if not (outcome or "").strip():
        raise ValidationError({"outcome": _("请填写办理结果。")})
    with transaction.atomic():
        lock_for_edit(task, version=version, check=lambda t: _check(actor, t))
        if task.state != Task.State.OPEN:
            raise ValidationError(_("该任务已办结或已取消。"))
        task.state, task.outcome = Task.State.DONE, outcome.strip()[:200]
        task.done_at, task.done_by = timezone.now(), actor
        task.version += 1
        task.save(update_fields=["state", "outcome", "done_at", "done_by", "version"])
        audit_change(
            actor=actor,
            action="task.complete",
            target=task,
            unit_code=task.unit_code,
            label=task.title,
            changes={"state": ["open", "done"], "outcome": [None, task.outcome]},
        )
    return task


def task_close_by_rule(*, source_key: str, outcome: str) -> None:
    """A rule's own completion: the record the task asked for was made (a visit recorded)."""
    Task.objects.filter(source_key=source_key, state=Task.State.OPEN).update(
        state=Task.State.DONE, outcome=outcome[:200], done_at=timezone.now()
    )


def task_cancel(*, actor: User, task: Task, reason: str, version: int | None = None) -> Task:
    """Cancel a task that is no longer due (the person moved away); the reason is logged."""
    if not (reason or "").strip():
        raise ValidationError({"reason": _("请填写取消原因。")})
    with transaction.atomic():
        lock_for_edit(task, version=version, check=lambda t: _check(actor, t))
        if task.state != Task.State.OPEN:
            raise ValidationError(_("该任务已办结或已取消。"))
        task.state, task.outcome = Task.State.CANCELLED, reason.strip()[:200]
        task.done_at, task.done_by = timezone.now(), actor
        task.version += 1
        task.save(update_fields=["state", "outcome", "done_at", "done_by", "version"])
        audit_change(
            actor=actor,
            action="task.cancel",
            target=task,
            unit_code=task.unit_code,
            label=task.title,
            reason=reason,
            changes={"state": ["open", "cancelled"]},
        )
    return task


def calendar_day_set(
    *, actor: User | None, date: datetime.date, is_working: bool, note: str = ""
) -> CalendarDay:
    """Set a day as working or not (a holiday notice the package does not carry yet)."""
    if actor is not None and not can(actor, Action.MANAGE_RULES):
        raise PermissionDenied(_("您的角色不能修改工作日历。"))
    with transaction.atomic():
        day, created = CalendarDay.objects.get_or_create(
            date=date, defaults={"is_working": is_working, "note": note, "created_by": actor}
        )
        before = None if created else day.is_working
        if not created:
            day.is_working, day.note, day.created_by = is_working, note, actor
            day.save(update_fields=["is_working", "note", "created_by"])
        audit_change(
            actor=actor,
            action="calendar.set",
            target=day,
            unit_code="",
            label=str(date),
            reason=note,
            changes={"is_working": [before, is_working]},
        )
    return day
