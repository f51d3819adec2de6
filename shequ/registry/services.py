"""Every write to the registry: housing, people, their flows and checks.

Each service checks the actor's role and jurisdiction, validates, writes the record with its
history row (actor and reason) and an audit event in one transaction. Views, the API, the
import and the demo all come through here.
"""

import datetime
import functools
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core.identifiers import mask_id_number, normalize_id_number
from shequ.core.text import pinyin_keys
from shequ.org.audit import (
    ChangedTarget,
    SensitiveTarget,
    audit_change,
    audit_changes,
    audit_refused,
    audit_sensitive_read,
    field_changes,
    recent_refusals,
    save_with_history,
)
from shequ.org.models import Division, OrgUnit, SensitiveAccess
from shequ.org.roles import Action, Level, can
from shequ.org.scoping import code_in_scope
from shequ.registry.models import (
    Building,
    Check,
    Child,
    Flow,
    Household,
    Person,
    PersonStatus,
    PopulationType,
)
from shequ.registry.rules import (
    derive_population_type,
    destination_problem,
    eight_clear_missing,
)
from shequ.registry.validation import PERSON_FIELDS, validate_person

# Changes to these fields are logged as "changed" without their values (they stay in the
# record's own history, which is read under the same rules as the record).
_MASKED_IN_LOG = {
    "id_number": mask_id_number,
    "contraception": lambda v: "***" if v else v,
    "contraception_since": lambda v: "***" if v else v,
}


# --- Helpers --------------------------------------------------------------------------


def _require(actor, action: Action = Action.EDIT_REGISTRY) -> None:
    """``actor`` None is the system itself (the command line, the demo): no role to check."""
    if actor is not None and not can(actor, action):
        raise PermissionDenied(_("您的角色不能执行此操作。"))


def _require_scope(actor, code: str) -> None:
    if actor is not None and not code_in_scope(actor, code):
        raise PermissionDenied(_("该记录不在您的管辖范围内。"))


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("请填写原因。")]})
    return reason


def _not_future(day: datetime.date | None, field: str, today: datetime.date) -> None:
    if day is None:
        raise ValidationError({field: [_("必填。")]})
    if day > today:
        raise ValidationError({field: [_("日期不能晚于今天。")]})


def city_prefix() -> str:
    """The code prefix of the city this deployment serves (its root unit)."""
    root = (
        OrgUnit.objects.filter(level=Level.CITY)
        .order_by("code")
        .values_list("prefix", flat=True)
        .first()
    )
    return root or ""


def person_label(person: Person) -> str:
    return f"{person.name}（{mask_id_number(person.id_number)}）"


def _snapshot(person: Person) -> dict[str, Any]:
    values = {field: getattr(person, field) for field in PERSON_FIELDS if field != "hukou_division"}
    values["hukou_division"] = person.hukou_division_id
    values.update(
        population_type=person.population_type,
        status=person.status,
        unit=person.unit_id,
        household=str(person.household.uid) if person.household_id else None,
        flow_out_division=person.flow_out_division_id,
        flow_out_address=person.flow_out_address,
        flow_out_date=person.flow_out_date,
    )
    return values


@functools.lru_cache(maxsize=50_000)
def _cached_pinyin_keys(name: str) -> tuple[str, str]:
    return pinyin_keys(name)  # names repeat a lot; bulk imports and the demo ask for each row


def refresh_derived(person: Person, *, today: datetime.date, housed: bool | None = None) -> None:
    """Recompute what the record derives from its own facts: pinyin keys and 八个清楚.

    ``housed``: whether the person has a home, for a record whose new home is not written
    yet (an import plans it; None: from ``household_id``)."""
    person.name_initials, person.name_pinyin = _cached_pinyin_keys(person.name)
    if person.population_type not in (PopulationType.INFLOW, PopulationType.OUTFLOW):
        person.eight_clear_missing = ""  # a fact list of migrants only (most rows of a city)
        return
    # Built from ids, not from _snapshot(): that reads household.uid, a query per person
    # when the household is not loaded (bulk imports set only household_id).
    facts = {field: getattr(person, field) for field in PERSON_FIELDS if field != "hukou_division"}
    facts.update(
        hukou_division=person.hukou_division_id,
        population_type=person.population_type,
        household=person.household_id if housed is None else housed,
        flow_out_division=person.flow_out_division_id,
        flow_out_address=person.flow_out_address,
        flow_out_date=person.flow_out_date,
    )
    person.eight_clear_missing = ",".join(eight_clear_missing(facts, today=today))


