"""Facilities (service stations, designated hospitals) and their provider staff: created,
edited and deactivated (with a reason, kept in the history and the change log); a district
holds at most the rule's number of active designated hospitals."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core.versions import lock_for_edit
from shequ.health.models import Facility, FacilityStaff
from shequ.health.services._common import _require, _require_scope, _rule
from shequ.org.audit import audit_change, field_changes, save_with_history
from shequ.org.models import OrgUnit, User
from shequ.org.roles import Action, Level, Role, can

EDITABLE = ("name", "kind", "address", "phone")


def _require_manager(actor: User | None, code: str) -> None:
    _require(
        actor,
        actor is None or can(actor, Action.MANAGE_FACILITIES),
        _("您的角色不能管理服务机构。"),
    )
    _require_scope(actor, code)


def _check_hospital_room(unit_code: str, level: int, exclude: Facility | None = None) -> None:
    """A designated hospital is set per district, at most the rule's number active there
    (``health.hospitals_per_district_max``). Called inside the write's transaction: the
    district's row is locked first, so two managers adding the last place at once cannot
    both pass the count."""
    if level != Level.DISTRICT:
        raise ValidationError({"unit": _("定点医院按区县设置。")})
    OrgUnit.objects.select_for_update().filter(code=unit_code).first()
    most = int(_rule("hospitals_per_district_max", unit_code, timezone.localdate()))
    active = Facility.objects.filter(
        unit_code=unit_code, kind=Facility.Kind.HOSPITAL, is_active=True
    )
    if exclude is not None:
        active = active.exclude(pk=exclude.pk)
    if active.count() >= most:
        raise ValidationError(
            {
                "kind": _("每个区县最多 %(n)s 家定点医院（规则设置），该区县已有 %(n)s 家在用。")
                % {"n": most}
            }
        )


def _clean_name(name: str) -> str:
    if not (name or "").strip():
        raise ValidationError({"name": _("请填写名称。")})
    return name.strip()


def facility_create(
    *, actor: User | None, name: str, kind: str, unit: OrgUnit, address: str = "", phone: str = ""
) -> Facility:
    """A facility on a district, street or community; a district has 2–3 designated hospitals."""
    _require_manager(actor, unit.code)
    if unit.level not in (Level.DISTRICT, Level.STREET, Level.COMMUNITY):
        raise ValidationError({"unit": _("服务机构须设在区县、街道或社区。")})
    if kind not in Facility.Kind.values:
        raise ValidationError({"kind": _("未知的机构类型。")})
    name = _clean_name(name)
    with transaction.atomic():
        if kind == Facility.Kind.HOSPITAL:
            _check_hospital_room(unit.code, unit.level)
        facility = Facility(name=name, kind=kind, unit_code=unit.code, address=address, phone=phone)
        facility.full_clean()
        save_with_history(facility, actor=actor, reason=_("新建服务机构"))
        audit_change(
            actor=actor,
            action="facility.create",
            target=facility,
            unit_code=unit.code,
            label=facility.name,
        )
    return facility


def facility_update(
    *,
    actor: User | None,
    facility: Facility,
    values: dict,
    reason: str,
    version: int | None = None,
) -> Facility:
    """Change a facility's name, kind, address or phone, with the reason (history and change
    log). It stays on its unit: a facility that moves is a new one."""
    if not (reason or "").strip():
        raise ValidationError({"reason": _("请说明修改原因。")})
    unknown = set(values) - set(EDITABLE)
    if unknown:
        raise ValidationError(
            {"values": _("不能修改：%(f)s。") % {"f": ", ".join(sorted(unknown))}}
        )
    with transaction.atomic():
        lock_for_edit(
            facility, version=version, check=lambda f: _require_manager(actor, f.unit_code)
        )
        before = {name: getattr(facility, name) for name in EDITABLE}
        after = {**before, **values}
        after["name"] = _clean_name(after["name"])
        if after["kind"] not in Facility.Kind.values:
            raise ValidationError({"kind": _("未知的机构类型。")})
        if after["kind"] != before["kind"]:
            if after["kind"] == Facility.Kind.HOSPITAL:
                unit = OrgUnit.objects.filter(code=facility.unit_code).first()
                _check_hospital_room(facility.unit_code, unit.level if unit else 0, facility)
            if before["kind"] == Facility.Kind.HOSPITAL and facility.claims.exists():
                raise ValidationError(
                    {"kind": _("该定点医院已有报销批次，不能改为服务站；请停用后另建。")}
                )
        changes = field_changes(before, after)
        if not changes:
            return facility
        for name, new in after.items():
            setattr(facility, name, new)
        facility.full_clean()
        save_with_history(facility, actor=actor, reason=reason.strip())
        audit_change(
            actor=actor,
            action="facility.update",
            target=facility,
            unit_code=facility.unit_code,
            label=facility.name,
            reason=reason.strip(),
            changes=changes,
        )
    return facility


def facility_set_active(
    *,
    actor: User | None,
    facility: Facility,
    active: bool,
    reason: str,
    version: int | None = None,
) -> Facility:
    """Deactivate a facility (it is kept, with its records and claims, but no new service is
    recorded at it) or bring it back, with the reason. A hospital brought back counts
    against its district's limit again."""
    if not (reason or "").strip():
        raise ValidationError({"reason": _("请说明原因。")})
    with transaction.atomic():
        lock_for_edit(
            facility, version=version, check=lambda f: _require_manager(actor, f.unit_code)
        )
        if facility.is_active == active:
            raise ValidationError(_("该服务机构已在用。") if active else _("该服务机构已停用。"))
        if active and facility.kind == Facility.Kind.HOSPITAL:
            _check_hospital_room(facility.unit_code, Level.DISTRICT, facility)
        facility.is_active = active
        save_with_history(facility, actor=actor, reason=reason.strip())
        audit_change(
            actor=actor,
            action="facility.activate" if active else "facility.deactivate",
            target=facility,
            unit_code=facility.unit_code,
            label=facility.name,
            reason=reason.strip(),
            changes={"is_active": [not active, active]},
        )
    return facility


def facility_staff_set(*, actor: User | None, facility: Facility, user: User) -> FacilityStaff:
    """A provider account belongs to this facility (sitting on the facility's unit)."""
    _require_manager(actor, facility.unit_code)
    if not facility.is_active:
        raise ValidationError({"user": _("该服务机构已停用。")})
    if user.role != Role.PROVIDER:
        raise ValidationError({"user": _("只有卫生服务机构人员（provider）可以归属服务机构。")})
    if user.unit_id != facility.unit_code:
        raise ValidationError({"user": _("该用户的单位与服务机构所在单位不一致。")})
    with transaction.atomic():
        staff, _created = FacilityStaff.objects.update_or_create(
            user=user, defaults={"facility": facility}
        )
        audit_change(
            actor=actor,
            action="facility.staff",
            target=facility,
            unit_code=facility.unit_code,
            label=facility.name,
            changes={"staff": [None, user.username]},
        )
    return staff
