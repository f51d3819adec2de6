"""Writes of registered households (户籍户, the 户口簿): open one with its head, correct its
number and address, take members in and out (with the reason and the day, never deleted).

A person is on one 户口簿 at a time; the head is a member whose relation is 户主. The
household is kept where its head lives (``unit``), so the jurisdiction that manages the
head manages the household."""

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core.bulk import (
    KeyPool,
    Records,
    Rows,
    history_insert,
    instance_factory,
    new_uuid7,
    prepare_insert_rows,
    prepare_records,
    write_records,
    write_rows,
)
from shequ.core.versions import changed_fields, lock_for_edit, lock_row, row_values
from shequ.org.audit import audit_change, field_changes, save_with_history
from shequ.org.models import Division, User
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


# --- 与户主关系 → the 户口簿 -----------------------------------------------------------------
#
# The one rule by which a person's stated relation to the 户主 (the person form, the import,
# the demo) places them on a 户口簿 (docs/registered-households.md):
# - 户主 opens a registered household headed by the person (unless they are on one);
# - a relative (配偶, 子女, 父母, 孙子女, 兄弟姐妹, 其他) joins the 户口簿 of a 户主 living in
#   the same dwelling whose registration place (户籍地) is the relative's own: a 户口簿 holds
#   people registered at one place, so someone married in from elsewhere stays outside until
#   their 户口 moves; a dwelling without any 户主 is a mistake the caller reports;
# - 租住人员 (or nothing) joins none: a dwelling has no 户主 of its own.

FAMILY_RELATIONS = frozenset(MEMBER_RELATIONS)


class NoHead(Exception):
    """A relative's dwelling has no 户主 (no open 户口簿 headed by someone living there)."""


def no_head_message() -> str:
    return _("本户还没有户主：请先登记户主（文件中户主排在家人之前），或把“与户主关系”留空。")


def relative_household(hukou: str | None, heads: Sequence[tuple[Any, str | None]]) -> Any:
    """Which of a dwelling's 户口簿 — ``heads``: (key, 户籍地 code) each — a relative
    registered at ``hukou`` joins: the first registered at the same place; None when every
    one is registered elsewhere (the relative stays outside). Raises ``NoHead``."""
    if not heads:
        raise NoHead
    for key, division in heads:
        if division == hukou:
            return key
    return None


def dwelling_heads(dwelling_ids: Iterable[int]) -> dict[int, list[tuple[int, str | None]]]:
    """The open 户口簿 headed by someone living in each of these dwellings:
    dwelling id -> [(registered household id, 户籍地 code)], oldest first; one query."""
    heads: dict[int, list[tuple[int, str | None]]] = {}
    rows = (
        RegisteredHousehold.objects.filter(
            is_active=True, head__household_id__in=list(dwelling_ids), head__status="active"
        )
        .order_by("id")
        .values_list("head__household_id", "id", "division_id")
    )
    for dwelling, household, division in rows:
        heads.setdefault(dwelling, []).append((household, division))
    return heads


def person_relation_record(
    *,
    actor: User | None,
    person: Person,
    relation: str,
    reason: str,
    joined_on: datetime.date | None = None,
) -> str:
    """Place a person on a 户口簿 by their stated relation to the 户主 (the rule above), in
    the caller's transaction. Returns a note for the user when the relation placed them on
    none (married in from elsewhere); raises ``ValidationError`` on ``relation`` when the
    dwelling has no 户主 or the person's 户口簿 says otherwise (changed on the 户籍户 page)."""
    current = (
        RegisteredHouseholdMember.objects.filter(person=person, left_on__isnull=True)
        .select_related("household__head")
        .first()
    )
    wanted = relation if relation != Relation.TENANT else ""
    if current is not None:
        if current.relation == wanted:
            return ""
        raise ValidationError(
            {
                "relation": [
                    _(
                        "此人在户主 %(head)s 的户籍户中（%(relation)s）；入户、离户请在户籍户页面办理。"
                    )
                    % {
                        "head": current.household.head.name,
                        "relation": current.get_relation_display(),
                    }
                ]
            }
        )
    if not wanted:
        return ""
    if wanted == Relation.HEAD:
        registered_household_create(actor=actor, head=person, reason=reason, joined_on=joined_on)
        return ""
    dwelling = person.household_id
    heads = dwelling_heads([dwelling]).get(dwelling, []) if dwelling is not None else []
    try:
        key = relative_household(person.hukou_division_id, heads)
    except NoHead:
        raise ValidationError({"relation": [no_head_message()]}) from None
    if key is None:
        return _(
            "户主的户籍地与此人不同：户口簿只登记同一户籍地的人，户口迁入后再在户籍户页面入户。"
        )
    household = RegisteredHousehold.objects.get(pk=key)
    registered_household_add_member(
        actor=actor,
        household=household,
        person=person,
        relation=wanted,
        reason=reason,
        joined_on=joined_on,
    )
    return ""


@dataclass
class FamilyPlan:
    """Registered households to write with many persons at once (the import, the demo):
    new households and the members of new or existing ones. The persons' keys are read when
    the rows are written (``memberships_write``), so they may be taken late."""

    households: list[RegisteredHousehold] = field(default_factory=list)
    heads: list[Person] = field(default_factory=list)  # each new household's 户主
    reasons: list[str] = field(default_factory=list)
    # (household: a new instance or an existing id, person instance, relation, reason)
    members: list[tuple[RegisteredHousehold | int, Person, str, str]] = field(default_factory=list)
    # memberships_prepare's rows: the households', the members' (records, or plain rows
    # with the keys their history rows are copied by).
    prepared: "tuple[Records, Records | Rows, list[_Written] | None] | None" = None

    def __bool__(self) -> bool:
        return bool(self.members)


