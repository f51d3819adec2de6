"""The other households of a unit: migrants sharing a room, older couples, widows, young
people on their own, and the records no longer active (a late spouse, a departed migrant)."""

from shequ.registry.demo.couples import Families, add_years
from shequ.registry.demo.data import DAY
from shequ.registry.demo.people import ChildPlan, Home
from shequ.registry.models import (
    Employment,
    FlowInReason,
    MaritalStatus,
    Person,
    PersonStatus,
    Relation,
    Sex,
)
from shequ.registry.rules import age_on


class OtherHomes(Families):
    """The households that are not a family around a married woman aged 20–49."""

    def sharers(self, count: int, *, sex: str, ages, married_share: float) -> Home:
        """Migrants sharing a rented room or a dormitory."""
        gen = self.gen
        members = []
        for _i in range(count):
            hukou = gen.migrant_hukou()
            married = self.chance(married_share)
            p = gen.person(
                sex=sex,
                birth=gen.birth_for_age(gen.age_in(ages)),
                hukou=hukou,
                marital=MaritalStatus.MARRIED if married else MaritalStatus.SINGLE,
                # Unrelated workers sharing a room: nobody heads it (no made-up 户主).
                relation=Relation.TENANT,
                migrant=True,
            )
            if age_on(p.birth_date, self.today) < 22:
                p.marital_status = MaritalStatus.SINGLE
            home_children = []
            if p.marital_status == MaritalStatus.MARRIED:
                # The wife and children stay at home: the children are recorded on him.
                p.marriage_date = self.gen.day_between(
                    add_years(p.birth_date, 22), self.today - DAY * 200
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
            married = max(add_years(wife_birth, 22), add_years(husband.birth_date, 22))
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
            married = add_years(wife_birth, 21) + DAY * self.rng.randrange(0, 1500)
            husband_birth = min(
                wife_birth - DAY * self.rng.randrange(0, 5 * 365), add_years(married, -22)
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
                child_birth = add_years(birth, 22 + 3 * order) + DAY * self.rng.randrange(0, 700)
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
                    add_years(person.birth_date, 22),
                    min(add_years(person.birth_date, 35), self.today),
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
        spouse.marriage_date = max(add_years(birth, 22), add_years(survivor.birth_date, 22))
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
