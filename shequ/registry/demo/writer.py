"""Insert an area's planned rows in bulk, parents before children, with history."""

from collections import Counter

from shequ.core.bulk import bulk_insert
from shequ.registry import services
from shequ.registry.demo.data import DAY, REASON
from shequ.registry.demo.families import UnitBuilder
from shequ.registry.demo.marriages import AreaFamilies, FamilyPlanner, Targets, write_families
from shequ.registry.demo.people import Generator, Home
from shequ.registry.models import (
    Check,
    Contraception,
    Flow,
    MaritalStatus,
    Person,
    PersonStatus,
    PopulationType,
    Sex,
)
from shequ.registry.rules import (
    WCBA_MAX_AGE,
    WCBA_MIN_AGE,
    age_on,
    month_start,
    quarter_start,
)
from shequ.registry.validation import PERSON_FIELDS


class AreaWriter:
    """Inserts one area's units in bulk, parents before children, with history rows.

    ``families`` (planner and targets): the area's couples and facts (demo.marriages); without
    it persons and children only, as a registration page would store them."""

    def __init__(
        self,
        gen: Generator,
        city_prefix: str,
        families: "tuple[FamilyPlanner, Targets] | None" = None,
    ):
        self.gen, self.rng, self.today = gen, gen.rng, gen.today
        self.city_prefix = city_prefix
        self.builders: list[UnitBuilder] = []
        self.families = families
        self.planned: AreaFamilies | None = None

    def add(self, builder: UnitBuilder) -> None:
        self.builders.append(builder)

    def save(self) -> Counter:
        homes = [h for b in self.builders for h in b.homes]
        inactive = [pair for b in self.builders for pair in b.inactive]
        buildings = [x for b in self.builders for x in b.buildings]
        services.buildings_create_many(buildings, actor=None, reasons=[REASON] * len(buildings))
        for home in homes:
            home.household.building = home.household.building  # takes the saved pk
        # Homes let by a registered landlord wait until the landlord's own home is saved.
        first = [h for h in homes if h.landlord_home is None]
        second = [h for h in homes if h.landlord_home is not None]
        extra: dict[int, list[Person]] = {}
        for person, home in inactive:
            extra.setdefault(id(home), []).append(person)
        # Every random draw first, in the order that makes a seed give the same city.
        groups = [
            [(person, home) for home in group for person in home.members + extra.get(id(home), [])]
            for group in (first, second)
        ]
        for person, home in (pair for group in groups for pair in group):
            person.unit_id = home.household.unit_id
            person._planned_checks = self._checks(person, migrant=_planned_migrant(person, home))
        families = None
        if self.families is not None:
            planner, targets = self.families
            families = self.planned = planner.plan(homes, inactive, targets)
        children: dict[int, list[dict]] = {}
        for home in homes:
            for plan in home.children:
                item = {
                    "uid": self.gen.uid(),
                    "order": plan.order,
                    "name": plan.person.name if plan.person else plan.name,
                    "sex": plan.sex,
                    "birth_date": plan.birth_date,
                    "person": plan.person,
                }
                spouse = families.spouse.get(id(plan.parent)) if families else None
                if spouse is not None:  # the other parent, saved in the same batch
                    item["father" if spouse.sex == Sex.MALE else "mother"] = spouse
                children.setdefault(id(plan.parent), []).append(item)
        draws = {
            id(person): self._draws(person, home) for group in groups for person, home in group
        }
        persons: list[Person] = []
        for homes_of_group, group in zip((first, second), groups, strict=True):
            for home in homes_of_group:
                if home.landlord_home is not None:
                    home.household.landlord = home.landlord_home.head
            services.households_create_many(
                [h.household for h in homes_of_group],
                actor=None,
                reasons=[REASON] * len(homes_of_group),
            )
            rows = [self._row(person, home, children, draws) for person, home in group]
            persons.extend(
                services.persons_register_many(
                    rows, actor=None, today=self.today, city=self.city_prefix
                )
            )
        for person, home in (pair for group in groups for pair in group):
            planned = home.migrant or hasattr(person, "_destination")
            derived = person.population_type
            assert (derived == PopulationType.INFLOW) == planned, (
                f"demo bug: {person.name} planned {'migrant' if planned else 'local'}, "
                f"derived {derived}"
            )
        _bulk([flow for person in persons for flow in self._flows(person, draws[id(person)])], Flow)
        checks = []
        for person in persons:
            for check in person._planned_checks:
                check.person = person
                checks.append(check)
        _bulk(checks, Check)
        # The 户口簿 of the families (locals, and migrant families as far as known) from the
        # relations the families were built with, by the registry's one rule (the page's and
        # the import's); rooms of unrelated workers have no 户主.
        booklets = services.families_plan(
            [(person, getattr(person, "relation", "")) for person in persons],
            reason=REASON,
            numbers=self.families is not None,
        )
        services.memberships_write(booklets, actor=None, today=self.today)
        if families is not None:
            write_families(families, [p.pk for p in persons])
        child_count = sum(len(items) for items in children.values())
        count = self._count(buildings, homes, persons, child_count)
        count["registered_households"] = len(booklets.households)
        return count

    def _row(self, person: Person, home: Home, children, draws) -> services.PersonRow:
        """The person as the registry's bulk service takes them: facts, home, made-up past."""
        values = {field: getattr(person, field) for field in PERSON_FIELDS}
        values["hukou_division"] = person.hukou_division_id
        outflow = None
        if person.population_type == PopulationType.OUTFLOW:
            outflow = {
                "flow_out_date": person.flow_out_date,
                "flow_out_division": person.flow_out_division_id,
                "flow_out_address": person.flow_out_address,
            }
        entry_uid, registered_on, _later = draws[id(person)]
        return services.PersonRow(
            values,
            home.household,
            REASON,
            children=children.get(id(person), ()),
            outflow=outflow,
            past={
                "uid": person.uid,
                "status": person.status,
                "ended_on": person.ended_on,
                "end_reason": person.end_reason,
                "last_monthly_check": person.last_monthly_check,
                "last_quarterly_verification": person.last_quarterly_verification,
            },
            registered_on=registered_on,
            flow_reason="建档",
            flow_uid=entry_uid,
            instance=person,
        )

    def _draws(self, person: Person, home: Home):
        """The random parts of a person's flows: the entry flow's uid and day, and the uids
        of the outflow and the departure or death that followed."""
        gen = self.gen
        if _planned_migrant(person, home) and person.population_type != PopulationType.OUTFLOW:
            day = person.flow_in_date or gen.day_between(person.birth_date, self.today)
            uid = gen.uid()
        else:
            latest = min(d for d in (self.today, person.flow_out_date, person.ended_on) if d)
            recorded = max(person.birth_date + DAY * 7, self.today - DAY * 3650)
            uid = gen.uid()
            day = gen.day_between(min(recorded, latest), latest)
        later = []
        if person.population_type == PopulationType.OUTFLOW:
            later.append(gen.uid())
        if person.status != PersonStatus.ACTIVE:
            later.append(gen.uid())
        return uid, day, later

    def _flows(self, person: Person, draws) -> list[Flow]:
        """What happened after the registration (the service wrote that flow)."""
        K = Flow.Kind
        later = iter(draws[2])
        common = {"person_id": person.pk, "unit_code": person.unit_id}
        flows = []
        if person.population_type == PopulationType.OUTFLOW:
            flows.append(
                Flow(
                    uid=next(later),
                    kind=K.OUTFLOW,
                    date=person.flow_out_date,
                    from_unit_code=person.unit_id,
                    division_id=person.flow_out_division_id,
                    address=person.flow_out_address,
                    reason="外出务工",
                    **common,
                )
            )
        if person.status != PersonStatus.ACTIVE:
            departed = person.status == PersonStatus.DEPARTED
            destination = getattr(person, "_destination", None)
            flows.append(
                Flow(
                    uid=next(later),
                    kind=K.DEPARTURE if departed else K.DEATH,
                    date=person.ended_on,
                    from_unit_code=person.unit_id,
                    from_household_id=person.household_id,
                    division_id=getattr(destination, "code", destination),
                    reason=person.end_reason,
                    **common,
                )
            )
        return flows

    def _checks(self, person: Person, *, migrant: bool) -> list[Check]:
        """每月一查 of migrants and 季度核对 of everyone: mostly done, some overdue. Sets the
        record's latest dates; the rows get their person once it is saved."""
        if person.status != PersonStatus.ACTIVE:
            return []
        checks = []
        earliest = max(person.birth_date, person.flow_in_date or person.birth_date)
        this_month, this_quarter = month_start(self.today), quarter_start(self.today)
        periods = [("quarterly", this_quarter, quarter_start(this_quarter - DAY), 0.7, 0.9)]
        if migrant:
            periods.append(("monthly", this_month, month_start(this_month - DAY), 0.75, 0.9))
        for kind, current, previous, now_share, done_share in periods:
            draw = self.rng.random()
            if draw < now_share:
                day = self.gen.day_between(current, self.today)
            elif draw < done_share:
                day = self.gen.day_between(previous, current - DAY)
            else:
                continue
            if day < earliest:
                continue
            result = self.gen.pick([(Check.Result.CONFIRMED, 95), (Check.Result.CORRECTED, 5)])
            checks.append(Check(kind=kind, date=day, result=result, unit_code=person.unit_id))
            if kind == "monthly":
                person.last_monthly_check = day
            else:
                person.last_quarterly_verification = day
        return checks

    def _count(self, buildings, homes, persons, children: int) -> Counter:
        count = Counter(
            buildings=len(buildings),
            households=len(homes),
            rented=sum(h.tenure == "rented" for h in homes),
            children=children,
        )
        for p in persons:
            if p.status != PersonStatus.ACTIVE:
                count["inactive"] += 1
                continue
            count["persons"] += 1
            count[p.population_type] += 1
            if (
                p.sex == Sex.FEMALE
                and WCBA_MIN_AGE <= age_on(p.birth_date, self.today) <= WCBA_MAX_AGE
            ):
                with_method = p.contraception not in ("", Contraception.NONE)
                if p.marital_status == MaritalStatus.MARRIED:
                    count["married_wcba"] += 1
                    count["married_wcba_method"] += with_method
                if p.population_type == PopulationType.INFLOW:
                    count["inflow_wcba"] += 1
                    count["inflow_wcba_method"] += with_method
        return count


def _planned_migrant(person: Person, home: Home) -> bool:
    """Whether the demo planned the person as a migrant (流入, or 流出 of a local)."""
    return (
        home.migrant
        or hasattr(person, "_destination")
        or person.population_type == PopulationType.OUTFLOW
    )


def _bulk(objects: list, model) -> None:
    """Flows and checks (not persons, households or buildings: the services write those),
    COPY on PostgreSQL, a history row each for models that keep history."""
    if objects:
        bulk_insert(model, objects, reasons=[REASON] * len(objects))
