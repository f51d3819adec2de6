"""Buildings and homes: apartment blocks, village houses, dormitories; landlords."""

import datetime
import random

from shequ.org.models import OrgUnit
from shequ.registry.demo.data import DAY, LANES, ROADS
from shequ.registry.demo.people import Generator, Home
from shequ.registry.models import (
    Building,
    Household,
    Sex,
)
from shequ.registry.rules import (
    age_on,
)

_SUFFIXES = ("社区居民委员会", "居民委员会", "村民委员会", "社区居委会", "居委会", "村委会")
_SUFFIXES += ("社区", "村", "小区（新建）", "小区")


def is_village(unit: OrgUnit) -> bool:
    """A village (村): by its kind, or by a village committee's name (村民委员会) where the
    tree was loaded with the committee's full name."""
    return unit.kind == OrgUnit.Kind.VILLAGE or unit.name.endswith("村民委员会")


def _stem(name: str) -> str:
    """丽景社区 → 丽景, 油榨村村民委员会 → 油榨: the name a compound or road takes."""
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            name = name[: -len(suffix)]
    return name


class Housing:
    """Buildings of a unit and a home in one of them for every planned household."""

    def __init__(self, gen: Generator, unit: OrgUnit, grids: list[OrgUnit], place: str):
        self.gen, self.rng = gen, gen.rng
        self.unit = unit
        self.grids = grids or [unit]
        village = is_village(unit) and not unit.name.endswith("村")
        self.short_name = _stem(unit.name) + "村" if village else unit.name
        self.place = place  # district and street names, for addresses
        self.buildings: list[Building] = []

    def building(self, name: str, address: str, kind: str) -> Building:
        building = Building(uid=self.gen.uid(), name=name, address=address, kind=kind)
        self.buildings.append(building)
        return building

    def home(self, home: Home, building: Building, number: str) -> None:
        home.household = Household(
            uid=self.gen.uid(),
            building=building,
            number=number,
            is_rented=home.tenure == "rented",
        )

    def place_homes(self, homes: list[Home]) -> list[Building]:
        if is_village(self.unit):
            self._village(homes)
        else:
            self._blocks(homes)
        # Buildings are spread over the unit's grids in runs, as streets are.
        if not self.buildings:  # a unit with nobody registered yet still has its houses
            kind = Building.Kind.VILLAGE_HOUSE if is_village(self.unit) else Building.Kind.APARTMENT
            self.building("1号楼", f"{self.place}{self.short_name}1号楼", kind)
        for index, building in enumerate(self.buildings):
            grid = self.grids[index * len(self.grids) // len(self.buildings)]
            building.unit_id = grid.code
        for home in homes:
            home.household.unit_id = home.household.building.unit_id
        self._landlords(homes)
        return self.buildings

    def _blocks(self, homes: list[Home]) -> None:
        """Apartment blocks of 2 stairways × 6 floors × 2 flats; a dormitory for workers."""
        stem = _stem(self.unit.name)
        road = f"{self.rng.choice(ROADS)}{self.rng.randint(1, 300)}号"
        flats = [h for h in homes if h.tenure != "dorm"]
        self.rng.shuffle(flats)  # owners and tenants live side by side
        number, slots = 0, iter(())
        for home in flats:
            while True:
                slot = next(slots, None)
                if slot is None:
                    number += 1
                    kind = (
                        Building.Kind.MIXED
                        if number == 1 and self.rng.random() < 0.3
                        else Building.Kind.APARTMENT
                    )
                    name = f"{number}号楼"
                    block = self.building(name, f"{self.place}{road}{stem}小区{name}", kind)
                    slots = iter(
                        [
                            (block, f"{s}单元{f}0{n}")
                            for s in (1, 2)
                            for f in range(1, 7)
                            for n in (1, 2)
                        ]
                    )
                    continue
                if self.rng.random() < 0.12:  # an empty flat
                    continue
                self.home(home, *slot)
                break
        dorms = [h for h in homes if h.tenure == "dorm"]
        if dorms:
            name = f"{stem}职工宿舍"
            block = self.building(name, f"{self.place}{road}{name}", Building.Kind.DORMITORY)
            for index, home in enumerate(dorms):
                self.home(home, block, f"{index // 20 + 1}{index % 20 + 1:02d}室")
                assert home.household is not None
                # The employer whose workers' dormitory it is (the workers' own employer).
                employers = [p.employer_name for p in home.members if p.employer_name]
                home.household.dormitory_of = employers[0] if employers else f"{stem}职工"

    def _village(self, homes: list[Home]) -> None:
        """A house per local family; migrants rent rooms in them (or a whole house)."""
        houses: list[tuple[Building, Home | None, list[int]]] = []

        def new_house() -> Building:
            index = len(houses)
            name = f"{LANES[index % len(LANES)]}{index // len(LANES) + 1}号"
            return self.building(
                name, f"{self.place}{self.short_name}{name}", Building.Kind.VILLAGE_HOUSE
            )

        for home in homes:
            if home.tenure != "rented":
                home.tenure = "own"
                house = new_house()
                self.home(home, house, "主屋")
                houses.append((house, home, [0]))
        for home in homes:
            if home.tenure != "rented":
                continue
            free = [h for h in houses if h[1] is not None and not h[1].migrant and h[2][0] < 3]
            if free and self.rng.random() < 0.9:
                house, owner, rooms = self.rng.choice(free)
                rooms[0] += 1
                self.home(home, house, f"出租屋{rooms[0]}")
                home.landlord_home = owner
            else:
                house = new_house()
                houses.append((house, None, [1]))
                self.home(home, house, "整院出租")

    def _landlords(self, homes: list[Home]) -> None:
        owners = [
            h
            for h in homes
            if h.tenure == "own"
            and not h.migrant
            and age_on(h.head.birth_date, self.gen.today) >= 25
        ]
        for home in homes:
            if home.tenure != "rented":
                continue
            if home.landlord_home is None and owners and self.rng.random() < 0.6:
                home.landlord_home = self.rng.choice(owners)
            if home.landlord_home is None:
                home.landlord_outside = (
                    self.gen.surname() + self.gen.given_name(Sex.MALE, datetime.date(1970, 1, 1)),
                    self.gen.phone(),
                )
                home.household.landlord_name, home.household.landlord_phone = home.landlord_outside
            arrived = [p.flow_in_date for p in home.members if p.flow_in_date]
            start = min(arrived) if arrived else self.gen.days_ago(30, 2000)
            home.household.rented_since = start - DAY * self.rng.randrange(0, 200)
            _lease_and_use(home, start, self.gen.today)

    def addresses(self, homes: list[Home]) -> None:
        """户籍地址: a home's own address for those registered in it, else one at the place."""
        for home in homes:
            building = home.household.building
            by_division: dict[str, str] = {}
            for person in home.members:
                code = person.hukou_division.code
                if home.hukou_here:
                    address = f"{building.address}{home.household.number}"
                else:
                    address = by_division.get(code) or self.gen.hukou_address(person.hukou_division)
                by_division[code] = person.hukou_address = address


def _lease_and_use(home: Home, start: datetime.date, today: datetime.date) -> None:
    """A let dwelling's lease (most are written down, for a year or two from the tenants'
    arrival, renewed while they stay) and its use: 群租 for four or more unrelated migrants,
    now and then a shop (经营). Randomness of its own (by the dwelling's uid), so the
    figures of the people generated after it do not move."""
    household = home.household
    assert household is not None
    rng = random.Random(str(household.uid))
    if rng.random() < 0.8:
        years = rng.choice((1, 1, 2))
        lease_start = start
        while _add_years(lease_start, years) < today:
            lease_start = _add_years(lease_start, years)
        household.lease_start = lease_start
        household.lease_end = _add_years(lease_start, years) - DAY
    if home.migrant and len(home.members) >= 4:
        household.use = Household.Use.GROUP
    elif rng.random() < 0.03:
        household.use = Household.Use.BUSINESS


def _add_years(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)