# A dwelling's 户主 known while many persons are planned: dwelling key -> [(household: new
# instance or existing id, 户籍地 code)].
Heads = dict[object, list[tuple[RegisteredHousehold | int, str | None]]]


def family_place(
    plan: FamilyPlan,
    heads: Heads,
    person: Person,
    relation: str,
    reason: str,
    *,
    dwelling: object,
    number: str = "",
) -> bool:
    """Plan where a person registered with many others goes by the rule above (``heads``:
    the 户主 of the dwellings known so far, added to). False: a relative whose dwelling has
    no 户主 (the import reports it)."""
    if relation == Relation.HEAD:
        household = _make_household(
            number=number, address=person.hukou_address, division_id=person.hukou_division_id
        )
        plan.households.append(household)
        plan.heads.append(person)
        plan.reasons.append(reason)
        plan.members.append((household, person, Relation.HEAD, reason))
        heads.setdefault(dwelling, []).append((household, person.hukou_division_id))
    elif relation in FAMILY_RELATIONS:
        try:
            key = relative_household(person.hukou_division_id, heads.get(dwelling, []))
        except NoHead:
            return False
        if key is not None:
            plan.members.append((key, person, relation, reason))
    return True


_make_household = instance_factory(RegisteredHousehold)
_make_member = instance_factory(RegisteredHouseholdMember)


def memberships_prepare(
    plan: FamilyPlan,
    *,
    today: datetime.date,
    now: datetime.datetime | None = None,
    keys: KeyPool | None = None,
) -> None:
    """The first half of ``memberships_write``, once the plan's persons have their keys
    (an import on PostgreSQL takes them before writing): the rows are made and formatted
    here, on the validating thread, so that the writing thread only sends them."""
    if not plan:
        return
    for household, head in zip(plan.households, plan.heads, strict=True):
        # The head's key and unit, set when the head was made ready (or written); into the
        # attributes, past the key's descriptor (a check and a cache cleared each).
        vars(household).update(head_id=head.id, unit_id=head.unit_id)
    households = prepare_records(RegisteredHousehold, plan.households, now=now, keys=keys)
    if keys is not None and households.rows is not None:
        # PostgreSQL, keys at hand: the members as plain rows (no instance a member, a
        # third of this half's time); their history rows are copied from the table.
        ids = keys.take(RegisteredHouseholdMember, len(plan.members))
        rows = [
            (
                pk,
                new_uuid7(),
                household if isinstance(household, int) else household.id,
                person.id,
                relation,
                today,
                reason[:200],
                None,
                "",
            )
            for pk, (household, person, relation, reason) in zip(ids, plan.members, strict=True)
        ]
        plan.prepared = (
            households,
            prepare_insert_rows(RegisteredHouseholdMember, _MEMBER_FIELDS, rows),
            [_Written(pk) for pk in ids],
        )
        return
    members = [
        _make_member(
            household_id=household if isinstance(household, int) else household.id,
            person_id=person.id,
            relation=relation,
            joined_on=today,
            join_reason=reason[:200],
        )
        for household, person, relation, reason in plan.members
    ]
    plan.prepared = (
        households,
        prepare_records(RegisteredHouseholdMember, members, now=now, keys=keys),
        None,
    )


_MEMBER_FIELDS = [
    "id",
    "uid",
    "household",
    "person",
    "relation",
    "joined_on",
    "join_reason",
    "left_on",
    "leave_reason",
]


@dataclass(slots=True)
class _Written:
    """A member written as a plain row: what its history row is copied by (the key, under
    the key's attribute name, as ``core.bulk.history_insert`` reads it)."""

    id: int


def memberships_write(
    plan: FamilyPlan,
    *,
    actor: User | None,
    today: datetime.date,
    now: datetime.datetime | None = None,
) -> None:
    """Write a ``FamilyPlan`` (its persons saved), with a history row each: the 户主 of
    each new household joins it first. Inside the caller's transaction."""
    if not plan:
        return
    if plan.prepared is None:
        memberships_prepare(plan, today=today, now=now)
    assert plan.prepared is not None
    households, members, written = plan.prepared
    write_records(households, actor=actor, reasons=plan.reasons)
    reasons = [m[3] for m in plan.members]
    if isinstance(members, Rows):
        assert written is not None
        write_rows(members)
        history_insert(
            RegisteredHouseholdMember,
            written,
            actor=actor,
            reasons=reasons,
            now=now,
            history_type="+",
        )
        return
    if members.rows is None:  # SQLite: the households' keys were taken just now
        for member, (household, *_rest) in zip(members.objs, plan.members, strict=True):
            if not isinstance(household, int):
                member.household_id = household.id
    write_records(members, actor=actor, reasons=reasons)


def families_plan(
    persons: "list[tuple[Person, str]]", *, reason: str, numbers: bool = False
) -> FamilyPlan:
    """The 户口簿 of many persons registered together in new dwellings — (person, stated
    relation) each, a dwelling's 户主 before their family — by the rule above; relatives of
    a dwelling without a 户主 stay outside. ``numbers``: give each a 户号 (the demo's)."""
    plan = FamilyPlan()
    heads: Heads = {}
    start = RegisteredHousehold.objects.count() if numbers else 0
    # The 户主 first, whatever the order of a dwelling's people.
    for person, relation in sorted(persons, key=lambda pair: pair[1] != Relation.HEAD):
        if person.status != PersonStatus.ACTIVE or not relation:
            continue
        number = f"{start + len(plan.households) + 1:09d}" if numbers else ""
        dwelling = person.household_id
        family_place(plan, heads, person, relation, reason, dwelling=dwelling, number=number)
    return plan
