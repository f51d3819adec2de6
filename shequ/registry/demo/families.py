"""The households of one community, village or blind zone, to its quota."""

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
from shequ.registry.demo.housing import Housing, is_village
from shequ.registry.demo.people import ChildPlan, Generator, Home
from shequ.registry.demo.quotas import Quota
from shequ.registry.models import (
    Building,
    Contraception,
    Employment,
    FlowInReason,
    MaritalStatus,
    Person,
    PersonStatus,
    PopulationType,
    Relation,
    Sex,
)
from shequ.registry.rules import (
    WCBA_MIN_AGE,
    age_on,
)


class UnitBuilder:
    """The homes and people of one community, village or blind zone, to its quota."""

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
                places = self.gen.places.in_city
                self._elsewhere = [d for d in places if not d.code.startswith(self.unit.code)]
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
        start = _add_years(wife_birth, at)
        return self.gen.day_between(start, min(_add_years(wife_birth, at + 1) - DAY, self.today))

    def husband_birth(self, wife_birth: datetime.date, married: datetime.date) -> datetime.date:
        gap = max(-3, min(10, round(self.rng.gauss(2, 2.5))))
        birth = wife_birth - DAY * (gap * 365 + self.rng.randrange(-150, 150))
        latest = _add_years(married, -22)  # men marry at 22 or later
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
            wife.contraception_since = self.gen.day_between(
                min(last + DAY * 40, self.today), min(last + DAY * 700, self.today)
            )
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
        married = _add_years(mother_birth, 21) + DAY * self.rng.randrange(0, 900)
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
        earliest = _add_years(person.birth_date, 16)
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

    # --- other households ----------------------------------------------------------------
    def sharers(self, count: int, *, sex: str, ages, married_share: float) -> Home:
        """Migrants sharing a rented room or a dormitory."""
        gen = self.gen
        members = []
        for i in range(count):
            hukou = gen.migrant_hukou()
            married = self.chance(married_share)
            p = gen.person(
                sex=sex,
                birth=gen.birth_for_age(gen.age_in(ages)),
                hukou=hukou,
                marital=MaritalStatus.MARRIED if married else MaritalStatus.SINGLE,
                relation=Relation.HEAD if i == 0 else Relation.TENANT,
                migrant=True,
            )
            if age_on(p.birth_date, self.today) < 22:
                p.marital_status = MaritalStatus.SINGLE
            home_children = []
            if p.marital_status == MaritalStatus.MARRIED:
                # The wife and children stay at home: the children are recorded on him.
                p.marriage_date = self.gen.day_between(
                    _add_years(p.birth_date, 22), self.today - DAY * 200
                )
                births = self.kid_births(p.birth_date + DAY * 800, p.marriage_date, "migrant")
                for order, birth in enumerate(births, start=1):
                    child_sex = Sex.MALE if self.chance(0.53) else Sex.FEMALE
                    home_children.append(
                        ChildPlan(
                            parent=p,
                            order=order,
                            sex=child_sex,
                            birth_date=birth,
                            name=p.name[0] + gen.given_name(child_sex, birth),
                        )
                    )
                p.children_count = len(births)
            members.append((p, home_children))
        home = Home(members=[p for p, _ in members], tenure="rented", migrant=True)
        for _p, plans in members:
            home.children.extend(plans)
        return home

    def migrant_filler(self, budget: int) -> Home:
        """Migrants who are not women aged 15–49: men on their own, older couples."""
        gen = self.gen
        kind = gen.pick([("men", 75), ("couple", 18), ("woman", 7)])
        if kind == "couple" and budget >= 2:
            hukou = gen.migrant_hukou()
            wife_birth = gen.birth_for_age(self.rng.randint(50, 62))
            family_name = gen.surname()
            husband = gen.person(
                sex=Sex.MALE,
                birth=gen.birth_for_age(self.rng.randint(52, 66)),
                hukou=hukou,
                surname=family_name,
                marital=MaritalStatus.MARRIED,
                migrant=True,
            )
            wife = gen.person(
                sex=Sex.FEMALE,
                birth=wife_birth,
                hukou=hukou,
                marital=MaritalStatus.MARRIED,
                relation=Relation.SPOUSE,
                migrant=True,
            )
            # Married soon after the younger one turned 22.
            married = max(_add_years(wife_birth, 22), _add_years(husband.birth_date, 22))
            married = self.gen.day_between(married, min(married + DAY * 700, self.today))
            husband.marriage_date = wife.marriage_date = married
            home = Home(members=[husband, wife], tenure="rented", migrant=True)
            births = self.kid_births(wife_birth, wife.marriage_date, "migrant")
            for order, birth in enumerate(births, start=1):
                sex = Sex.MALE if self.chance(0.53) else Sex.FEMALE
                home.children.append(
                    ChildPlan(
                        parent=wife,
                        order=order,
                        sex=sex,
                        birth_date=birth,
                        name=family_name + gen.given_name(sex, birth),
                    )
                )
            husband.children_count = wife.children_count = len(births)
        elif kind == "woman":
            home = self.sharers(1, sex=Sex.FEMALE, ages=[((50, 64), 1)], married_share=0.7)
        else:
            count = min(budget, self.rng.choice([1, 1, 2, 2, 3, 4]))
            home = self.sharers(
                count,
                sex=Sex.MALE,
                ages=[((18, 29), 35), ((30, 44), 40), ((45, 58), 25)],
                married_share=0.55,
            )
            if not self.village and count >= 2 and self.chance(0.35):
                home.tenure = "dorm"
        self.arrival(home, reason=FlowInReason.WORK)
        return home

    def single_women(self, count: int) -> Home:
        """Unmarried migrant women aged 15–49 sharing a room."""
        home = self.sharers(
            count,
            sex=Sex.FEMALE,
            ages=[((17, 22), 35), ((23, 29), 45), ((30, 40), 20)],
            married_share=0,
        )
        self.arrival(home, reason=FlowInReason.WORK, min_days=210)
        return home

    def local_filler(self, budget: int, *, widowed: bool = False) -> Home:
        """Local people other than married women aged 15–49: older couples, widows …"""
        gen = self.gen
        hukou, hukou_here = self.local_hukou()
        family_name = gen.surname()
        kind = (
            "widowed"
            if widowed
            else gen.pick(
                [
                    ("couple", 45),
                    ("widowed", 22),
                    ("young", 13),
                    ("divorced", 8),
                    ("couple_child", 8),
                    ("bachelor", 4),
                ]
            )
        )
        if kind in ("couple", "couple_child") and budget < 2:
            kind = "widowed"
        members: list[Person] = []
        children: list[ChildPlan] = []
        if kind in ("couple", "couple_child"):
            wife_birth = gen.birth_for_age(
                gen.age_in([((50, 59), 40), ((60, 69), 35), ((70, 79), 18), ((80, 88), 7)])
            )
            married = _add_years(wife_birth, 21) + DAY * self.rng.randrange(0, 1500)
            husband_birth = min(
                wife_birth - DAY * self.rng.randrange(0, 5 * 365), _add_years(married, -22)
            )
            husband = gen.person(
                sex=Sex.MALE,
                birth=husband_birth,
                hukou=hukou,
                surname=family_name,
                marital=MaritalStatus.MARRIED,
                village=self.village,
            )
            wife = gen.person(
                sex=Sex.FEMALE,
                birth=wife_birth,
                hukou=hukou,
                marital=MaritalStatus.MARRIED,
                relation=Relation.SPOUSE,
                village=self.village,
            )
            husband.marriage_date = wife.marriage_date = married
            members = [husband, wife]
            births = self.kid_births(
                wife_birth, married, "village" if self.village else "community"
            )
            stay = kind == "couple_child" and budget >= 3
            for order, birth in enumerate(births, start=1):
                sex = Sex.MALE if self.chance(0.53) else Sex.FEMALE
                plan = ChildPlan(parent=wife, order=order, sex=sex, birth_date=birth)
                if stay and age_on(birth, self.today) >= 18:
                    kid = gen.person(
                        sex=sex,
                        birth=birth,
                        hukou=hukou,
                        surname=family_name,
                        relation=Relation.CHILD,
                        village=self.village,
                    )
                    plan.person, stay = kid, False
                    members.append(kid)
                else:
                    plan.name = family_name + gen.given_name(sex, birth)
                children.append(plan)
            husband.children_count = wife.children_count = len(births)
        elif kind == "widowed":
            sex = Sex.FEMALE if self.chance(0.7) else Sex.MALE
            birth = gen.birth_for_age(self.rng.randint(65, 95))
            person = gen.person(
                sex=sex,
                birth=birth,
                hukou=hukou,
                marital=MaritalStatus.WIDOWED,
                village=self.village,
            )
            members = [person]
            count = self.rng.choice([1, 2, 2, 3, 3, 4])
            for order in range(1, count + 1):
                child_birth = _add_years(birth, 22 + 3 * order) + DAY * self.rng.randrange(0, 700)
                child_sex = Sex.MALE if self.chance(0.53) else Sex.FEMALE
                children.append(
                    ChildPlan(
                        parent=person,
                        order=order,
                        sex=child_sex,
                        birth_date=child_birth,
                        name=family_name + gen.given_name(child_sex, child_birth),
                    )
                )
            person.children_count = count
        elif kind == "divorced":
            sex = Sex.FEMALE if self.chance(0.5) else Sex.MALE
            person = gen.person(
                sex=sex,
                birth=gen.birth_for_age(self.rng.randint(30, 60)),
                hukou=hukou,
                surname=family_name,
                marital=MaritalStatus.DIVORCED,
                village=self.village,
            )
            members = [person]
            if self.chance(0.6):
                birth = gen.day_between(
                    _add_years(person.birth_date, 22),
                    min(_add_years(person.birth_date, 35), self.today),
                )
                child_sex = Sex.MALE if self.chance(0.53) else Sex.FEMALE
                plan = ChildPlan(parent=person, order=1, sex=child_sex, birth_date=birth)
                if budget >= 2 and age_on(birth, self.today) < 18:
                    kid = gen.person(
                        sex=child_sex,
                        birth=birth,
                        hukou=hukou,
                        surname=family_name,
                        relation=Relation.CHILD,
                        village=self.village,
                    )
                    plan.person = kid
                    members.append(kid)
                else:
                    plan.name = family_name + gen.given_name(child_sex, birth)
                children.append(plan)
                person.children_count = 1
        else:  # young people on their own, and a few bachelors
            ages = [((22, 38), 1)] if kind == "young" else [((39, 60), 1)]
            sex = Sex.MALE if kind == "bachelor" or self.chance(0.55) else Sex.FEMALE
            members = [
                gen.person(
                    sex=sex,
                    birth=gen.birth_for_age(gen.age_in(ages)),
                    hukou=hukou,
                    surname=family_name,
                    village=self.village,
                )
            ]
            if kind == "young" and self.chance(0.1):
                self.make_outflow(members[0])
        tenure = "rented" if not self.village and self.chance(0.1) else "own"
        return Home(members=members, tenure=tenure, children=children, hukou_here=hukou_here)

    def late_spouse(self, home: Home) -> Person:
        """The spouse a widow(er) lost in the last year: a record kept, status deceased."""
        survivor = home.head
        gen = self.gen
        sex = Sex.MALE if survivor.sex == Sex.FEMALE else Sex.FEMALE
        birth = survivor.birth_date + DAY * self.rng.randrange(-4 * 365, 2 * 365)
        birth = min(birth, self.today - DAY * 365 * 60)
        spouse = gen.person(
            sex=sex,
            birth=birth,
            hukou=survivor.hukou_division,
            marital=MaritalStatus.MARRIED,
            relation=Relation.SPOUSE,
            village=self.village,
        )
        spouse.marriage_date = max(_add_years(birth, 22), _add_years(survivor.birth_date, 22))
        survivor.marriage_date = None
        spouse.employment, spouse.employer_name = Employment.RETIRED, ""
        spouse.status = PersonStatus.DECEASED
        spouse.ended_on = gen.days_ago(1, 364)
        spouse.end_reason = "病故"
        spouse.children_count = survivor.children_count
        return spouse

    def departed_migrant(self) -> Person:
        gen = self.gen
        sex = Sex.MALE if self.chance(0.75) else Sex.FEMALE
        age = self.rng.randint(20, 55) if sex == Sex.MALE else self.rng.randint(50, 60)
        hukou = gen.migrant_hukou()
        person = gen.person(
            sex=sex,
            birth=gen.birth_for_age(age),
            hukou=hukou,
            relation=Relation.TENANT,
            migrant=True,
        )
        person.hukou_address = gen.hukou_address(hukou)
        person.flow_in_date = gen.days_ago(400, 2500)
        person.flow_in_reason = FlowInReason.WORK
        person.status = PersonStatus.DEPARTED
        person.ended_on = gen.day_between(person.flow_in_date + DAY * 90, self.today - DAY * 3)
        person.end_reason = self.rng.choice(["返回原籍", "到外地务工", "工程结束离开"])
        # Where they went goes into the departure's flow, not into the record (not 流出).
        person._destination = (
            hukou if self.chance(0.6) else self.rng.choice(gen.places.destinations)
        )
        return person

    # --- the whole unit --------------------------------------------------------------
    def build(self, grids: list[OrgUnit], place: str) -> list[Home]:
        q = self.quota
        inflow_left = q.inflow
        # Every married migrant woman and every single one needs a place in the budget.
        wives = [True] * q.married_inflow_method + [False] * (
            q.married_inflow - q.married_inflow_method
        )
        self.rng.shuffle(wives)
        for i, with_method in enumerate(wives):
            reserve = len(wives) - i - 1 + q.single_inflow
            home = self.family(
                migrant=True, with_method=with_method, budget=min(5, inflow_left - reserve)
            )
            inflow_left -= len(home.members)
            self.homes.append(home)
        singles = q.single_inflow
        while singles:
            count = min(singles, self.rng.choice([1, 2, 2, 3, 4]))
            self.homes.append(self.single_women(count))
            singles -= count
            inflow_left -= count
        while inflow_left > 0:
            home = self.migrant_filler(inflow_left)
            inflow_left -= len(home.members)
            self.homes.append(home)

        local_left = q.persons - q.inflow
        wives = [True] * q.married_local_method + [False] * (
            q.married_local - q.married_local_method
        )
        self.rng.shuffle(wives)
        for i, with_method in enumerate(wives):
            reserve = len(wives) - i - 1
            home = self.family(
                migrant=False, with_method=with_method, budget=min(5, local_left - reserve)
            )
            local_left -= len(home.members)
            self.homes.append(home)
        deaths = q.deceased
        while local_left > 0:
            home = self.local_filler(local_left, widowed=deaths > 0)
            if deaths > 0:
                self.inactive.append((self.late_spouse(home), home))
                deaths -= 1
            local_left -= len(home.members)
            self.homes.append(home)

        migrant_homes = [h for h in self.homes if h.migrant] or self.homes
        for _ in range(q.departed if self.homes else 0):
            self.inactive.append((self.departed_migrant(), self.rng.choice(migrant_homes)))
        self._tenure()
        housing = Housing(self.gen, self.unit, grids, place)
        self.buildings = housing.place_homes(self.homes)
        housing.addresses(self.homes)
        for person, home in self.inactive:
            if person.status == PersonStatus.DECEASED:
                person.hukou_address = home.head.hukou_address
        self._incomplete_on_purpose()
        return self.homes

    def _tenure(self) -> None:
        """Migrants mostly rent; a few locals do too."""
        for home in self.homes:
            # Village homesteads belong to villagers: migrants there always rent.
            if (home.migrant and home.tenure == "own" and (self.village or self.chance(0.88))) or (
                not home.migrant and home.tenure == "own" and not self.village and self.chance(0.04)
            ):
                home.tenure = "rented"

    def _incomplete_on_purpose(self) -> None:
        """One adult migrant in 40 with a 八个清楚 fact still missing: the lists must show
        them (every 40th rather than a 2.5% chance, so that a small demo has a few too)."""
        for home in self.homes:
            if not home.migrant:
                continue
            for person in home.members:
                if age_on(person.birth_date, self.today) < 18:
                    continue
                self.gen.migrant_adults += 1
                if self.gen.migrant_adults % 40 != 20:
                    continue
                gap = self.gen.pick([("hukou", 3), ("employment", 3), ("flow", 2), ("children", 2)])
                if gap == "hukou":
                    person.hukou_address = ""
                elif gap == "employment":
                    person.employment, person.employer_name = "", ""
                elif gap == "flow":
                    person.flow_in_date, person.flow_in_reason = None, ""
                elif not person.children_count and not any(
                    c.parent is person for c in home.children
                ):
                    person.children_count = None


def _add_years(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)
