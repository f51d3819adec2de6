"""Writes of people: register and correct a person's facts and children."""

import datetime
import functools
from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core.versions import changed_fields, lock_for_edit, lock_row, row_values
from shequ.org.audit import (
    audit_change,
    field_changes,
    save_with_history,
)
from shequ.org.models import User
from shequ.org.roles import Action, can
from shequ.org.scoping import code_in_scope
from shequ.registry.models import (
    Child,
    Contraception,
    Flow,
    Household,
    Person,
    PopulationType,
)
from shequ.registry.rules import (
    entry_flow,
    marital_status_of,
    marriage_date_of,
    register_reason,
)
from shequ.registry.services._common import (
    _MASKED_IN_LOG,
    _check_division,
    _raise,
    _reason,
    _require,
    _require_scope,
    _snapshot,
    person_label,
    population_type_for,
    refresh_derived,
)
from shequ.registry.services.families import child_parents, marriages_of, person_refresh_family
from shequ.registry.services.housing import NewHome, home_of
from shequ.registry.services.registered import person_relation_record
from shequ.registry.validation import PERSON_FIELDS, validate_person


def attribute_values(cleaned: Mapping[str, Any]) -> dict[str, Any]:
    """Validated facts as a new Person's attributes (what ``person_apply_values`` sets), for
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


def person_apply_values(person: Person, cleaned: Mapping[str, Any]) -> None:
    """Set validated facts on a person (not saved): blanks as the column stores them."""
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


def person_save_children(
    person: Person, children: Sequence[Mapping[str, Any]], actor: User | None, reason: str
) -> None:
    """Replace the person's children with the given list, keeping history of each row."""
    existing = {c.order: c for c in person.children.all()}
    wanted = {int(c["order"]): c for c in children}
    parents: dict | None = None  # looked up once, for new rows only
    others: set[Person] = set()
    for order, values in wanted.items():
        child = existing.get(order)
        if child is None:
            # On both parents: this person's side, the spouse in force on the other.
            parents = parents if parents is not None else child_parents(person)
            child = Child(parent=person, order=order, **parents)
        changed = child.pk is None or any(
            getattr(child, f) != values.get(f, getattr(child, f))
            for f in ("birth_date", "sex", "name")
        )
        if changed:
            child.birth_date = values["birth_date"]
            child.sex = values["sex"]
            child.name = values.get("name") or ""
            child.full_clean(exclude=["parent", "person", "mother", "father", "marriage"])
            save_with_history(child, actor=actor, reason=reason)
            others.update(p for p in (child.mother, child.father) if p and p.pk != person.pk)
    for order, child in existing.items():
        if order not in wanted:
            others.update(p for p in (child.mother, child.father) if p and p.pk != person.pk)
            child._history_user = actor if getattr(actor, "pk", None) else None  # type: ignore[attr-defined]
            child._change_reason = reason  # type: ignore[attr-defined]
            child.delete()  # the row leaves, its history row stays: who, when and why
    for other in others:  # the other parent's count follows (rules.children_count_of)
        person_refresh_family(other, actor=actor, reason=reason)


def _duplicate_error(existing: Person, actor: User | None) -> ValidationError:
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


def _validated(
    values: Mapping[str, Any],
    children: Sequence[Mapping[str, Any]] | None,
    today: datetime.date,
) -> dict[str, Any]:
    cleaned, errors = validate_person(values, today=today, children=children or [])
    _check_division(cleaned.get("hukou_division"), "hukou_division", errors)
    _raise(errors)
    return cleaned


