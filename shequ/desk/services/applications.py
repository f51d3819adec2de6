"""Applications at the desk and their steps; the 光荣证 rules of the desk."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed, has_transition_perm

from shequ.core.versions import lock_row
from shequ.desk import rules
from shequ.desk import selectors as desk_selectors
from shequ.desk.models import (
    Application,
    ApplicationState,
    Channel,
    DocumentKind,
)
from shequ.desk.services._common import (
    _reason,
    _require_scope,
    _today,
)
from shequ.desk.services.documents import _document_create
from shequ.duework.calendar import add_working_days
from shequ.duework.services import ensure_task, task_close_by_rule
from shequ.org.audit import (
    audit_change,
    save_with_history,
)
from shequ.org.models import User
from shequ.registry import services as registry_services
from shequ.registry.models import Person, PersonStatus

# --- Applications ---------------------------------------------------------------------


def application_create(
    *,
    actor: User | None,
    person: Person,
    kind: str,
    channel: str = Channel.DESK,
    note: str = "",
) -> Application:
    """A resident's request for a document, registered at the desk or by a worker."""
    if not rules.may_step(actor, "apply"):
        raise PermissionDenied(_("您的角色不能登记办事申请。"))
    _require_scope(actor, person.unit_id)
    if kind not in DocumentKind.values:
        raise ValidationError({"kind": [_("请选择办理事项。")]})
    problem = rules.kind_problem(kind)
    if problem:
        raise ValidationError({"kind": [problem]})
    if person.status != PersonStatus.ACTIVE:
        raise ValidationError({"person": [_("该人员已不在册，不能申请。")]})
    if kind == DocumentKind.GLORY_CERTIFICATE:
        glory = glory_certificate_problem(person)
        if glory:
            raise ValidationError({"kind": [glory]})
    if Application.objects.filter(
        person=person,
        kind=kind,
        state__in=[ApplicationState.APPLIED, ApplicationState.ACCEPTED, ApplicationState.REVIEWED],
    ).exists():
        raise ValidationError({"kind": [_("该人员已有同一事项的申请正在办理，请勿重复申请。")]})
    with transaction.atomic():
        application = Application(
            kind=kind,
            person=person,
            unit_id=person.unit_id,
            channel=channel,
            note=(note or "").strip(),
            applied_by=actor,
        )
        save_with_history(application, actor=actor, reason=_("申请"))
        audit_change(
            actor=actor,
            action="desk.application_create",
            target=application,
            unit_code=application.unit_id,
            label=str(application),
            changes={"kind": kind, "channel": channel},
        )
    return application


def _step(
    *, actor: User | None, application: Application, step: str, reason: str = ""
) -> Application:
    """Make one step of the state machine on the locked row: the transition's own
    permission (the role) and source state decide; the jurisdiction is checked beside."""
    lock_row(application)
    _require_scope(actor, application.unit_id)
    method = getattr(application, step)
    if not can_proceed(method):  # the state and the kind's road (review or not)
        raise ValidationError(
            _("申请当前为“%(state)s”，不能执行这一步。")
            % {"state": application.get_state_display()}
        )
    if actor is not None and not has_transition_perm(method, actor):
        raise PermissionDenied(_("您的角色不能办理这一步。"))
    before = application.state
    method()
    now = timezone.now()
    if step == "accept":
        application.accepted_at, application.accepted_by = now, actor
        application.due_on = promised_by(application.kind, timezone.localdate(now))
    elif step == "review":
        application.reviewed_at, application.reviewed_by = now, actor
    else:
        application.decided_at, application.decided_by = now, actor
    if step == "refuse":
        application.refusal_reason = reason
    save_with_history(application, actor=actor, reason=reason or step)
    _due_work(application)
    audit_change(
        actor=actor,
        action=f"desk.application_{step}",
        target=application,
        unit_code=application.unit_id,
        label=str(application),
        reason=reason,
        changes={"state": [before, application.state]},
    )
    return application


