"""The supplies' part of ``shequ demo``: stores, service rooms, fixed points, machines and
postal desks on the demo city's tree, and a year of movements up to today — receipts at the
district stores, monthly transfers down the tree, weekly machine refills, daily machine
pick-ups, postal orders, named dispensing to demo persons who use condoms, pills and
injections, write-offs of expired stock and quarterly counts — written through the bulk
path (``services.movements_write_many``), so the demo stays fast.

The year is simulated in Python (each location's lots, first expiry first out) and written in
order, so every entry's balance is the running sum and nothing expired is given out; a few
requisitions in each state and the follow-up tasks of pill and injection users go through
the services, as a user would make them.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.utils import timezone

from shequ.core.demo import DemoContext
from shequ.org.models import OrgUnit
from shequ.org.roles import Level
from shequ.registry.models import Contraception, Person, PersonStatus
from shequ.supplies import services
from shequ.supplies.models import Dispensing, Item, Location, Lot, MovementKind

DAYS = 365
FIXED_KINDS = ["某纺织厂", "农贸市场", "职业技术学院", "建筑工地", "物流园", "商贸城"]
# Named users per method at most (the model street has thousands; a sample keeps it quick).
NAMED_USERS = {Contraception.CONDOM: 600, Contraception.ORAL_PILL: 250, Contraception.INJECTION: 80}


@dataclass
class _Sim:
    """The year's stock, location by location: lots first expiry first, as the ledger does."""

    today: datetime.date
    rows: list[services.MovementRow] = field(default_factory=list)
    stock: dict[tuple[int, int], list[list]] = field(default_factory=lambda: defaultdict(list))

    def put(self, loc: Location, lot: Lot, n: int, kind: str, day, other=None, why="") -> None:
        lots = self.stock[(loc.pk, lot.item_id)]
        for entry in lots:
            if entry[0].pk == lot.pk:
                entry[1] += n
                break
        else:
            lots.append([lot, n])
            lots.sort(key=lambda e: (e[0].expiry, e[0].pk))
        self.rows.append(
            services.MovementRow(loc, lot, kind, n, day, why, other.pk if other else None)
        )

    def available(self, loc: Location, item: Item, day: datetime.date) -> int:
        return sum(n for lot, n in self.stock[(loc.pk, item.pk)] if lot.expiry >= day)

    def take(self, loc, item, n, kind, day, other=None, why="") -> list[tuple[Lot, int]]:
        """Up to ``n`` from the usable lots, earliest expiry first; what was taken."""
        taken = []
        for entry in self.stock[(loc.pk, item.pk)]:
            lot, held = entry
            if n <= 0:
                break
            if held <= 0 or lot.expiry < day:
                continue
            k = min(n, held)
            entry[1] -= k
            n -= k
            taken.append((lot, k))
            self.rows.append(
                services.MovementRow(loc, lot, kind, -k, day, why, other.pk if other else None)
            )
        return taken

    def move(self, src, dst, item, n, day, out_kind, in_kind, why="") -> int:
        moved = 0
        for lot, k in self.take(src, item, n, out_kind, day, dst, why):
            self.put(dst, lot, k, in_kind, day, src, why)
            moved += k
        return moved

    def write_off_expired(self, loc: Location, items, day: datetime.date) -> None:
        for item in items:
            for entry in self.stock.get((loc.pk, item.pk), ()):
                lot, held = entry
                if held > 0 and lot.expiry < day:
                    entry[1] = 0
                    self.rows.append(
                        services.MovementRow(
                            loc, lot, MovementKind.WRITE_OFF, -held, day, "过期报损"
                        )
                    )


def _locations(ctx: DemoContext) -> dict[str, list[Location]]:
    """Stores, rooms, fixed points, machines and postal desks on the tree, in bulk, in
    waves: each wave's suppliers were written (and have their keys) by an earlier one."""
    rng = ctx.rng("supplies:locations")
    K = Location.Kind
    made: dict[str, list[Location]] = defaultdict(list)
    units = list(
        OrgUnit.objects.filter(is_active=True, level__lte=Level.COMMUNITY).order_by("code")
    )
    model_street = ctx.shared.get("model_street")
    stores: dict[int, Location] = {}
    wave: list[Location] = []

    def add(group: str, unit: OrgUnit, name: str, kind: str, supplier=None) -> Location:
        loc = Location(unit_code=unit.code, name=name, kind=kind)
        loc.supplier_id = supplier.pk if supplier is not None else None
        made[group].append(loc)
        wave.append(loc)
        return loc

    def write() -> None:
        services.locations_create_many(wave)
        wave.clear()

    for unit in units:
        if unit.level == Level.DISTRICT:
            stores[unit.pk] = add("district", unit, f"{unit.name}计生药具库", K.DISTRICT_STORE)
    write()
    for unit in units:
        if unit.level == Level.STREET and unit.parent_id in stores:
            stores[unit.pk] = add(
                "street", unit, f"{unit.name}药具发放站", K.STREET_STORE, stores[unit.parent_id]
            )
    write()
    rooms = {}
    for unit in units:
        if unit.level == Level.DISTRICT:
            add("postal", unit, f"{unit.name}网上申领邮寄点", K.POSTAL, stores[unit.pk])
        elif unit.level == Level.STREET and unit.pk in stores:
            model = model_street is not None and unit.pk == model_street.pk
            for place in rng.sample(FIXED_KINDS, 6 if model else 5):
                add("fixed", unit, f"{unit.name}{place}发放点", K.FIXED_POINT, stores[unit.pk])
        elif unit.level == Level.COMMUNITY and unit.parent_id in stores:
            rooms[unit.pk] = add(
                "room", unit, f"{unit.name}计生服务室", K.SERVICE_ROOM, stores[unit.parent_id]
            )
    write()
    for unit in units:
        if unit.pk in rooms and model_street is not None and unit.parent_id == model_street.pk:
            add("machine", unit, f"{unit.name}自助发放机", K.MACHINE, rooms[unit.pk])
    write()
    supplier_of = {loc.pk: loc for group in made.values() for loc in group}
    for group in made.values():
        for loc in group:  # the simulation walks up the tree through ``supplier``
            if loc.supplier_id is not None:
                loc.supplier = supplier_of[loc.supplier_id]
    return made


