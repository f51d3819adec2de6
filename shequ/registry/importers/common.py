"""What the registry's importers share: planned writes and bulk lookups of housing."""

import dataclasses
from collections.abc import Mapping
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from shequ.core.imports import ImportContext, Importer
from shequ.org.models import OrgUnit
from shequ.org.roles import Level
from shequ.org.scoping import prefixes_q
from shequ.registry.models import (
    Building,
    Household,
)

# --- Lookups shared by the importers -------------------------------------------------------


class HousingLookup:
    """Units, buildings and households of a file, looked up in bulk and cached."""

    def __init__(self, ctx: ImportContext):
        self.ctx = ctx
        self.units: dict[str, OrgUnit] = {}
        self._units_loaded = False
        self.buildings: dict[tuple[str, str], Building | None] = {}
        self.households: dict[tuple[int, str], Household | None] = {}

    def load_units(self, codes) -> None:
        """Every unit of the import's scope, read once when the file first names a unit.

        A city has a few thousand units (1,890 in the benchmark's: one query, 21 ms);
        asked chunk by chunk, as the rows named units not seen yet, they cost a query per
        chunk (44 for 50,000 persons). A code outside the scope stays unknown, which reads
        the same as one that does not exist."""
        if self._units_loaded or not any(codes):
            return
        units = OrgUnit.objects.filter(prefixes_q(self.ctx.scope.prefixes, "code"))
        self.units = {unit.code: unit for unit in units}
        self._units_loaded = True

    def load_buildings(self, keys) -> None:
        missing = {k for k in keys if k not in self.buildings}
        if missing:
            self.buildings.update(_buildings(missing))

    def load_households(self, keys) -> None:
        missing = {k for k in keys if k not in self.households}
        if missing:
            self.households.update(_households(missing))

    def read_ahead(self, places: set[tuple[str, str, str]]) -> Future:
        """Start reading the buildings and households named by (unit code, building name,
        household number) — a later chunk's — on the import's reading thread
        (``ctx.read_ahead``); ``take`` the result before that chunk's ``load_*``.

        Asked chunk by chunk on the validating thread, the two queries waited for a server
        busy with the import's own writing: a third of a second of every 50,000 persons.
        """
        known = {(u, b): self.buildings[(u, b)] for u, b, _n in places if (u, b) in self.buildings}
        return self.ctx.read_ahead(_housing_of, places, known)

    def take(self, ahead: Future) -> None:
        """Keep what ``read_ahead`` read, for the keys not looked up meanwhile."""
        buildings, households = ahead.result()
        for key, building in buildings.items():
            self.buildings.setdefault(key, building)
        for key, household in households.items():
            self.households.setdefault(key, household)

    def unit_problem(self, code: str) -> str | None:
        """Why a building cannot hang on this unit code (None: it can)."""
        unit = self.units.get(code)
        if unit is None or not self.ctx.scope.contains(code):
            # Missing and outside the jurisdiction read the same: existence is not revealed.
            return _("单位代码 %(code)s 不存在或不在您的管辖范围内。") % {"code": code}
        if not unit.is_active or unit.level < Level.COMMUNITY:
            return _("%(name)s（%(code)s）不是在用的社区或网格：楼栋须属于社区或网格。") % {
                "name": unit.name,
                "code": code,
            }
        return None

    def building_problem(self, unit_code: str, name: str) -> tuple[Building | None, str | None]:
        building = self.buildings.get((unit_code, name))
        if building is None:
            return None, _("%(unit)s 没有楼栋“%(name)s”，请先新建或导入楼栋。") % {
                "unit": self.units[unit_code].name,
                "name": name,
            }
        if not building.is_active:
            return None, _("楼栋“%(name)s”已停用。") % {"name": name}
        return building, None


def _buildings(keys: set[tuple[str, str]]) -> dict[tuple[str, str], Building | None]:
    """The buildings of these (unit code, name) keys; None for those that do not exist."""
    found = {
        (b.unit_id, b.name): b
        for b in Building.objects.filter(
            unit_id__any_of={u for u, _n in keys}, name__any_of={n for _u, n in keys}
        )
    }
    return {key: found.get(key) for key in keys}


def _households(keys: set[tuple[int, str]]) -> dict[tuple[int, str], Household | None]:
    """The households of these (building id, number) keys; None for those that do not exist."""
    found = {
        (h.building_id, h.number): h
        for h in Household.objects.filter(
            building_id__any_of={b for b, _n in keys}, number__any_of={n for _b, n in keys}
        ).order_by()
    }
    return {key: found.get(key) for key in keys}


def _housing_of(places, known) -> tuple[dict, dict]:
    """``HousingLookup.read_ahead``'s reads, on the reading thread: the buildings not in
    ``known``, then the households of every building found."""
    buildings = dict(known)
    missing = {(u, b) for u, b, _n in places if u and b and (u, b) not in known}
    if missing:
        buildings.update(_buildings(missing))
    homes = set()
    for unit, name, number in places:
        building = buildings.get((unit, name))
        if building is not None and number:
            homes.add((building.pk, number))
    return buildings, (_households(homes) if homes else {})


def too_long(values: Mapping[str, Any], limits: Mapping[str, int], table) -> list[tuple]:
    problems = []
    for key, limit in limits.items():
        value = values.get(key)
        if value and len(value) > limit:
            problems.append((table.header_for(key), _("不能超过 %(n)d 个字。") % {"n": limit}))
    return problems


def duplicate(row: int) -> str:
    return _("与第 %(row)d 行重复。") % {"row": row}


@dataclass
class Plans:
    """Writes planned from validated rows, handed to ``write`` chunk by chunk."""

    creates: list = dataclasses.field(default_factory=list)
    updates: list = dataclasses.field(default_factory=list)
    households: list = dataclasses.field(default_factory=list)  # homes a person file creates
    prepared: dict = dataclasses.field(default_factory=dict)  # what ``prepare`` readied


class PlanningImporter(Importer):
    def __init__(self, ctx: ImportContext):
        super().__init__(ctx)
        self.plans = Plans()
        self.created = self.updated = self.unchanged = 0

    def counts(self) -> tuple[int, int, int]:
        return self.created, self.updated, self.unchanged

    def take_plans(self) -> Plans:
        plans, self.plans = self.plans, Plans()
        return plans

    def plan_create(self, item: Any) -> None:
        self.plans.creates.append(item)
        self.created += 1

    def plan_update(self, item: Any) -> None:
        self.plans.updates.append(item)
        self.updated += 1
