"""Every write of the supplies: locations, lots, the ledger, requisitions, dispensing, counts.

The ledger is written in one place, ``_post``: it locks the current-balance row of the
location × item × lot (``select_for_update``), computes the new balance, appends the
movement with that balance and updates the row, all in the caller's transaction. Two
dispensings of the last box queue on the row lock; the second sees nothing left and is
refused with a clear message. The database's CHECK constraints (balance >= 0 on both
tables) are the backstop: an ``IntegrityError`` from them becomes the same message.

Which lot goes out is first-expiry-first-out (``_allocate``) among lots neither expired nor
recalled, unless the caller names one. Bulk writes (the demo, the benchmark) go through
``movements_write_many``, which keeps the same invariants for rows written fast.
"""

import datetime
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from shequ.core import bulk
from shequ.core.versions import EditConflict, lock_for_edit
from shequ.duework import services as duework
from shequ.org.audit import (
    SensitiveTarget,
    audit_change,
    audit_sensitive_read,
    field_changes,
    save_with_history,
)
from shequ.org.models import OrgUnit, SensitiveAccess, User
from shequ.org.roles import Action, Level, Role, can
from shequ.org.scoping import code_in_scope
from shequ.registry import services as registry_services
from shequ.registry.models import Person
from shequ.rulebook import selectors as rulebook
from shequ.supplies import defaults, rules
from shequ.supplies.models import (
    KIND_METHOD,
    Balance,
    CountLine,
    Dispensing,
    Item,
    ItemKind,
    Location,
    Lot,
    Movement,
    MovementKind,
    Requisition,
    RequisitionLine,
    StockCount,
)


class StockShortage(ValidationError):
    """Not enough usable stock for a movement out (also what the CHECK constraint means)."""


# --- Checks shared by the services -----------------------------------------------------


def _require(actor: User | None, action: Action) -> None:
    """``actor`` None is the system itself (the command line, the demo)."""
    if actor is not None and not can(actor, action):
        raise PermissionDenied(_("您没有执行此操作的权限。"))


def _require_scope(actor: User | None, code: str) -> None:
    if actor is not None and not code_in_scope(actor, code, personal=False):
        raise PermissionDenied(_("该记录不在您的管辖范围内。"))


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("请填写原因。")]})
    return reason[:200]


def _positive(quantity: int, field: str = "quantity") -> int:
    if quantity is None or int(quantity) <= 0:
        raise ValidationError({field: [_("数量必须大于零。")]})
    return int(quantity)


def _in_use(item: Item, field: str = "item") -> None:
    if not item.is_active:
        raise ValidationError(
            {field: [_("%(item)s 已停用，不能入库、申领或发放。") % {"item": item.name}]}
        )


def _not_future(day: datetime.date, today: datetime.date) -> None:
    if day > today:
        raise ValidationError({"day": [_("日期不能晚于今天。")]})


# --- Catalogue and rules as shipped ------------------------------------------------


def defaults_ensure() -> None:
    """The catalogue and the default rules, added where missing (the migrations add them;
    the demo and a flushed test database call this)."""
    import uuid

    from shequ.rulebook import services as rulebook_services

    known = set(Item.objects.values_list("code", flat=True))
    for code, name, kind, unit, first, low in defaults.CATALOGUE:
        if code in known:
            continue
        item = Item(
            uid=uuid.uuid4(),
            code=code,
            name=name,
            kind=kind,
            unit=unit,
            clinician_first=first,
            low_stock=low,
        )
        save_with_history(item, actor=None, reason=_("目录初始品种"))
    rulebook_services.settings_seed(defaults.default_settings(), since=datetime.date(2017, 1, 1))


# --- The catalogue: add, edit, retire ------------------------------------------------

# What an edit may change. The code and the kind stay: the rulebook's caps are keyed by the
# code, and the kind decides the method recorded and the follow-up of every past dispensing.
ITEM_EDITABLE = ("name", "unit", "clinician_first", "low_stock")


def may_keep_catalogue(user: User | None) -> bool:
    """The catalogue is the deployment's reference data: kept by stock keepers of a district
    (whose store receives the provincial allocation, new products included) or above; the
    system (None) and the superuser set it up."""
    if user is None or user.is_superuser:
        return True
    if not can(user, Action.KEEP_STOCK):
        return False
    unit = OrgUnit.objects.filter(code=user.unit_id).only("level").first()
    return unit is not None and unit.level <= Level.DISTRICT


def _require_catalogue(actor: User | None) -> None:
    if not may_keep_catalogue(actor):
        raise PermissionDenied(_("药具目录由区县药具库的保管人员维护。"))


