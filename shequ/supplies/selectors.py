"""Every read of the supplies, scoped to the user's part of the tree (org.scoping).

Stock levels are read from the current-balance rows (``Balance``): the level of one
location × item is one read of the unique index (location, item, lot). Reports aggregate
the ledger by the (unit_code, day) index, so a street's report reads only its own rows.
"""

import datetime
from dataclasses import dataclass
from typing import Any

import django_filters
from django.db.models import Count, Exists, F, Max, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.org.models import OrgUnit, User
from shequ.org.roles import Action, can
from shequ.org.scoping import code_in_scope, get_in_scope_or_404, scope_q, scoped, subtree_q
from shequ.registry.models import Contraception, Person, PersonStatus
from shequ.supplies import rules
from shequ.supplies.models import (
    Balance,
    Dispensing,
    Item,
    Location,
    Lot,
    Movement,
    MovementKind,
    Requisition,
)

EXPIRING_DAYS = 90  # "expiring soon": within three months (a quarter's requisition cycle)


# --- Catalogue, locations, lots --------------------------------------------------------


def items(*, active_only: bool = False) -> QuerySet[Item]:
    found = Item.objects.all()
    return found.filter(is_active=True) if active_only else found


def item_search_q(data: Any) -> Q:
    """The catalogue page's filters: ``q`` in the code or name, ``state`` active/retired."""
    found = Q()
    text = (data.get("q") or "").strip()
    if text:
        found &= Q(code__icontains=text) | Q(name__icontains=text)
    state = data.get("state")
    if state == "active":
        found &= Q(is_active=True)
    elif state == "retired":
        found &= Q(is_active=False)
    return found


def item_get(uid: Any) -> Item:
    from django.core.exceptions import ValidationError
    from django.http import Http404

    try:
        return Item.objects.get(uid=uid)
    except (Item.DoesNotExist, ValueError, ValidationError) as exc:
        raise Http404 from exc


def item_history(item: Item) -> list:
    """The item's versions, newest first, with who made them."""
    return list(item.history.select_related("history_user").order_by("-history_date", "-pk"))


def catalogue_rules(codes: list[str]) -> set[str]:
    """The item codes that have caps in the rulebook (any region): one without cannot be
    dispensed until the city sets them (rules as data, never a silent "no limit")."""
    from shequ.rulebook.models import Setting

    keys = {rules.limits_key(code): code for code in codes}
    found = Setting.objects.filter(programme=rules.PROGRAMME, key__in=list(keys)).values_list(
        "key", flat=True
    )
    return {keys[key] for key in found}


def locations_visible(user: User) -> QuerySet[Location]:
    return scoped(Location.objects.select_related("supplier"), user)


def location_get(user: User, uid: Any) -> Location:
    return get_in_scope_or_404(Location.objects.select_related("supplier"), user, uid=uid)


def supplier_get(user: User, uid: Any) -> Location:
    """A location a new one may be supplied by: in the jurisdiction or on the path above it
    (a community's room is supplied by the street's store); anything else answers 404."""
    from django.core.exceptions import ValidationError
    from django.http import Http404

    try:
        found = Location.objects.get(uid=uid)
    except (Location.DoesNotExist, ValueError, ValidationError) as exc:
        raise Http404 from exc
    own = getattr(user, "unit_id", "") or ""
    above = own.startswith(OrgUnit.prefix_for(found.unit_code))
    if not (user.is_superuser or above or code_in_scope(user, found.unit_code, personal=False)):
        raise Http404
    return found


def units_for_stock(user: User) -> QuerySet[OrgUnit]:
    """The units a location may hang on or a report be asked for: the jurisdiction's
    districts, streets and communities (not grids)."""
    from shequ.org.roles import Level

    return (
        scoped(OrgUnit.objects.all(), user, "code", personal=False)
        .filter(is_active=True, level__lte=Level.COMMUNITY)
        .order_by("code")[:500]
    )


