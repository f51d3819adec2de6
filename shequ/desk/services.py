"""Every write of the desk: applications and their steps, documents (issue, revoke,
replace, print), the public verification look. Each checks the role and the jurisdiction,
writes the row with its history (actor and reason) and a change-log event in one
transaction. ``actor`` None is the system (the demo, the command line)."""

import datetime
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed, has_transition_perm

from shequ.core.identifiers import mask_id_number, normalize_id_number
from shequ.core.pdf import PdfDocument, render_pdf
from shequ.core.text import prefix_q
from shequ.core.versions import lock_for_edit, lock_row, row_values
from shequ.desk import rules
from shequ.desk import selectors as desk_selectors
from shequ.desk.models import (
    Application,
    ApplicationState,
    BirthRegistration,
    Channel,
    Disclosure,
    DisclosureCategory,
    Document,
    DocumentCounter,
    DocumentKind,
    DocumentStatus,
    VerificationLook,
)
from shequ.duework.calendar import add_working_days
from shequ.duework.services import ensure_task, task_close_by_rule
from shequ.org.audit import (
    SensitiveTarget,
    audit_change,
    audit_sensitive_read,
    field_changes,
    save_with_history,
)
from shequ.org.models import OrgUnit, User
from shequ.org.roles import Level
from shequ.org.scoping import code_in_scope
from shequ.outbox.services import notify
from shequ.registry import services as registry_services
from shequ.registry.models import Child, Person, PersonStatus
from shequ.rulebook import selectors as rulebook
from shequ.rulebook.selectors import RuleMissing


def _require_scope(actor: User | None, code: str) -> None:
    if actor is not None and not code_in_scope(actor, code):
        raise PermissionDenied(_("该记录不在您的管辖范围内。"))


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("请填写原因。")]})
    return reason


def _today() -> datetime.date:
    return timezone.localdate()


def _street_of(code: str) -> OrgUnit:
    """The street (街道) above a unit: it numbers and seals the documents of its area. Its
    code is the first 9 digits of every code below it (docs/architecture.md, jurisdiction)."""
    street = OrgUnit.objects.filter(code=code[:9] + "000", level=Level.STREET).first()
    return street or OrgUnit.objects.get(code=code)


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


# --- Documents --------------------------------------------------------------------------


def _next_serial(issuer: OrgUnit, year: int) -> int:
    counter, _created = DocumentCounter.objects.get_or_create(unit=issuer, year=year)
    counter = DocumentCounter.objects.select_for_update().get(pk=counter.pk)
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last


def _content(kind: str, person: Person) -> dict:
    masked = mask_id_number(person.id_number)
    if kind in (DocumentKind.STATUS_PROOF, DocumentKind.LEGACY_STATUS_CERTIFICATE):
        children = person.children_count
        rows = desk_selectors.children_of(person.pk)
        marriage = registry_services.marriage_in_force(person)
        facts = rules.ProofFacts(
            name=person.name,
            sex=person.get_sex_display(),
            birth_date=person.birth_date.isoformat(),
            id_number=masked,
            marital_status=person.get_marital_status_display(),
            marriage_date=person.marriage_date.isoformat() if person.marriage_date else "",
            spouse=marriage.spouse_name_of(person) if marriage is not None else "",
            # From the child rows once there are any; before, what registration stated.
            children=rules.children_text(
                [
                    (c.birth_date, c.get_sex_display(), c.is_living and not c.death_date)
                    for c in rows
                ]
            )
            if rows
            else _("%(n)s个") % {"n": children}
            if children is not None
            else _("未核实"),
            hukou=person.hukou_division.name if person.hukou_division_id else "",
            residence=person.unit.name,
        )
        return rules.status_proof_content(facts)
    content = rules.simple_content(str(DocumentKind(kind).label), person.name, masked)
    if kind == DocumentKind.GLORY_CERTIFICATE:
        marriage = registry_services.marriage_in_force(person)
        if marriage is not None:
            content["fields"].append(
                [
                    _("夫妻"),
                    f"{marriage.husband_display}、{marriage.wife_display}",
                ]
            )
            if marriage.honor_certificate_number:
                content["fields"].append([_("原证号"), marriage.honor_certificate_number])
    return content