def _item_values(values: Mapping[str, Any]) -> dict[str, Any]:
    """Check the fields of an item that a person typed; clear messages, field by field."""
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    if "name" in values:
        cleaned["name"] = (values["name"] or "").strip()
        if not cleaned["name"]:
            errors["name"] = [_("请填写名称。")]
    if "unit" in values:
        cleaned["unit"] = (values["unit"] or "").strip()
        if not cleaned["unit"]:
            errors["unit"] = [_("请填写计量单位（盒、只、支、个……）。")]
    if "clinician_first" in values:
        cleaned["clinician_first"] = bool(values["clinician_first"])
    if "low_stock" in values:
        low = values["low_stock"]
        if low is None or int(low) < 0:
            errors["low_stock"] = [_("低库存线不能为负。")]
        else:
            cleaned["low_stock"] = int(low)
    if errors:
        raise ValidationError(errors)
    return cleaned


@transaction.atomic
def item_create(
    *,
    actor: User | None,
    code: str,
    name: str,
    kind: str,
    unit: str,
    clinician_first: bool = False,
    low_stock: int = 20,
    reason: str = "",
) -> Item:
    """A new product in the catalogue. Its caps are the rulebook's (``limits.<code>``):
    until the city sets them, a dispensing of it is refused with a message that says so."""
    _require_catalogue(actor)
    code = (code or "").strip().lower()
    errors: dict[str, list[str]] = {}
    if not code or not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,39}", code):
        errors["code"] = [_("编码只能用小写字母、数字和“-”，最长 40 个字符。")]
    elif Item.objects.filter(code=code).exists():
        errors["code"] = [_("编码 %(code)s 已在目录中。") % {"code": code}]
    if kind not in ItemKind.values:
        errors["kind"] = [_("请选择类别。")]
    try:
        values = _item_values(
            {"name": name, "unit": unit, "clinician_first": clinician_first, "low_stock": low_stock}
        )
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    item = Item(code=code, kind=kind, **values)
    item.full_clean()
    save_with_history(item, actor=actor, reason=(reason or "").strip() or _("新增品种"))
    audit_change(
        actor=actor,
        action="supplies.item_create",
        target=item,
        unit_code=getattr(actor, "unit_id", "") or "",
        label=f"{item.name}（{item.code}）",
        reason=reason,
    )
    return item


@transaction.atomic
def item_update(
    *,
    actor: User | None,
    item: Item,
    values: Mapping[str, Any],
    reason: str,
    version: int | None = None,
) -> Item:
    """Change an item's name, unit, first-dispensing-by-a-clinician flag or low-stock line,
    with the reason; an edit based on an older version is refused (``EditConflict``)."""
    _require_catalogue(actor)
    reason = _reason(reason)
    unknown = set(values) - set(ITEM_EDITABLE)
    if unknown:
        raise ValidationError(
            {name: [_("编码和类别建档后不能修改；请停用后新增品种。")] for name in sorted(unknown)}
        )
    lock_for_edit(item, version=version, check=lambda _item: None)
    cleaned = _item_values(values)
    before = {name: getattr(item, name) for name in ITEM_EDITABLE}
    for name, value in cleaned.items():
        setattr(item, name, value)
    changes = field_changes(before, {name: getattr(item, name) for name in ITEM_EDITABLE})
    if not changes:
        return item
    item.full_clean()
    save_with_history(item, actor=actor, reason=reason)
    audit_change(
        actor=actor,
        action="supplies.item_update",
        target=item,
        unit_code=getattr(actor, "unit_id", "") or "",
        label=f"{item.name}（{item.code}）",
        reason=reason,
        changes=changes,
    )
    return item


@transaction.atomic
def item_set_active(
    *,
    actor: User | None,
    item: Item,
    active: bool,
    reason: str,
    version: int | None = None,
) -> Item:
    """Retire an item (停用: no receipts, requisitions or dispensings of it from now on; the
    stock left is written off or used up by transfers, and its ledger stays) or bring it
    back, with the reason, kept in the item's history."""
    _require_catalogue(actor)
    reason = _reason(reason)
    lock_for_edit(item, version=version, check=lambda _item: None)
    if item.is_active == active:
        raise ValidationError(_("该品种已在用。") if active else _("该品种已停用。"))
    item.is_active = active
    save_with_history(item, actor=actor, reason=reason)
    audit_change(
        actor=actor,
        action="supplies.item_" + ("restore" if active else "retire"),
        target=item,
        unit_code=getattr(actor, "unit_id", "") or "",
        label=f"{item.name}（{item.code}）",
        reason=reason,
        changes={"is_active": [not active, active]},
    )
    return item


# --- Locations and lots --------------------------------------------------------------


def location_create(
    *,
    actor: User | None,
    unit_code: str,
    name: str,
    kind: str,
    supplier: Location | None = None,
    address: str = "",
) -> Location:
    """A new store, service room, fixed point, machine or postal desk under a unit."""
    _require(actor, Action.KEEP_STOCK)
    _require_scope(actor, unit_code)
    if not OrgUnit.objects.filter(code=unit_code, is_active=True).exists():
        raise ValidationError({"unit": [_("单位不存在或已撤销。")]})
    if kind not in Location.Kind.values:
        raise ValidationError({"kind": [_("请选择地点类型。")]})
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": [_("请填写名称。")]})
    if supplier is not None and not unit_code.startswith(OrgUnit.prefix_for(supplier.unit_code)):
        raise ValidationError({"supplier": [_("上级供货点须在本单位或其上级单位。")]})
    with transaction.atomic():
        location = Location.objects.create(
            unit_code=unit_code, name=name, kind=kind, supplier=supplier, address=address
        )
        audit_change(
            actor=actor,
            action="supplies.location_create",
            target=location,
            unit_code=unit_code,
            label=name,
        )
    return location