def _lots(today: datetime.date) -> dict[str, list[Lot]]:
    """Four lots a year per item, one a quarter."""
    lots: dict[str, list[Lot]] = {}
    start = today - datetime.timedelta(days=DAYS)
    for item in Item.objects.filter(is_active=True).order_by("code"):
        found = []
        for q in range(4):
            made = start + datetime.timedelta(days=91 * q)
            # The first lot expires within the year (written off), the second soon after
            # today (the expiring-soon list), the later ones in two years.
            expiry = made + datetime.timedelta(days=(300, 334, 730, 730)[q])
            found.append(
                services.lot_for(
                    item=item,
                    number=f"{made:%Y%m}{q + 1:02d}",
                    expiry=expiry,
                    manufacturer="国家免费药具定点生产企业",
                )
            )
        lots[item.code] = found
    return lots


def _named_users(ctx: DemoContext) -> dict[str, list[Person]]:
    rng = ctx.rng("supplies:users")
    found: dict[str, list[Person]] = {}
    for method, most in NAMED_USERS.items():
        # The method is encrypted: read and compared here, not in the database.
        ids = [
            pk
            for pk, recorded in Person.objects.filter(status=PersonStatus.ACTIVE)
            .exclude(contraception="")
            .order_by("id")
            .values_list("id", "contraception")
            .iterator(chunk_size=5000)
            if recorded == method
        ][:20_000]
        chosen = sorted(rng.sample(ids, min(most, len(ids))))
        found[method] = list(Person.objects.filter(id__in=chosen).order_by("id"))
    return found