def report_unit_get(user: User, code: str) -> OrgUnit:
    """A unit a report may be asked for: in the jurisdiction (404 otherwise, as missing)."""
    from django.http import Http404

    unit = OrgUnit.objects.filter(code=code, is_active=True).first() if code.isdigit() else None
    if unit is None or not code_in_scope(user, unit.code, personal=False):
        raise Http404
    return unit


def suppliers_for(user: User) -> QuerySet[Location]:
    """Locations a new one may be supplied by: stores and rooms in the jurisdiction or on
    the path above the user's unit."""
    own = getattr(user, "unit_id", "") or ""
    above = [own[:n] for n in (6, 9, 12) if len(own) >= n]
    above_q = Q()
    for prefix in above:
        above_q |= Q(unit_code=prefix.ljust(12, "0"))
    stores = [Location.Kind.DISTRICT_STORE, Location.Kind.STREET_STORE, Location.Kind.SERVICE_ROOM]
    return Location.objects.filter(
        scope_q(user, "unit_code", personal=False) | above_q, kind__in=stores, is_active=True
    ).order_by("unit_code", "name")


def location_balances(location: Location) -> list[Balance]:
    """The lots a location holds (with stock), first expiry first."""
    return list(
        Balance.objects.filter(location=location, quantity__gt=0)
        .select_related("item", "lot")
        .order_by("item__code", "lot__expiry", "lot_id")
    )


def lots_at(location: Location) -> QuerySet[Lot]:
    return Lot.objects.filter(
        pk__in=Balance.objects.filter(location=location, quantity__gt=0).values("lot_id")
    ).select_related("item")


def lots_visible(user: User) -> QuerySet[Lot]:
    """Lots held somewhere in the user's jurisdiction (a lot is reference data, but which
    lots a place holds is its business)."""
    held = scoped(Balance.objects.all(), user).values("lot_id")
    return Lot.objects.filter(pk__in=held).select_related("item")


def lot_get(user: User, uid: Any) -> Lot:
    from django.core.exceptions import ValidationError
    from django.http import Http404

    try:
        return lots_visible(user).get(uid=uid)
    except (Lot.DoesNotExist, ValueError, ValidationError) as exc:
        raise Http404 from exc