@transaction.atomic
def person_register(
    *,
    actor: User | None,
    values: Mapping[str, Any],
    household: Household | NewHome,
    children: Sequence[Mapping[str, Any]] | None = None,
    reason: str = "",
    today: datetime.date | None = None,
    relation: str = "",
    notes: list[str] | None = None,
) -> Person:
    """人来登记: register a person living in ``household`` (an arrival for a migrant); a
    ``NewHome`` is registered first, in the same transaction. ``relation`` (与户主关系)
    places them on a 户口簿 (``person_relation_record``); what the user should be told
    about it is added to ``notes``."""
    _require(actor)
    household = home_of(actor=actor, home=household)
    _require_scope(actor, household.unit_id)
    today = today or timezone.localdate()
    if not household.is_active:
        raise ValidationError({"household": [_("该户已停用。")]})
    cleaned = _validated(values, children, today)
    existing = Person.objects.filter(id_number=cleaned["id_number"]).first()
    if existing is not None:
        raise _duplicate_error(existing, actor)
    person = Person(household=household, unit_id=household.unit_id)
    person_apply_values(person, cleaned)
    person.population_type = population_type_for(
        hukou_code=person.hukou_division_id,
        residence_code=household.unit_id,
    )
    refresh_derived(person, today=today)
    person.full_clean(exclude=["household", "unit", "hukou_division"])
    save_with_history(person, actor=actor, reason=register_reason(reason))
    if children:
        person_save_children(person, children, actor, register_reason(reason))
    entry = entry_flow(
        population_type=person.population_type,
        flow_in_date=person.flow_in_date,
        flow_in_reason=person.flow_in_reason,
        hukou_code=person.hukou_division_id,
        today=today,
        reason=reason,
    )
    assert entry is not None  # a registration always has one (``registration`` is on)
    _record_relation(actor, person, relation, register_reason(reason), notes)
    Flow.objects.create(
        person=person,
        kind=entry.kind,
        date=entry.date,
        unit_code=household.unit_id,
        to_household=household,
        division_id=entry.division,
        reason=entry.reason,
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
    actor: User | None,
    person: Person,
    values: Mapping[str, Any],
    reason: str,
    children: Sequence[Mapping[str, Any]] | None = None,
    today: datetime.date | None = None,
    version: int | None = None,
    relation: str | None = None,
    notes: list[str] | None = None,
) -> Person:
    """Correct or complete a person's facts; the reason goes into the history. ``relation``
    (None: untouched) places a person on no 户口簿 yet on one, as at registration.

    ``version``: the version the edit was based on (None: the one ``person`` was loaded at);
    a stale one raises ``EditConflict`` and saves nothing."""
    _require(actor)
    reason = _reason(reason)
    lock_for_edit(person, version=version, check=lambda p: _require_scope(actor, p.unit_id))
    row = row_values(person)
    today = today or timezone.localdate()
    # By id: the relation itself would be a query for a row only its code is wanted of.
    merged = {field: getattr(person, field) for field in PERSON_FIELDS if field != "hukou_division"}
    merged["hukou_division"] = person.hukou_division_id
    merged.update(values)
    cleaned = _validated(merged, children, today)
    if cleaned["id_number"] != person.id_number:
        clash = Person.objects.filter(id_number=cleaned["id_number"]).exclude(pk=person.pk).first()
        if clash is not None:
            raise _duplicate_error(clash, actor)
    _check_marital_not_typed(person, cleaned)
    before = _snapshot(person)
    person_apply_values(person, cleaned)
    was_outflow = person.population_type == PopulationType.OUTFLOW
    person.population_type = population_type_for(
        hukou_code=person.hukou_division_id,
        residence_code=person.unit_id,
        outflow=was_outflow,
    )
    if was_outflow and person.population_type != PopulationType.OUTFLOW:
        person_clear_outflow(person)  # the history keeps where they had gone
    refresh_derived(person, today=today)
    # The constraints' rules (sex, a single person's marriage date) are validate_person's,
    # and a new number was looked up above: as the import, no query more per check.
    person.full_clean(
        exclude=["household", "unit", "hukou_division"],
        validate_unique=False,
        validate_constraints=False,
    )
    save_with_history(person, actor=actor, reason=reason, update_fields=changed_fields(person, row))
    if children is not None:
        person_save_children(person, children, actor, reason)
    if relation is not None:
        _record_relation(actor, person, relation, reason, notes)
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


def _record_relation(
    actor: User | None, person: Person, relation: str, reason: str, notes: list[str] | None
) -> None:
    note = person_relation_record(actor=actor, person=person, relation=relation, reason=reason)
    if note and notes is not None:
        notes.append(note)


def _check_marital_not_typed(person: Person, cleaned: Mapping[str, Any]) -> None:
    """Once a person has marriage records, 婚姻状况 and 结婚日期 follow from them
    (rules.marital_status_of): an edit may not type other values beside them."""
    marriages = marriages_of(person)
    if not marriages:
        return
    died = person.ended_on if person.status == "deceased" else None
    status = marital_status_of(marriages, person.marital_status, died_on=died)
    if cleaned.get("marital_status", status) != status or cleaned.get(
        "marriage_date", person.marriage_date
    ) != marriage_date_of(marriages):
        raise ValidationError(
            {
                "marital_status": [
                    _(
                        "婚姻状况和结婚日期由婚姻记录得出，请在人员页面的“配偶/婚姻”中登记或终止婚姻。"
                    )
                ]
            }
        )


def person_clear_outflow(person: Person) -> None:
    """Forget where an outflow person had gone (not saved; the history keeps it)."""
    person.flow_out_date = None
    person.flow_out_division = None
    person.flow_out_address = ""


@transaction.atomic
def person_record_contraception(
    *,
    actor: User | None,
    person: Person,
    method: str,
    since: datetime.date,
    reason: str,
) -> bool:
    """Record the method a person now uses, as a service that gave it learned with the
    person's consent (a contraceptive dispensed): the fact and its start date only, with
    history and a change-log row. Held by those who edit the registry or dispense supplies;
    returns False (nothing written) when the record already says so."""
    if actor is not None and not (
        can(actor, Action.EDIT_REGISTRY) or can(actor, Action.DISPENSE_SUPPLIES)
    ):
        raise PermissionDenied(_("您的角色不能执行此操作。"))
    reason = _reason(reason)
    if method not in Contraception.values:
        raise ValidationError({"contraception": [_("请选择有效的节育措施。")]})
    lock_row(person)
    _require_scope(actor, person.unit_id)
    if person.contraception == method:
        return False
    before = _snapshot(person)
    person.contraception = method
    person.contraception_since = since
    save_with_history(
        person,
        actor=actor,
        reason=reason,
        update_fields=["contraception", "contraception_since"],
    )
    audit_change(
        actor=actor,
        action="person.contraception",
        target=person,
        unit_code=person.unit_id,
        label=person_label(person),
        reason=reason,
        changes=field_changes(before, _snapshot(person), masked=_MASKED_IN_LOG),
    )
    return True