def _raise(errors: Mapping[str, list[str]]) -> None:
    if errors:
        raise ValidationError({k: list(v) for k, v in errors.items()})


def _check_division(code: str | None, field: str, errors: dict) -> None:
    if code and not Division.objects.filter(code=code).exists():
        errors.setdefault(field, []).append(_("区划代码 %(code)s 不存在。") % {"code": code})


def _check_destination(
    code: str | None, errors: dict, *, outflow: bool, unknown: bool = False
) -> None:
    """Where someone went when leaving the city (迁出注销) or living outside it (外出登记):
    required, known and outside the city (inside, the record stays and moves instead).
    A 迁出注销 declared 去向不明 (``unknown``) has none, and may not name one."""
    problem = destination_problem(code, city_prefix=city_prefix(), outflow=outflow, unknown=unknown)
    if problem:
        errors["division"] = [problem]
    else:
        _check_division(code, "division", errors)


def attribute_values(cleaned: Mapping[str, Any]) -> dict[str, Any]:
    """Validated facts as a new Person's attributes (what ``_apply_values`` sets), for
    ``instance_factory``: one dict instead of an attribute assignment per fact (imports).
    One comprehension, the blanks looked up in a table made once (``_blanks``): asking
    each field for its blank took a tenth of an imported row's planning."""
    blanks = _blanks()
    values = {field: blanks[field] if v is None else v for field, v in cleaned.items()}
    if values.get("children_count") == "":
        values["children_count"] = None
    if "hukou_division" in values:
        values["hukou_division_id"] = values.pop("hukou_division")
    return values


def _apply_values(person: Person, cleaned: Mapping[str, Any]) -> None:
    for field, value in cleaned.items():
        if field == "hukou_division":
            person.hukou_division_id = value
        elif field == "children_count":
            person.children_count = value if value != "" else None
        else:
            setattr(person, field, value if value is not None else _blank_for(field))


def _blank_for(field: str) -> Any:
    return _blanks()[field]


@functools.cache
def _blanks() -> dict[str, Any]:
    """What an empty fact is stored as, per field: None where the column may be null."""
    return {f.name: None if f.null else "" for f in Person._meta.concrete_fields}


def _save_children(
    person: Person, children: Sequence[Mapping[str, Any]], actor, reason: str
) -> None:
    """Replace the person's children with the given list, keeping history of each row."""
    existing = {c.order: c for c in person.children.all()}
    wanted = {int(c["order"]): c for c in children}
    for order, values in wanted.items():
        child = existing.get(order) or Child(parent=person, order=order)
        changed = child.pk is None or any(
            getattr(child, f) != values.get(f, getattr(child, f))
            for f in ("birth_date", "sex", "name")
        )
        if changed:
            child.birth_date = values["birth_date"]
            child.sex = values["sex"]
            child.name = values.get("name") or ""
            child.full_clean(exclude=["parent", "person"])
            save_with_history(child, actor=actor, reason=reason)
    for order, child in existing.items():
        if order not in wanted:
            child._history_user = actor if getattr(actor, "pk", None) else None
            child._change_reason = reason
            child.delete()  # the row leaves, its history row stays: who, when and why


# --- Housing ----------------------------------------------------------------------------


def _check_housing_unit(unit: OrgUnit) -> None:
    if unit.level < Level.COMMUNITY or not unit.is_active:
        raise ValidationError({"unit": [_("楼栋须属于在用的社区或网格。")]})


@transaction.atomic
def building_create(
    *, actor, unit: OrgUnit, name: str, address: str = "", kind: str = Building.Kind.APARTMENT
) -> Building:
    """Register a building or courtyard in a grid or community."""
    _require(actor)
    _require_scope(actor, unit.code)
    _check_housing_unit(unit)
    name = (name or "").strip()
    if Building.objects.filter(unit=unit, name=name).exists():
        raise ValidationError(
            {"name": [_("%(unit)s 已有楼栋“%(name)s”。") % {"unit": unit.name, "name": name}]}
        )
    building = Building(unit=unit, name=name, address=(address or "").strip(), kind=kind)
    building.full_clean()
    save_with_history(building, actor=actor, reason=_("新建楼栋"))
    audit_change(
        actor=actor,
        action="building.create",
        target=building,
        unit_code=unit.code,
        label=f"{unit.name} {name}",
    )
    return building