class LocationFilter(django_filters.FilterSet):
    unit = django_filters.CharFilter(method="in_unit", label=_("单位代码（含下级）"))
    kind = django_filters.ChoiceFilter(choices=Location.Kind.choices, label=_("类型"))
    search = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label=_("名称"))

    class Meta:
        model = Location
        fields = ["unit", "kind", "search"]

    def in_unit(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return (
            queryset.filter(subtree_q("unit_code", value)) if value.isdigit() else queryset.none()
        )


# --- The ledger ----------------------------------------------------------------------


def movements_visible(user: User) -> QuerySet[Movement]:
    return scoped(Movement.objects.select_related("location", "item", "lot", "counterpart"), user)


def movement_get(user: User, uid: Any) -> Movement:
    return get_in_scope_or_404(movements_visible(user), user, uid=uid)


class MovementFilter(django_filters.FilterSet):
    unit = django_filters.CharFilter(method="in_unit", label=_("单位代码（含下级）"))
    location = django_filters.UUIDFilter(field_name="location__uid", label=_("地点"))
    item = django_filters.CharFilter(field_name="item__code", label=_("品种编码"))
    lot = django_filters.UUIDFilter(field_name="lot__uid", label=_("批次"))
    kind = django_filters.ChoiceFilter(choices=MovementKind.choices, label=_("类型"))
    since = django_filters.DateFilter(field_name="day", lookup_expr="gte", label=_("起始日期"))
    until = django_filters.DateFilter(field_name="day", lookup_expr="lte", label=_("截止日期"))

    class Meta:
        model = Movement
        fields = ["unit", "location", "item", "lot", "kind", "since", "until"]

    def in_unit(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return (
            queryset.filter(subtree_q("unit_code", value)) if value.isdigit() else queryset.none()
        )


def levels_visible(user: User) -> QuerySet[Balance]:
    """The current balance rows (location × item × lot) in the jurisdiction."""
    return scoped(Balance.objects.select_related("location", "item", "lot"), user)


class LevelFilter(django_filters.FilterSet):
    unit = django_filters.CharFilter(method="in_unit", label=_("单位代码（含下级）"))
    location = django_filters.UUIDFilter(field_name="location__uid", label=_("地点"))
    item = django_filters.CharFilter(field_name="item__code", label=_("品种编码"))
    expiring = django_filters.BooleanFilter(method="is_expiring", label=_("近效期（90天内）"))
    empty = django_filters.BooleanFilter(method="with_empty", label=_("含零库存批次"))

    class Meta:
        model = Balance
        fields = ["unit", "location", "item", "expiring", "empty"]

    def in_unit(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return (
            queryset.filter(subtree_q("unit_code", value)) if value.isdigit() else queryset.none()
        )

    def is_expiring(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value:
            return queryset.filter(quantity__gt=0, lot__expiry__lte=expiring_before())
        return queryset

    def with_empty(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        return queryset

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        found = super().filter_queryset(queryset)
        if not self.form.cleaned_data.get("empty"):
            found = found.filter(quantity__gt=0)
        return found


def expiring_before(today: datetime.date | None = None) -> datetime.date:
    return (today or timezone.localdate()) + datetime.timedelta(days=EXPIRING_DAYS)


def stock_level(location: Location, item: Item, *, on: datetime.date | None = None) -> dict:
    """The level of one location × item in one read of the balance index: all stock, and
    the part that may be given out (not expired on ``on``, not recalled)."""
    day = on or timezone.localdate()
    usable = Q(lot__expiry__gte=day, lot__recalled=False)
    return Balance.objects.filter(location=location, item=item).aggregate(
        total=Coalesce(Sum("quantity"), 0),
        usable=Coalesce(Sum("quantity", filter=usable), 0),
    )


def expiring_soon(user: User, today: datetime.date | None = None) -> QuerySet[Balance]:
    """Stock that expires within ``EXPIRING_DAYS`` (or has expired): use it or write it off."""
    return (
        levels_visible(user)
        .filter(quantity__gt=0, lot__expiry__lte=expiring_before(today))
        .order_by("lot__expiry", "location__name")
    )


def low_stock(user: User) -> QuerySet:
    """Location × item whose usable stock is under the item's low-stock line (items the
    location holds or held)."""
    today = timezone.localdate()
    usable = Q(lot__expiry__gte=today, lot__recalled=False)
    return (
        scoped(Balance.objects.all(), user)
        .filter(location__is_active=True, item__is_active=True)
        .values(
            "location__uid",
            "location__name",
            "location__kind",
            "unit_code",
            "item__code",
            "item__name",
            "item__unit",
            "item__low_stock",
        )
        .annotate(usable=Coalesce(Sum("quantity", filter=usable), 0))
        .filter(usable__lt=F("item__low_stock"))
        .order_by("unit_code", "location__name", "item__code")
    )


@dataclass(frozen=True)
class ReportRow:
    location: str
    location_kind: str
    unit_code: str
    item: str
    unit: str
    received: int
    given: int
    other_out: int
    balance: int


def stock_report(
    user: User, unit_code: str, since: datetime.date, until: datetime.date
) -> list[ReportRow]:
    """A unit's (a street's) stock report: per location × item, what came in, what was given
    out (named, machines, post) and otherwise left (transfers, write-offs, counts) in the
    period, and the balance now. Two grouped reads over the unit's own index ranges."""
    within = scope_q(user, "unit_code", personal=False) & subtree_q("unit_code", unit_code)
    given = [MovementKind.DISPENSE, MovementKind.PICKUP, MovementKind.POSTAL]
    moved = (
        Movement.objects.filter(within, day__gte=since, day__lte=until)
        .values("location_id", "item_id")
        .annotate(
            received=Coalesce(Sum("quantity", filter=Q(quantity__gt=0)), 0),
            given=Coalesce(Sum("quantity", filter=Q(kind__in=given)), 0),
            out=Coalesce(Sum("quantity", filter=Q(quantity__lt=0)), 0),
        )
    )
    flows: dict[tuple[int, int], dict[str, Any]] = {
        (r["location_id"], r["item_id"]): dict(r) for r in moved
    }
    balances = (
        Balance.objects.filter(within)
        .values(
            "location_id",
            "item_id",
            "location__name",
            "location__kind",
            "unit_code",
            "item__name",
            "item__unit",
        )
        .annotate(total=Sum("quantity"))
        .order_by("unit_code", "location__name", "item__name")
    )
    rows = []
    for b in balances:
        f = flows.get((b["location_id"], b["item_id"]), {})
        given_n = -(f.get("given") or 0)
        rows.append(
            ReportRow(
                location=b["location__name"],
                location_kind=b["location__kind"],
                unit_code=b["unit_code"],
                item=b["item__name"],
                unit=b["item__unit"],
                received=f.get("received") or 0,
                given=given_n,
                other_out=-(f.get("out") or 0) - given_n,
                balance=b["total"] or 0,
            )
        )
    return rows


@dataclass(frozen=True)
class Reconciliation:
    lot: str
    item: str
    books: int  # 总帐: the current-balance row
    ledger: int  # 分帐: the balance of the last movement of the sub-ledger
    movements: int  # the sum of every movement
    counted: int | None  # the last physical count of the lot, if any

    @property
    def agree(self) -> bool:
        return self.books == self.ledger == self.movements


def reconciliation(location: Location) -> list[Reconciliation]:
    """帐帐相符: for each lot held, the balance row, the last ledger entry's balance and the
    sum of the movements, which agree by construction (a disagreement is a defect to
    report); 帐物相符 follows from the last count, whose variance was booked."""
    from shequ.supplies.models import CountLine

    sums = {
        r["lot_id"]: r
        for r in Movement.objects.filter(location=location)
        .values("lot_id")
        .annotate(total=Sum("quantity"), last=Max("id"))
    }
    last_ids = [r["last"] for r in sums.values()]
    last_balance = dict(Movement.objects.filter(id__in=last_ids).values_list("lot_id", "balance"))
    counted = {
        lot_id: n
        for lot_id, n in CountLine.objects.filter(count__location=location)
        .order_by("lot_id", "-count__day", "-id")
        .values_list("lot_id", "counted")
    }
    found = []
    for b in Balance.objects.filter(location=location).select_related("lot", "item"):
        found.append(
            Reconciliation(
                lot=b.lot.number,
                item=b.item.name,
                books=b.quantity,
                ledger=last_balance.get(b.lot_id, 0),
                movements=sums[b.lot_id]["total"] if b.lot_id in sums else 0,
                counted=counted.get(b.lot_id),
            )
        )
    return found


# --- Requisitions --------------------------------------------------------------------


def requisitions_visible(user: User) -> QuerySet[Requisition]:
    """Requisitions of the user's locations and those sent to the user's stores."""
    return (
        Requisition.objects.filter(
            scope_q(user, "unit_code", personal=False)
            | scope_q(user, "supplier__unit_code", personal=False)
        )
        .select_related("location", "supplier", "created_by", "decided_by")
        .prefetch_related("lines__item")
    )


def requisition_get(user: User, uid: Any) -> Requisition:
    from django.core.exceptions import ValidationError
    from django.http import Http404

    try:
        return requisitions_visible(user).get(uid=uid)
    except (Requisition.DoesNotExist, ValueError, ValidationError) as exc:
        raise Http404 from exc


def requisition_steps(user: User, requisition: Requisition) -> list[str]:
    """The workflow steps this user may take now: the supplier's side approves, rejects and
    sends; the requester's side receives and cancels."""
    from django_fsm import can_proceed

    from shequ.org.scoping import code_in_scope as in_scope

    if not can(user, Action.KEEP_STOCK):
        return []
    supplier = in_scope(user, requisition.supplier.unit_code, personal=False)
    requester = in_scope(user, requisition.location.unit_code, personal=False)
    sides = {
        "approve": supplier,
        "reject": supplier,
        "send": supplier,
        "receive": requester,
        "cancel": requester,
    }
    return [s for s, allowed in sides.items() if allowed and can_proceed(getattr(requisition, s))]


class RequisitionFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Requisition.Status.choices, label=_("状态"))
    location = django_filters.UUIDFilter(field_name="location__uid", label=_("申领点"))
    supplier = django_filters.UUIDFilter(field_name="supplier__uid", label=_("供货点"))

    class Meta:
        model = Requisition
        fields = ["status", "location", "supplier"]


# --- Named dispensing and rates --------------------------------------------------------


def dispensings_visible(user: User) -> QuerySet[Dispensing]:
    """Named dispensings are health data: only for those with the health right."""
    if not can(user, Action.VIEW_HEALTH):
        return Dispensing.objects.none()
    return scoped(Dispensing.objects.select_related("person", "item", "location"), user)


class DispensingFilter(django_filters.FilterSet):
    unit = django_filters.CharFilter(method="in_unit", label=_("单位代码（含下级）"))
    location = django_filters.UUIDFilter(field_name="location__uid", label=_("发放点"))
    item = django_filters.CharFilter(field_name="item__code", label=_("品种编码"))
    since = django_filters.DateFilter(field_name="day", lookup_expr="gte", label=_("起始日期"))
    until = django_filters.DateFilter(field_name="day", lookup_expr="lte", label=_("截止日期"))

    class Meta:
        model = Dispensing
        fields = ["unit", "location", "item", "since", "until"]

    def in_unit(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return (
            queryset.filter(subtree_q("unit_code", value)) if value.isdigit() else queryset.none()
        )


def person_by_id_number(user: User, number: str) -> Person | None:
    """The person in the jurisdiction holding this identity number (None: nobody here)."""
    number = (number or "").strip().upper()
    if len(number) != 18:
        return None
    return scoped(Person.objects.all(), user).filter(id_number=number).first()


def person_dispensings(user: User, person: Person) -> QuerySet[Dispensing]:
    """One person's named dispensings (all places: the record follows the person)."""
    if not can(user, Action.VIEW_HEALTH):
        return Dispensing.objects.none()
    return (
        Dispensing.objects.filter(person=person)
        .select_related("item", "location", "actor")
        .order_by("-day", "-id")
    )


def dispensing_places(user: User) -> QuerySet[Location]:
    """The places in the jurisdiction where a named dispensing may be booked (a service
    room, a fixed point, a street store or a postal desk in use; not a machine, whose
    pick-ups are anonymous, nor the district store, which only supplies)."""
    return (
        locations_visible(user)
        .filter(is_active=True)
        .exclude(kind__in=[Location.Kind.MACHINE, Location.Kind.DISTRICT_STORE])
        .order_by("unit_code", "kind", "name", "id")
    )


def person_for_dispensing(user: User, uid: Any) -> Person:
    return get_in_scope_or_404(Person.objects.all(), user, uid=uid)


# The methods a person takes supplies for (the denominator of the supply rate).
SUPPLIED_METHODS = (
    Contraception.ORAL_PILL,
    Contraception.CONDOM,
    Contraception.INJECTION,
    Contraception.TOPICAL,
)


@dataclass(frozen=True)
class UnitRates:
    unit_code: str
    users: int  # registered users of supplied methods
    supplied: int  # of them, those given supplies in the period
    supply_rate: float | None


def supply_rates(
    user: User, unit_code: str, since: datetime.date, until: datetime.date
) -> UnitRates:
    """供应率: registered users of a supplied method in the unit who were given supplies by
    name in the period. (Machine and postal pick-ups are anonymous and cannot count.)"""
    # The method is encrypted; its blind index (``contraception_digest``, docs/security.md)
    # lets the database pick the users of a supplied method, so both figures are one
    # aggregate: no row, and nothing to decrypt, comes back to Python.
    users = scoped(Person.objects.all(), user).filter(
        subtree_q("unit_id", unit_code),
        status=PersonStatus.ACTIVE,
        contraception__in=SUPPLIED_METHODS,
    )
    given = Dispensing.objects.filter(person_id=OuterRef("pk"), day__gte=since, day__lte=until)
    counts = users.aggregate(users=Count("id"), supplied=Count("id", filter=Exists(given)))
    return UnitRates(
        unit_code=unit_code,
        users=counts["users"],
        supplied=counts["supplied"],
        supply_rate=rules.rate(counts["supplied"], counts["users"]),
    )


@dataclass(frozen=True)
class Rates:
    """The unit's supply rate and its follow-up rates: all due follow-ups (target
    ``rules.FOLLOW_UP_TARGET``) and those of the key groups (``rules.KEY_GROUP_TARGET``)."""

    supply: UnitRates
    follow_up_due: int
    follow_up_done: int
    key_group_due: int = 0
    key_group_done: int = 0

    @property
    def follow_up_rate(self) -> float | None:
        return rules.rate(self.follow_up_done, self.follow_up_due)

    @property
    def key_group_rate(self) -> float | None:
        return rules.rate(self.key_group_done, self.key_group_due)

    @property
    def follow_up_target(self) -> float:
        return rules.FOLLOW_UP_TARGET

    @property
    def key_group_target(self) -> float:
        return rules.KEY_GROUP_TARGET

    @property
    def follow_up_met(self) -> bool | None:
        return rules.met(self.follow_up_done, self.follow_up_due, rules.FOLLOW_UP_TARGET)

    @property
    def key_group_met(self) -> bool | None:
        return rules.met(self.key_group_done, self.key_group_due, rules.KEY_GROUP_TARGET)


def unit_rates(user: User, unit_code: str, since: datetime.date, until: datetime.date) -> Rates:
    """The supply rate and the follow-up rates (随访率: follow-ups due in the period that
    were done; all of them, and the key groups') of a unit."""
    counts = _follow_ups(user, unit_code, since, until)
    return Rates(
        supply_rates(user, unit_code, since, until),
        follow_up_due=counts["due"],
        follow_up_done=counts["done"],
        key_group_due=counts["key_due"],
        key_group_done=counts["key_done"],
    )


def key_group_q(until: datetime.date) -> Q:
    """The key groups (重点人群) of the follow-up, on a task's person as the period ends:
    migrants (流入), and women in the year after their wedding or a birth — those the seeds
    name first (seed 001: 当年结婚、生育 … 外来已婚育龄妇女; seed 004: 重点人群随访率 100 %)."""
    from shequ.registry.models import Child, PopulationType

    year_ago = until - datetime.timedelta(days=365)
    births = Child.objects.filter(
        mother_id=OuterRef("person_id"), birth_date__gt=year_ago, birth_date__lte=until
    )
    return (
        Q(person__population_type=PopulationType.INFLOW)
        | Q(person__marriage_date__gt=year_ago, person__marriage_date__lte=until)
        | Q(Exists(births))
    )


def _follow_ups(
    user: User, unit_code: str, since: datetime.date, until: datetime.date
) -> dict[str, int]:
    """Follow-ups of the supplies due in the period in the unit: due and done, all and the
    key groups' (one aggregate). One the person declined (cancelled) is not due: follow-up
    is offered, never compulsory."""
    from shequ.duework.models import Task

    done = Q(state=Task.State.DONE)
    key = key_group_q(until)
    return (
        scoped(Task.objects.all(), user)
        .filter(
            subtree_q("unit_code", unit_code),
            kind="supplies.follow_up",
            due_date__gte=since,
            due_date__lte=until,
        )
        .exclude(state=Task.State.CANCELLED)
        .aggregate(
            due=Count("id"),
            done=Count("id", filter=done),
            key_due=Count("id", filter=key),
            key_done=Count("id", filter=key & done),
        )
    )
