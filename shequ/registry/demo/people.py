"""One person at a time: names, ages, schooling, work; the plan of a household."""

import datetime
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

from shequ.core.demo import DemoContext
from shequ.org.models import Division
from shequ.registry.demo.data import (
    DAY,
    EMPLOYERS,
    ETHNICITIES,
    GIVEN_NAMES,
    MIGRANT_EMPLOYERS,
    ROADS,
    SHOPS,
    SURNAME_WEIGHTS,
    SURNAMES,
    TOWNS,
    VILLAGES,
)
from shequ.registry.demo.places import IdNumbers, Places
from shequ.registry.models import (
    Education,
    Employment,
    Household,
    MaritalStatus,
    Person,
    PersonStatus,
    Relation,
    Sex,
)
from shequ.registry.rules import (
    age_on,
    birth_date_bounds_for_age,
)


@dataclass
class ChildPlan:
    parent: Person
    order: int
    sex: str
    birth_date: datetime.date
    name: str = ""
    person: Person | None = None


@dataclass
class Home:
    """A household to be: who lives there, how it is held, its children rows."""

    members: list[Person]
    tenure: str  # own, rented, dorm
    migrant: bool = False
    children: list[ChildPlan] = field(default_factory=list)
    household: Household | None = None
    landlord_home: "Home | None" = None
    landlord_outside: tuple[str, str] | None = None
    rented_since: datetime.date | None = None
    hukou_here: bool = False  # members' 户籍地址 is this home's address

    @property
    def head(self) -> Person:
        return self.members[0]


