"""Writes of couples and families: marriages, children on both parents, newborns without an
identity number, and the facts the services need (婚育证明, pregnancy, 户口性质, 光荣证).

Marital status and the children count on a person are caches of the marriage and child
rows (``rules.marital_status_of``, ``rules.children_count_of``): every write here that
changes those rows refreshes them on the persons concerned, with a history row saying why.
"""

import datetime
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core.bulk import bulk_insert
from shequ.core.identifiers import check_id_number_agrees, mask_id_number, parse_id_number
from shequ.core.versions import changed_fields, lock_for_edit, row_values
from shequ.org.audit import audit_change, save_with_history
from shequ.org.models import User
from shequ.org.roles import Action
from shequ.org.scoping import code_in_scope
from shequ.registry.models import (
    Child,
    DisabilityGrade,
    FertilityCertificate,
    HukouNature,
    Marriage,
    MarriageEnd,
    Person,
    PersonStatus,
    Pregnancy,
    PregnancyOutcome,
    RegisteredHouseholdMember,
    Relation,
    Sex,
)
from shequ.registry.rules import (
    birth_certificate_problem,
    children_count_of,
    honor_certificate_problem,
    marital_status_of,
    marriage_date_of,
)
from shequ.registry.selectors import id_number_registration
from shequ.registry.services._common import (
    _check_division,
    _raise,
    _reason,
    _require,
    _require_scope,
    person_label,
    refresh_derived,
)
from shequ.registry.services.registered import registered_household_add_member

# The outside side's facts kept on a marriage, per side.
OUTSIDE_FIELDS = ("name", "id_number", "hukou_division", "hukou_address")
MARRIAGE_FIELDS = (
    "married_on",
    "certificate_number",
    "certificate_place",
    "honor_certificate_number",
    "honor_certificate_date",
)


# --- Derived caches ------------------------------------------------------------------------


def marriages_of(person: Person) -> list[Marriage]:
    """Every marriage record of the person, husband or wife (newest first)."""
    return list(
        Marriage.objects.filter(Q(husband=person) | Q(wife=person)).order_by("-married_on", "-id")
    )


def children_rows_of(person: Person) -> list[Child]:
    """Every child recorded on the person, as mother or father."""
    return list(Child.objects.filter(Q(mother=person) | Q(father=person)).order_by("birth_date"))


def person_refresh_family(person: Person, *, actor: User | None, reason: str) -> None:
    """Bring the person's derived marital status, marriage date and children count in step
    with the rows; a history row (actor, reason) when something changed."""
    marriages = marriages_of(person)
    died_on = person.ended_on if person.status == PersonStatus.DECEASED else None
    status = marital_status_of(marriages, person.marital_status, died_on=died_on)
    married_on = marriage_date_of(marriages)
    count = children_count_of(children_rows_of(person), person.children_count)
    if (status, married_on, count) == (
        person.marital_status,
        person.marriage_date,
        person.children_count,
    ):
        return
    person.refresh_from_db()
    before = row_values(person)
    person.marital_status, person.marriage_date, person.children_count = status, married_on, count
    save_with_history(
        person, actor=actor, reason=reason, update_fields=changed_fields(person, before)
    )


def _refresh_all(persons: Iterable[Person | None], actor: User | None, reason: str) -> None:
    seen: set[int] = set()
    for person in persons:
        if person is not None and person.pk not in seen:
            seen.add(person.pk)
            person_refresh_family(person, actor=actor, reason=reason)


def _record_start(
    actor: User | None, person: Person, today: datetime.date | None, *, health: bool = False
) -> datetime.date:
    """What every fact recorded on a person starts with (a child, a newborn, a 婚育证明, a
    pregnancy): the actor's right (the health right for health facts), the person in the
    actor's jurisdiction; returns the day it is recorded on."""
    if health:
        _require_health(actor)
    else:
        _require(actor)
    _require_scope(actor, person.unit_id)
    return today or timezone.localdate()


# --- Marriages -----------------------------------------------------------------------------


def _in_scope_or_outside(actor: User | None, person: Person | None) -> None:
    if person is not None:
        _require_scope(actor, person.unit_id)


