"""生育登记: a registration with an immediate receipt, the online way, the child linked."""

import datetime
import secrets

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from shequ.core.identifiers import normalize_id_number
from shequ.core.versions import lock_row
from shequ.desk import rules
from shequ.desk.models import (
    BirthRegistration,
    Channel,
)
from shequ.desk.services._common import (
    _require_scope,
    _today,
    count_address,
)
from shequ.duework.calendar import add_working_days
from shequ.org.audit import (
    audit_change,
    save_with_history,
)
from shequ.org.models import User
from shequ.outbox.services import notify
from shequ.registry.models import Child, Person, PersonStatus
from shequ.rulebook import selectors as rulebook
from shequ.rulebook.selectors import RuleMissing

# --- Birth registration (生育登记) --------------------------------------------------------


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


def birth_receipt_pdf(*, registration: BirthRegistration, receipt_url: str) -> bytes:
    """The receipt as a printable page (the registrant's name masked, as on the receipt
    page; no identity number, no expected date), its QR code the receipt's address."""
    from django.utils import timezone

    from shequ.core.pdf import PdfDocument, render_pdf

    fields = [
        (_("登记人"), rules.mask_name(registration.person.name)),
        (_("登记时间"), f"{timezone.localtime(registration.registered_at):%Y-%m-%d %H:%M}"),
        (_("登记地"), registration.unit.name),
        (_("登记时点"), str(registration.get_stage_display())),
        (_("孩次"), str(registration.order)),
    ]
    if registration.born_on:
        fields.append((_("出生日期"), registration.born_on.isoformat()))
    return render_pdf(
        PdfDocument(
            title=str(_("生育登记回执")),
            number=_("回执码 %(code)s") % {"code": registration.receipt_code},
            fields=[(str(label), str(value)) for label, value in fields],
            paragraphs=[
                str(
                    _(
                        "您的生育登记已完成。生育登记是服务登记，不是审批。"
                        "社区将为您提供孕产期保健和咨询服务。"
                    )
                )
            ],
            qr_text=receipt_url,
            qr_caption=str(_("扫描二维码可再次查看本回执。")),
        )
    )