@transaction.atomic
def building_update(
    *,
    actor,
    building: Building,
    name: str,
    address: str,
    kind: str,
    unit: OrgUnit | None = None,
    reason: str,
) -> Building:
    """Rename or re-describe a building; moving it to another grid moves its households."""
    _require(actor)
    _require_scope(actor, building.unit_id)
    reason = _reason(reason)
    unit = unit or building.unit
    _require_scope(actor, unit.code)
    _check_housing_unit(unit)
    name = (name or "").strip()
    if Building.objects.filter(unit=unit, name=name).exclude(pk=building.pk).exists():
        raise ValidationError(
            {"name": [_("%(unit)s 已有楼栋“%(name)s”。") % {"unit": unit.name, "name": name}]}
        )
    before = {
        "name": building.name,
        "address": building.address,
        "kind": building.kind,
        "unit": building.unit_id,
    }
    building.name, building.address, building.kind, building.unit = (
        name,
        address.strip(),
        kind,
        unit,
    )
    building.full_clean()
    save_with_history(building, actor=actor, reason=reason)
    if before["unit"] != unit.code:
        # Households and their residents follow the building into its new grid.
        for household in building.households.all():
            household.unit = unit
            save_with_history(household, actor=actor, reason=reason)
        for person in Person.objects.filter(
            household__building=building, status=PersonStatus.ACTIVE
        ):
            person.unit = unit
            save_with_history(person, actor=actor, reason=reason)
    audit_change(
        actor=actor,
        action="building.update",
        target=building,
        unit_code=unit.code,
        label=name,
        reason=reason,
        changes=field_changes(
            before, {"name": name, "address": building.address, "kind": kind, "unit": unit.code}
        ),
    )
    return building


@transaction.atomic
def building_close(*, actor, building: Building, reason: str) -> Building:
    """Take a building out of use (demolished, merged); refused while people live in it."""
    _require(actor)
    _require_scope(actor, building.unit_id)
    reason = _reason(reason)
    if not building.is_active:
        raise ValidationError(_("楼栋已停用。"))
    if Person.objects.filter(household__building=building, status=PersonStatus.ACTIVE).exists():
        raise ValidationError(_("楼栋内还有在册人员，请先办理迁出或迁移。"))
    building.is_active = False
    building.closed_reason = reason[:200]
    save_with_history(building, actor=actor, reason=reason)
    building.households.filter(is_active=True).update(is_active=False)
    audit_change(
        actor=actor,
        action="building.close",
        target=building,
        unit_code=building.unit_id,
        label=building.name,
        reason=reason,
        changes={"is_active": [True, False]},
    )
    return building


def _landlord_fields(values: Mapping[str, Any]) -> dict[str, Any]:
    rented = bool(values.get("is_rented"))
    return {
        "is_rented": rented,
        "landlord": values.get("landlord") if rented else None,
        "landlord_name": (values.get("landlord_name") or "").strip() if rented else "",
        "landlord_phone": (values.get("landlord_phone") or "").strip() if rented else "",
        "rented_since": values.get("rented_since") if rented else None,
    }


@transaction.atomic
def household_create(*, actor, building: Building, number: str, **rent: Any) -> Household:
    """Register a home (户) in a building, marked rented with its landlord when it is."""
    _require(actor)
    _require_scope(actor, building.unit_id)
    if not building.is_active:
        raise ValidationError({"building": [_("楼栋已停用。")]})
    number = (number or "").strip()
    if Household.objects.filter(building=building, number=number).exists():
        raise ValidationError(
            {"number": [_("%(b)s 已有门牌“%(n)s”。") % {"b": building.name, "n": number}]}
        )
    household = Household(
        building=building, unit_id=building.unit_id, number=number, **_landlord_fields(rent)
    )
    if household.landlord_id:
        _require_scope(actor, household.landlord.unit_id)
    household.full_clean()
    save_with_history(household, actor=actor, reason=_("新建户"))
    audit_change(
        actor=actor,
        action="household.create",
        target=household,
        unit_code=building.unit_id,
        label=f"{building.name} {number}",
        changes={"is_rented": [None, household.is_rented]},
    )
    return household