def _marriage_scope(actor: User | None, marriage: Marriage) -> None:
    """A marriage is written by whoever manages one of its registry spouses."""
    if actor is None:
        return
    codes = [p.unit_id for p in (marriage.husband, marriage.wife) if p is not None]
    if not any(code_in_scope(actor, code) for code in codes):
        raise PermissionDenied(_("该记录不在您的管辖范围内。"))


def _validate_outside(side: str, values: Mapping[str, Any], errors: dict[str, list[str]]) -> dict:
    """The outside side's facts: a name at least; a number that parses and agrees with the
    side's sex; a registration place that exists."""
    out: dict[str, Any] = {f"{side}_{f}": values.get(f"{side}_{f}") or "" for f in OUTSIDE_FIELDS}
    out[f"{side}_hukou_division_id"] = out.pop(f"{side}_hukou_division") or None
    if not out[f"{side}_name"].strip():
        errors.setdefault(f"{side}_name", []).append(_("请填写非本库一方的姓名。"))
    number = out[f"{side}_id_number"].strip().upper()
    if number:
        try:
            info = parse_id_number(number)
        except ValidationError as exc:
            errors.setdefault(f"{side}_id_number", []).extend(exc.messages)
        else:
            wanted = Sex.MALE if side == "husband" else Sex.FEMALE
            if info.sex != wanted:
                errors.setdefault(f"{side}_id_number", []).append(
                    _("身份证号码表示的性别与%(side)s不符。")
                    % {"side": _("丈夫") if side == "husband" else _("妻子")}
                )
            number = info.number
    out[f"{side}_id_number"] = number
    _check_division(out[f"{side}_hukou_division_id"], f"{side}_hukou_division", errors)
    return out


def _validate_marriage(
    values: Mapping[str, Any], errors: dict[str, list[str]], today: datetime.date
) -> dict[str, Any]:
    out = {f: values.get(f) for f in MARRIAGE_FIELDS if f in values}
    for field in ("married_on", "honor_certificate_date"):
        day = out.get(field)
        if day and day > today:
            errors.setdefault(field, []).append(_("日期不能晚于今天。"))
    for field in ("certificate_number", "certificate_place", "honor_certificate_number"):
        if field in out:
            out[field] = (out[field] or "").strip()
    if out.get("honor_certificate_date") and not out.get("honor_certificate_number"):
        errors.setdefault("honor_certificate_number", []).append(_("有发证日期时须填写证号。"))
    return out


def _check_spouse(
    side: str, person: Person, married_on: datetime.date | None, errors: dict[str, list[str]]
) -> None:
    wanted = Sex.MALE if side == "husband" else Sex.FEMALE
    if person.sex != wanted:
        errors.setdefault(side, []).append(
            _("%(name)s 的性别与%(side)s不符。")
            % {"name": person.name, "side": _("丈夫") if side == "husband" else _("妻子")}
        )
    if person.status != PersonStatus.ACTIVE and person.status != PersonStatus.DECEASED:
        errors.setdefault(side, []).append(_("%(name)s 不在册。") % {"name": person.name})
    if married_on and married_on < person.birth_date:
        errors.setdefault("married_on", []).append(_("结婚日期早于出生日期。"))
    # A person not written yet (an import's row) has no marriage.
    in_force = person.pk is not None and (
        Marriage.objects.filter(**{side: person, "end_reason": ""}).exists()
    )
    if in_force:
        errors.setdefault(side, []).append(
            _("%(name)s 已有一段存续的婚姻：请先登记其终止。") % {"name": person.name}
        )


def marriage_check(
    *,
    husband: Person | None,
    wife: Person | None,
    values: Mapping[str, Any],
    today: datetime.date,
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The marriage's fields and the problems ``marriage_record`` would refuse it for (an
    import checks its rows with it before anything is written): each registry spouse's sex,
    state and marriage in force, the outside side's facts, the dates."""
    errors: dict[str, list[str]] = {}
    fields = _validate_marriage(values, errors, today)
    for side, person in (("husband", husband), ("wife", wife)):
        if person is None:
            fields.update(_validate_outside(side, values, errors))
        else:
            _check_spouse(side, person, fields.get("married_on"), errors)
    return fields, errors