def lot_for(*, item: Item, number: str, expiry: datetime.date, manufacturer: str = "") -> Lot:
    """The lot of ``item`` with this number, made on its first receipt; a receipt naming a
    known lot with another expiry is refused (a lot has one expiry)."""
    number = (number or "").strip()
    if not number:
        raise ValidationError({"lot_number": [_("请填写批号。")]})
    lot, _made = Lot.objects.get_or_create(
        item=item, number=number, defaults={"expiry": expiry, "manufacturer": manufacturer}
    )
    if lot.expiry != expiry:
        raise ValidationError(
            {
                "expiry": [
                    _("批号 %(number)s 的有效期为 %(expiry)s。")
                    % {"number": number, "expiry": lot.expiry}
                ]
            }
        )
    return lot


@transaction.atomic
def lot_recall(*, actor: User | None, lot: Lot, reason: str) -> Lot:
    """Recall a lot everywhere: it is never dispensed or sent again (write it off after)."""
    _require(actor, Action.KEEP_STOCK)
    reason = _reason(reason)
    Lot.objects.filter(pk=lot.pk).update(recalled=True)
    lot.recalled = True
    audit_change(
        actor=actor,
        action="supplies.lot_recall",
        target=lot,
        unit_code=getattr(actor, "unit_id", "") or "",
        label=str(lot),
        reason=reason,
    )
    return lot


# --- The ledger ----------------------------------------------------------------------


def _shortage(location: Location, item: Item) -> StockShortage:
    return StockShortage(
        _("%(location)s 的%(item)s 可用库存不足（已过期、已召回的批次不能发出）。")
        % {"location": location.name, "item": item.name}
    )


def _post(
    *,
    location: Location,
    item: Item,
    lot: Lot,
    kind: str,
    quantity: int,
    day: datetime.date,
    actor: User | None,
    reason: str = "",
    counterpart: Location | None = None,
    requisition: Requisition | None = None,
    now: datetime.datetime | None = None,
) -> Movement:
    """Append one movement and move the balance row with it (the one writer of the ledger;
    inside the caller's transaction)."""
    balance = (
        Balance.objects.select_for_update().filter(location=location, item=item, lot=lot).first()
    )
    if balance is None:
        if quantity < 0:
            raise _shortage(location, item)
        try:
            with transaction.atomic():  # a savepoint: another may have made the row first
                balance = Balance.objects.create(
                    location=location, item=item, lot=lot, unit_code=location.unit_code, quantity=0
                )
        except IntegrityError:
            balance = Balance.objects.select_for_update().get(location=location, item=item, lot=lot)
    after = balance.quantity + quantity
    if after < 0:
        raise _shortage(location, item)
    try:
        with transaction.atomic():
            movement = Movement.objects.create(
                location=location,
                item=item,
                lot=lot,
                unit_code=location.unit_code,
                kind=kind,
                quantity=quantity,
                balance=after,
                day=day,
                at=now or timezone.now(),
                reason=reason[:200],
                counterpart=counterpart,
                requisition=requisition,
                actor=actor if getattr(actor, "pk", None) else None,
            )
            Balance.objects.filter(pk=balance.pk).update(
                quantity=F("quantity") + quantity, last_movement=movement.pk
            )
    except IntegrityError as exc:  # the CHECK constraints: never below zero
        raise _shortage(location, item) from exc
    return movement


def _allocate(
    location: Location, item: Item, quantity: int, day: datetime.date, lot: Lot | None = None
) -> list[tuple[Lot, int]]:
    """Which lots give ``quantity`` of ``item`` at ``location``: first expiry first out among
    usable lots (not expired on ``day``, not recalled), or the one named. The rows are
    locked, so a concurrent dispensing waits and then sees what is left."""
    rows = (
        Balance.objects.select_for_update(of=("self",))
        .filter(
            location=location,
            item=item,
            quantity__gt=0,
            lot__recalled=False,
            lot__expiry__gte=day,
        )
        .select_related("lot")
        .order_by("lot__expiry", "lot_id")
    )
    if lot is not None:
        if lot.item_id != item.pk:
            raise ValidationError({"lot": [_("批次与品种不符。")]})
        if lot.recalled:
            raise ValidationError({"lot": [_("该批次已召回，不能发出。")]})
        if lot.expiry < day:
            raise ValidationError({"lot": [_("该批次已过期，不能发出。")]})
        rows = rows.filter(lot=lot)
    taken: list[tuple[Lot, int]] = []
    left = quantity
    for row in rows:
        take = min(left, row.quantity)
        taken.append((row.lot, take))
        left -= take
        if not left:
            return taken
    raise _shortage(location, item)