@transaction.atomic
def household_update(
    *, actor, household: Household, number: str, reason: str, **rent: Any
) -> Household:
    """Change a home's number or its rented status and landlord."""
    _require(actor)
    _require_scope(actor, household.unit_id)
    reason = _reason(reason)
    number = (number or "").strip()
    if (
        Household.objects.filter(building=household.building, number=number)
        .exclude(pk=household.pk)
        .exists()
    ):
        raise ValidationError(
            {"number": [_("%(b)s 已有门牌“%(n)s”。") % {"b": household.building.name, "n": number}]}
        )
    fields = _landlord_fields(rent)
    before = {
        "number": household.number,
        "is_rented": household.is_rented,
        "landlord": household.landlord_id,
        "landlord_name": household.landlord_name,
        "landlord_phone": household.landlord_phone,
        "rented_since": household.rented_since,
    }
    household.number = number
    for key, value in fields.items():
        setattr(household, key, value)
    if household.landlord_id:
        _require_scope(actor, household.landlord.unit_id)
    household.full_clean()
    save_with_history(household, actor=actor, reason=reason)
    after = {
        "number": number,
        **{k: v for k, v in fields.items() if k != "landlord"},
        "landlord": household.landlord_id,
    }
    audit_change(
        actor=actor,
        action="household.update",
        target=household,
        unit_code=household.unit_id,
        label=str(household),
        reason=reason,
        changes=field_changes(before, after),
    )
    return household


# --- People ------------------------------------------------------------------------------


def _duplicate_error(existing: Person, actor) -> ValidationError:
    if actor is None or code_in_scope(actor, existing.unit_id):
        message = _("该身份证号码已登记：%(name)s（%(status)s）。") % {
            "name": existing.name,
            "status": existing.get_status_display(),
        }
        code = "registered_here"
    else:
        # Where, and in which state, stays with the unit that manages the record: anyone
        # typing numbers must not learn where a person lives.
        message = _(
            "该身份证号码已在本市登记。如此人已搬到本辖区，请凭身份证办理“市内迁入”，"
            "记录将转入本辖区，不会重复建档。"
        )
        code = "registered_elsewhere"
    return ValidationError({"id_number": [ValidationError(message, code=code)]})


def _validated(values: Mapping[str, Any], children, today) -> dict[str, Any]:
    cleaned, errors = validate_person(values, today=today, children=children or [])
    _check_division(cleaned.get("hukou_division"), "hukou_division", errors)
    _raise(errors)
    return cleaned


@transaction.atomic
def person_register(
    *,
    actor,
    values: Mapping[str, Any],
    household: Household,
    children: Sequence[Mapping[str, Any]] | None = None,
    reason: str = "",
    today: datetime.date | None = None,
) -> Person:
    """人来登记: register a person living in ``household`` (an arrival for a migrant)."""
    _require(actor)
    _require_scope(actor, household.unit_id)
    today = today or timezone.localdate()
    if not household.is_active:
        raise ValidationError({"household": [_("该户已停用。")]})
    cleaned = _validated(values, children, today)
    existing = Person.objects.filter(id_number=cleaned["id_number"]).first()
    if existing is not None:
        raise _duplicate_error(existing, actor)
    person = Person(household=household, unit_id=household.unit_id)
    _apply_values(person, cleaned)
    person.population_type = derive_population_type(
        hukou_code=person.hukou_division_id,
        residence_code=household.unit_id,
        city_prefix=city_prefix(),
    )
    refresh_derived(person, today=today)
    person.full_clean(exclude=["household", "unit", "hukou_division"])
    save_with_history(person, actor=actor, reason=reason or _("人来登记"))
    if children:
        _save_children(person, children, actor, reason or _("人来登记"))
    is_arrival = person.population_type == PopulationType.INFLOW
    Flow.objects.create(
        person=person,
        kind=Flow.Kind.ARRIVAL if is_arrival else Flow.Kind.REGISTRATION,
        date=person.flow_in_date or today,
        unit_code=household.unit_id,
        to_household=household,
        division_id=person.hukou_division_id if is_arrival else None,
        reason=person.get_flow_in_reason_display() if is_arrival else reason,
        actor=actor if getattr(actor, "pk", None) else None,
    )
    audit_change(
        actor=actor,
        action="person.register",
        target=person,
        unit_code=person.unit_id,
        label=person_label(person),
        reason=reason,
        changes=field_changes({}, _snapshot(person), masked=_MASKED_IN_LOG),
    )
    return person


