"""What the registry's importers share: planned writes and bulk lookups of housing."""

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from shequ.core.lookups import records_any_of
from shequ.jobs.imports import ImportContext, Importer
from shequ.org.models import OrgUnit
from shequ.org.roles import Level
from shequ.org.scoping import prefixes_q
from shequ.registry.models import (
    Building,
    Household,
)
from shequ.registry.services import FamilyPlan

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
        for b in records_any_of(Building, unit_id={u for u, _n in keys}, name={n for _u, n in keys})
    }
    return {key: found.get(key) for key in keys}


def _households(keys: set[tuple[int, str]]) -> dict[tuple[int, str], Household | None]:
    """The households of these (building id, number) keys; None for those that do not exist."""
    found = {
        (h.building_id, h.number): h
        for h in records_any_of(
            Household, building_id={b for b, _n in keys}, number={n for _b, n in keys}
        )
    }
    return {key: found.get(key) for key in keys}


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
    # The 户口簿 a person file opens or joins (services.FamilyPlan).
    families: Any = dataclasses.field(default_factory=lambda: FamilyPlan())
    marriages: list = dataclasses.field(default_factory=list)  # importers.marriages
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