def _location_for(actor: User | None, location: Location, action: Action) -> None:
    _require(actor, action)
    _require_scope(actor, location.unit_code)
    if not location.is_active:
        raise ValidationError({"location": [_("该地点已停用。")]})


@transaction.atomic
def stock_receive(
    *,
    actor: User | None,
    location: Location,
    item: Item,
    lot_number: str,
    expiry: datetime.date,
    quantity: int,
    day: datetime.date | None = None,
    manufacturer: str = "",
    reason: str = "",
) -> Movement:
    """A receipt from outside the tree (the provincial allocation to a district store)."""
    _location_for(actor, location, Action.KEEP_STOCK)
    quantity = _positive(quantity)
    today = timezone.localdate()
    day = day or today
    _not_future(day, today)
    _in_use(item)
    lot = lot_for(item=item, number=lot_number, expiry=expiry, manufacturer=manufacturer)
    movement = _post(
        location=location,
        item=item,
        lot=lot,
        kind=MovementKind.RECEIPT,
        quantity=quantity,
        day=day,
        actor=actor,
        reason=reason or _("上级调拨入库"),
    )
    audit_change(
        actor=actor,
        action="supplies.receipt",
        target=movement,
        unit_code=location.unit_code,
        label=f"{location.name} {item.name} {lot.number} +{quantity}",
    )
    return movement


@transaction.atomic
def stock_write_off(
    *,
    actor: User | None,
    location: Location,
    lot: Lot,
    quantity: int,
    reason: str,
    day: datetime.date | None = None,
) -> Movement:
    """报损: expired, recalled, damaged stock leaves the books with its reason."""
    _location_for(actor, location, Action.KEEP_STOCK)
    quantity = _positive(quantity)
    reason = _reason(reason)
    day = day or timezone.localdate()
    movement = _post(
        location=location,
        item=lot.item,
        lot=lot,
        kind=MovementKind.WRITE_OFF,
        quantity=-quantity,
        day=day,
        actor=actor,
        reason=reason,
    )
    audit_change(
        actor=actor,
        action="supplies.write_off",
        target=movement,
        unit_code=location.unit_code,
        label=f"{location.name} {lot} -{quantity}",
        reason=reason,
    )
    return movement


@transaction.atomic
def machine_refill(
    *,
    actor: User | None,
    machine: Location,
    source: Location,
    item: Item,
    quantity: int,
    day: datetime.date | None = None,
) -> list[Movement]:
    """Fill a self-service machine from the store that looks after it (FEFO)."""
    if machine.kind != Location.Kind.MACHINE:
        raise ValidationError({"machine": [_("只能给自助发放机补货。")]})
    _location_for(actor, machine, Action.KEEP_STOCK)
    _location_for(actor, source, Action.KEEP_STOCK)
    quantity = _positive(quantity)
    day = day or timezone.localdate()
    written = []
    for lot, take in _allocate(source, item, quantity, day):
        written.append(
            _post(
                location=source,
                item=item,
                lot=lot,
                kind=MovementKind.REFILL_OUT,
                quantity=-take,
                day=day,
                actor=actor,
                counterpart=machine,
            )
        )
        written.append(
            _post(
                location=machine,
                item=item,
                lot=lot,
                kind=MovementKind.REFILL_IN,
                quantity=take,
                day=day,
                actor=actor,
                counterpart=source,
            )
        )
    audit_change(
        actor=actor,
        action="supplies.refill",
        target=machine,
        unit_code=machine.unit_code,
        label=f"{machine.name} {item.name} +{quantity}",
    )
    return written


@transaction.atomic
def anonymous_pickup(
    *,
    actor: User | None,
    location: Location,
    item: Item,
    quantity: int,
    day: datetime.date | None = None,
    reference: str = "",
) -> list[Movement]:
    """Anonymous pick-ups at a self-service machine or a fixed point (an employer's box),
    or postal orders shipped: a count on the ledger, no personal record. ``reference``: the
    machine's report or the order."""
    kinds: dict[str, str] = {
        Location.Kind.MACHINE: MovementKind.PICKUP,
        Location.Kind.FIXED_POINT: MovementKind.PICKUP,
        Location.Kind.POSTAL: MovementKind.POSTAL,
    }
    if location.kind not in kinds:
        raise ValidationError(
            {"location": [_("匿名领取只记在自助发放机、固定发放点或邮寄发放点。")]}
        )
    _location_for(actor, location, Action.DISPENSE_SUPPLIES)
    quantity = _positive(quantity)
    day = day or timezone.localdate()
    return [
        _post(
            location=location,
            item=item,
            lot=lot,
            kind=kinds[location.kind],
            quantity=-take,
            day=day,
            actor=actor,
            reason=reference,
        )
        for lot, take in _allocate(location, item, quantity, day)
    ]


# --- Named dispensing ----------------------------------------------------------------


@dataclass(frozen=True)
class Dispensed:
    dispensing: Dispensing
    movements: list[Movement]
    fact_updated: bool