@transaction.atomic
def person_update(
    *,
    actor,
    person: Person,
    values: Mapping[str, Any],
    reason: str,
    children: Sequence[Mapping[str, Any]] | None = None,
    today: datetime.date | None = None,
) -> Person:
    """Correct or complete a person's facts; the reason goes into the history."""
    _require(actor)
    _require_scope(actor, person.unit_id)
    reason = _reason(reason)
    today = today or timezone.localdate()
    merged = {field: getattr(person, field) for field in PERSON_FIELDS}
    merged["hukou_division"] = person.hukou_division_id
    merged.update(values)
    cleaned = _validated(merged, children, today)
    if cleaned["id_number"] != person.id_number:
        clash = Person.objects.filter(id_number=cleaned["id_number"]).exclude(pk=person.pk).first()
        if clash is not None:
            raise _duplicate_error(clash, actor)
    before = _snapshot(person)
    _apply_values(person, cleaned)
    was_outflow = person.population_type == PopulationType.OUTFLOW
    person.population_type = derive_population_type(
        hukou_code=person.hukou_division_id,
        residence_code=person.unit_id,
        city_prefix=city_prefix(),
        outflow=was_outflow,
    )
    if was_outflow and person.population_type != PopulationType.OUTFLOW:
        _clear_outflow(person)  # the history keeps where they had gone
    refresh_derived(person, today=today)
    person.full_clean(exclude=["household", "unit", "hukou_division"])
    save_with_history(person, actor=actor, reason=reason)
    if children is not None:
        _save_children(person, children, actor, reason)
    changes = field_changes(before, _snapshot(person), masked=_MASKED_IN_LOG)
    audit_change(
        actor=actor,
        action="person.update",
        target=person,
        unit_code=person.unit_id,
        label=person_label(person),
        reason=reason,
        changes=changes,
    )
    return person


def _require_active(person: Person) -> None:
    if person.status != PersonStatus.ACTIVE:
        raise ValidationError(
            _("%(name)s 当前状态为“%(status)s”，不能办理此项。")
            % {"name": person.name, "status": person.get_status_display()}
        )


def _clear_outflow(person: Person) -> None:
    person.flow_out_date = None
    person.flow_out_division = None
    person.flow_out_address = ""


def _relocate(person: Person, household: Household, *, today) -> None:
    person.household = household
    person.unit_id = household.unit_id
    person.population_type = derive_population_type(
        hukou_code=person.hukou_division_id,
        residence_code=household.unit_id,
        city_prefix=city_prefix(),
        outflow=person.population_type == PopulationType.OUTFLOW,
    )
    refresh_derived(person, today=today)


@transaction.atomic
def person_move(
    *, actor, person: Person, household: Household, date: datetime.date, reason: str
) -> Person:
    """Move a person to another home inside the actor's jurisdiction (same record)."""
    _require(actor)
    _require_scope(actor, person.unit_id)
    _require_scope(actor, household.unit_id)
    reason = _reason(reason)
    today = timezone.localdate()
    _not_future(date, "date", today)
    _require_active(person)
    if household.pk == person.household_id:
        raise ValidationError({"household": [_("新住址与现住址相同。")]})
    if not household.is_active:
        raise ValidationError({"household": [_("该户已停用。")]})
    return _transfer(
        actor=actor,
        person=person,
        household=household,
        date=date,
        reason=reason,
        kind=Flow.Kind.MOVE,
        today=today,
    )


def _transfer(*, actor, person, household, date, reason, kind, today) -> Person:
    before = _snapshot(person)
    from_unit, from_household = person.unit_id, person.household
    _relocate(person, household, today=today)
    if kind == Flow.Kind.REACTIVATION:
        person.status = PersonStatus.ACTIVE
        person.ended_on = None
        person.end_reason = ""
    save_with_history(person, actor=actor, reason=reason)
    Flow.objects.create(
        person=person,
        kind=kind,
        date=date,
        unit_code=household.unit_id,
        from_unit_code=from_unit,
        from_household=from_household,
        to_household=household,
        reason=reason,
        actor=actor if getattr(actor, "pk", None) else None,
    )
    changes = field_changes(before, _snapshot(person), masked=_MASKED_IN_LOG)
    for unit_code in {household.unit_id, from_unit}:  # both sides see the transfer
        audit_change(
            actor=actor,
            action=f"person.{kind}",
            target=person,
            unit_code=unit_code,
            label=person_label(person),
            reason=reason,
            changes=changes,
        )
    return person


def _same_name(typed: str, recorded: str) -> bool:
    """The name on the identity card, as typed, is the recorded one (width and spaces aside)."""

    def plain(name: str) -> str:
        return "".join(unicodedata.normalize("NFKC", name or "").split())

    return bool(plain(typed)) and plain(typed) == plain(recorded)


TRANSFER_GUESS_LIMIT = 10  # refused transfer-ins per user and hour before the form stops
_TRANSFER_REFUSED = "person.transfer_in_refused"