@transaction.atomic
def marriage_record(
    *,
    actor: User | None,
    husband: Person | None,
    wife: Person | None,
    values: Mapping[str, Any],
    reason: str = "",
    today: datetime.date | None = None,
) -> Marriage:
    """结婚登记 on the registry: ``husband``/``wife`` a registry person, or None with that
    side's ``<side>_name`` (id number, 户籍地) in ``values``. Refreshes both spouses'
    marital status."""
    _require(actor)
    today = today or timezone.localdate()
    if husband is None and wife is None:
        raise ValidationError({"wife": [_("夫妻至少一方须是本库人员。")]})
    for person in (husband, wife):
        _in_scope_or_outside(actor, person)
    fields, errors = marriage_check(husband=husband, wife=wife, values=values, today=today)
    _raise(errors)
    marriage = Marriage(husband=husband, wife=wife, **fields)
    marriage.full_clean(
        exclude=["husband", "wife", "husband_hukou_division", "wife_hukou_division"]
    )
    reason = reason or _("结婚登记")
    save_with_history(marriage, actor=actor, reason=reason)
    _refresh_all((husband, wife), actor, reason)
    _audit(actor, "marriage.record", marriage, reason)
    return marriage


@transaction.atomic
def marriage_update(
    *,
    actor: User | None,
    marriage: Marriage,
    values: Mapping[str, Any],
    reason: str,
    version: int | None = None,
    today: datetime.date | None = None,
) -> Marriage:
    """Correct a marriage's facts (date, certificate, 光荣证, the outside side's facts)."""
    _require(actor)
    reason = _reason(reason)
    today = today or timezone.localdate()
    lock_for_edit(marriage, version=version, check=lambda m: _marriage_scope(actor, m))
    before = row_values(marriage)
    errors: dict[str, list[str]] = {}
    fields = _validate_marriage(values, errors, today)
    for side in ("husband", "wife"):
        if getattr(marriage, f"{side}_id") is None and any(
            f"{side}_{f}" in values for f in OUTSIDE_FIELDS
        ):
            merged = {
                f"{side}_{f}": values.get(
                    f"{side}_{f}",
                    getattr(marriage, f"{side}_{f}" + ("_id" if f == "hukou_division" else "")),
                )
                for f in OUTSIDE_FIELDS
            }
            fields.update(_validate_outside(side, merged, errors))
    if fields.get("honor_certificate_number") and not marriage.honor_certificate_number:
        # A new 光荣证 (not a correction of one recorded): the couple's children decide.
        births = [c.birth_date for c in Child.objects.filter(_children_of_marriage_q(marriage))]
        problem = honor_certificate_problem(births)
        if problem:
            errors.setdefault("honor_certificate_number", []).append(problem)
    _raise(errors)
    for name, value in fields.items():
        setattr(marriage, name, value)
    save_with_history(
        marriage, actor=actor, reason=reason, update_fields=changed_fields(marriage, before)
    )
    _refresh_all((marriage.husband, marriage.wife), actor, reason)
    _audit(actor, "marriage.update", marriage, reason)
    return marriage


@transaction.atomic
def marriage_end(
    *,
    actor: User | None,
    marriage: Marriage,
    end_reason: str,
    ended_on: datetime.date | None,
    reason: str = "",
    version: int | None = None,
    today: datetime.date | None = None,
) -> Marriage:
    """离婚、丧偶 or 婚姻无效: the marriage ends on ``ended_on`` (None: date unknown); both
    spouses' marital status follows."""
    _require(actor)
    today = today or timezone.localdate()
    lock_for_edit(marriage, version=version, check=lambda m: _marriage_scope(actor, m))
    errors: dict[str, list[str]] = {}
    if marriage.end_reason:
        errors["end_reason"] = [_("该婚姻已于此前终止。")]
    if end_reason not in MarriageEnd.values:
        errors.setdefault("end_reason", []).append(_("请选择终止原因。"))
    if ended_on and ended_on > today:
        errors.setdefault("ended_on", []).append(_("日期不能晚于今天。"))
    if ended_on and marriage.married_on and ended_on < marriage.married_on:
        errors.setdefault("ended_on", []).append(_("终止日期早于结婚日期。"))
    _raise(errors)
    before = row_values(marriage)
    marriage.end_reason, marriage.ended_on = end_reason, ended_on
    reason = reason or str(MarriageEnd(end_reason).label)
    save_with_history(
        marriage, actor=actor, reason=reason, update_fields=changed_fields(marriage, before)
    )
    _refresh_all((marriage.husband, marriage.wife), actor, reason)
    _audit(actor, "marriage.end", marriage, reason)
    return marriage