@transaction.atomic
def dispense(
    *,
    actor: User | None,
    location: Location,
    person: Person,
    item: Item,
    quantity: int,
    day: datetime.date | None = None,
    update_fact: bool = False,
    lot: Lot | None = None,
    note: str = "",
    channel: str = "web",
) -> Dispensed:
    """Give ``quantity`` of ``item`` to a named person: the caps and intervals of the rules,
    FEFO lots, a service record on the person's file (a sensitive read, logged), the
    contraception fact only when the person agreed (``update_fact``), and a follow-up task
    for the methods that have one."""
    _location_for(actor, location, Action.DISPENSE_SUPPLIES)
    if actor is not None and not code_in_scope(actor, person.unit_id):
        raise PermissionDenied(_("该人员不在您的管辖范围内。"))
    if location.kind in (Location.Kind.MACHINE, Location.Kind.DISTRICT_STORE):
        raise ValidationError({"location": [_("实名发放须在服务室、发放点或街道药具库办理。")]})
    quantity = _positive(quantity)
    today = timezone.localdate()
    day = day or today
    _not_future(day, today)
    _in_use(item)
    history = _dispensed_before(person, item, day)
    problem = rules.clinician_problem(
        clinician_first=item.clinician_first,
        first_time=not Dispensing.objects.filter(person=person, item=item).exists(),
        by_clinician=actor is None or actor.is_superuser or actor.role == Role.PROVIDER,
    ) or rules.dispensing_problem(
        limits=_limits(item, location.unit_code, day),
        unit=item.unit,
        quantity=quantity,
        day=day,
        history=history,
    )
    if problem:
        raise ValidationError({"quantity": [problem]})
    movements = [
        _post(
            location=location,
            item=item,
            lot=taken,
            kind=MovementKind.DISPENSE,
            quantity=-n,
            day=day,
            actor=actor,
        )
        for taken, n in _allocate(location, item, quantity, day, lot)
    ]
    record = Dispensing.objects.create(
        person=person,
        location=location,
        item=item,
        quantity=quantity,
        day=day,
        unit_code=location.unit_code,
        note=note[:200],
        actor=actor if getattr(actor, "pk", None) else None,
    )
    if actor is not None:
        audit_sensitive_read(
            actor=actor,
            targets=[
                SensitiveTarget(
                    "registry.person",
                    str(person.uid),
                    registry_services.person_label(person),
                    person.unit_id,
                )
            ],
            fields=["contraception"],
            purpose=SensitiveAccess.Purpose.SERVICE,
            channel=channel,
        )
    updated = False
    method = KIND_METHOD.get(item.kind)
    if update_fact and method:
        updated = registry_services.person_record_contraception(
            actor=actor,
            person=person,
            method=method,
            since=day,
            reason=_("本人同意：发放%(item)s时登记") % {"item": item.name},
        )
        if updated:
            Dispensing.objects.filter(pk=record.pk).update(fact_updated=True)
            record.fact_updated = True
    follow_up_offer(record, person)
    audit_change(
        actor=actor,
        action="supplies.dispense",
        target=record,
        unit_code=location.unit_code,
        label=f"{item.name} ×{quantity}",
    )
    return Dispensed(record, movements, updated)


def _limits(item: Item, region: str, day: datetime.date) -> rules.Limits:
    """The item's cap and interval for the place and day, from the rulebook. None set (an
    item the catalogue gained after the defaults) refuses the dispensing with the rulebook's
    own message, which says what to set: never a silent "no limit"."""
    try:
        value = rulebook.value(
            rules.PROGRAMME, rules.limits_key(item.code), division_code=region, on=day
        )
    except rulebook.RuleMissing as exc:
        raise ValidationError({"item": [str(exc)]}) from exc
    return rules.Limits.from_value(value)


FOLLOW_UP_KIND = "supplies.follow_up"


def follow_up_offer(record: Dispensing, person: Person) -> None:
    """A follow-up task (随访, an offered service) for the named user of a method that has
    one (pills, injections, IUDs, implants: ``rules.FOLLOW_UP_KINDS``) after the days the
    rulebook sets (0: none); one per person, method and month it falls due, so monthly pill
    dispensings do not pile tasks up."""
    item = record.item
    if item.kind not in rules.FOLLOW_UP_KINDS:
        return
    try:
        days = int(
            rulebook.value(
                rules.PROGRAMME,
                rules.follow_up_key(item.kind),
                division_code=person.unit_id,
                on=record.day,
            )
        )
    except rulebook.RuleMissing as exc:
        raise ValidationError({"item": [str(exc)]}) from exc
    due = rules.follow_up_due(record.day, days)
    if due is None:
        return
    duework.ensure_task(
        kind=FOLLOW_UP_KIND,
        source_key=f"{FOLLOW_UP_KIND}:{person.uid}:{item.kind}:{due:%Y-%m}",
        title=_("随访：%(item)s使用情况") % {"item": item.get_kind_display()},
        unit_code=person.unit_id[:12],
        due_date=due,
        person=person,
    )


