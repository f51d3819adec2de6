"""The registry's part of ``shequ demo``: housing and people in every community of the city.

Households are built as families, so that ages, marriages, children and contraception agree
with each other: a married woman of childbearing age with her husband, children and sometimes
grandparents; older couples; widows; young people living alone; migrant workers sharing a
rented room. 示范街道 gets exactly the figures of seed 001's third plan (at the default size);
every other community about 40 people.

Rows are built in Python and inserted in bulk, area by area, with their history rows (reason
演示数据): ``person_register`` per person would take many minutes for the model street. What
the services derive (population type, pinyin keys, 八个清楚) is derived with their own
functions, so a demo record looks exactly like a registered one.

Dates are relative to the day the demo is loaded (ages, "married women aged 15–49" and the
overdue checks depend on it): the same seed on the same day gives the same data.
"""

from collections import Counter

from django.utils import timezone

from shequ.core.demo import DemoContext
from shequ.org.models import OrgUnit
from shequ.org.roles import Level
from shequ.registry.demo.data import (
    BLIND_ZONE_WEIGHT,
    MODEL_PERSONS,
    MODEL_UNIT_WEIGHTS,
    OTHER_COMMUNITY_PERSONS,
)
from shequ.registry.demo.families import UnitBuilder
from shequ.registry.demo.housing import is_village
from shequ.registry.demo.marriages import (
    MODEL_BIRTHS_LAST_YEAR,
    MODEL_CERTIFICATES,
    MODEL_HONOR_COUPLES,
    MODEL_PREGNANT,
    FamilyPlanner,
    Targets,
)
from shequ.registry.demo.people import Generator
from shequ.registry.demo.places import Places
from shequ.registry.demo.quotas import Quota, apportion, model_quotas, other_quota
from shequ.registry.demo.visits import generate_visits
from shequ.registry.demo.writer import AreaWriter


def _sizes(ctx: DemoContext, model_units: list[OrgUnit], others: list[OrgUnit]):
    """Active persons per unit: the model street's 21,333 and about 40 elsewhere; a smaller
    --persons scales both, a larger one adds to the other communities."""
    rng = ctx.rng("registry:sizes")
    weights = [rng.uniform(0.6, 1.4) for _ in others]
    default_other = [round(OTHER_COMMUNITY_PERSONS * w) for w in weights]
    default_total = MODEL_PERSONS + sum(default_other)
    wanted = default_total if ctx.persons < 0 else ctx.persons
    if wanted == default_total:
        model, other = MODEL_PERSONS, default_other
    elif wanted > default_total:
        model, other = MODEL_PERSONS, apportion(wanted - MODEL_PERSONS, weights)
    else:
        model = round(MODEL_PERSONS * wanted / default_total)
        other = apportion(wanted - model, weights)
    unit_weights = [
        MODEL_UNIT_WEIGHTS.get(
            u.code, BLIND_ZONE_WEIGHT if u.kind == OrgUnit.Kind.COMPOUND else (0.1, 0.2)
        )
        for u in model_units
    ]
    street_quotas = model_quotas(
        model, [(u.code, w, s) for u, (w, s) in zip(model_units, unit_weights, strict=True)]
    )
    other_quotas = [other_quota(n, is_village(u), rng) for u, n in zip(others, other, strict=True)]
    return street_quotas, other_quotas


def generate(ctx: DemoContext) -> None:
    """Buildings, households and people of every community, area by area."""
    today = timezone.localdate()
    city, model_street = ctx.shared["city"], ctx.shared["model_street"]
    zone = ctx.shared["blind_zone"]
    grids: dict[int, list[OrgUnit]] = {}
    for grid in ctx.shared["grids"]:
        grids.setdefault(grid.parent_id, []).append(grid)
    streets = {u.pk: u for u in OrgUnit.objects.filter(level=Level.STREET)}
    districts = {u.pk: u for u in OrgUnit.objects.filter(level=Level.DISTRICT)}

    communities = ctx.shared["communities"]
    model_units = [c for c in communities if c.parent_id == model_street.pk] + [zone]
    others = [c for c in communities if c.parent_id != model_street.pk]
    street_quotas, other_quotas = _sizes(ctx, model_units, others)

    # Areas: the model street first, then every district's other streets.
    areas: dict[str, list[tuple[OrgUnit, Quota, OrgUnit]]] = {model_street.name: []}
    for unit, quota in zip(model_units, street_quotas, strict=True):
        areas[model_street.name].append((unit, quota, model_street))
    for unit, quota in sorted(zip(others, other_quotas, strict=True), key=lambda x: x[0].code):
        street = streets[unit.parent_id]
        areas.setdefault(districts[street.parent_id].name, []).append((unit, quota, street))

    places = Places.load(city.prefix)
    gen = Generator(ctx, today, places)
    planner = FamilyPlanner(ctx, gen)
    total = Counter()
    for area, units in areas.items():
        persons = sum(q.persons for _, q, _ in units)
        scale = persons / MODEL_PERSONS
        targets = Targets(
            certificates=round(MODEL_CERTIFICATES * scale),
            pregnant=round(MODEL_PREGNANT * scale),
            honor_couples=round(MODEL_HONOR_COUPLES * scale),
        )
        writer = AreaWriter(gen, city.prefix, families=(planner, targets))
        for unit, quota, street in units:
            builder = UnitBuilder(gen, unit, quota, street.code)
            district = districts[street.parent_id].name
            builder.build(grids.get(unit.pk, []), place=f"{district}{street.name}")
            writer.add(builder)
        births = planner.births_last_year(
            [h for b in writer.builders for h in b.homes], round(MODEL_BIRTHS_LAST_YEAR * scale)
        )
        count = writer.save()
        planned = writer.planned
        assert planned is not None
        count.update(
            births=births,
            marriages=len(planned.marriages),
            certificates=len(planned.certificates),
            pregnant=len(planned.pregnancies),
            honor=sum(1 for m in planned.marriages if m.honor_certificate_number),
            newborns=planned.newborns,
        )
        total.update(count)
        ctx.log(
            f"    {area}: {len(units)} units, {count['buildings']:,} buildings, "
            f"{count['households']:,} households ({count['rented']:,} rented), "
            f"{count['persons']:,} persons ({count['inflow']:,} inflow, {count['separated']:,} "
            f"separated, {count['outflow']:,} outflow; {count['married_wcba']:,} married women "
            f"15–49, {count['married_wcba_method']:,} with a method; {count['inflow_wcba']:,} "
            f"migrant women 15–49, {count['inflow_wcba_method']:,} with a method), "
            f"{count['inactive']:,} departed or deceased; {count['marriages']:,} marriages, "
            f"{count['births']:,} births in the last year ({count['newborns']:,} without an "
            f"identity number yet), {count['certificates']:,} 婚育证明 held and verified, "
            f"{count['pregnant']:,} pregnant, {count['honor']:,} couples with a 光荣证"
        )
    ctx.log(f"    registered households: {total['registered_households']:,}")
    generate_visits(ctx, model_street)
    ctx.shared["registry_persons"] = total["persons"]  # for later generators' sizes
