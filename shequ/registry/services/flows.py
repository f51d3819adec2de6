"""Writes of flows: moves, transfers into the community, departures, deaths, cancellations,
outflows and returns; the person's record stays, its status and home change."""

import datetime
import unicodedata
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core.identifiers import mask_id_number, normalize_id_number
from shequ.core.versions import lock_row
from shequ.org.audit import (
    audit_change,
    audit_refused,
    field_changes,
    recent_refusals,
    save_with_history,
)
from shequ.org.models import OrgUnit, User
from shequ.org.scoping import code_in_scope, registration_in_scope, registration_unit_code
from shequ.registry.models import (
    Flow,
    Household,
    Person,
    PersonStatus,
    PopulationType,
)
from shequ.registry.rules import (
    may_register_outflow,
)
from shequ.registry.services._common import (
    _MASKED_IN_LOG,
    _check_destination,
    _not_future,
    _raise,
    _reason,
    _require,
    _require_active,
    _require_scope,
    _snapshot,
    person_inactive_problem,
    person_label,
    population_type_for,
    refresh_derived,
)
from shequ.registry.services.housing import NewHome, home_of
from shequ.registry.services.people import person_clear_outflow


def _relocate(person: Person, household: Household, *, today: datetime.date) -> None:
    person.household = household
    person.unit_id = household.unit_id
    person.population_type = population_type_for(
        hukou_code=person.hukou_division_id,
        residence_code=household.unit_id,
        outflow=person.population_type == PopulationType.OUTFLOW,
    )
    refresh_derived(person, today=today)


@transaction.atomic
def person_move(
    *,
    actor: User | None,
    person: Person,
    household: Household | NewHome,
    date: datetime.date,
    reason: str,
) -> Person:
    """Move a person to another home inside the actor's jurisdiction (same record); a
    ``NewHome`` is registered first, in the same transaction."""
    _require(actor)
    lock_row(person)  # the checks below and the save see the row as it is now
    _require_scope(actor, person.unit_id)
    household = home_of(actor=actor, home=household)
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


def _record_flow(
    person: Person,
    *,
    actor: User | None,
    before: dict[str, Any],
    kind: str,
    reason: str,
    audit_units: Iterable[str] = (),
    **flow: Any,
) -> None:
    """One event, three records: the person saved with its history row, the flow that says
    what happened, and the change log (in each of ``audit_units``; the person's unit by
    default)."""
    save_with_history(person, actor=actor, reason=reason)
    Flow.objects.create(
        person=person,
        kind=kind,
        reason=reason,
        actor=actor if getattr(actor, "pk", None) else None,
        **flow,
    )
    changes = field_changes(before, _snapshot(person), masked=_MASKED_IN_LOG)
    for unit_code in audit_units or (person.unit_id,):
        audit_change(
            actor=actor,
            action=f"person.{kind}",
            target=person,
            unit_code=unit_code,
            label=person_label(person),
            reason=reason,
            changes=changes,
        )


def _transfer(
    *,
    actor: User | None,
    person: Person,
    household: Household,
    date: datetime.date,
    reason: str,
    kind: str,
    today: datetime.date,
) -> Person:
    before = _snapshot(person)
    from_unit, from_household = person.unit_id, person.household
    _relocate(person, household, today=today)
    if kind == Flow.Kind.REACTIVATION:
        person.status = PersonStatus.ACTIVE
        person.ended_on = None
        person.end_reason = ""
    _record_flow(
        person,
        actor=actor,
        before=before,
        kind=kind,
        reason=reason,
        audit_units={household.unit_id, from_unit},  # both sides see the transfer
        date=date,
        unit_code=household.unit_id,
        from_unit_code=from_unit,
        from_household=from_household,
        to_household=household,
    )
    return person


def _same_name(typed: str, recorded: str) -> bool:
    """The name on the identity card, as typed, is the recorded one (width and spaces aside)."""

    def plain(name: str) -> str:
        return "".join(unicodedata.normalize("NFKC", name or "").split())

    return bool(plain(typed)) and plain(typed) == plain(recorded)


TRANSFER_GUESS_LIMIT = 10  # refused transfer-ins per user and hour before the form stops
_TRANSFER_REFUSED = "person.transfer_in_refused"


def transfer_in_check(*, actor: User | None, id_number: str, name: str, unit_code: str) -> Person:
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
    actor: User | None,
    id_number: str,
    name: str,
    household: Household | NewHome,
    date: datetime.date,
    reason: str,
) -> Person:
    """市内迁入: a person registered elsewhere in the city (or departed earlier) now lives in
    ``household``; the same record moves here, never a second one (see ``transfer_in_check``
    for how the actor proves the person is present)."""
    _require(actor)
    unit_code = household.building.unit_id if isinstance(household, NewHome) else household.unit_id
    _require_scope(actor, unit_code)
    reason = _reason(reason)
    today = timezone.localdate()
    _not_future(date, "date", today)
    person = transfer_in_check(actor=actor, id_number=id_number, name=name, unit_code=unit_code)
    if person.status == PersonStatus.DECEASED:
        raise ValidationError({"id_number": [_("该人员已登记死亡，不能迁入。")]})
    if person.status == PersonStatus.ACTIVE and code_in_scope(actor, person.unit_id):
        raise ValidationError({"id_number": [_("此人已在您的辖区登记，请使用“迁移”更换住址。")]})
    kind = Flow.Kind.MOVE if person.status == PersonStatus.ACTIVE else Flow.Kind.REACTIVATION
    with transaction.atomic():
        household = home_of(actor=actor, home=household)
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
    assert date is not None  # _not_future refused None
    _require_active(person)
    if date < person.birth_date:
        raise ValidationError({"date": [_("日期不能早于出生日期。")]})
    errors: dict[str, list[str]] = {}
    if kind == Flow.Kind.DEPARTURE:
        _check_destination(division, errors, outflow=False, unknown=destination_unknown)
    _raise(errors)