def _document_create(
    *, actor: User | None, kind: str, person: Person, today: datetime.date
) -> Document:
    issuer = _street_of(person.unit_id)
    serial = _next_serial(issuer, today.year)
    document = Document(
        kind=kind,
        unit_id=person.unit_id,
        issuer=issuer,
        year=today.year,
        serial=serial,
        number=rules.document_number(issuer.name, today.year, serial),
        person=person,
        holder_name=person.name,
        content=_content(kind, person),
        code=secrets.token_urlsafe(24),  # 192 random bits
        issued_on=today,
        valid_until=rules.valid_until(kind, today),
        issued_by=actor,
    )
    save_with_history(document, actor=actor, reason=_("开具"))
    audit_change(
        actor=actor,
        action="desk.document_issue",
        target=document,
        unit_code=document.unit_id,
        label=document.number,
        changes={"kind": kind, "holder": rules.mask_name(person.name)},
    )
    return document


def _require_document_role(actor: User | None, document: Document) -> None:
    if not rules.may_manage_documents(actor):
        raise PermissionDenied(_("只有开具单位（街道）可以作废或换发文书。"))
    _require_scope(actor, document.unit_id)


@transaction.atomic
def document_revoke(*, actor: User | None, document: Document, reason: str) -> Document:
    """作废: the document stays, marked revoked with the reason; verification says so."""
    reason = _reason(reason)
    lock_row(document)
    _require_document_role(actor, document)
    if document.status != DocumentStatus.VALID:
        raise ValidationError(_("该文书已作废或已换发。"))
    document.status, document.status_reason = DocumentStatus.REVOKED, reason
    save_with_history(document, actor=actor, reason=reason)
    audit_change(
        actor=actor,
        action="desk.document_revoke",
        target=document,
        unit_code=document.unit_id,
        label=document.number,
        reason=reason,
        changes={"status": [DocumentStatus.VALID, DocumentStatus.REVOKED]},
    )
    return document


@transaction.atomic
def document_replace(*, actor: User | None, document: Document, reason: str) -> Document:
    """换发: a new number and code with today's facts; the old one points at the new."""
    reason = _reason(reason)
    lock_row(document)
    _require_document_role(actor, document)
    if document.status != DocumentStatus.VALID:
        raise ValidationError(_("该文书已作废或已换发。"))
    new = _document_create(actor=actor, kind=document.kind, person=document.person, today=_today())
    document.status, document.status_reason = DocumentStatus.REPLACED, reason
    document.replaced_by = new
    save_with_history(document, actor=actor, reason=reason)
    audit_change(
        actor=actor,
        action="desk.document_replace",
        target=document,
        unit_code=document.unit_id,
        label=document.number,
        reason=reason,
        changes={"status": [DocumentStatus.VALID, DocumentStatus.REPLACED], "new": new.number},
    )
    return new


def document_pdf(*, actor: User, document: Document, verify_url: str, channel: str) -> bytes:
    """The printed page: the frozen content with the whole identity number (a logged read)
    and the QR code of the verification address."""
    _require_scope(actor, document.unit_id)
    fields = []
    for row in document.content.get("fields", []):
        value = document.person.id_number if row[2:] == [rules.ID_ROW] else row[1]
        fields.append((str(row[0]), str(value)))
    audit_sensitive_read(
        actor=actor,
        targets=[
            SensitiveTarget(
                target_type="registry.person",
                target_id=str(document.person.uid),
                label=document.holder_name,
                unit_code=document.person.unit_id,
            )
        ],
        fields=["id_number"],
        purpose="print",
        channel=channel,
    )
    issuer = document.issuer.name
    valid = (
        _("有效期至 %(day)s") % {"day": document.valid_until.isoformat()}
        if document.valid_until
        else ""
    )
    return render_pdf(
        PdfDocument(
            title=str(DocumentKind(document.kind).label),
            number=document.number,
            fields=fields,
            paragraphs=[str(p) for p in document.content.get("paragraphs", [])],
            issuer=issuer,
            issued_on=f"{document.issued_on:%Y年%m月%d日}",
            qr_text=verify_url,
            qr_caption=_("扫描二维码核验真伪。%(valid)s") % {"valid": valid},
        )
    )