def _children_of_marriage_q(marriage: Marriage) -> Q:
    """The couple's children: of the marriage, or on either registry spouse."""
    q = Q(marriage=marriage)
    for person_id, side in ((marriage.husband_id, "father_id"), (marriage.wife_id, "mother_id")):
        if person_id is not None:
            q |= Q(**{side: person_id})
    return q


def marriage_in_force(person: Person) -> Marriage | None:
    return (
        Marriage.objects.filter(Q(husband=person) | Q(wife=person), end_reason="")
        .select_related("husband", "wife")
        .first()
    )


def _audit(actor: User | None, action: str, marriage: Marriage, reason: str) -> None:
    spouse = marriage.wife or marriage.husband
    assert spouse is not None
    audit_change(
        actor=actor,
        action=action,
        target=marriage,
        unit_code=spouse.unit_id,
        label=f"{marriage.husband_display} · {marriage.wife_display}",
        reason=reason,
        changes={},
    )


# --- Children ------------------------------------------------------------------------------


def child_parents(person: Person) -> dict[str, Any]:
    """The parents a child recorded on ``person`` gets: the person on their side, the spouse
    of the marriage in force on the other (a registry person, or the outside side through
    the marriage)."""
    side = "mother" if person.sex == Sex.FEMALE else "father"
    parents: dict[str, Any] = {side: person, "marriage": None}
    marriage = marriage_in_force(person)
    if marriage is not None:
        parents["marriage"] = marriage
        other = marriage.husband if side == "mother" else marriage.wife
        parents["father" if side == "mother" else "mother"] = other
    return parents


@transaction.atomic
def child_record(
    *,
    actor: User | None,
    parent: Person,
    values: Mapping[str, Any],
    reason: str = "",
    today: datetime.date | None = None,
) -> Child:
    """A child on ``parent`` and, through the marriage in force, on the other parent too."""
    today = _record_start(actor, parent, today)
    errors: dict[str, list[str]] = {}
    birth: datetime.date = values.get("birth_date")  # type: ignore[assignment]  # checked below
    if birth is None:
        errors["birth_date"] = [_("必填。")]
    elif birth > today:
        errors["birth_date"] = [_("子女出生日期不能晚于今天。")]
    elif birth < parent.birth_date:
        errors["birth_date"] = [_("子女出生日期早于父/母的出生日期。")]
    if values.get("sex") not in Sex.values:
        errors["sex"] = [_("请选择性别。")]
    order = values.get("order") or (max((c.order for c in parent.children.all()), default=0) + 1)
    if parent.children.filter(order=order).exists():
        errors["order"] = [_("孩次不能重复。")]
    _raise(errors)
    parents = child_parents(parent)
    child = Child(
        parent=parent,
        order=order,
        name=(values.get("name") or "").strip(),
        sex=values["sex"],
        birth_date=birth,
        person=values.get("person"),
        disability_grade=values.get("disability_grade") or "",
        **parents,
    )
    _set_death(child, values.get("death_date"), today)
    reason = reason or _("登记子女")
    child.full_clean(exclude=["parent", "person", "mother", "father", "marriage"])
    save_with_history(child, actor=actor, reason=reason)
    _refresh_all((child.mother, child.father), actor, reason)
    return child


def _set_death(child: Child, death: datetime.date | None, today: datetime.date) -> None:
    if death is None:
        return
    problems = {}
    if death > today:
        problems["death_date"] = [_("日期不能晚于今天。")]
    elif death < child.birth_date:
        problems["death_date"] = [_("死亡日期早于出生日期。")]
    _raise(problems)
    child.death_date, child.is_living = death, False


