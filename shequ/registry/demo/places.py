"""Identity numbers valid for their birth year, and the places 户籍地 are drawn from."""

import datetime
import random
from dataclasses import dataclass
from functools import cache, lru_cache

from stdnum import numdb

from shequ.core.identifiers import id_number_for_test
from shequ.org.models import Division
from shequ.registry.demo.data import MIGRANT_SOURCES, NOT_COUNTIES, OUTFLOW_DESTINATIONS


@lru_cache(maxsize=1)
def _region_years() -> dict[str, list[tuple[int, int]]]:
    """Six-digit region codes known to stdnum's cn.ric, with the years each was assigned.

    Read once from stdnum's table (what ``ric.get_birth_place`` checks a number against):
    asking it per person would take a quarter of the demo's time.
    """
    years: dict[str, list[tuple[int, int]]] = {}
    for _l, province, _h, _p, counties in numdb.get("cn/loc").prefixes:
        for _l2, county, _h2, props, _c in counties:
            spans = []
            for name in props.get("county", "").split(","):
                if not name.startswith("["):
                    spans.append((0, 9999))
                    continue
                start, end = name[1:].split("]")[0].split("-")
                spans.append((int(start or 0), int(end or 9999)))
            years[province + county] = spans
    return years


def _region_valid(region: str, year: int) -> bool:
    return any(start <= year <= end for start, end in _region_years().get(region, ()))


@cache
def regions_for(county: str, year: int) -> tuple[str, ...]:
    """The county's own code, or (for people born before it got it) the codes its city or
    province had then: the numbers of people born then carry those."""
    if _region_valid(county, year):
        return (county,)
    city = [c for c in _regions_under(county[:4]) if _region_valid(c, year)]
    older = [c for c in city if not c.endswith(("00", "01"))] or city
    if not older:
        older = [c for c in _regions_under(county[:2]) if c[4:] not in ("00", "01")]
        older = [c for c in older if _region_valid(c, year)]
    return tuple(older)


@cache
def _regions_under(prefix: str) -> list[str]:
    return sorted(c for c in _region_years() if c.startswith(prefix))


class IdNumbers:
    """Valid identity numbers, unique across the city, whose region was valid at birth."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.used: set[str] = set()

    def make(self, county: str, birth: datetime.date, sex: str) -> str:
        region = self.rng.choice(regions_for(county, birth.year))
        while True:
            number = id_number_for_test(region, birth, self.rng.randrange(500), sex)
            if number not in self.used:
                self.used.add(number)
                return number


@dataclass
class Places:
    """Division codes the demo draws 户籍地 and destinations from."""

    city_prefix: str
    in_city: list[Division]  # communities and villages of the city
    in_city_by_code: dict[str, Division]
    sources: list[tuple[list[Division], int]]
    destinations: list[Division]
    divisions: dict[str, Division]

    @classmethod
    def load(cls, city_prefix: str) -> "Places":
        prefixes = [p for p, _w in MIGRANT_SOURCES]
        wanted = Division.objects.filter(level=Division.DivisionLevel.COUNTY).order_by("code")
        counties: dict[str, list[Division]] = {p: [] for p in prefixes}
        for division in wanted:
            bucket = counties.get(division.code[:4])
            if bucket is not None and not any(w in division.name for w in NOT_COUNTIES):
                bucket.append(division)
        in_city = list(
            Division.objects.filter(
                level=Division.DivisionLevel.VILLAGE, code__startswith=city_prefix
            ).order_by("code")
        )
        destinations = list(Division.objects.filter(code__in=OUTFLOW_DESTINATIONS).order_by("code"))
        divisions = {d.code: d for group in counties.values() for d in group}
        divisions.update({d.code: d for d in in_city})
        divisions.update({d.code: d for d in destinations})
        divisions.update({d.code: d for d in Division.objects.filter(code__startswith=city_prefix)})
        return cls(
            city_prefix=city_prefix,
            in_city=in_city,
            in_city_by_code={d.code: d for d in in_city},
            sources=[(counties[p], w) for p, w in MIGRANT_SOURCES if counties[p]],
            destinations=destinations,
            divisions=divisions,
        )