@transaction.atomic
def _end(
    *,
    actor: User | None,
    person: Person,
    status: str,
    kind: str,
    date: datetime.date,
    reason: str,
    division: str | None = None,
    address: str = "",
    destination_unknown: bool = False,
) -> Person:
    _require(actor)
    lock_row(person)  # the checks below and the save see the row as it is now
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
    _record_flow(
        person,
        actor=actor,
        before=before,
        kind=kind,
        reason=reason,
        date=date,
        unit_code=person.unit_id,
        from_unit_code=person.unit_id,
        from_household=person.household,
        division_id=division or None,
        destination_unknown=destination_unknown,
        address=address,
    )
    return person


def person_depart(
    *,
    actor: User | None,
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


def person_record_death(
    *, actor: User | None, person: Person, date: datetime.date, reason: str
) -> Person:
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
    *, actor: User | None, person: Person, reason: str, date: datetime.date | None = None
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


def _require_registration_place(actor: User | None, person: Person) -> None:
    """Who records a 流出: the registration place (户籍地) — a user whose jurisdiction holds
    the person's 户籍地 — or, for someone living at their registration place (a grid worker
    of their own community), the residence. A person registered outside every unit of the
    deployment has no registration place here: the residence records it."""
    if actor is None:
        return
    registered_at = registration_unit_code(person.hukou_division_id)
    if registered_at is None or registration_in_scope(actor, person.hukou_division_id):
        if registered_at is None:
            _require_scope(actor, person.unit_id)
        return
    at_home = person.unit_id.startswith(OrgUnit.prefix_for(registered_at))
    if at_home and code_in_scope(actor, person.unit_id):
        return
    raise PermissionDenied(
        _("流出登记由户籍地社区办理：%(name)s 的户籍地不在您的管辖范围内。") % {"name": person.name}
    )


def person_outflow_problem(person: Person) -> str:
    """Why 外出登记 is refused for the person now ("" when it may be recorded)."""
    if not person_inactive_problem(person) and not may_register_outflow(person.population_type):
        return _(
            "只有本地户籍人员（户籍常住、人户分离）可以登记外出；流入人员离开本市请办理迁出注销。"
        )
    return person_inactive_problem(person)


def person_return_problem(person: Person) -> str:
    """Why 返回登记 is refused for the person now ("" when it may be recorded)."""
    if not person_inactive_problem(person) and person.population_type != PopulationType.OUTFLOW:
        return _("%(name)s 不是流出人员，无需返回登记。") % {"name": person.name}
    return person_inactive_problem(person)


@transaction.atomic
def person_register_outflow(
    *,
    actor: User | None,
    person: Person,
    date: datetime.date,
    reason: str,
    division: str,
    address: str = "",
) -> Person:
    """流出登记: someone registered here now lives outside the city; still ours to serve.
    The registration place's act (``_require_registration_place``), not the residence's."""
    _require(actor)
    lock_row(person)  # the checks below and the save see the row as it is now
    _require_registration_place(actor, person)
    reason = _reason(reason)
    today = timezone.localdate()
    _not_future(date, "date", today)
    problem = person_outflow_problem(person)
    if problem:
        raise ValidationError(problem)
    errors: dict[str, list[str]] = {}
    _check_destination(division, errors, outflow=True)
    _raise(errors)
    before = _snapshot(person)
    person.population_type = PopulationType.OUTFLOW
    person.flow_out_date = date
    person.flow_out_division_id = division
    person.flow_out_address = address.strip()
    refresh_derived(person, today=today)
    _record_flow(
        person,
        actor=actor,
        before=before,
        kind=Flow.Kind.OUTFLOW,
        reason=reason,
        date=date,
        unit_code=person.unit_id,
        from_unit_code=person.unit_id,
        division_id=division,
        address=address,
    )
    return person


@transaction.atomic
def person_return(
    *, actor: User | None, person: Person, date: datetime.date, reason: str
) -> Person:
    """返回登记: an outflow person lives here again."""
    _require(actor)
    lock_row(person)  # the checks below and the save see the row as it is now
    _require_scope(actor, person.unit_id)
    reason = _reason(reason)
    today = timezone.localdate()
    _not_future(date, "date", today)
    problem = person_return_problem(person)
    if problem:
        raise ValidationError(problem)
    before = _snapshot(person)
    person.population_type = population_type_for(
        hukou_code=person.hukou_division_id,
        residence_code=person.unit_id,
    )
    person_clear_outflow(person)
    refresh_derived(person, today=today)
    _record_flow(
        person,
        actor=actor,
        before=before,
        kind=Flow.Kind.RETURN,
        reason=reason,
        date=date,
        unit_code=person.unit_id,
        to_household=person.household,
    )
    return person