@transaction.atomic
def child_update(
    *,
    actor: User | None,
    child: Child,
    values: Mapping[str, Any],
    reason: str,
    today: datetime.date | None = None,
) -> Child:
    """Record a child's death (date), disability grade, name, or the other parent (a
    registry person of the right sex)."""
    _require(actor)
    reason = _reason(reason)
    today = today or timezone.localdate()
    parents = [p for p in (child.mother, child.father) if p is not None]
    if actor is not None and not any(code_in_scope(actor, p.unit_id) for p in parents):
        raise PermissionDenied(_("该记录不在您的管辖范围内。"))
    errors: dict[str, list[str]] = {}
    if "disability_grade" in values:
        grade = values["disability_grade"] or ""
        if grade and grade not in DisabilityGrade.values:
            errors["disability_grade"] = [_("请选择残疾等级。")]
        child.disability_grade = grade
    if "name" in values:
        child.name = (values["name"] or "").strip()
    for side, sex in (("mother", Sex.FEMALE), ("father", Sex.MALE)):
        if side in values and values[side] is not None:
            other: Person = values[side]
            if other.sex != sex:
                errors[side] = [_("性别不符。")]
            setattr(child, side, other)
    _raise(errors)
    if values.get("death_date"):
        _set_death(child, values["death_date"], today)
    save_with_history(child, actor=actor, reason=reason)
    _refresh_all((child.mother, child.father), actor, reason)
    return child


@transaction.atomic
def newborn_register(
    *,
    actor: User | None,
    parent: Person,
    values: Mapping[str, Any],
    reason: str = "",
    today: datetime.date | None = None,
) -> Person:
    """出生登记 of a newborn who has no identity number yet: a person of the registry (in
    the parent's home, with the parent's 户籍地 unless given) with the birth-certificate
    number, and a child on both parents. The number comes later (``person_issue_id_number``)."""
    today = _record_start(actor, parent, today)
    errors: dict[str, list[str]] = {}
    number = (values.get("birth_certificate_number") or "").strip().upper()
    problem = birth_certificate_problem(number)
    if problem:
        errors["birth_certificate_number"] = [problem]
    elif Person.objects.filter(birth_certificate_number=number).exists():
        errors["birth_certificate_number"] = [_("该出生医学证明编号已登记。")]
    name = (values.get("name") or "").strip()
    if not name:
        errors["name"] = [_("必填。")]
    birth: datetime.date = values.get("birth_date")  # type: ignore[assignment]  # checked below
    if birth is None or birth > today:
        errors["birth_date"] = [_("请填写不晚于今天的出生日期。")]
    if values.get("sex") not in Sex.values:
        errors["sex"] = [_("请选择性别。")]
    if parent.household_id is None or parent.status != PersonStatus.ACTIVE:
        errors["parent"] = [_("父/母不在册或无现居住户，无法登记新生儿。")]
    _raise(errors)
    division = values.get("hukou_division") or parent.hukou_division_id
    person = Person(
        id_number=None,
        birth_certificate_number=number,
        name=name,
        sex=values["sex"],
        birth_date=birth,
        ethnicity=parent.ethnicity,
        hukou_division_id=division,
        hukou_address=values.get("hukou_address") or parent.hukou_address,
        population_type=parent.population_type,
        unit_id=parent.unit_id,
        household_id=parent.household_id,
        marital_status="single",
        children_count=0,
        flow_in_date=birth if parent.flow_in_date else None,
        flow_in_reason="follow" if parent.flow_in_date else "",
    )
    refresh_derived(person, today=today)
    reason = reason or _("出生登记")
    save_with_history(person, actor=actor, reason=reason)
    child_record(
        actor=actor,
        parent=parent,
        values={"birth_date": birth, "sex": person.sex, "name": name, "person": person},
        reason=reason,
        today=today,
    )
    # 出生入户: onto the 户口簿 of a parent who heads it or is the head's spouse, when the
    # child is registered at the same place.
    membership = (
        RegisteredHouseholdMember.objects.filter(person=parent, left_on__isnull=True)
        .select_related("household")
        .first()
    )
    if (
        membership is not None
        and membership.relation in (Relation.HEAD, Relation.SPOUSE)
        and membership.household.division_id == person.hukou_division_id
    ):
        registered_household_add_member(
            actor=actor,
            household=membership.household,
            person=person,
            relation=Relation.CHILD,
            reason=reason,
            joined_on=birth,
        )
    audit_change(
        actor=actor,
        action="person.newborn",
        target=person,
        unit_code=person.unit_id,
        label=person_label(person),
        reason=reason,
        changes={},
    )
    return person