def generate(ctx: DemoContext) -> None:
    services.defaults_ensure()  # `demo --reset` empties every table, the catalogue too
    today = timezone.localdate()
    rng = ctx.rng("supplies:year")
    made = _locations(ctx)
    lots = _lots(today)
    items = {item.code: item for item in Item.objects.all()}
    rooms_by_unit = {room.unit_code: room for room in made["room"]}
    users = _named_users(ctx)
    sim = _Sim(today)
    dispensings: list[Dispensing] = []
    start = today - datetime.timedelta(days=DAYS)
    # How many locations each district store supplies, directly or not: its allocation.
    reach = {
        store.pk: 1
        + sum(
            1
            for group in made.values()
            for loc in group
            if loc.pk != store.pk and loc.unit_code.startswith(store.unit_code[:6])
        )
        for store in made["district"]
    }
    street_reach = {
        store.pk: 1
        + sum(
            1
            for group in ("room", "fixed", "machine")
            for loc in made[group]
            if loc.unit_code.startswith(store.unit_code[:9])
        )
        for store in made["street"]
    }
    schedules = _schedules(users, rooms_by_unit, items, start, rng)

    for offset in range(DAYS + 1):
        day = start + datetime.timedelta(days=offset)
        quarter_day = offset % 91 == 0
        if quarter_day:  # the provincial allocation reaches the district stores
            q = offset // 91
            for store in made["district"]:
                below = reach[store.pk]
                for code in items:
                    lot = lots[code][min(q, 3)]
                    size = (1200 if "condom" in code else 90) * below
                    sim.put(store, lot, size * rng.randint(9, 12) // 10, MovementKind.RECEIPT,
                            day, why="省级调拨")  # fmt: skip
        if day.day == 3:  # monthly requisitions down the tree
            for store in made["street"]:
                below = street_reach[store.pk]
                for code, item in items.items():
                    want = (150 if "condom" in code else 12) * below * rng.randint(2, 3)
                    sim.move(store.supplier, store, item, want, day, MovementKind.TRANSFER_OUT,
                             MovementKind.TRANSFER_IN, "月度申领")  # fmt: skip
            for loc in [*made["room"], *made["fixed"], *made["postal"]]:
                for code in ("condom-male", "pill-21-7", "injection", "pill-emergency"):
                    if loc.kind != Location.Kind.SERVICE_ROOM and code != "condom-male":
                        continue
                    supplier = loc.supplier
                    want = (120 if code == "condom-male" else 10) * rng.randint(1, 3)
                    sim.move(supplier, loc, items[code], want, day, MovementKind.TRANSFER_OUT,
                             MovementKind.TRANSFER_IN, "月度申领")  # fmt: skip
        if day.weekday() == 0:  # weekly machine refills from the community's room
            for machine in made["machine"]:
                room = rooms_by_unit[machine.unit_code]
                sim.move(room, machine, items["condom-male"], 60, day, MovementKind.REFILL_OUT,
                         MovementKind.REFILL_IN)  # fmt: skip
        for machine in made["machine"]:  # anonymous swipes, counted per day
            n = rng.randint(0, 9)
            if n:
                sim.take(machine, items["condom-male"], n, MovementKind.PICKUP, day, why="刷卡领取")
        if day.weekday() == 2:
            for desk in made["postal"]:
                sim.take(desk, items["condom-male"], rng.randint(5, 30), MovementKind.POSTAL, day,
                         why="网上申领邮寄")  # fmt: skip
            for point in made["fixed"]:
                sim.take(point, items["condom-male"], rng.randint(5, 40), MovementKind.PICKUP,
                         day, why="发放点领取")  # fmt: skip
        for person, room, item, n in schedules.get(day, ()):
            if sim.available(room, item, day) >= n:
                sim.take(room, item, n, MovementKind.DISPENSE, day)
                dispensings.append(
                    Dispensing(person_id=person.pk, location_id=room.pk, item_id=item.pk,
                               quantity=n, day=day, unit_code=room.unit_code, note="")
                )  # fmt: skip
        if day.day == 28 and day.month % 3 == 0:  # quarterly: expired stock written off
            for loc in [*made["district"], *made["street"], *made["room"]]:
                sim.write_off_expired(loc, items.values(), day)

    written = services.movements_write_many(sim.rows)
    services.dispensings_write_many(dispensings)
    follow_ups = _follow_ups(dispensings, today)
    requisitions = _requisitions(made, items)
    ctx.log(
        f"    supplies: {sum(len(v) for v in made.values())} locations "
        f"({len(made['machine'])} machines, {len(made['fixed'])} fixed points, "
        f"{len(made['postal'])} postal desks), {written:,} movements, "
        f"{len(dispensings):,} named dispensings, {follow_ups:,} follow-up tasks, "
        f"{requisitions} open requisitions"
    )


def _schedules(users, rooms_by_unit, items, start, rng) -> dict:
    """Who collects what when: condoms every two months or so (under 120 a year), a board of
    pills a month, an injection every four to five weeks."""
    plan: dict[datetime.date, list] = defaultdict(list)
    every = {
        Contraception.CONDOM: ("condom-male", 10, (50, 70)),
        Contraception.ORAL_PILL: ("pill-21-7", 1, (28, 34)),
        Contraception.INJECTION: ("injection", 1, (28, 35)),
    }
    for method, persons in users.items():
        code, n, (low, high) = every[method]
        for person in persons:
            room = rooms_by_unit.get((person.unit_id or "")[:12])
            if room is None:
                continue
            day = start + datetime.timedelta(days=rng.randint(0, low))
            while (day - start).days <= DAYS:
                plan[day].append((person, room, items[code], n))
                day += datetime.timedelta(days=rng.randint(low, high))
    return plan


def _follow_ups(dispensings: list[Dispensing], today: datetime.date) -> int:
    """The follow-up tasks of the named pill and injection users (through due work), those
    already due mostly done — a follow-up rate near the 98 % target."""
    from shequ.duework import services as duework

    latest: dict[tuple[int, int], Dispensing] = {}
    items = {i.pk: i for i in Item.objects.all()}
    for d in dispensings:
        if items[d.item_id].kind in ("oral_pill", "injection"):
            latest[(d.person_id, d.item_id)] = d
    from shequ.duework.models import Task

    persons = Person.objects.in_bulk([p for p, _i in latest])
    stored = {
        (d.person_id, d.item_id, d.day): d
        for d in Dispensing.objects.filter(person_id__in=list(persons)).select_related("item")
    }
    for (person_id, item_id), d in sorted(latest.items()):
        services.follow_up_offer(stored[(person_id, item_id, d.day)], persons[person_id])
    past = Task.objects.filter(
        kind=services.FOLLOW_UP_KIND, due_date__lt=today, state=Task.State.OPEN
    ).order_by("id")
    for i, key in enumerate(past.values_list("source_key", flat=True)):
        if i % 40:  # one in forty not reached yet: the rate stays honest, under 100 %
            duework.task_close_by_rule(source_key=key, outcome="已电话随访，使用正常")
    return len(latest)


def _requisitions(made, items) -> int:
    """A few requisitions waiting in each state, as the pages show them."""
    count = 0
    for i, room in enumerate(made["room"][:9]):
        req = services.requisition_submit(
            actor=None, location=room, lines={items["condom-male"]: 240, items["pill-21-7"]: 20}
        )
        if i % 3 >= 1:
            services.requisition_decide(actor=None, requisition=req, approve=True)
        count += 1
    return count