# --- Public verification ----------------------------------------------------------------


@dataclass(frozen=True)
class VerificationAnswer:
    """All the public learns of a document: what it is, its state, a masked name."""

    found: bool
    limited: bool = False
    kind: str = ""
    state: str = ""
    masked_name: str = ""
    valid_until: datetime.date | None = None


_LOOKS_KEY = "verify-looks:{}"


def _count_look(ip: str | None) -> int:
    key = _LOOKS_KEY.format(ip or "-")
    cache.add(key, 0, 3600)
    return cache.incr(key)


def verification_look(*, code: str, ip: str | None) -> VerificationAnswer:
    """Look a code up for the public page: every look is logged, and an address past
    ``VERIFY_LIMIT_PER_HOUR`` looks is refused without looking (guessing is pointless at
    192 bits, but the page must not become a free oracle either)."""
    if _count_look(ip) > settings.VERIFY_LIMIT_PER_HOUR:
        VerificationLook.objects.create(ip=ip, outcome=VerificationLook.Outcome.LIMITED)
        return VerificationAnswer(found=False, limited=True)
    document = (
        Document.objects.filter(code=code)
        .only("id", "kind", "status", "valid_until", "holder_name")
        .first()
        if 20 <= len(code) <= 64
        else None
    )
    VerificationLook.objects.create(
        ip=ip,
        document=document,
        outcome=VerificationLook.Outcome.FOUND if document else VerificationLook.Outcome.UNKNOWN,
    )
    if document is None:
        return VerificationAnswer(found=False)
    return VerificationAnswer(
        found=True,
        kind=document.kind,
        state=rules.verification_state(document.status, document.valid_until, _today()),
        masked_name=rules.mask_name(document.holder_name),
        valid_until=document.valid_until,
    )


# --- Birth registration (生育登记) --------------------------------------------------------


class TooManyAttempts(Exception):
    """An address asked more often than its hourly limit allows (the pages answer 429)."""


def count_address(purpose: str, ip: str | None, limit: int) -> None:
    """Count one public request of ``purpose`` from ``ip``; past ``limit`` an hour, refuse."""
    key = f"desk-{purpose}:{ip or '-'}"
    cache.add(key, 0, 3600)
    if cache.incr(key) > limit:
        raise TooManyAttempts


def marriage_required(unit_code: str, on: datetime.date) -> bool:
    """Whether this province's rule (rulebook) asks a registering couple to be married."""
    try:
        return bool(rulebook.value(*rules.MARRIAGE_RULE, division_code=unit_code, on=on))
    except RuleMissing as exc:
        raise ValidationError(str(exc)) from exc


def _other_place(person: Person, unit_code: str, given: str) -> str:
    """The place told of the registration: the one given, else the 户籍地 when the person is
    registered at the residence place and the hukou lies elsewhere (another county)."""
    if given:
        return given
    hukou = person.hukou_division_id or ""
    return hukou if hukou and hukou[:6] != unit_code[:6] else ""