@transaction.atomic
def person_issue_id_number(
    *,
    actor: User | None,
    person: Person,
    id_number: str,
    reason: str = "",
    version: int | None = None,
) -> Person:
    """The identity number issued to someone registered without one (a newborn): it must
    agree with the birth date and sex, and be free; the history keeps when and who."""
    _require(actor)
    lock_for_edit(person, version=version, check=lambda p: _require_scope(actor, p.unit_id))
    if person.id_number:
        raise ValidationError({"id_number": [_("此人已有身份证号码。")]})
    try:
        info = parse_id_number(id_number)
    except ValidationError as exc:
        raise ValidationError({"id_number": exc.messages}) from exc
    errors = check_id_number_agrees(info, birth_date=person.birth_date, sex=person.sex)
    if errors:
        raise ValidationError({"id_number": list(errors.values())})
    # Through the registry's lookups (the selector, or the one below for the system), so
    # that an encrypted column later changes them, not this service.
    if id_number_registration(actor, info.number) if actor else _number_taken(info.number):
        raise ValidationError({"id_number": [_("该身份证号码已登记。")]})
    before = row_values(person)
    person.id_number = info.number
    reason = reason or _("补录身份证号码")
    save_with_history(
        person, actor=actor, reason=reason, update_fields=changed_fields(person, before)
    )
    audit_change(
        actor=actor,
        action="person.issue_id_number",
        target=person,
        unit_code=person.unit_id,
        label=person_label(person),
        reason=reason,
        changes={"id_number": ["", mask_id_number(info.number)]},
    )
    return person


def _number_taken(number: str) -> bool:
    return Person.objects.filter(id_number=number).exists()


# --- Facts the services need ---------------------------------------------------------------


@transaction.atomic
def person_set_hukou_nature(
    *, actor: User | None, person: Person, nature: str, reason: str, version: int | None = None
) -> Person:
    """户口性质 (农业/非农业): its history keeps what it was, for benefits that ask."""
    _require(actor)
    reason = _reason(reason)
    if nature and nature not in HukouNature.values:
        raise ValidationError({"hukou_nature": [_("请选择户口性质。")]})
    lock_for_edit(person, version=version, check=lambda p: _require_scope(actor, p.unit_id))
    before = row_values(person)
    person.hukou_nature = nature
    save_with_history(
        person, actor=actor, reason=reason, update_fields=changed_fields(person, before)
    )
    return person


def _certificate_values(
    values: Mapping[str, Any], errors: dict[str, list[str]], today: datetime.date
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "number": (values.get("number") or "").strip(),
        "issuing_division_id": values.get("issuing_division") or None,
        "issuing_authority": (values.get("issuing_authority") or "").strip(),
        "issued_on": values.get("issued_on"),
        "verified_on": values.get("verified_on"),
        "verified_how": values.get("verified_how") or "",
    }
    if not out["number"]:
        errors["number"] = [_("请填写证明编号。")]
    for field in ("issued_on", "verified_on"):
        if out[field] and out[field] > today:
            errors[field] = [_("日期不能晚于今天。")]
    if out["verified_on"] and out["verified_how"] not in FertilityCertificate.Verification.values:
        errors["verified_how"] = [_("请选择查验方式。")]
    if out["verified_how"] and not out["verified_on"]:
        errors["verified_on"] = [_("请填写查验日期。")]
    _check_division(out["issuing_division_id"], "issuing_division", errors)
    return out


@transaction.atomic
def fertility_certificate_record(
    *,
    actor: User | None,
    person: Person,
    values: Mapping[str, Any],
    reason: str = "",
    today: datetime.date | None = None,
) -> FertilityCertificate:
    """婚育证明 shown by a migrant: what it says, and who verified it when and how (the
    verifier is the actor when a verification date is given)."""
    today = _record_start(actor, person, today)
    errors: dict[str, list[str]] = {}
    fields = _certificate_values(values, errors, today)
    _raise(errors)
    cert = FertilityCertificate(person=person, **fields)
    if cert.verified_on and getattr(actor, "pk", None):
        cert.verified_by = actor
    save_with_history(cert, actor=actor, reason=reason or _("登记婚育证明"))
    return cert