def transfer_in_check(*, actor, id_number: str, name: str, unit_code: str) -> Person:
    """The record a 市内迁入 would take over, or a neutral refusal.

    The record may lie outside the actor's jurisdiction, so the actor proves the person is
    present: the identity number and the name on the card must both match it. A wrong name
    gets the same answer as an unknown number, each refusal is logged, and after
    ``TRANSFER_GUESS_LIMIT`` refusals in an hour the user must wait, so the form cannot be
    used to look people up. Call it outside any transaction that may roll back (the pages
    call it before theirs), or the refusal's log row goes with the rollback.
    """
    if recent_refusals(actor, _TRANSFER_REFUSED, within=datetime.timedelta(hours=1)) >= (
        TRANSFER_GUESS_LIMIT
    ):
        raise ValidationError(
            {"id_number": [_("核对不符的次数过多，请一小时后再试，或请原登记社区协助办理。")]},
            code="throttled",
        )
    number = normalize_id_number(id_number)
    person = Person.objects.filter(id_number=number).select_related("household").first()
    if person is None or not _same_name(name, person.name):
        audit_refused(
            actor=actor,
            action=_TRANSFER_REFUSED,
            target_type="registry.person",
            label=mask_id_number(number),
            unit_code=unit_code,
        )
        raise ValidationError(
            {
                "id_number": [
                    _(
                        "没有找到与该身份证号码和姓名相符的登记记录。请核对身份证上的号码和姓名；"
                        "此人确未在本市登记的，请办理人来登记。"
                    )
                ]
            },
            code="no_match",
        )
    return person


def person_transfer_in(
    *,
    actor,
    id_number: str,
    name: str,
    household: Household,
    date: datetime.date,
    reason: str,
) -> Person:
    """市内迁入: a person registered elsewhere in the city (or departed earlier) now lives in
    ``household``; the same record moves here, never a second one (see ``transfer_in_check``
    for how the actor proves the person is present)."""
    _require(actor)
    _require_scope(actor, household.unit_id)
    reason = _reason(reason)
    today = timezone.localdate()
    _not_future(date, "date", today)
    person = transfer_in_check(
        actor=actor, id_number=id_number, name=name, unit_code=household.unit_id
    )
    if person.status == PersonStatus.DECEASED:
        raise ValidationError({"id_number": [_("该人员已登记死亡，不能迁入。")]})
    if person.status == PersonStatus.ACTIVE and code_in_scope(actor, person.unit_id):
        raise ValidationError({"id_number": [_("此人已在您的辖区登记，请使用“迁移”更换住址。")]})
    kind = Flow.Kind.MOVE if person.status == PersonStatus.ACTIVE else Flow.Kind.REACTIVATION
    with transaction.atomic():
        # Re-read under a lock: another worker may have changed the record meanwhile.
        locked = (
            Person.objects.select_for_update(of=("self",))
            .select_related("household")
            .get(pk=person.pk)
        )
        if locked.status != person.status or locked.unit_id != person.unit_id:
            raise ValidationError(_("此人的记录刚被他人更改，请重新提交。"))
        return _transfer(
            actor=actor,
            person=locked,
            household=household,
            date=date,
            reason=reason,
            kind=kind,
            today=today,
        )


def person_end_check(
    *,
    person: Person,
    kind: str,
    date: datetime.date | None,
    division: str | None = None,
    destination_unknown: bool = False,
) -> None:
    """The facts of a 迁出注销, death or 误登注销 checked without writing anything, so a page
    can refuse them before its confirmation step; the service runs the same checks."""
    _not_future(date, "date", timezone.localdate())
    _require_active(person)
    if date < person.birth_date:
        raise ValidationError({"date": [_("日期不能早于出生日期。")]})
    errors: dict[str, list[str]] = {}
    if kind == Flow.Kind.DEPARTURE:
        _check_destination(division, errors, outflow=False, unknown=destination_unknown)
    _raise(errors)


