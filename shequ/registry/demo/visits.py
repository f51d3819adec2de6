"""The demo's visits (每月一查 as visits to homes) in the model street, with their workers, a
few 人不在 pending departures and last quarter's street review.

The area writer has recorded each migrant's monthly checks of this month and the last; here
the checks of one home in one month become ONE visit (on the first of their days, by the
worker of the home's grid or community), as a worker makes them; about one home in a
hundred visited this month finds someone gone (人不在), who goes on the pending list.
"""

import datetime
from collections import defaultdict

from django.utils import timezone

from shequ.core.demo import DemoContext
from shequ.org.models import OrgUnit, User
from shequ.org.roles import Duty, Level, Role
from shequ.org.scoping import subtree_q
from shequ.registry.models import Check, PendingDeparture, Person, QuarterlyReview, Visit
from shequ.registry.rules import month_start, quarter_start
from shequ.registry.selectors import quarter_figures

DAY = datetime.timedelta(days=1)
ABSENT_SHARE = 0.012  # of the homes visited this month, those where someone was not found


def _workers(street: OrgUnit) -> list[User]:
    """The data accounts inside the street, deepest unit first (a grid's worker checks the
    homes of the grid, a community's worker the rest of the community)."""
    users = User.objects.filter(
        subtree_q("unit_id", street.code),
        is_active=True,
        duty=Duty.DATA,
        role__in=[Role.GRID, Role.COMMUNITY, Role.STREET],
    ).select_related("unit")
    return sorted(users, key=lambda u: -len(u.unit.prefix))


def _worker_for(unit_code: str, workers: list[User]) -> User | None:
    return next((w for w in workers if unit_code.startswith(w.unit.prefix)), None)


def generate_visits(ctx: DemoContext, street: OrgUnit) -> None:
    today = timezone.localdate()
    rng = ctx.rng("registry:visits")
    since = month_start(month_start(today) - DAY)
    workers = _workers(street)
    rows = (
        Check.objects.filter(
            subtree_q("unit_code", street.code),
            kind=Check.Kind.MONTHLY,
            visit__isnull=True,
            date__gte=since,
            person__household__isnull=False,
        )
        .order_by("person__household_id", "date", "id")
        .values_list(
            "id", "date", "person_id", "person__household_id", "person__household__unit_id"
        )
    )
    groups: dict[tuple[int, datetime.date], list[tuple[int, int]]] = defaultdict(list)
    days: dict[tuple[int, datetime.date], datetime.date] = {}
    units: dict[int, str] = {}
    for check_id, day, person_id, home_id, unit_code in rows:
        key = (home_id, month_start(day))
        groups[key].append((check_id, person_id))
        days[key] = min(days.get(key, day), day)
        units[home_id] = unit_code
    keys = sorted(groups)
    visits = [
        Visit(
            household_id=home,
            date=days[(home, month)],
            unit_code=units[home],
            actor=_worker_for(units[home], workers),
        )
        for home, month in keys
    ]
    Visit.objects.bulk_create(visits, batch_size=2000)
    this_month = month_start(today)
    by_visit: dict[tuple[int | None, datetime.date, int], list[int]] = defaultdict(list)
    for key, visit in zip(keys, visits, strict=True):
        for check_id, _person in groups[key]:
            by_visit[(visit.actor_id, visit.date, visit.pk)].append(check_id)
    # About one home in a hundred visited this month finds someone gone (a few at least).
    current = [
        (key, visit) for key, visit in zip(keys, visits, strict=True) if key[1] == this_month
    ]
    chosen = rng.sample(current, min(len(current), max(3, round(ABSENT_SHARE * len(current)))))
    absent: list[tuple[int, int, Visit]] = []
    for key, visit in sorted(chosen, key=lambda kv: kv[0]):
        check_id, person_id = groups[key][rng.randrange(len(groups[key]))]
        absent.append((check_id, person_id, visit))
    for (actor_id, day, visit_id), ids in by_visit.items():
        Check.objects.filter(id__in=ids).update(visit_id=visit_id, date=day, actor_id=actor_id)
    # The persons' latest check is the visit's day (the first of the home's days).
    for home_month, visit in zip(keys, visits, strict=True):
        if home_month[1] == this_month:
            person_ids = [p for _c, p in groups[home_month]]
            Person.objects.filter(id__in=person_ids, last_monthly_check__gte=this_month).update(
                last_monthly_check=visit.date
            )
    Check.objects.filter(id__in=[c for c, _p, _v in absent]).update(
        result=Check.Result.ABSENT, note="走访时人不在"
    )
    PendingDeparture.objects.bulk_create(
        PendingDeparture(
            person_id=person_id,
            check_row_id=check_id,
            unit_code=visit.unit_code,
            raised_on=visit.date,
        )
        for check_id, person_id, visit in absent
    )
    reviewer = next((w for w in workers if w.unit.level == Level.STREET), None)
    last_quarter = quarter_start(quarter_start(today) - DAY)
    QuarterlyReview.objects.create(
        unit_code=street.code,
        quarter=last_quarter,
        reviewer=reviewer,
        figures=quarter_figures(street, last_quarter),
        findings="各社区季度核对基本完成；个别社区出租屋流动人口核对不及时，请于下月初补齐。",
    )
    ctx.log(
        f"    visits: {len(visits):,} homes visited (每月一查, {since:%Y-%m} and {today:%Y-%m}), "
        f"{len(absent):,} 人不在 pending departure, 1 quarterly review"
    )