@transaction.atomic
def birth_registration_create(
    *, actor: User | None, person: Person, channel: str, values: dict
) -> BirthRegistration:
    """Register a birth (before or after it) and hand back the receipt at once: nothing is
    approved. The other place (户籍地 or residence) is notified through the outbox."""
    if channel != Channel.ONLINE:
        if not rules.may_step(actor, "apply"):
            raise PermissionDenied(_("您的角色不能办理生育登记。"))
        _require_scope(actor, person.unit_id)
    today = _today()
    errors = rules.birth_stage_problem(
        values.get("stage", ""), values.get("expected_on"), values.get("born_on"), today
    )
    if not values.get("declaration"):
        errors["declaration"] = [_("请确认所填信息属实（承诺）。")]
    married = bool(values.get("married", True))
    if not married and marriage_required(person.unit_id, today):
        errors["married"] = [_("本省生育登记以夫妻双方已婚为前提，请先办理结婚登记。")]
    if person.status != PersonStatus.ACTIVE:
        errors["person"] = [_("登记人已不在册。")]
    if errors:
        raise ValidationError(errors)
    stage = values["stage"]
    registration = BirthRegistration(
        receipt_code=secrets.token_urlsafe(16),  # 128 random bits
        person=person,
        unit_id=person.unit_id,
        channel=channel,
        spouse_name=(values.get("spouse_name") or "").strip(),
        married=married,
        stage=stage,
        expected_on=values.get("expected_on") if stage == "before" else None,
        born_on=values.get("born_on") if stage == "after" else None,
        order=rules.birth_order(person.children_count or 0),
        mobile=(values.get("mobile") or person.phone or "").strip(),
        declaration=True,
        other_place=_other_place(person, person.unit_id, values.get("other_place") or ""),
        registered_by=actor,
    )
    save_with_history(registration, actor=actor, reason=_("生育登记"))
    audit_change(
        actor=actor,
        action="desk.birth_registration",
        target=registration,
        unit_code=registration.unit_id,
        label=str(registration),
        changes={"channel": channel, "stage": stage, "order": registration.order},
    )
    if registration.other_place:
        notify(
            key=f"desk.birth:{registration.uid}",
            kind="desk.birth_registration",
            title=_("生育登记通报：%(name)s") % {"name": person.name},
            summary=_("%(stage)s，第%(order)s孩")
            % {
                "stage": registration.get_stage_display(),
                "order": registration.order,
            },
            from_unit_code=registration.unit_id,
            to_unit_code=registration.other_place,
            to_division_code=registration.other_place,
            person=person,
            due_date=add_working_days(today, 5),
        )
    return registration


def birth_registration_online(
    *, id_number: str, mobile: str, values: dict, ip: str | None
) -> BirthRegistration:
    """The resident registers online without a staff account: the identity number and the
    mobile number on the registry's record must agree (the answer never says which part
    did not, nor whether the number is registered); rate-limited per address."""
    count_address("birth-online", ip, settings.BIRTH_ONLINE_LIMIT_PER_HOUR)
    number = normalize_id_number(id_number)
    person = (
        Person.objects.filter(id_number=number, status=PersonStatus.ACTIVE).first()
        if number
        else None
    )
    if person is None or not mobile or (person.phone or "").strip() != mobile.strip():
        raise ValidationError(
            _(
                "身份证号码与手机号码不能核对一致。请到现居住地或户籍地的社区、街道窗口办理，"
                "或请社区工作人员代为登记。"
            )
        )
    return birth_registration_create(
        actor=None, person=person, channel=Channel.ONLINE, values={**values, "mobile": mobile}
    )


@transaction.atomic
def birth_registration_link_child(
    *, actor: User | None, registration: BirthRegistration, child: Child
) -> BirthRegistration:
    """After the birth: the registry's child record (on the registering parent) is linked."""
    lock_row(registration)
    if not rules.may_step(actor, "apply"):
        raise PermissionDenied(_("您的角色不能办理生育登记。"))
    _require_scope(actor, registration.unit_id)
    person_id = registration.person_id
    if person_id not in (child.parent_id, child.mother_id, child.father_id):
        raise ValidationError({"child": [_("该子女不是登记人的子女。")]})
    if registration.child_id:
        raise ValidationError({"child": [_("该登记已关联子女。")]})
    registration.child, registration.born_on = child, child.birth_date
    save_with_history(registration, actor=actor, reason=_("关联出生子女"))
    audit_change(
        actor=actor,
        action="desk.birth_registration_child",
        target=registration,
        unit_code=registration.unit_id,
        label=str(registration),
        changes={"child": str(child.uid)},
    )
    return registration


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