def _end(
    *,
    actor,
    person: Person,
    status: str,
    kind: str,
    date,
    reason: str,
    division: str | None = None,
    address: str = "",
    destination_unknown: bool = False,
) -> Person:
    _require(actor)
    _require_scope(actor, person.unit_id)
    reason = _reason(reason)
    person_end_check(
        person=person,
        kind=kind,
        date=date,
        division=division,
        destination_unknown=destination_unknown,
    )
    before = _snapshot(person)
    person.status = status
    person.ended_on = date
    person.end_reason = reason[:200]
    save_with_history(person, actor=actor, reason=reason)
    Flow.objects.create(
        person=person,
        kind=kind,
        date=date,
        unit_code=person.unit_id,
        from_unit_code=person.unit_id,
        from_household=person.household,
        division_id=division or None,
        destination_unknown=destination_unknown,
        address=address,
        reason=reason,
        actor=actor if getattr(actor, "pk", None) else None,
    )
    audit_change(
        actor=actor,
        action=f"person.{kind}",
        target=person,
        unit_code=person.unit_id,
        label=person_label(person),
        reason=reason,
        changes=field_changes(before, _snapshot(person), masked=_MASKED_IN_LOG),
    )
    return person


def person_depart(
    *,
    actor,
    person: Person,
    date: datetime.date,
    reason: str,
    division: str | None = None,
    address: str = "",
    destination_unknown: bool = False,
) -> Person:
    """人走注销: the person left the city; the record leaves the active lists, not the registry.

    The destination (``division``) is required and outside the city, unless the worker
    declares it unknown (``destination_unknown``, 去向不明): then none may be given, and the
    departure is recorded as 去向不明."""
    return _end(
        actor=actor,
        person=person,
        status=PersonStatus.DEPARTED,
        kind=Flow.Kind.DEPARTURE,
        date=date,
        reason=reason,
        division=division,
        address=address,
        destination_unknown=destination_unknown,
    )


def person_record_death(*, actor, person: Person, date: datetime.date, reason: str) -> Person:
    """Record a death; the record stays, inactive."""
    return _end(
        actor=actor,
        person=person,
        status=PersonStatus.DECEASED,
        kind=Flow.Kind.DEATH,
        date=date,
        reason=reason,
    )


def person_cancel(
    *, actor, person: Person, reason: str, date: datetime.date | None = None
) -> Person:
    """误登注销: the record should not have been made (a duplicate, a wrong entry)."""
    return _end(
        actor=actor,
        person=person,
        status=PersonStatus.CANCELLED,
        kind=Flow.Kind.CANCELLATION,
        date=date or timezone.localdate(),
        reason=reason,
    )


@transaction.atomic
def person_register_outflow(
    *, actor, person: Person, date: datetime.date, reason: str, division: str, address: str = ""
) -> Person:
    """流出登记: someone registered here now lives outside the city; still ours to serve."""
    _require(actor)
    _require_scope(actor, person.unit_id)
    reason = _reason(reason)
    today = timezone.localdate()
    _not_future(date, "date", today)
    _require_active(person)
    if person.population_type not in (PopulationType.RESIDENT, PopulationType.SEPARATED):
        raise ValidationError(_("只有本地户籍人员可以登记流出；流入人员离开请办理迁出注销。"))
    errors: dict[str, list[str]] = {}
    _check_destination(division, errors, outflow=True)
    _raise(errors)
    before = _snapshot(person)
    person.population_type = PopulationType.OUTFLOW
    person.flow_out_date = date
    person.flow_out_division_id = division
    person.flow_out_address = address.strip()
    refresh_derived(person, today=today)
    save_with_history(person, actor=actor, reason=reason)
    Flow.objects.create(
        person=person,
        kind=Flow.Kind.OUTFLOW,
        date=date,
        unit_code=person.unit_id,
        from_unit_code=person.unit_id,
        division_id=division,
        address=address,
        reason=reason,
        actor=actor if getattr(actor, "pk", None) else None,
    )
    audit_change(
        actor=actor,
        action="person.outflow",
        target=person,
        unit_code=person.unit_id,
        label=person_label(person),
        reason=reason,
        changes=field_changes(before, _snapshot(person), masked=_MASKED_IN_LOG),
    )
    return person


@transaction.atomic
def person_return(*, actor, person: Person, date: datetime.date, reason: str) -> Person:
    """返回登记: an outflow person lives here again."""
    _require(actor)
    _require_scope(actor, person.unit_id)
    reason = _reason(reason)
    today = timezone.localdate()
    _not_future(date, "date", today)
    _require_active(person)
    if person.population_type != PopulationType.OUTFLOW:
        raise ValidationError(_("此人不是流出人员。"))
    before = _snapshot(person)
    person.population_type = derive_population_type(
        hukou_code=person.hukou_division_id,
        residence_code=person.unit_id,
        city_prefix=city_prefix(),
    )
    _clear_outflow(person)
    refresh_derived(person, today=today)
    save_with_history(person, actor=actor, reason=reason)
    Flow.objects.create(
        person=person,
        kind=Flow.Kind.RETURN,
        date=date,
        unit_code=person.unit_id,
        to_household=person.household,
        reason=reason,
        actor=actor if getattr(actor, "pk", None) else None,
    )
    audit_change(
        actor=actor,
        action="person.return",
        target=person,
        unit_code=person.unit_id,
        label=person_label(person),
        reason=reason,
        changes=field_changes(before, _snapshot(person), masked=_MASKED_IN_LOG),
    )
    return person