def log_dispensings_read(*, actor: User, person: Person, channel: str = "web") -> None:
    """Log that the person's dispensing records (health data) were shown to the actor."""
    audit_sensitive_read(
        actor=actor,
        targets=[
            SensitiveTarget(
                "registry.person",
                str(person.uid),
                registry_services.person_label(person),
                person.unit_id,
            )
        ],
        fields=["supplies_dispensings"],
        purpose=SensitiveAccess.Purpose.SERVICE,
        channel=channel,
    )


def log_dispensings_list_read(*, actor: User, records: Iterable[Dispensing]) -> None:
    """Log the persons of a page of named dispensings (health data) as read, one row each."""
    persons = {record.person_id: record.person for record in records}
    if not persons:
        return
    audit_sensitive_read(
        actor=actor,
        targets=[
            SensitiveTarget(
                "registry.person",
                str(person.uid),
                registry_services.person_label(person),
                person.unit_id,
            )
            for person in persons.values()
        ],
        fields=["supplies_dispensings"],
        purpose=SensitiveAccess.Purpose.SERVICE,
        channel="web",
    )


def _dispensed_before(
    person: Person, item: Item, day: datetime.date
) -> list[tuple[datetime.date, int]]:
    """The person's dispensings of the item in the year before ``day``: (day, quantity)."""
    since = day - datetime.timedelta(days=366)
    return list(
        Dispensing.objects.filter(person=person, item=item, day__gt=since, day__lte=day)
        .order_by("day")
        .values_list("day", "quantity")
    )


# --- Requisitions (申领 → 批准 → 发出 → 签收) ----------------------------------------


def _move(requisition: Requisition, step: str) -> None:
    """Take the workflow step (a django-fsm transition of the model) or refuse it clearly."""
    method = getattr(requisition, step)
    if not can_proceed(method):
        raise ValidationError(
            _("申领单当前状态为“%(status)s”，不能执行此操作。")
            % {"status": requisition.get_status_display()}
        )
    method()


def _lock_requisition(requisition: Requisition, version: int | None) -> None:
    loaded = requisition.version
    requisition.refresh_from_db(from_queryset=Requisition.objects.select_for_update())
    if (
        requisition.version != (loaded if version is None else version)
        or requisition.version != loaded
    ):
        raise EditConflict(current=requisition, based_on=version or loaded)


def _save_requisition(requisition: Requisition, fields: list[str]) -> None:
    requisition.version += 1
    requisition.save(update_fields=[*fields, "status", "version"])


