"""Couples and the facts the services need, for an area's planned homes: marriages (both
spouses here, or one outside the registry), children on both parents, newborns without an
identity number, 婚育证明 held and verified, pregnancies, 光荣证, 户口性质.

Draws come from a stream of their own (``registry:families``), so the people of the city
are the ones the rest of the demo plans. 示范街道 gets the seed's figures at the default size
(scaled with ``--persons``): 1,557 certificates held and verified, 99 pregnancies, 378 couples
with a 光荣证, 141 births in the last year.
"""

import datetime
import random
import uuid
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import OuterRef, Subquery
from django.db.models.functions import Coalesce

from shequ.core.bulk import bulk_insert
from shequ.core.demo import DemoContext
from shequ.registry import services
from shequ.registry.demo.data import DAY, REASON
from shequ.registry.demo.people import ChildPlan, Generator, Home
from shequ.registry.models import (
    Child,
    Contraception,
    FertilityCertificate,
    HukouNature,
    MaritalStatus,
    Marriage,
    Person,
    PersonStatus,
    Pregnancy,
    Sex,
)
from shequ.registry.rules import age_on

# Seed 001: "出生141人，怀孕99人 … 领取独生子女父母光荣证378对 … 持证人数1557人，验证人数1557人".
MODEL_BIRTHS_LAST_YEAR = 141
MODEL_PREGNANT = 99
MODEL_HONOR_COUPLES = 378
MODEL_CERTIFICATES = 1_557
NEWBORN_DAYS = 45  # children born this recently have no identity number yet
HONOR_LAST_BIRTH = datetime.date(2015, 12, 31)  # no 光荣证 for a child born later


@dataclass
class Targets:
    """How many of each fact an area gets (exact in the model street)."""

    certificates: int
    pregnant: int
    honor_couples: int


@dataclass
class AreaFamilies:
    """An area's couples and facts, planned before the persons are saved, written after."""

    marriages: list[Marriage] = field(default_factory=list)
    spouse: dict[int, Person] = field(default_factory=dict)  # id(person) → registry spouse
    marriage_of: dict[int, Marriage] = field(default_factory=dict)  # id(person) → marriage
    certificates: list[FertilityCertificate] = field(default_factory=list)
    pregnancies: list[Pregnancy] = field(default_factory=list)
    newborns: int = 0


