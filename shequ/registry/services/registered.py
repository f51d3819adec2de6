"""Writes of registered households (户籍户, the 户口簿): open one with its head, correct its
number and address, take members in and out (with the reason and the day, never deleted).

A person is on one 户口簿 at a time; the head is a member whose relation is 户主. The
household is kept where its head lives (``unit``), so the jurisdiction that manages the
head manages the household."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core.bulk import history_insert
from shequ.core.text import prefix_q
from shequ.core.versions import changed_fields, lock_for_edit, lock_row, row_values
from shequ.org.audit import audit_change, field_changes, save_with_history
from shequ.org.models import Division, User
from shequ.org.roles import Action
from shequ.registry.models import (
    Person,
    PersonStatus,
    RegisteredHousehold,
    RegisteredHouseholdMember,
    Relation,
)
from shequ.registry.services._common import _reason, _require, _require_scope, person_label

# The relations a member other than the head may have on a 户口簿 (a tenant is on none).
MEMBER_RELATIONS = tuple(r for r in Relation.values if r not in (Relation.HEAD, Relation.TENANT))


def _check_joinable(person: Person, field: str = "person") -> None:
    if person.status != PersonStatus.ACTIVE:
        raise ValidationError({field: [_("%(p)s 不是在册人员。") % {"p": person.name}]})
    current = (
        RegisteredHouseholdMember.objects.filter(person=person, left_on__isnull=True)
        .select_related("household")
        .first()
    )
    if current is not None:
        raise ValidationError(
            {field: [_("%(p)s 已是另一户籍户的成员，请先在该户办理离户。") % {"p": person.name}]}
        )


def _check_division(code: str | None) -> None:
    if code and not Division.objects.filter(code=code).exists():
        raise ValidationError({"division": [_("区划代码 %(code)s 不存在。") % {"code": code}]})


def _day(day: datetime.date | None, field: str) -> datetime.date:
    today = timezone.localdate()
    day = day or today
    if day > today:
        raise ValidationError({field: [_("日期不能晚于今天。")]})
    return day


@transaction.atomic
def registered_household_create(
    *,
    actor: User | None,
    head: Person,
    reason: str,
    number: str = "",
    address: str | None = None,
    division: str | None = None,
    joined_on: datetime.date | None = None,
) -> RegisteredHousehold:
    """Open a registered household headed by ``head`` (address and division default to the
    head's 户籍地), the head its first member."""
    _require(actor)
    reason = _reason(reason)
    lock_row(head)
    _require_scope(actor, head.unit_id)
    _check_joinable(head, "head")
    division = division if division is not None else head.hukou_division_id
    _check_division(division)
    household = RegisteredHousehold(
        unit_id=head.unit_id,
        head=head,
        number=(number or "").strip(),
        address=(head.hukou_address if address is None else address).strip(),
        division_id=division or None,
    )
    household.full_clean(exclude=["unit", "division", "head"])
    save_with_history(household, actor=actor, reason=reason)
    member = RegisteredHouseholdMember(
        household=household,
        person=head,
        relation=Relation.HEAD,
        joined_on=_day(joined_on, "joined_on"),
        join_reason=reason,
    )
    save_with_history(member, actor=actor, reason=reason)
    audit_change(
        actor=actor,
        action="registered_household.create",
        target=household,
        unit_code=household.unit_id,
        label=_("户籍户（户主 %(p)s）") % {"p": person_label(head)},
        reason=reason,
        changes={"number": [None, household.number], "head": [None, head.pk]},
    )
    return household


@transaction.atomic
def registered_household_update(
    *,
    actor: User | None,
    household: RegisteredHousehold,
    number: str,
    address: str,
    division: str | None,
    reason: str,
    version: int | None = None,
) -> RegisteredHousehold:
    """Correct a registered household's number, address and division."""
    _require(actor)
    reason = _reason(reason)
    lock_for_edit(household, version=version, check=lambda h: _require_scope(actor, h.unit_id))
    _check_division(division)
    row = row_values(household)
    before = {
        "number": household.number,
        "address": household.address,
        "division": household.division_id,
    }
    household.number = (number or "").strip()
    household.address = (address or "").strip()
    household.division_id = division or None
    save_with_history(
        household, actor=actor, reason=reason, update_fields=changed_fields(household, row)
    )
    audit_change(
        actor=actor,
        action="registered_household.update",
        target=household,
        unit_code=household.unit_id,
        label=str(household),
        reason=reason,
        changes=field_changes(
            before,
            {
                "number": household.number,
                "address": household.address,
                "division": household.division_id,
            },
        ),
    )
    return household


@transaction.atomic
def registered_household_add_member(
    *,
    actor: User | None,
    household: RegisteredHousehold,
    person: Person,
    relation: str,
    reason: str,
    joined_on: datetime.date | None = None,
) -> RegisteredHouseholdMember:
    """Take a person onto the 户口簿 with their relation to the head (入户)."""
    _require(actor)
    reason = _reason(reason)
    lock_row(household)
    _require_scope(actor, household.unit_id)
    if not household.is_active:
        raise ValidationError({"household": [_("该户籍户已注销。")]})
    if relation not in MEMBER_RELATIONS:
        raise ValidationError({"relation": [_("请选择与户主的关系（户主随户籍户建立）。")]})
    lock_row(person)
    _require_scope(actor, person.unit_id)
    _check_joinable(person)
    member = RegisteredHouseholdMember(
        household=household,
        person=person,
        relation=relation,
        joined_on=_day(joined_on, "joined_on"),
        join_reason=reason,
    )
    save_with_history(member, actor=actor, reason=reason)
    audit_change(
        actor=actor,
        action="registered_household.member_add",
        target=household,
        unit_code=household.unit_id,
        label=_("%(p)s 入户") % {"p": person_label(person)},
        reason=reason,
        changes={"person": [None, person.pk], "relation": [None, relation]},
    )
    return member


@transaction.atomic
def registered_household_remove_member(
    *,
    actor: User | None,
    member: RegisteredHouseholdMember,
    reason: str,
    left_on: datetime.date | None = None,
) -> RegisteredHouseholdMember:
    """Take a member off the 户口簿 (离户): the row stays, ended on ``left_on`` with the
    reason. The head leaves last; then the household is closed."""
    _require(actor)
    reason = _reason(reason)
    household = member.household
    lock_row(household)
    _require_scope(actor, household.unit_id)
    lock_row(member)
    if member.left_on is not None:
        raise ValidationError({"member": [_("此人已离户。")]})
    others = (
        RegisteredHouseholdMember.objects.filter(household=household, left_on__isnull=True)
        .exclude(pk=member.pk)
        .exists()
    )
    if member.relation == Relation.HEAD and others:
        raise ValidationError(
            {"member": [_("户主须在其他成员都离户后才能离户（或先为其他成员另立户）。")]}
        )
    member.left_on = _day(left_on, "left_on")
    if member.left_on < (member.joined_on or member.left_on):
        raise ValidationError({"left_on": [_("离户日期不能早于入户日期。")]})
    member.leave_reason = reason
    save_with_history(member, actor=actor, reason=reason)
    if member.relation == Relation.HEAD:
        household.is_active = False
        household.closed_reason = reason
        save_with_history(
            household, actor=actor, reason=reason, update_fields=["is_active", "closed_reason"]
        )
    audit_change(
        actor=actor,
        action="registered_household.member_remove",
        target=household,
        unit_code=household.unit_id,
        label=_("%(p)s 离户") % {"p": person_label(member.person)},
        reason=reason,
        changes={"person": [member.person_id, None], "relation": [member.relation, None]},
    )
    return member


# The rule that turns a dwelling's 与户主关系 into registered households, for the demo and
# for records loaded with relations (migration 0011 keeps a frozen copy of it).
_FAMILY = frozenset(MEMBER_RELATIONS)
_LOCAL = frozenset(("resident", "separated", "outflow"))


def registered_households_from_relations(
    *, reason: str, prefix: str = "", numbers: bool = False, actor: User | None = None
) -> int:
    """Registered households for the people of the dwellings under ``prefix`` who are on no
    户口簿 yet, from their 与户主关系: a 户主 heads one when registered in the city or joined
    by relatives of the same dwelling with the same 户籍地 (a 户口簿 holds people registered
    at one place); tenants join none, and a lone migrant "户主" of a room heads none.
    ``numbers``: give locals' households a 户号 (the demo). Returns how many were made."""
    _require(actor, Action.IMPORT_REGISTRY)
    on_booklet = RegisteredHouseholdMember.objects.filter(left_on__isnull=True).values("person_id")
    rows = (
        Person.objects.filter(
            prefix_q("unit_id", prefix), household__isnull=False, status=PersonStatus.ACTIVE
        )
        .exclude(relation__in=("", Relation.TENANT))
        .exclude(pk__in=on_booklet)
        .order_by("household_id", "id")
        .values_list(
            "id",
            "household_id",
            "relation",
            "hukou_division_id",
            "hukou_address",
            "population_type",
            "unit_id",
        )
    )
    made: list[tuple[tuple, list[tuple]]] = []
    dwelling: list[tuple] = []

    def flush() -> None:
        taken: set[int] = set()
        for head in (r for r in dwelling if r[2] == Relation.HEAD):
            relatives = [
                r for r in dwelling if r[2] in _FAMILY and r[3] == head[3] and r[0] not in taken
            ]
            if head[5] not in _LOCAL and not relatives:
                continue
            taken.update(r[0] for r in relatives)
            made.append((head, relatives))

    for row in rows.iterator(chunk_size=5000):
        if dwelling and row[1] != dwelling[0][1]:
            flush()
            dwelling = []
        dwelling.append(row)
    if dwelling:
        flush()
    if not made:
        return 0
    today = timezone.localdate()
    start = RegisteredHousehold.objects.count()
    households = [
        RegisteredHousehold(
            unit_id=head[6],
            head_id=head[0],
            address=head[4],
            division_id=head[3],
            number=f"{start + index + 1:09d}" if numbers and head[5] in _LOCAL else "",
        )
        for index, (head, _relatives) in enumerate(made)
    ]
    RegisteredHousehold.objects.bulk_create(households, batch_size=1000)
    members = [
        RegisteredHouseholdMember(
            household_id=household.pk,
            person_id=row[0],
            relation=relation,
            joined_on=today if numbers else None,
            join_reason=reason,
        )
        for household, (head, relatives) in zip(households, made, strict=True)
        for row, relation in [(head, Relation.HEAD), *((r, r[2]) for r in relatives)]
    ]
    RegisteredHouseholdMember.objects.bulk_create(members, batch_size=1000)
    if any(h.pk is None for h in households):  # a backend that returns no keys
        households = list(RegisteredHousehold.objects.filter(head_id__in=[h[0][0] for h in made]))
        members = list(
            RegisteredHouseholdMember.objects.filter(household__in=[h.pk for h in households])
        )
    history_insert(
        RegisteredHousehold,
        households,
        actor=actor,
        reasons=[reason] * len(households),
        history_type="+",
    )
    history_insert(
        RegisteredHouseholdMember,
        members,
        actor=actor,
        reasons=[reason] * len(members),
        history_type="+",
    )
    return len(households)
