"""Writes of many records at once, for the import and the demo: the rules of the one-record
services (``rules``: population type, 八个清楚, pinyin keys, the arrival or registration flow),
written through ``core.bulk`` (COPY on PostgreSQL) with a history row each.

The callers validate first (``validation.validate_person``, the import's checks of units and
numbers); these services derive, write and keep the history. Each comes whole
(``persons_register_many``) and, where an import writes on another thread, in two halves:
``*_prepare`` (keys taken, rows formatted, on the validating thread) and ``*_write``.
"""

import datetime
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from shequ.core.bulk import (
    KeyPool,
    Records,
    Rows,
    bulk_insert,
    history_insert,
    instance_factory,
    new_uuid7,
    prepare_insert_rows,
    prepare_records,
    write_records,
    write_rows,
)
from shequ.core.versions import next_version
from shequ.org.audit import save_with_history
from shequ.org.models import User
from shequ.org.roles import Action
from shequ.registry.models import (
    Building,
    Child,
    Flow,
    Household,
    Person,
    PersonStatus,
    PopulationType,
)
from shequ.registry.rules import derive_population_type, entry_flow
from shequ.registry.services._common import _require, city_prefix, refresh_derived
from shequ.registry.services.people import (
    attribute_values,
    person_apply_values,
    person_clear_outflow,
    person_save_children,
)
from shequ.registry.validation import PERSON_FIELDS

_make_person = instance_factory(Person)
_make_child = instance_factory(Child)

_FLOW_FIELDS = [
    "uid",
    "person",
    "kind",
    "date",
    "unit_code",
    "from_unit_code",
    "to_household",
    "division",
    "destination_unknown",
    "address",
    "reason",
    "actor",
    "created_at",
]
_OUTFLOW_KEYS = ("flow_out_date", "flow_out_division", "flow_out_address")


# --- Housing -------------------------------------------------------------------------------


def buildings_create_many(
    buildings: list[Building],
    *,
    actor: User | None,
    reasons: list[str],
    now: datetime.datetime | None = None,
) -> None:
    """New buildings (``unit_id`` set), a history row each with its reason."""
    _require(actor, Action.IMPORT_REGISTRY)
    bulk_insert(Building, buildings, actor=actor, reasons=reasons, now=now)


def households_prepare(
    households: list[Household],
    *,
    now: datetime.datetime | None = None,
    keys: KeyPool | None = None,
) -> Records:
    """The first half of ``households_create_many``: on PostgreSQL the homes get their keys
    here, so that persons living in them can be prepared before anything is written."""
    return prepare_records(Household, households, now=now, keys=keys)


def households_write(prepared: Records, *, actor: User | None, reasons: list[str]) -> None:
    _require(actor, Action.IMPORT_REGISTRY)
    write_records(prepared, actor=actor, reasons=reasons)


def households_create_many(
    households: list[Household],
    *,
    actor: User | None,
    reasons: list[str],
    now: datetime.datetime | None = None,
) -> None:
    """New homes (``building_id`` and ``unit_id`` set), a history row each."""
    households_write(households_prepare(households, now=now), actor=actor, reasons=reasons)


def housing_update_many(
    records: Iterable[tuple[Building | Household, str]], *, actor: User | None
) -> None:
    """Save changed buildings or homes, each with its history row and reason."""
    _require(actor, Action.IMPORT_REGISTRY)
    for record, reason in records:
        save_with_history(record, actor=actor, reason=reason)


# --- Registering persons --------------------------------------------------------------------


