"""The households built around a married woman of childbearing age, and what every
household of a unit draws on: its 户籍地, outflow and arrival."""

import datetime

from shequ.org.models import Division, OrgUnit
from shequ.registry.demo.data import (
    DAY,
    ETHNICITIES,
    INFLOW_ANCHOR_AGES,
    LOCAL_ANCHOR_AGES,
    METHODS_BY_PARITY,
    PARITY,
    RECENT_FERTILITY,
)
from shequ.registry.demo.housing import is_village
from shequ.registry.demo.people import ChildPlan, Generator, Home
from shequ.registry.demo.quotas import Quota
from shequ.registry.models import (
    Building,
    Contraception,
    Employment,
    FlowInReason,
    MaritalStatus,
    Person,
    PopulationType,
    Relation,
    Sex,
)
from shequ.registry.rules import WCBA_MIN_AGE, age_on, derive_population_type


class Families:
    """The state of one unit's build, and its families: a married woman aged 20–49 with her
    husband, children and sometimes his parents."""

    def __init__(self, gen: Generator, unit: OrgUnit, quota: Quota, street_code: str):
        self.gen, self.rng, self.today = gen, gen.rng, gen.today
        self.unit = unit
        self.quota = quota
        self.village = is_village(unit)
        self.zone = unit.kind == OrgUnit.Kind.COMPOUND
        self.own_division = gen.places.in_city_by_code.get(unit.code)
        self.street_division = gen.places.divisions.get(street_code)
        self.homes: list[Home] = []
        self.buildings: list[Building] = []
        self.inactive: list[tuple[Person, Home]] = []
        self._elsewhere: list[Division] | None = None  # other places of the city (人户分离)

    # --- 户籍地 of local people -------------------------------------------------------
    def local_hukou(self) -> tuple[Division, bool]:
        """(户籍地, address is this home) for a local household: mostly here, some 人户分离."""
        here = self.own_division if self.own_division else self.street_division
        separated_share = 0.6 if self.zone else 0.05 if self.village else 0.22
        if self.chance(separated_share) or here is None:
            if self._elsewhere is None:
                # Places that make a 人户分离 by the default typing (another street of the
                # city's districts), not 流动 (another county) nor the same street.
                places = self.gen.places
                self._elsewhere = [
                    d
                    for d in places.in_city
                    if derive_population_type(
                        hukou_code=d.code,
                        residence_code=self.unit.code,
                        city_prefix=places.city_prefix,
                    )
                    == PopulationType.SEPARATED
                ]
            return self.rng.choice(self._elsewhere), False
        if self.own_division and self.street_division and self.chance(0.1):
            return self.street_division, True
        return here, True

    def chance(self, p: float) -> bool:
        return self.gen.chance(p)

    # --- families ----------------------------------------------------------------------
    def marriage_of(self, wife_birth: datetime.date) -> datetime.date:
        age = age_on(wife_birth, self.today)
        at = min(age, max(20, round(self.rng.triangular(20, 31, 24))))
        start = add_years(wife_birth, at)
        return self.gen.day_between(start, min(add_years(wife_birth, at + 1) - DAY, self.today))

    def husband_birth(self, wife_birth: datetime.date, married: datetime.date) -> datetime.date:
        gap = max(-3, min(10, round(self.rng.gauss(2, 2.5))))
        birth = wife_birth - DAY * (gap * 365 + self.rng.randrange(-150, 150))
        latest = add_years(married, -22)  # men marry at 22 or later
        return min(birth, latest - DAY * self.rng.randrange(0, 400))

    def kid_births(self, mother_birth, married, parity) -> list[datetime.date]:
        wanted = self.gen.pick(PARITY[parity])
        births, day = [], married + DAY * self.rng.randrange(300, 1100)
        while len(births) < wanted and day <= self.today and age_on(mother_birth, day) <= 44:
            # Births fell by half since 2017: fewer couples have the child they planned.
            if self.rng.random() > RECENT_FERTILITY.get(day.year, 1.0):
                break
            births.append(day)
            day += DAY * self.rng.randrange(700, 3000)
        return births

    def contraception(
        self, wife: Person, births: list[datetime.date], with_method: bool, blank_share: float
    ) -> None:
        if with_method:
            parity = min(len(births), 2)
            wife.contraception = self.gen.pick(METHODS_BY_PARITY[parity])
            # A method is chosen some weeks to two years after the last birth or the wedding,
            # never after today (clamping to today piled a thousand starts on one day).
            last = births[-1] if births else wife.marriage_date
            since = self.gen.day_between(
                min(last + DAY * 40, self.today), min(last + DAY * 700, self.today)
            )
            if last + DAY * 40 > self.today:
                # Within six weeks of a birth or the wedding the range above is only today,
                # which piled such starts on one day: halfway there instead (no draw, so the
                # seed's figures stay put).
                since = last + (self.today - last) / 2
            wife.contraception_since = since
        else:
            # Pregnant, planning a child or not using any: recorded as such, or not yet known.
            wife.contraception = "" if self.chance(blank_share) else Contraception.NONE

    def family(self, *, migrant: bool, with_method: bool, budget: int) -> Home:
        """A married woman aged 20–49 with her household (at most ``budget`` people)."""
        gen = self.gen
        if migrant:
            hukou, hukou_here = gen.migrant_hukou(), False
        else:
            hukou, hukou_here = self.local_hukou()
        age = gen.age_in(INFLOW_ANCHOR_AGES if migrant else LOCAL_ANCHOR_AGES)
        wife_birth = gen.birth_for_age(age)
        married = self.marriage_of(wife_birth)
        family_name = gen.surname()
        ethnicity = gen.pick(ETHNICITIES)
        wife = gen.person(
            sex=Sex.FEMALE,
            birth=wife_birth,
            hukou=hukou,
            marital=MaritalStatus.MARRIED,
            relation=Relation.SPOUSE,
            migrant=migrant,
            village=self.village,
        )
        wife.marriage_date = married
        members = [wife]
        husband = None
        if self.chance(0.95):
            husband = gen.person(
                sex=Sex.MALE,
                birth=self.husband_birth(wife_birth, married),
                hukou=hukou,
                surname=family_name,
                marital=MaritalStatus.MARRIED,
                migrant=migrant,
                village=self.village,
                ethnicity=ethnicity,
            )
            husband.marriage_date = married
            if not migrant and self.chance(0.06):
                self.make_outflow(husband)
            members.insert(0, husband)
        else:
            wife.relation = Relation.HEAD
        births = self.kid_births(
            wife_birth,
            married,
            "migrant" if migrant else "village" if self.village else "community",
        )
        home = Home(members=members, tenure="own", migrant=migrant, hukou_here=hukou_here)
        kids_home: list[Person] = []
        for order, birth in enumerate(births, start=1):
            sex = Sex.MALE if self.chance(0.53) else Sex.FEMALE
            plan = ChildPlan(parent=wife, order=order, sex=sex, birth_date=birth)
            home.children.append(plan)
            kid_age = age_on(birth, self.today)
            if migrant:
                at_home = kid_age < WCBA_MIN_AGE and self.chance(0.75)  # older ones at home town
            else:
                at_home = kid_age < 18 or self.chance(0.7 if kid_age < 25 else 0.35)
            if at_home:
                kid = gen.person(
                    sex=sex,
                    birth=birth,
                    hukou=hukou,
                    surname=family_name,
                    relation=Relation.CHILD,
                    migrant=migrant,
                    village=self.village,
                    ethnicity=ethnicity,
                )
                if not migrant and kid_age >= 18 and self.chance(0.25):
                    self.make_outflow(kid)
                plan.person = kid
                kids_home.append(kid)
            else:
                plan.name = family_name + gen.given_name(sex, birth)
        wife.children_count = len(births)
        if husband is not None:
            husband.children_count = len(births)
        self.contraception(wife, births, with_method, 0.25 if migrant else 0.3)
        elders, elder_plans = [], []
        if husband is not None and self.chance(0.08 if migrant else 0.2):
            elders, elder_plans = self.grandparents(husband, hukou, family_name, migrant)
        # Fit the budget: grandparents go first, then children (they live elsewhere then).
        while len(members) + len(kids_home) + len(elders) > budget and elders:
            elders.pop()
        while len(members) + len(kids_home) > budget and kids_home:
            gone = kids_home.pop()
            for plan in home.children:
                if plan.person is gone:
                    plan.person, plan.name = None, gone.name
        if len(members) > budget and husband is not None:
            members.remove(husband)
            wife.relation = Relation.HEAD
        home.members = members + kids_home + elders
        if elders:
            # Children are recorded on the mother, or on the father when she is not here.
            parent = elder_plans[0].parent
            if not any(parent is e for e in elders):
                for plan in elder_plans:
                    plan.parent = elders[0]
            home.children.extend(elder_plans)
        if migrant:
            self.arrival(home, reason=FlowInReason.WORK, min_days=210)
        return home

    def grandparents(
        self, son: Person, hukou: Division, family_name: str, migrant: bool
    ) -> tuple[list[Person], list[ChildPlan]]:
        """The husband's parent(s), living with the family: both aged 50 or more."""
        gen = self.gen
        son_age = age_on(son.birth_date, self.today)
        mother_age = max(50, son_age + self.rng.randint(22, 32))
        if mother_age > 92:
            return [], []
        mother_birth = gen.birth_for_age(mother_age)
        widowed = self.chance(0.45)
        mother = None
        if not (widowed and self.chance(0.3)):
            mother = gen.person(
                sex=Sex.FEMALE,
                birth=mother_birth,
                hukou=hukou,
                marital=MaritalStatus.WIDOWED if widowed else MaritalStatus.MARRIED,
                relation=Relation.PARENT,
                migrant=migrant,
                village=self.village,
            )
        father = None
        if not widowed or mother is None:
            father_birth = gen.birth_for_age(min(95, mother_age + self.rng.randint(0, 4)))
            father = gen.person(
                sex=Sex.MALE,
                birth=father_birth,
                hukou=hukou,
                surname=family_name,
                marital=MaritalStatus.WIDOWED if widowed else MaritalStatus.MARRIED,
                relation=Relation.PARENT,
                migrant=migrant,
                village=self.village,
            )
        parent = mother or father
        married = add_years(mother_birth, 21) + DAY * self.rng.randrange(0, 900)
        married = min(married, son.birth_date - DAY * 300)
        for p in (mother, father):
            if p is not None and p.marital_status == MaritalStatus.MARRIED:
                p.marriage_date = married
        # Their children: the husband and one or two more living elsewhere.
        count = self.rng.choice([1, 2, 2, 3, 3, 4])
        son_order = self.rng.randint(1, count)
        plans = []
        for order in range(1, count + 1):
            if order == son_order:
                plans.append(
                    ChildPlan(
                        parent=parent,
                        order=order,
                        sex=Sex.MALE,
                        birth_date=son.birth_date,
                        name=son.name,
                        person=son,
                    )
                )
                continue
            birth = son.birth_date + DAY * ((order - son_order) * self.rng.randint(500, 1000))
            if (
                birth > self.today
                or age_on(mother_birth, birth) < 18
                or age_on(mother_birth, birth) > 45
            ):
                birth = son.birth_date + DAY * (order - son_order) * 400
            sex = Sex.MALE if self.chance(0.5) else Sex.FEMALE
            plans.append(
                ChildPlan(
                    parent=parent,
                    order=order,
                    sex=sex,
                    birth_date=birth,
                    name=family_name + self.gen.given_name(sex, birth),
                )
            )
        elders = [p for p in (mother, father) if p is not None]
        for p in elders:
            p.children_count = count
        return elders, plans

    def make_outflow(self, person: Person) -> None:
        """Registered here, working or studying elsewhere (流出)."""
        gen = self.gen
        destination = self.rng.choice(gen.places.destinations)
        person.population_type = PopulationType.OUTFLOW
        earliest = add_years(person.birth_date, 16)
        person.flow_out_date = gen.day_between(
            max(earliest, self.today - DAY * 1500), self.today - DAY * 20
        )
        person.flow_out_division = destination
        person.flow_out_address = gen.hukou_address(destination)
        if person.employment in ("", Employment.UNEMPLOYED, Employment.FARMING):
            person.employment = Employment.FLEXIBLE
            person.employer_name = ""

    def arrival(self, home: Home, *, reason: str, min_days: int = 10) -> None:
        """Flow-in date and reason of a migrant household (everyone arrived together, except
        children born here since)."""
        day = self.gen.days_ago(min_days, 3650)
        for person in home.members:
            person.flow_in_date = max(day, person.birth_date)
            if person.relation in (Relation.HEAD, Relation.TENANT) or (
                person.relation == Relation.SPOUSE and self.chance(0.6)
            ):
                person.flow_in_reason = reason
            elif person.relation == Relation.PARENT:
                person.flow_in_reason = FlowInReason.FAMILY
            else:
                person.flow_in_reason = FlowInReason.FOLLOW


def add_years(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)