class FamilyPlanner:
    def __init__(self, ctx: DemoContext, gen: Generator):
        self.gen = gen
        self.rng: random.Random = ctx.rng("registry:families")
        self.today = gen.today
        self.serial = 0
        self.migrants: set[int] = set()

    # --- births in the last year (model street) -----------------------------------------
    def births_last_year(self, homes: list[Home], target: int) -> int:
        """Move some births a year (never across a sibling), so that the area has
        ``target`` children born in the last 365 days; returns how many it has."""
        year_ago = self.today - DAY * 365
        plans = [c for h in homes for c in h.children if c.parent.status == PersonStatus.ACTIVE]
        recent = [c for c in plans if c.birth_date > year_ago]
        siblings: dict[int, list[ChildPlan]] = defaultdict(list)
        for c in plans:
            siblings[id(c.parent)].append(c)

        def fits(plan: ChildPlan, day: datetime.date) -> bool:
            others = [s for s in siblings[id(plan.parent)] if s is not plan]
            mother_age = age_on(plan.parent.birth_date, day)
            return (
                all(abs((s.birth_date - day).days) > 300 for s in others)
                and 18 <= mother_age <= 45
                and (plan.parent.marriage_date is None or day > plan.parent.marriage_date)
                and not any(s.birth_date > day for s in others if s.order < plan.order)
                and not any(s.birth_date < day for s in others if s.order > plan.order)
            )

        if len(recent) > target:
            self.rng.shuffle(recent)
            excess = len(recent) - target
            for plan in recent:
                if not excess:
                    break
                day = plan.birth_date - DAY * 365
                if fits(plan, day):
                    self._move_birth(plan, day)
                    excess -= 1
        elif len(recent) < target:
            earlier = [c for c in plans if year_ago - DAY * 365 < c.birth_date <= year_ago]
            self.rng.shuffle(earlier)
            wanted = target - len(recent)
            for plan in earlier:
                if not wanted:
                    break
                day = min(plan.birth_date + DAY * 365, self.today - DAY)
                if fits(plan, day):
                    self._move_birth(plan, day)
                    wanted -= 1
        return sum(1 for c in plans if c.birth_date > year_ago)

    def _move_birth(self, plan: ChildPlan, day: datetime.date) -> None:
        plan.birth_date = day
        kid = plan.person
        if kid is not None:
            kid.birth_date = day
            kid.id_number = self.gen.ids.make(kid.hukou_division_id[:6], day, kid.sex)
            if kid.flow_in_date and kid.flow_in_date < day:
                kid.flow_in_date = day
        mother = plan.parent
        if mother.contraception_since and mother.contraception_since < day:
            since = day + DAY * self.rng.randint(40, 200)
            if since <= self.today:
                mother.contraception_since = since
            else:  # too recent for a method: none yet
                mother.contraception, mother.contraception_since = Contraception.NONE, None

    # --- couples --------------------------------------------------------------------------
    def plan(
        self,
        homes: list[Home],
        inactive: list[tuple[Person, Home]],
        targets: Targets,
    ) -> AreaFamilies:
        out = AreaFamilies()
        extra: dict[int, list[Person]] = defaultdict(list)
        for person, home in inactive:
            extra[id(home)].append(person)
        for home in homes:
            self._couples(home.members + extra[id(home)], out)
        everyone = [p for h in homes for p in h.members] + [p for p, _ in inactive]
        # Population types are derived when the persons are written: a migrant is a member
        # of a migrant home (outflow locals are not).
        self.migrants = {id(p) for h in homes if h.migrant for p in h.members}
        for person in everyone:
            person.hukou_nature = self._nature(person)
            # The record's 结婚日期 is the marriage in force's (rules.marriage_date_of).
            marriage = out.marriage_of.get(id(person))
            in_force = marriage is not None and not marriage.end_reason
            person.marriage_date = marriage.married_on if in_force else None  # type: ignore[union-attr]
        self._newborns(homes, out)
        active = [p for p in everyone if p.status == PersonStatus.ACTIVE]
        self._certificates(active, targets.certificates, out)
        self._pregnancies(active, targets.pregnant, out)
        self._honor(homes, targets.honor_couples, out)
        return out

    def _couples(self, people: list[Person], out: AreaFamilies) -> None:
        married: dict[datetime.date | None, dict[str, list[Person]]] = defaultdict(
            lambda: {Sex.MALE: [], Sex.FEMALE: []}
        )
        for p in people:
            if p.marital_status == MaritalStatus.MARRIED and p.status != PersonStatus.DECEASED:
                married[p.marriage_date][p.sex].append(p)
        done: set[int] = set()
        for day, sides in married.items():
            if day is not None and len(sides[Sex.MALE]) == 1 and len(sides[Sex.FEMALE]) == 1:
                self._marriage(out, sides[Sex.MALE][0], sides[Sex.FEMALE][0], day, "", None)
                done.update((id(sides[Sex.MALE][0]), id(sides[Sex.FEMALE][0])))
        late = [
            p
            for p in people
            if p.status == PersonStatus.DECEASED and p.marital_status == MaritalStatus.MARRIED
        ]
        for survivor in [p for p in people if p.marital_status == MaritalStatus.WIDOWED]:
            match = [p for p in late if p.sex != survivor.sex and id(p) not in done]
            if match:
                spouse = match[0]
                man, woman = (spouse, survivor) if spouse.sex == Sex.MALE else (survivor, spouse)
                self._marriage(out, man, woman, spouse.marriage_date, "death", spouse.ended_on)
                done.update((id(man), id(woman)))
        for p in people:
            if id(p) in done or p.marital_status == MaritalStatus.SINGLE:
                continue
            self._with_outside_spouse(out, p)

    def _with_outside_spouse(self, out: AreaFamilies, p: Person) -> None:
        """The spouse lives elsewhere (a migrant's at home, a late or divorced one)."""
        sex = Sex.FEMALE if p.sex == Sex.MALE else Sex.MALE
        gap = self.rng.randint(-3, 3)
        birth = p.birth_date + DAY * (gap * 365 + self.rng.randrange(-100, 100))
        birth = min(birth, self.today - DAY * 365 * 20)
        side = "wife" if sex == Sex.FEMALE else "husband"
        married_on = p.marriage_date or self._day(
            _years(max(p.birth_date, birth), 22), _years(max(p.birth_date, birth), 28)
        )
        end, ended = "", None
        if p.marital_status == MaritalStatus.DIVORCED:
            end, ended = "divorce", self._day(married_on + DAY * 700, self.today - DAY * 30)
        elif p.marital_status == MaritalStatus.WIDOWED:
            end, ended = "death", self._day(married_on + DAY * 3000, self.today - DAY * 30)
        outside = {
            f"{side}_name": self.gen.surname() + self.gen.given_name(sex, birth),
            f"{side}_id_number": self.gen.ids.make(p.hukou_division_id[:6], birth, sex),
            f"{side}_hukou_division_id": p.hukou_division_id,
            f"{side}_hukou_address": p.hukou_address,
        }
        own = {"husband" if side == "wife" else "wife": p}
        marriage = self._new(married_on, end, ended, p, **own, **outside)
        out.marriages.append(marriage)
        out.marriage_of[id(p)] = marriage

    def _marriage(self, out, man: Person, woman: Person, day, end: str, ended) -> None:
        marriage = self._new(day, end, ended, woman, husband=man, wife=woman)
        out.marriages.append(marriage)
        out.spouse[id(man)], out.spouse[id(woman)] = woman, man
        out.marriage_of[id(man)] = out.marriage_of[id(woman)] = marriage

    def _new(self, day, end, ended, registered: Person, **sides) -> Marriage:
        self.serial += 1
        place = registered.hukou_division
        year = day.year if day else 2000
        return Marriage(
            uid=uuid_from(self.rng),
            married_on=day,
            certificate_number=f"J{registered.hukou_division_id[:6]}-{year}-{self.serial:06d}",
            certificate_place=f"{place.name}民政局" if place is not None else "",
            end_reason=end,
            ended_on=ended,
            **sides,
        )

    def _day(self, start: datetime.date, end: datetime.date) -> datetime.date:
        end = min(end, self.today)
        if end <= start:
            return min(start, self.today)
        return start + DAY * self.rng.randrange((end - start).days + 1)

    # --- facts ----------------------------------------------------------------------------
    def _nature(self, p: Person) -> str:
        """户口性质: villagers and most migrants 农业, town people 非农业; people born after
        the 2014 unification 居民户口."""
        if p.birth_date.year >= 2015:
            return HukouNature.UNIFIED
        rural = id(p) in self.migrants and self.rng.random() < 0.8
        village = p.hukou_address and ("村" in p.hukou_address or "组" in p.hukou_address)
        return HukouNature.AGRICULTURAL if rural or village else HukouNature.NON_AGRICULTURAL

    def _newborns(self, homes: list[Home], out: AreaFamilies) -> None:
        """Children born in the last weeks, living here: registered by their 出生医学证明."""
        for home in homes:
            for plan in home.children:
                kid = plan.person
                if kid is None or (self.today - plan.birth_date).days > NEWBORN_DAYS:
                    continue
                kid.id_number = None
                kid.birth_certificate_number = f"P{kid.hukou_division_id[:2]}{self._serial7()}"
                out.newborns += 1

    def _serial7(self) -> str:
        self.serial += 1
        return f"{self.serial % 10**7:07d}"

    def _certificates(self, active: list[Person], target: int, out: AreaFamilies) -> None:
        """婚育证明 of adult migrants of childbearing age (women first), held and verified."""
        women = [
            p
            for p in active
            if id(p) in self.migrants
            and p.sex == Sex.FEMALE
            and 18 <= age_on(p.birth_date, self.today) <= 49
        ]
        men = [
            p
            for p in active
            if id(p) in self.migrants
            and p.sex == Sex.MALE
            and p.marital_status == MaritalStatus.MARRIED
            and 20 <= age_on(p.birth_date, self.today) <= 59
        ]
        self.rng.shuffle(women)
        self.rng.shuffle(men)
        V = FertilityCertificate.Verification
        for p in (women + men)[:target]:
            arrived = p.flow_in_date or self.today - DAY * 400
            issued = self._day(arrived - DAY * 200, arrived - DAY * 5)
            verified = self._day(arrived, arrived + DAY * 30)
            self.serial += 1
            out.certificates.append(
                FertilityCertificate(
                    uid=uuid_from(self.rng),
                    person=p,
                    number=f"{p.hukou_division_id[:6]}{issued.year}{self.serial:06d}",
                    issuing_division_id=p.hukou_division_id,
                    issuing_authority=f"{p.hukou_division.name}人民政府"
                    if p.hukou_division is not None
                    else "",
                    issued_on=issued,
                    verified_on=verified,
                    verified_how=V.REGISTRATION_PLACE if self.rng.random() < 0.6 else V.IN_PERSON,
                )
            )

    def _pregnancies(self, active: list[Person], target: int, out: AreaFamilies) -> None:
        """Married women 20–42 using no method: some are pregnant now."""
        candidates = [
            p
            for p in active
            if p.sex == Sex.FEMALE
            and p.marital_status == MaritalStatus.MARRIED
            and p.contraception in ("", Contraception.NONE)
            and 20 <= age_on(p.birth_date, self.today) <= 42
        ]
        self.rng.shuffle(candidates)
        for p in candidates[:target]:
            weeks = self.rng.randint(6, 38)
            recorded = self.today - DAY * self.rng.randint(0, max(0, (weeks - 5) * 7))
            expected = self.today + DAY * (280 - weeks * 7)
            out.pregnancies.append(
                Pregnancy(
                    uid=uuid_from(self.rng), person=p, recorded_on=recorded, expected_on=expected
                )
            )

    def _honor(self, homes: list[Home], target: int, out: AreaFamilies) -> None:
        """光荣证 of couples whose one child was born before 2016."""
        kids: dict[int, list[ChildPlan]] = defaultdict(list)
        for home in homes:
            for plan in home.children:
                kids[id(plan.parent)].append(plan)
        candidates = []
        for marriage in out.marriages:
            parent = marriage.wife if marriage.wife is not None else marriage.husband
            plans = kids.get(id(parent)) or kids.get(id(out.spouse.get(id(parent))), [])
            if len(plans) == 1 and plans[0].birth_date <= HONOR_LAST_BIRTH:
                candidates.append((marriage, plans[0]))
        candidates.sort(key=lambda mc: mc[0].uid)
        self.rng.shuffle(candidates)
        for marriage, plan in candidates[:target]:
            issued = self._day(
                plan.birth_date + DAY * 30,
                min(plan.birth_date + DAY * 1500, datetime.date(2016, 6, 30)),
            )
            self.serial += 1
            marriage.honor_certificate_number = f"HB{issued.year}{self.serial:06d}"
            marriage.honor_certificate_date = issued