@dataclass(slots=True)
class PersonRow:
    """One person to register: validated facts and the home they live in."""

    values: Mapping[str, Any]  # validated facts (validation.validate_person)
    household: Household  # saved, or prepared before the persons (households_prepare)
    reason: str  # the history row's reason
    children: Sequence[Mapping[str, Any]] = ()  # order, birth_date, sex, name
    # 流出 of a local resident living outside the city: flow_out_date/division/address.
    outflow: Mapping[str, Any] | None = None
    # The demo's made-up past, set on the record as given: uid, status, ended_on,
    # end_reason, the latest checks' dates.
    past: Mapping[str, Any] | None = None
    registered_on: datetime.date | None = None  # the day of registering (default today)
    flow_reason: str = ""  # the registration flow's reason
    flow_uid: uuid.UUID | None = None  # the entry flow's (the demo's are reproducible)
    # An unsaved instance to fill and save rather than a new one: the demo's, which its
    # other plans (landlords, children's records) point at.
    instance: Person | None = None


@dataclass
class NewPersons:
    """Persons ready to be written (``persons_register_prepare``), with flows and children."""

    persons: Records
    reasons: list[str]
    actor: Any
    flows: Rows | None = None
    children: Records | None = None
    child_reasons: list[str] = field(default_factory=list)
    # Builds (flows, children, their reasons) once the persons have their keys.
    dependents: Callable[[], tuple[list[tuple], list[Child], list[str]]] | None = None
    keys: KeyPool | None = None

    def ready_dependents(self) -> None:
        assert self.dependents is not None
        flows, kids, self.child_reasons = self.dependents()
        self.flows = prepare_insert_rows(Flow, _FLOW_FIELDS, flows)
        self.children = prepare_records(Child, kids, now=self.persons.now, keys=self.keys)
        self.dependents = None


def persons_register_many(
    rows: Sequence[PersonRow],
    *,
    actor: User | None,
    today: datetime.date | None = None,
    now: datetime.datetime | None = None,
    registration_flows: bool = True,
    city: str | None = None,
) -> list[Person]:
    """人来登记 of many people at once, as ``person_register`` does one by one: derived type,
    pinyin keys and 八个清楚, a history row each, the arrival or registration flow, children.
    Call inside a transaction; returns the persons, saved. ``city``: ``city_prefix()``,
    when the caller has read it already."""
    prepared = persons_register_prepare(
        rows,
        actor=actor,
        today=today,
        now=now,
        registration_flows=registration_flows,
        city=city,
    )
    persons_register_write(prepared)
    return prepared.persons.objs


def persons_register_prepare(
    rows: Sequence[PersonRow],
    *,
    actor: User | None,
    today: datetime.date | None = None,
    now: datetime.datetime | None = None,
    registration_flows: bool = True,
    keys: KeyPool | None = None,
    city: str | None = None,
) -> NewPersons:
    """The first half of ``persons_register_many``; ``persons_register_write`` is the second.

    ``registration_flows`` off: only inflow migrants get their (arrival) flow; an import's
    history row says when and from which row the others were made. On PostgreSQL the keys
    are taken (from ``keys`` if given) and every row formatted here, so that the write, on
    the thread that writes, only sends them. ``city``: ``city_prefix()``, when the caller
    has read it already."""
    _require(actor, Action.IMPORT_REGISTRY)
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    city = city_prefix() if city is None else city
    persons = []
    for row in rows:
        persons.append(_new_person(row, city, today))

    def dependents() -> tuple[list[tuple], list[Child], list[str]]:
        return _dependents(persons, rows, actor, today, now, registration_flows)

    prepared = NewPersons(
        prepare_records(Person, persons, now=now, keys=keys),
        [row.reason for row in rows],
        actor,
        dependents=dependents,
        keys=keys,
    )
    if prepared.persons.rows is not None:  # the persons have their keys already
        prepared.ready_dependents()
    return prepared


def persons_register_write(prepared: NewPersons) -> None:
    """Write what ``persons_register_prepare`` made, inside the caller's transaction."""
    write_records(prepared.persons, actor=prepared.actor, reasons=prepared.reasons)
    if prepared.dependents is not None:  # the persons' keys were taken just now
        prepared.ready_dependents()
    assert prepared.flows is not None and prepared.children is not None
    write_rows(prepared.flows)
    write_records(prepared.children, actor=prepared.actor, reasons=prepared.child_reasons)