class Generator:
    """Whole-run state: randomness, the day, identity numbers, places and names."""

    def __init__(self, ctx: DemoContext, today: datetime.date, places: Places):
        self.rng = ctx.rng("registry")
        self.today = today
        self.places = places
        self.ids = IdNumbers(ctx.rng("registry:id"))
        self.migrant_adults = 0  # counts toward the few left incomplete on purpose

    # small draws
    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def pick(self, weighted: Sequence[tuple]) -> object:
        return self.rng.choices([w[0] for w in weighted], [w[1] for w in weighted])[0]

    def uid(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def day_between(self, start: datetime.date, end: datetime.date) -> datetime.date:
        if end <= start:
            return start
        return start + DAY * self.rng.randrange((end - start).days + 1)

    def days_ago(self, low: int, high: int) -> datetime.date:
        return self.today - DAY * self.rng.randint(low, high)

    def birth_for_age(self, age: int) -> datetime.date:
        earliest, latest = birth_date_bounds_for_age(self.today, age, age)
        return self.day_between(earliest, latest)

    def age_in(self, bands: Sequence[tuple[tuple[int, int], int]]) -> int:
        low, high = self.pick(bands)
        return self.rng.randint(low, high)

    def surname(self) -> str:
        return self.rng.choices(SURNAMES, SURNAME_WEIGHTS)[0]

    def given_name(self, sex: str, birth: datetime.date) -> str:
        generation = 0 if birth.year < 1965 else 1 if birth.year < 1990 else 2
        first, second, single = GIVEN_NAMES[(sex, generation)]
        if self.chance(0.2):
            return self.rng.choice(single)
        return self.rng.choice(first) + self.rng.choice(second)

    def phone(self) -> str:
        return f"1{self.rng.choice('35789')}{self.rng.randrange(10**9):09d}"

    # a person
    def person(
        self,
        *,
        sex: str,
        birth: datetime.date,
        hukou: Division,
        surname: str | None = None,
        marital: str = MaritalStatus.SINGLE,
        relation: str = Relation.HEAD,
        migrant: bool = False,
        village: bool = False,
        ethnicity: str | None = None,
    ) -> Person:
        age = age_on(birth, self.today)
        person = Person(
            uid=self.uid(),
            id_number=self.ids.make(hukou.code[:6], birth, sex),
            name=(surname or self.surname()) + self.given_name(sex, birth),
            sex=sex,
            birth_date=birth,
            ethnicity=ethnicity or self.pick(ETHNICITIES),
            phone=self.phone() if age >= 16 and (age < 75 or self.chance(0.6)) else "",
            hukou_division=hukou,
            marital_status=marital,
            children_count=0 if age >= 15 else None,
            status=PersonStatus.ACTIVE,
        )
        # The stated relation to the 户主, read when the 户口簿 are made (AreaWriter): the
        # membership, not the person, keeps it.
        person.relation = relation  # type: ignore[attr-defined]
        self._education(person, age, migrant)
        self._employment(person, age, migrant, village)
        return person

    def _education(self, person: Person, age: int, migrant: bool) -> None:
        E = Education
        if age < 6:
            person.education = ""
        elif age < 12:
            person.education = E.PRIMARY
        elif age < 15:
            person.education = E.JUNIOR
        elif age < 18:
            person.education = E.SENIOR
        else:
            year = person.birth_date.year - (12 if migrant else 0)  # migrants: less schooling
            if year < 1960:
                table = [(E.NONE, 20), (E.PRIMARY, 40), (E.JUNIOR, 28), (E.SENIOR, 10)]
                table += [(E.COLLEGE, 2)]
            elif year < 1980:
                table = [(E.NONE, 3), (E.PRIMARY, 20), (E.JUNIOR, 45), (E.SENIOR, 22)]
                table += [(E.COLLEGE, 6), (E.BACHELOR, 4)]
            elif year < 1995:
                table = [(E.PRIMARY, 5), (E.JUNIOR, 35), (E.SENIOR, 25), (E.COLLEGE, 17)]
                table += [(E.BACHELOR, 16), (E.POSTGRADUATE, 2)]
            else:
                table = [(E.JUNIOR, 20), (E.SENIOR, 25), (E.COLLEGE, 25), (E.BACHELOR, 26)]
                table += [(E.POSTGRADUATE, 4)]
            person.education = self.pick(table)

    def _employment(self, person: Person, age: int, migrant: bool, village: bool) -> None:
        W = Employment
        retire_age = 60 if person.sex == Sex.MALE else 55
        if age < 6:
            status = W.PRESCHOOL
        elif age < 18 or (age < 23 and not migrant and self.chance(0.55)):
            status = W.STUDENT
        elif age >= retire_age and not migrant:
            status = W.FARMING if village and self.chance(0.6) else W.RETIRED
        elif migrant:
            status = self.pick(
                [(W.EMPLOYED, 60), (W.SELF_EMPLOYED, 15), (W.FLEXIBLE, 20), (W.UNEMPLOYED, 5)]
            )
        elif village:
            status = self.pick(
                [
                    (W.FARMING, 40),
                    (W.EMPLOYED, 30),
                    (W.SELF_EMPLOYED, 10),
                    (W.FLEXIBLE, 12),
                    (W.UNEMPLOYED, 8),
                ]
            )
        else:
            status = self.pick(
                [
                    (W.EMPLOYED, 55),
                    (W.SELF_EMPLOYED, 14),
                    (W.FLEXIBLE, 16),
                    (W.UNEMPLOYED, 10),
                    (W.RETIRED, 5),
                ]
            )
        person.employment = status
        if status == W.EMPLOYED:
            person.employer_name = self.rng.choice(MIGRANT_EMPLOYERS if migrant else EMPLOYERS)
        elif status == W.SELF_EMPLOYED:
            person.employer_name = "自营" + self.rng.choice(SHOPS)
        else:
            person.employer_name = ""

    def hukou_address(self, division: Division) -> str:
        if division.level == Division.DivisionLevel.COUNTY:
            return (
                f"{division.full_name}{self.rng.choice(TOWNS)}{self.rng.choice(VILLAGES)}村"
                f"{self.rng.randint(1, 120)}号"
            )
        return f"{division.full_name}{self.rng.choice(ROADS)}{self.rng.randint(1, 300)}号"

    def migrant_hukou(self) -> Division:
        counties = self.pick(self.places.sources)
        return self.rng.choice(counties)