def write_families(planned: AreaFamilies, person_ids: list[int]) -> None:
    """After the area's persons are saved: its marriages, certificates and pregnancies (a
    history row each), and each child's link to its parents' marriage."""
    for marriage in planned.marriages:
        marriage.husband_id = marriage.husband.pk if marriage.husband else None
        marriage.wife_id = marriage.wife.pk if marriage.wife else None
    services.marriages_create_many(
        planned.marriages, actor=None, reasons=[REASON] * len(planned.marriages)
    )
    for fact in [*planned.certificates, *planned.pregnancies]:
        fact.person_id = fact.person.pk
    for model, rows in (
        (FertilityCertificate, planned.certificates),
        (Pregnancy, planned.pregnancies),
    ):
        if rows:
            bulk_insert(model, rows, reasons=[REASON] * len(rows))
    # The marriage of the parent who holds the record: one statement for the area, its
    # children found by their parents' ids (the index), not by joining the area's persons by
    # unit: inside one long transaction (the tests') the tables have no statistics yet and
    # the planner scanned every person for every child (minutes on PostgreSQL).
    Child.objects.filter(parent_id__in=person_ids).update(
        marriage=Coalesce(
            Subquery(
                Marriage.objects.filter(wife_id=OuterRef("parent_id"))
                .order_by("end_reason", "-id")
                .values("id")[:1]
            ),
            Subquery(
                Marriage.objects.filter(husband_id=OuterRef("parent_id"))
                .order_by("end_reason", "-id")
                .values("id")[:1]
            ),
        )
    )


def uuid_from(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def _years(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)