def _new_person(row: PersonRow, city: str, today: datetime.date) -> Person:
    home = row.household
    values = row.values
    population_type = derive_population_type(
        hukou_code=values.get("hukou_division") or "",
        residence_code=home.unit_id,
        city_prefix=city,
        outflow=row.outflow is not None,
    )
    # Ids as attributes (.id), not through the pk property: this runs for every row.
    facts = attribute_values(values)
    if row.instance is None:
        person = _make_person(
            facts,
            status=PersonStatus.ACTIVE,
            unit_id=home.unit_id,
            population_type=population_type,
            household_id=home.id,
        )
    else:
        person = row.instance
        vars(person).update(
            facts,
            status=PersonStatus.ACTIVE,
            unit_id=home.unit_id,
            population_type=population_type,
            household_id=home.id,
        )
    if population_type == PopulationType.OUTFLOW and row.outflow is not None:
        person.flow_out_date = row.outflow.get("flow_out_date")
        person.flow_out_division_id = row.outflow.get("flow_out_division")
        person.flow_out_address = row.outflow.get("flow_out_address") or ""
    if row.past:
        for name, value in row.past.items():
            setattr(person, name, value)
    refresh_derived(person, today=today, housed=True)
    return person


def _dependents(
    persons: list[Person],
    rows: Sequence[PersonRow],
    actor: Any,
    today: datetime.date,
    now: datetime.datetime,
    registration_flows: bool,
) -> tuple[list[tuple], list[Child], list[str]]:
    """The entry flows (``rules.entry_flow``) and children of persons that have their keys."""
    flows = []
    actor_id = getattr(actor, "pk", None)
    created = now.isoformat()  # as text, made once for every flow
    for person, row in zip(persons, rows, strict=True):
        entry = entry_flow(
            population_type=person.population_type,
            flow_in_date=person.flow_in_date,
            flow_in_reason=person.flow_in_reason,
            hukou_code=person.hukou_division_id,
            today=today,
            reason=row.flow_reason,
            registered_on=row.registered_on,
            registration=registration_flows,
        )
        if entry is None:
            continue
        flows.append(
            (
                row.flow_uid or new_uuid7(),
                person.id,
                entry.kind,
                entry.date,
                person.unit_id,
                "",
                person.household_id,
                entry.division,
                False,
                "",
                entry.reason,
                actor_id,
                created,
            )
        )
    kids, kid_reasons = [], []
    for person, row in zip(persons, rows, strict=True):
        for item in row.children:
            # On the parent's side of the child, and on the other parent's when the caller
            # names them (the demo: a registry spouse, saved in the same batch).
            sides: dict[str, int | None] = {"mother_id": None, "father_id": None}
            sides["mother_id" if person.sex == "F" else "father_id"] = person.id
            for side in ("mother", "father"):
                if item.get(side) is not None:
                    sides[f"{side}_id"] = _own_record(item[side])
            kids.append(
                _make_child(
                    parent_id=person.id,
                    **sides,
                    order=int(item["order"]),
                    birth_date=item["birth_date"],
                    sex=item["sex"],
                    name=item.get("name") or "",
                    **({"uid": item["uid"]} if "uid" in item else {}),
                    **({"person_id": _own_record(item["person"])} if item.get("person") else {}),
                )
            )
            kid_reasons.append(row.reason)
    return flows, kids, kid_reasons


def _own_record(person: Person) -> int:
    """The key of a child's own record (a child who is registered too)."""
    if person.id is None:
        raise ValueError(f"the record of {person.name} is saved after its parent's children")
    return person.id


# --- Correcting persons ---------------------------------------------------------------------


@dataclass(slots=True)
class PersonChange:
    """A registered person's new facts (``person_change_apply``), to write by
    ``persons_update_many``."""

    person: Person
    reason: str
    fields: set[str]  # the changed fields
    children: Sequence[Mapping[str, Any]] | None  # None: children unchanged
    moved_from: Household | None = None
    moved: bool = False
    new_household: Household | None = None  # moved into a home written just before