# --- Checks -------------------------------------------------------------------------------


def _check_reason(kind: str, result: str, note: str = "") -> str:
    """The reason a check writes into the history and the change log: "每月一查：信息无误"."""
    reason = f"{Check.Kind(kind).label}：{Check.Result(result).label}"
    return f"{reason}；{note}" if note else reason


@transaction.atomic
def checks_record(
    *,
    actor,
    persons: Iterable[Person],
    kind: str,
    date: datetime.date,
    result: str = Check.Result.CONFIRMED,
    note: str = "",
) -> int:
    """每月一查 / 季度核对 for one or many people at once; returns how many were recorded.

    Each person gets a check row, a history row (who, when, the check as reason) and a
    change-log row; each kind of row is one insert, however many people a community checks.
    """
    _require(actor)
    today = timezone.localdate()
    _not_future(date, "date", today)
    if kind not in Check.Kind.values:
        raise ValidationError({"kind": [_("未知的核查类型。")]})
    if result not in Check.Result.values:
        raise ValidationError({"result": [_("未知的核查结果。")]})
    people = list({p.pk: p for p in persons}.values())
    for person in people:
        _require_scope(actor, person.unit_id)
        _require_active(person)
    user = actor if getattr(actor, "pk", None) else None
    note = note[:200]
    checks = [
        Check(
            person=p,
            kind=kind,
            date=date,
            result=result,
            note=note,
            unit_code=p.unit_id,
            actor=user,
        )
        for p in people
    ]
    Check.objects.bulk_create(checks, batch_size=500)

    field = "last_monthly_check" if kind == Check.Kind.MONTHLY else "last_quarterly_verification"
    reason = _check_reason(kind, result, note)
    # History is written from the rows as stored, locked: the caller's objects may be stale
    # or still carry the user and reason of an earlier save.
    stored = Person.objects.select_for_update().order_by().in_bulk([p.pk for p in people])
    records, changed, targets = [], [], []
    for person, check in zip(people, checks, strict=True):
        record = stored[person.pk]
        old = getattr(record, field)
        if old is None or old < date:
            setattr(record, field, date)
            setattr(person, field, date)
            changed.append(record)
        record._history_user = user
        record._change_reason = reason[:100]
        record._history_date = check.created_at  # the timeline joins check and row by it
        records.append(record)
        targets.append(
            ChangedTarget(
                record,
                record.unit_id,
                person_label(record),
                field_changes({field: old}, {field: getattr(record, field)}),
            )
        )
    Person.objects.bulk_update(changed, [field], batch_size=500)
    Person.history.bulk_history_create(records, batch_size=500, update=True)
    audit_changes(actor=actor, action=f"person.check.{kind}", targets=targets, reason=reason)
    return len(people)


# --- Sensitive reads --------------------------------------------------------------------


def person_reveal_id_number(*, actor, person: Person, purpose: str, channel: str = "web") -> str:
    """The unmasked identity number, for a role that may see it; the read is logged."""
    _require(actor, Action.REVEAL_ID_NUMBER)
    _require_scope(actor, person.unit_id)
    if purpose not in SensitiveAccess.Purpose.values:
        raise ValidationError({"purpose": [_("请选择查看目的。")]})
    audit_sensitive_read(
        actor=actor,
        targets=[
            SensitiveTarget(
                "registry.person", str(person.uid), person_label(person), person.unit_id
            )
        ],
        fields=["id_number"],
        purpose=purpose,
        channel=channel,
    )
    return person.id_number


def log_health_read(*, actor, persons: Sequence[Person], channel: str, purpose: str) -> None:
    """Log that these people's health facts (contraception) were shown to the actor."""
    shown = [p for p in persons if p.contraception]
    if shown:
        audit_sensitive_read(
            actor=actor,
            targets=[
                SensitiveTarget("registry.person", str(p.uid), person_label(p), p.unit_id)
                for p in shown
            ],
            fields=["contraception"],
            purpose=purpose,
            channel=channel,
        )
