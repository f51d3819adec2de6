"""Insert an area's planned rows in bulk, parents before children, with history."""

from collections import Counter

from shequ.core.bulk import bulk_insert
from shequ.registry import services
from shequ.registry.demo.data import DAY, REASON
from shequ.registry.demo.families import UnitBuilder
from shequ.registry.demo.people import Generator, Home
from shequ.registry.models import (
    Building,
    Check,
    Child,
    Contraception,
    Flow,
    FlowInReason,
    Household,
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
    derive_population_type,
    month_start,
    quarter_start,
)


class AreaWriter:
    """Inserts one area's units in bulk, parents before children, with history rows."""

    def __init__(self, gen: Generator, city_prefix: str):
        self.gen, self.rng, self.today = gen, gen.rng, gen.today
        self.city_prefix = city_prefix
        self.builders: list[UnitBuilder] = []

    def add(self, builder: UnitBuilder) -> None:
        self.builders.append(builder)

    def save(self) -> Counter:
        homes = [h for b in self.builders for h in b.homes]
        inactive = [pair for b in self.builders for pair in b.inactive]
        buildings = [x for b in self.builders for x in b.buildings]
        _bulk(buildings, Building)
        for home in homes:
            home.household.building = home.household.building  # takes the saved pk
        # Homes let by a registered landlord wait until the landlord's own home is saved.
        first = [h for h in homes if h.landlord_home is None]
        second = [h for h in homes if h.landlord_home is not None]
        extra: dict[int, list[Person]] = {}
        for person, home in inactive:
            extra.setdefault(id(home), []).append(person)
        persons: list[Person] = []
        for group in (first, second):
            for home in group:
                if home.landlord_home is not None:
                    home.household.landlord = home.landlord_home.head
            _bulk([h.household for h in group], Household)
            batch = []
            for home in group:
                for person in home.members + extra.get(id(home), []):
                    self._place(person, home)
                    batch.append(person)
            _bulk(batch, Person)
            persons.extend(batch)
        children = [
            Child(
                uid=self.gen.uid(),
                parent=plan.parent,
                order=plan.order,
                name=plan.person.name if plan.person else plan.name,
                sex=plan.sex,
                birth_date=plan.birth_date,
                person=plan.person,
            )
            for home in homes
            for plan in home.children
        ]
        _bulk(children, Child)
        _bulk([flow for person in persons for flow in self._flows(person)], Flow)
        checks = []
        for person in persons:
            for check in person._planned_checks:
                check.person = person
                checks.append(check)
        _bulk(checks, Check)
        return self._count(buildings, homes, persons, children)

    def _place(self, person: Person, home: Home) -> None:
        household = home.household
        person.household = household
        person.unit_id = household.unit_id
        if person.population_type != PopulationType.OUTFLOW:
            person.population_type = derive_population_type(
                hukou_code=person.hukou_division_id,
                residence_code=household.unit_id,
                city_prefix=self.city_prefix,
            )
        expected = (
            PopulationType.INFLOW if home.migrant or hasattr(person, "_destination") else None
        )
        assert (person.population_type == PopulationType.INFLOW) == (expected is not None), (
            f"demo bug: {person.name} planned {'migrant' if expected else 'local'}, "
            f"derived {person.population_type}"
        )
        services.refresh_derived(person, today=self.today)
        person._planned_checks = self._checks(person)

    def _flows(self, person: Person) -> list[Flow]:
        gen, K = self.gen, Flow.Kind
        common = {"person": person, "unit_code": person.unit_id}
        if person.population_type == PopulationType.INFLOW:
            arrived = person.flow_in_date or gen.day_between(person.birth_date, self.today)
            flows = [
                Flow(
                    uid=gen.uid(),
                    kind=K.ARRIVAL,
                    date=arrived,
                    to_household=person.household,
                    division=person.hukou_division,
                    reason=str(FlowInReason(person.flow_in_reason).label)
                    if person.flow_in_reason
                    else "",
                    **common,
                )
            ]
        else:
            latest = min(d for d in (self.today, person.flow_out_date, person.ended_on) if d)
            recorded = max(person.birth_date + DAY * 7, self.today - DAY * 3650)
            flows = [
                Flow(
                    uid=gen.uid(),
                    kind=K.REGISTRATION,
                    date=gen.day_between(min(recorded, latest), latest),
                    to_household=person.household,
                    reason="建档",
                    **common,
                )
            ]
        if person.population_type == PopulationType.OUTFLOW:
            flows.append(
                Flow(
                    uid=gen.uid(),
                    kind=K.OUTFLOW,
                    date=person.flow_out_date,
                    from_unit_code=person.unit_id,
                    division=person.flow_out_division,
                    address=person.flow_out_address,
                    reason="外出务工",
                    **common,
                )
            )
        if person.status != PersonStatus.ACTIVE:
            departed = person.status == PersonStatus.DEPARTED
            flows.append(
                Flow(
                    uid=gen.uid(),
                    kind=K.DEPARTURE if departed else K.DEATH,
                    date=person.ended_on,
                    from_unit_code=person.unit_id,
                    from_household=person.household,
                    division=getattr(person, "_destination", None),
                    reason=person.end_reason,
                    **common,
                )
            )
        return flows

    def _checks(self, person: Person) -> list[Check]:
        """每月一查 of migrants and 季度核对 of everyone: mostly done, some overdue. Sets the
        record's latest dates; the rows get their person once it is saved."""
        if person.status != PersonStatus.ACTIVE:
            return []
        checks = []
        earliest = max(person.birth_date, person.flow_in_date or person.birth_date)
        this_month, this_quarter = month_start(self.today), quarter_start(self.today)
        periods = [("quarterly", this_quarter, quarter_start(this_quarter - DAY), 0.7, 0.9)]
        if person.population_type in (PopulationType.INFLOW, PopulationType.OUTFLOW):
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

    def _count(self, buildings, homes, persons, children) -> Counter:
        count = Counter(
            buildings=len(buildings),
            households=len(homes),
            rented=sum(h.tenure == "rented" for h in homes),
            children=len(children),
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


def _bulk(objects: list, model) -> None:
    """The import's fast insert (COPY on PostgreSQL), a history row each for models that
    keep history; sets the primary keys, so children can point at their parents."""
    if objects:
        bulk_insert(model, objects, reasons=[REASON] * len(objects))