# Fields compared and written when many persons are corrected (housing apart).
_COMPARED = (
    "population_type",
    "flow_out_date",
    "flow_out_division",
    "flow_out_address",
)


def person_change_apply(
    person: Person,
    values: Mapping[str, Any],
    *,
    residence_code: str,
    outflow: Mapping[str, Any],
    city: str | None = None,
) -> set[str]:
    """Apply validated facts to a registered person (not saved) as ``person_update`` does —
    the type derived again (a 流出 record stays so while its 户籍地 is in the city, and
    forgets where it went when it is not) — and return the fields that changed.
    ``outflow``: the 流出 facts given (only those given are changed); ``city``:
    ``city_prefix()``, when the caller has read it already."""
    compared = (*PERSON_FIELDS, *_COMPARED)
    before = {f: _value(person, f) for f in compared}
    person_apply_values(person, values)
    was_outflow = person.population_type == PopulationType.OUTFLOW
    person.population_type = derive_population_type(
        hukou_code=person.hukou_division_id or "",
        residence_code=residence_code,
        city_prefix=city_prefix() if city is None else city,
        outflow=was_outflow,
    )
    if person.population_type == PopulationType.OUTFLOW:
        for key in _OUTFLOW_KEYS:
            if key in outflow:
                attname = "flow_out_division_id" if key == "flow_out_division" else key
                setattr(person, attname, outflow[key] or _blank(key))
    elif was_outflow:
        person_clear_outflow(person)  # the history keeps where they had gone
    return {f for f in compared if _value(person, f) != before[f]}


def persons_update_many(
    changes: Sequence[PersonChange],
    *,
    actor: User | None,
    today: datetime.date | None = None,
    now: datetime.datetime | None = None,
) -> None:
    """Write corrected persons (``person_change_apply``): the changed fields and derived
    ones, a history row each, a move flow for whoever changed homes, their children."""
    if not changes:
        return
    _require(actor, Action.IMPORT_REGISTRY)
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    persons: list[Person] = []
    flows: list[Flow] = []
    fields = {"updated_at", "name_initials", "name_pinyin", "eight_clear_missing"}
    for change in changes:
        person = change.person
        if change.new_household is not None:
            person.household_id = change.new_household.pk
        refresh_derived(person, today=today)
        person.updated_at = now
        fields |= change.fields
        if change.moved:
            fields |= {"household", "unit"}
            moved_from = change.moved_from
            flows.append(
                Flow(
                    person_id=person.pk,
                    kind=Flow.Kind.MOVE,
                    date=today,
                    unit_code=person.unit_id,
                    from_unit_code=moved_from.unit_id if moved_from else "",
                    from_household_id=moved_from.pk if moved_from else None,
                    to_household_id=person.household_id,
                    reason=change.reason,
                    actor_id=getattr(actor, "pk", None),
                )
            )
        persons.append(person)
    for person in persons:
        person.version = next_version()  # counted by the database: no edit is skipped
    Person.objects.bulk_update(persons, sorted(fields | {"version"}), batch_size=500)
    keys = [p.pk for p in persons]
    versions = {
        pk: version
        for start in range(0, len(keys), 500)
        for pk, version in Person.objects.filter(pk__in=keys[start : start + 500]).values_list(
            "pk", "version"
        )
    }
    for person in persons:
        person.version = versions[person.pk]  # the history row copies it (SQLite)
    history_insert(Person, persons, actor=actor, reasons=[c.reason for c in changes], now=now)
    bulk_insert(Flow, flows, now=now)
    for change in changes:
        if change.children is not None:
            person_save_children(change.person, change.children, actor, change.reason)


def _value(person: Person, name: str) -> Any:
    if name in ("hukou_division", "flow_out_division"):
        return getattr(person, name + "_id")
    return getattr(person, name)


def _blank(name: str) -> Any:
    return None if Person._meta.get_field(name).null else ""