@transaction.atomic
def requisition_submit(
    *,
    actor: User | None,
    location: Location,
    lines: Mapping[Item, int],
    note: str = "",
) -> Requisition:
    """A location asks its supplier (the store above it) for items."""
    _location_for(actor, location, Action.KEEP_STOCK)
    if location.supplier_id is None:
        raise ValidationError({"location": [_("该地点没有上级供货点，不能申领。")]})
    wanted = {item: _positive(n, "lines") for item, n in lines.items() if n}
    for item in wanted:
        _in_use(item, "lines")
    if not wanted:
        raise ValidationError({"lines": [_("请至少填写一个品种的申领数量。")]})
    requisition = Requisition.objects.create(
        location=location,
        supplier_id=location.supplier_id,
        unit_code=location.unit_code,
        note=note[:200],
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    RequisitionLine.objects.bulk_create(
        RequisitionLine(requisition=requisition, item=item, requested=n)
        for item, n in wanted.items()
    )
    audit_change(
        actor=actor,
        action="supplies.requisition_submit",
        target=requisition,
        unit_code=location.unit_code,
        label=location.name,
    )
    return requisition


def _supplier_side(actor: User | None, requisition: Requisition) -> None:
    _require(actor, Action.KEEP_STOCK)
    _require_scope(actor, requisition.supplier.unit_code)


def _requisition_done(
    actor: User | None, requisition: Requisition, step: str, fields: list[str], reason: str = ""
) -> Requisition:
    """Save the step taken (one version more) and log it: the end of every step."""
    _save_requisition(requisition, fields)
    audit_change(
        actor=actor,
        action=f"supplies.requisition_{step}",
        target=requisition,
        unit_code=requisition.unit_code,
        label=requisition.location.name,
        reason=reason,
    )
    return requisition


@transaction.atomic
def requisition_decide(
    *,
    actor: User | None,
    requisition: Requisition,
    approve: bool,
    reason: str = "",
    approved: Mapping[int, int] | None = None,
    version: int | None = None,
) -> Requisition:
    """The supplier approves (possibly fewer than asked, per item id) or rejects."""
    _supplier_side(actor, requisition)
    _lock_requisition(requisition, version)
    if not approve:
        reason = _reason(reason)
    step = "approve" if approve else "reject"
    _move(requisition, step)
    if approve:
        for line in requisition.lines.all():
            n = (approved or {}).get(line.item_id, line.requested)
            if n < 0 or n > line.requested:
                raise ValidationError({"lines": [_("批准数量须在 0 与申领数量之间。")]})
            line.approved = n
            line.save(update_fields=["approved"])
    requisition.decision_reason = reason[:200]
    requisition.decided_by = actor if getattr(actor, "pk", None) else None
    requisition.decided_at = timezone.now()
    return _requisition_done(
        actor, requisition, step, ["decision_reason", "decided_by", "decided_at"], reason
    )


@transaction.atomic
def _requisition_transfer(
    *, actor: User | None, requisition: Requisition, version: int | None, send: bool
) -> Requisition:
    """The two halves of a transfer, one shape: the supplier sends (its approved quantities,
    first expiry first out, leave its books) and the requester receives (the same lots enter
    its books). Each side posts to its own location with the other as counterpart."""
    if send:
        _supplier_side(actor, requisition)
    else:
        _location_for(actor, requisition.location, Action.KEEP_STOCK)
    _lock_requisition(requisition, version)
    step = "send" if send else "receive"
    _move(requisition, step)
    day = timezone.localdate()
    here, there = (
        (requisition.supplier, requisition.location)
        if send
        else (requisition.location, requisition.supplier)
    )
    moved: list[tuple[Item, Lot, int]]
    if send:
        moved = [
            (line.item, lot, -take)
            for line in requisition.lines.select_related("item")
            if line.approved
            for lot, take in _allocate(here, line.item, line.approved, day)
        ]
    else:
        sent = requisition.movements.filter(kind=MovementKind.TRANSFER_OUT)
        moved = [(out.item, out.lot, -out.quantity) for out in sent.select_related("item", "lot")]
    for item, lot, quantity in moved:
        _post(
            location=here,
            item=item,
            lot=lot,
            kind=MovementKind.TRANSFER_OUT if send else MovementKind.TRANSFER_IN,
            quantity=quantity,
            day=day,
            actor=actor,
            counterpart=there,
            requisition=requisition,
        )
    stamp = "sent_at" if send else "received_at"
    setattr(requisition, stamp, timezone.now())
    return _requisition_done(actor, requisition, step, [stamp])


def requisition_send(
    *, actor: User | None, requisition: Requisition, version: int | None = None
) -> Requisition:
    """The supplier sends the approved quantities (FEFO from its own stock)."""
    return _requisition_transfer(actor=actor, requisition=requisition, version=version, send=True)


def requisition_receive(
    *, actor: User | None, requisition: Requisition, version: int | None = None
) -> Requisition:
    """The requester signs for what was sent: the same lots enter its books."""
    return _requisition_transfer(actor=actor, requisition=requisition, version=version, send=False)


@transaction.atomic
def requisition_cancel(
    *, actor: User | None, requisition: Requisition, reason: str, version: int | None = None
) -> Requisition:
    """The requester withdraws a requisition not yet sent."""
    _location_for(actor, requisition.location, Action.KEEP_STOCK)
    reason = _reason(reason)
    _lock_requisition(requisition, version)
    _move(requisition, "cancel")
    requisition.decision_reason = reason
    return _requisition_done(actor, requisition, "cancel", ["decision_reason"], reason)


REQUISITION_STEPS = ("approve", "reject", "send", "receive", "cancel")


def requisition_step(
    *,
    actor: User | None,
    requisition: Requisition,
    step: str,
    version: int | None = None,
    reason: str = "",
    approved: Mapping[int, int] | None = None,
) -> Requisition:
    """Take one step of the workflow by its name: the one entry the pages and the API use,
    so both take a step the same way."""
    if step in ("approve", "reject"):
        return requisition_decide(
            actor=actor,
            requisition=requisition,
            approve=step == "approve",
            reason=reason,
            approved=approved,
            version=version,
        )
    if step == "send":
        return requisition_send(actor=actor, requisition=requisition, version=version)
    if step == "receive":
        return requisition_receive(actor=actor, requisition=requisition, version=version)
    if step == "cancel":
        return requisition_cancel(
            actor=actor, requisition=requisition, reason=reason, version=version
        )
    raise ValidationError(_("没有这个办理步骤。"))


# --- Physical counts ----------------------------------------------------------------


@dataclass(frozen=True)
class Counted:
    lot: Lot
    counted: int
    explanation: str = ""


@transaction.atomic
def stock_count(
    *,
    actor: User | None,
    location: Location,
    lines: Sequence[Counted],
    day: datetime.date | None = None,
) -> StockCount:
    """盘点: each lot counted against the books; a variance needs its explanation and is
    booked as a count movement, so the books agree with the shelf (帐物相符) afterwards."""
    _location_for(actor, location, Action.KEEP_STOCK)
    day = day or timezone.localdate()
    if not lines:
        raise ValidationError({"lines": [_("请至少填写一个批次的实盘数。")]})
    count = StockCount.objects.create(
        location=location,
        unit_code=location.unit_code,
        day=day,
        actor=actor if getattr(actor, "pk", None) else None,
    )
    rows = []
    for line in lines:
        if line.counted < 0:
            raise ValidationError({"lines": [_("实盘数不能为负。")]})
        balance = (
            Balance.objects.select_for_update()
            .filter(location=location, lot=line.lot)
            .values_list("quantity", flat=True)
            .first()
        ) or 0
        variance = line.counted - balance
        if variance and not line.explanation.strip():
            raise ValidationError(
                {
                    "lines": [
                        _("批次 %(lot)s 帐实不符（差 %(n)s），请说明原因。")
                        % {"lot": line.lot.number, "n": variance}
                    ]
                }
            )
        if variance:
            _post(
                location=location,
                item=line.lot.item,
                lot=line.lot,
                kind=MovementKind.COUNT,
                quantity=variance,
                day=day,
                actor=actor,
                reason=line.explanation,
            )
        rows.append(
            CountLine(
                count=count,
                item=line.lot.item,
                lot=line.lot,
                booked=balance,
                counted=line.counted,
                explanation=line.explanation.strip()[:200],
            )
        )
    CountLine.objects.bulk_create(rows)
    audit_change(
        actor=actor,
        action="supplies.count",
        target=count,
        unit_code=location.unit_code,
        label=location.name,
    )
    return count


# --- Bulk: the demo and the benchmark --------------------------------------------------


@dataclass(frozen=True)
class MovementRow:
    location: Location
    lot: Lot
    kind: str
    quantity: int
    day: datetime.date
    reason: str = ""
    counterpart_id: int | None = None


_BULK_FIELDS = [
    "uid",
    "location",
    "item",
    "lot",
    "unit_code",
    "kind",
    "quantity",
    "balance",
    "day",
    "at",
    "reason",
    "counterpart",
]


def movements_write_many(rows: Iterable[MovementRow], *, chunk: int = 50_000) -> int:
    """Append many movements fast (core.bulk), in order, each with its running balance, and
    set the current balances to match: the same ledger ``_post`` keeps, for the demo and
    the benchmark. A row that would take a balance below zero is refused (nothing of the
    call stays written: call it inside a transaction). The system is the actor."""
    known = {
        (loc, lot): [qty, pk]
        for pk, loc, lot, qty in Balance.objects.values_list(
            "pk", "location_id", "lot_id", "quantity"
        )
    }
    balances: dict[tuple[int, int], list[Any]] = {}
    written = 0
    batch: list[tuple] = []
    now = timezone.now()

    def flush() -> None:
        nonlocal written
        bulk.insert_rows(Movement, _BULK_FIELDS, batch)
        written += len(batch)
        batch.clear()

    for row in rows:
        key = (row.location.pk, row.lot.pk)
        state = balances.get(key)
        if state is None:
            start = known.get(key, [0, None])
            state = balances[key] = [row.location, row.lot, start[0], start[1]]
        state[2] += row.quantity
        if state[2] < 0:
            raise _shortage(row.location, row.lot.item)
        batch.append(
            (
                bulk.new_uuid7(), row.location.pk, row.lot.item_id, row.lot.pk,
                row.location.unit_code, row.kind, row.quantity, state[2], row.day, now,
                row.reason, row.counterpart_id,
            )
        )  # fmt: skip
        if len(batch) >= chunk:
            flush()
    if batch:
        flush()
    changed = [
        Balance(pk=pk, quantity=quantity)
        for _location, _lot, quantity, pk in balances.values()
        if pk is not None
    ]
    Balance.objects.bulk_update(changed, ["quantity"], batch_size=2_000)
    bulk.insert_rows(
        Balance,
        ["location", "item", "lot", "unit_code", "quantity", "last_movement"],
        [
            (location.pk, lot.item_id, lot.pk, location.unit_code, quantity, 0)
            for location, lot, quantity, pk in balances.values()
            if pk is None
        ],
    )
    return written


def locations_create_many(locations: Sequence[Location]) -> list[Location]:
    """Many locations at once (the demo, the benchmark), through core.bulk; their units must
    exist and be active, as ``location_create`` checks one by one. Sets their keys."""
    codes = {loc.unit_code for loc in locations}
    found = set(
        OrgUnit.objects.filter(code__in=codes, is_active=True).values_list("code", flat=True)
    )
    if codes - found:
        raise ValidationError({"unit": [_("单位不存在或已撤销。")]})
    bulk.bulk_insert(Location, list(locations))
    return list(locations)


def dispensings_write_many(rows: Sequence[Dispensing]) -> None:
    """Service records of named dispensings in bulk (the demo); their movements go through
    ``movements_write_many``."""
    bulk.insert_rows(
        Dispensing,
        [
            "uid",
            "person",
            "location",
            "item",
            "quantity",
            "day",
            "unit_code",
            "fact_updated",
            "note",
            "created_at",
        ],
        [
            (
                bulk.new_uuid7(),
                d.person_id,
                d.location_id,
                d.item_id,
                d.quantity,
                d.day,
                d.unit_code,
                d.fact_updated,
                d.note,
                timezone.now(),
            )
            for d in rows
        ],
    )