@transaction.atomic
def fertility_certificate_verify(
    *,
    actor: User | None,
    certificate: FertilityCertificate,
    how: str,
    on: datetime.date | None = None,
    reason: str = "",
    version: int | None = None,
) -> FertilityCertificate:
    """Record that the certificate was verified (by the actor, today unless ``on``)."""
    _require(actor)
    if how not in FertilityCertificate.Verification.values:
        raise ValidationError({"verified_how": [_("请选择查验方式。")]})
    lock_for_edit(
        certificate,
        version=version,
        check=lambda c: _require_scope(actor, c.person.unit_id),
    )
    before = row_values(certificate)
    certificate.verified_how, certificate.verified_on = how, on or timezone.localdate()
    certificate.verified_by = actor if getattr(actor, "pk", None) else None
    save_with_history(
        certificate,
        actor=actor,
        reason=reason or _("查验婚育证明"),
        update_fields=changed_fields(certificate, before),
    )
    return certificate


def _require_health(actor: User | None) -> None:
    """Pregnancy facts are written only by those who may read them (PIPL: the duty)."""
    _require(actor)
    _require(actor, Action.VIEW_HEALTH)


@transaction.atomic
def pregnancy_record(
    *,
    actor: User | None,
    person: Person,
    values: Mapping[str, Any],
    reason: str = "",
    today: datetime.date | None = None,
) -> Pregnancy:
    """孕情登记 (a health fact): a woman's pregnancy with its expected date."""
    today = _record_start(actor, person, today, health=True)
    errors: dict[str, list[str]] = {}
    if person.sex != Sex.FEMALE:
        errors["person"] = [_("孕情只能登记在女性名下。")]
    if person.pregnancies.filter(outcome="").exists():
        errors["person"] = [_("已有一条进行中的孕情，请先登记其结局。")]
    recorded = values.get("recorded_on") or today
    expected = values.get("expected_on")
    if recorded > today:
        errors["recorded_on"] = [_("日期不能晚于今天。")]
    if expected and expected < recorded - datetime.timedelta(days=300):
        errors["expected_on"] = [_("预产期不合理。")]
    _raise(errors)
    pregnancy = Pregnancy(person=person, recorded_on=recorded, expected_on=expected)
    save_with_history(pregnancy, actor=actor, reason=reason or _("孕情登记"))
    return pregnancy


@transaction.atomic
def pregnancy_outcome(
    *,
    actor: User | None,
    pregnancy: Pregnancy,
    outcome: str,
    outcome_on: datetime.date,
    reason: str = "",
    version: int | None = None,
    today: datetime.date | None = None,
) -> Pregnancy:
    """The outcome of a pregnancy (活产 with a child recorded separately: 出生登记)."""
    _require_health(actor)
    today = today or timezone.localdate()
    lock_for_edit(
        pregnancy, version=version, check=lambda p: _require_scope(actor, p.person.unit_id)
    )
    errors: dict[str, list[str]] = {}
    if pregnancy.outcome:
        errors["outcome"] = [_("该孕情已有结局。")]
    if outcome not in PregnancyOutcome.values:
        errors.setdefault("outcome", []).append(_("请选择妊娠结局。"))
    if (
        outcome_on is None
        or outcome_on > today
        or outcome_on < pregnancy.recorded_on - datetime.timedelta(days=300)
    ):
        errors["outcome_on"] = [_("请填写合理的结局日期。")]
    _raise(errors)
    before = row_values(pregnancy)
    pregnancy.outcome, pregnancy.outcome_on = outcome, outcome_on
    save_with_history(
        pregnancy,
        actor=actor,
        reason=reason or _("登记妊娠结局"),
        update_fields=changed_fields(pregnancy, before),
    )
    return pregnancy


# --- Many at once (the demo) ---------------------------------------------------------------


def marriages_create_many(
    marriages: list[Marriage], *, actor: User | None, reasons: list[str]
) -> None:
    """New marriages (spouses saved, caches set by the caller as the rule derives them), a
    history row each, written in bulk (COPY on PostgreSQL)."""
    _require(actor, Action.IMPORT_REGISTRY)
    bulk_insert(Marriage, marriages, actor=actor, reasons=reasons)