def promised_by(kind: str, accepted_on: datetime.date) -> datetime.date:
    """The date the desk promised (承诺时限): so many working days after acceptance, on
    China's calendar with the staff's own days (duework)."""
    return add_working_days(accepted_on, rules.PROMISED_WORKING_DAYS[kind])


def _due_work(application: Application) -> None:
    """An accepted application is a task due by the promised date (the overdue lists of due
    work show it); deciding it closes the task."""
    key = f"desk.application:{application.uid}"
    if application.state == ApplicationState.ACCEPTED and application.due_on:
        ensure_task(
            kind="desk.application",
            source_key=key,
            title=_("办结%(kind)s申请") % {"kind": application.get_kind_display()},
            unit_code=application.unit_id,
            due_date=application.due_on,
            person=application.person,
        )
    elif application.state in (ApplicationState.ISSUED, ApplicationState.REFUSED):
        task_close_by_rule(source_key=key, outcome=application.get_state_display())


@transaction.atomic
def application_accept(*, actor: User | None, application: Application) -> Application:
    """受理: the desk takes the application; the promised date (承诺时限) starts."""
    return _step(actor=actor, application=application, step="accept")


@transaction.atomic
def application_review(*, actor: User | None, application: Application) -> Application:
    """审核 (the kinds that need it): the street checks the facts the document will state."""
    return _step(actor=actor, application=application, step="review")


@transaction.atomic
def application_refuse(*, actor: User | None, application: Application, reason: str) -> Application:
    """不予办理, with the reason the resident is told."""
    return _step(actor=actor, application=application, step="refuse", reason=_reason(reason))


@transaction.atomic
def application_issue(*, actor: User | None, application: Application) -> Application:
    """办结: the document is generated from the registry, numbered and linked."""
    application = _step(actor=actor, application=application, step="issue")
    document = _document_create(
        actor=actor, kind=application.kind, person=application.person, today=_today()
    )
    application.document = document
    application.save(update_fields=["document"])
    return application


# --- 独生子女父母光荣证 -------------------------------------------------------------------


def glory_certificate_problem(person: Person) -> str:
    """Why the desk may not issue this person a 光荣证 ("" when it may): a certificate
    recorded on the marriage may always be replaced; a NEW one only for an only child born
    on or before 2015-12-31 (rules.glory_certificate_problem)."""
    marriage = registry_services.marriage_in_force(person)
    if marriage is not None and marriage.honor_certificate_number:
        return ""
    children = desk_selectors.children_of(person.pk)
    if len(children) > 1:
        return _("登记在册的子女不止一个，不符合独生子女父母光荣证条件。")
    return rules.glory_certificate_problem(children[0].birth_date if children else None)


@transaction.atomic
def glory_certificate_record(
    *,
    actor: User | None,
    person: Person,
    number: str,
    issued_on: datetime.date,
    reason: str,
) -> None:
    """Record a 光荣证 held by the couple (the one issued before 2016) on the marriage in
    force; a certificate dated after the last day new ones were issued is refused."""
    reason = _reason(reason)
    _require_scope(actor, person.unit_id)
    marriage = registry_services.marriage_in_force(person)
    if marriage is None:
        raise ValidationError({"person": [_("请先登记此人的婚姻（结婚登记）。")]})
    if issued_on > rules.GLORY_LAST_ISSUE:
        raise ValidationError(
            {"issued_on": [_("2016 年 6 月 30 日以后不再新发光荣证：请核对发证日期。")]}
        )
    children = desk_selectors.children_of(person.pk)
    problem = rules.glory_certificate_problem(children[0].birth_date if children else None)
    if problem or len(children) > 1:
        raise ValidationError({"person": [problem or _("登记在册的子女不止一个。")]})
    registry_services.marriage_update(
        actor=actor,
        marriage=marriage,
        values={"honor_certificate_number": number.strip(), "honor_certificate_date": issued_on},
        reason=reason,
    )
