"""Importers of buildings and households (以房管人): the housing a person file refers to."""

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from shequ.jobs.imports import ImportContext, RowError
from shequ.registry import services
from shequ.registry.importers.common import (
    HousingLookup,
    PlanningImporter,
    Plans,
    duplicate,
    too_long,
)
from shequ.registry.models import (
    Building,
    Household,
    Person,
)
from shequ.registry.tables import BUILDINGS, HOUSEHOLDS
from shequ.registry.validation import validate_phone

# --- Buildings ----------------------------------------------------------------------------


class BuildingImporter(PlanningImporter):
    kind = "buildings"
    title = "楼栋"
    table = BUILDINGS

    def __init__(self, ctx: ImportContext):
        super().__init__(ctx)
        self.housing = HousingLookup(ctx)
        self.seen: dict[tuple[str, str], int] = {}

    def validate(self, rows):
        parsed = [(n, *self.table.parse_row(cells)) for n, cells in rows]
        self.housing.load_units(v.get("unit") for _n, v, _p in parsed)
        self.housing.load_buildings(
            (v["unit"], v["name"]) for _n, v, _p in parsed if v.get("unit") and v.get("name")
        )
        errors: list[RowError] = []
        for number, values, problems in parsed:
            problems += too_long(values, {"name": 60, "address": 200}, self.table)
            unit_code, name = values.get("unit"), values.get("name")
            if unit_code and (problem := self.housing.unit_problem(unit_code)):
                problems.append(("单位代码", problem))
            if unit_code and name:
                first = self.seen.setdefault((unit_code, name), number)
                if first != number:
                    problems.append(("楼栋名称", duplicate(first)))
            if not problems:
                problems += self._plan(number, values)
            errors.extend(RowError(number, header, message) for header, message in problems)
        return errors

    def _plan(self, number: int, values: dict[str, Any]) -> list[tuple[str, str]]:
        unit_code, name = values["unit"], values["name"]
        existing = self.housing.buildings.get((unit_code, name))
        if existing is None:
            building = Building(
                unit_id=unit_code,
                name=name,
                address=values.get("address") or "",
                kind=values.get("kind") or Building.Kind.APARTMENT,
            )
            self.plan_create((number, building))
            return []
        if not self.ctx.update:
            return [
                (
                    "楼栋名称",
                    _("%(unit)s 已有楼栋“%(name)s”。如要更新，请勾选“更新已有记录”。")
                    % {"unit": self.housing.units[unit_code].name, "name": name},
                )
            ]
        changed = False
        if "address" in values and (values["address"] or "") != existing.address:
            existing.address, changed = values["address"] or "", True
        if values.get("kind") and values["kind"] != existing.kind:
            existing.kind, changed = values["kind"], True
        if changed:
            self.plan_update((number, existing))
        else:
            self.unchanged += 1
        return []

    def write(self, plans: Plans) -> None:
        ctx = self.ctx
        services.buildings_create_many(
            [b for _n, b in plans.creates],
            actor=ctx.actor,
            reasons=[ctx.reason(n) for n, _b in plans.creates],
            now=ctx.now,
        )
        services.housing_update_many(
            ((building, ctx.reason(n)) for n, building in plans.updates), actor=ctx.actor
        )


# --- Households ------------------------------------------------------------------------


_RENT_FIELDS = (
    "is_rented",
    "landlord",
    "landlord_name",
    "landlord_phone",
    "rented_since",
    "lease_start",
    "lease_end",
)
# The dwelling's use and employer: each column, when in the file, sets its field.
_USE_FIELDS = ("use", "dormitory_of")


class HouseholdImporter(PlanningImporter):
    kind = "households"
    title = "户"
    table = HOUSEHOLDS

    def __init__(self, ctx: ImportContext):
        super().__init__(ctx)
        self.housing = HousingLookup(ctx)
        self.seen: dict[tuple[int, str], int] = {}

    def validate(self, rows):
        parsed = [(n, *self.table.parse_row(cells)) for n, cells in rows]
        housing = self.housing
        housing.load_units(v.get("unit") for _n, v, _p in parsed)
        housing.load_buildings(
            (v["unit"], v["building"])
            for _n, v, _p in parsed
            if v.get("unit") and v.get("building")
        )
        landlords = {
            p.id_number: p
            for p in Person.objects.filter(
                id_number__in={v["landlord"] for _n, v, _p in parsed if v.get("landlord")}
            ).only("id", "id_number", "unit_id", "name")
        }
        resolved = []
        for number, values, problems in parsed:
            building = None
            unit_code, name = values.get("unit"), values.get("building")
            if unit_code and (problem := housing.unit_problem(unit_code)):
                problems.append(("单位代码", problem))
            elif unit_code and name:
                building, problem = housing.building_problem(unit_code, name)
                if problem:
                    problems.append(("楼栋名称", problem))
            resolved.append((number, values, problems, building))
        housing.load_households(
            (b.pk, v["number"]) for _n, v, _p, b in resolved if b and v.get("number")
        )
        errors: list[RowError] = []
        for number, values, problems, building in resolved:
            problems += too_long(
                values,
                {"number": 40, "landlord_name": 50, "landlord_phone": 20, "dormitory_of": 100},
                self.table,
            )
            problems += self._check_landlord(values, landlords)
            if building and values.get("number"):
                first = self.seen.setdefault((building.pk, values["number"]), number)
                if first != number:
                    problems.append(("门牌/室号", duplicate(first)))
            if not problems and building:
                problems += self._plan(number, values, building)
            errors.extend(RowError(number, header, message) for header, message in problems)
        return errors

    def _check_landlord(self, values: dict[str, Any], landlords) -> list[tuple[str, str]]:
        problems: list[tuple[str, str]] = []
        if not any(k in values for k in _RENT_FIELDS):
            return problems  # no rent columns in the file: the homes' rent is left alone
        if values.get("landlord_phone"):
            try:
                values["landlord_phone"] = validate_phone(values["landlord_phone"])
            except ValidationError as exc:
                problems.append(("房东电话", " ".join(exc.messages)))
        if values.get("landlord"):
            person = landlords.get(values["landlord"])
            if person is None or not self.ctx.scope.contains(person.unit_id):
                problems.append(
                    ("房东身份证号码", _("没有找到该身份证号码的登记人员（须在您的辖区内）。"))
                )
            else:
                values["landlord"] = person
        has_landlord = bool(values.get("landlord") or values.get("landlord_name"))
        rented = values.get("is_rented")
        if rented is None:  # left empty: a home with a landlord is a rented home
            rented = has_landlord
            values["is_rented"] = rented
        if (
            not rented and any(values.get(k) for k in ("rented_since", "lease_start", "lease_end"))
        ) or (not rented and has_landlord):
            problems.append(("出租房屋", _("不是出租房屋时不能填写房东、出租起始日期和租期。")))
        start, end = values.get("lease_start"), values.get("lease_end")
        if start and end and end < start:
            problems.append(("租期止", _("租期止不能早于租期起。")))
        if rented and not has_landlord:
            problems.append(("房东姓名", _("出租房屋须登记房东（已登记人员或姓名和电话）。")))
        return problems

    def _plan(self, number: int, values: dict[str, Any], building: Building) -> list:
        existing = self.housing.households.get((building.pk, values["number"]))
        rent = {
            "is_rented": values.get("is_rented") or False,
            "landlord": values.get("landlord") or None,
            "landlord_name": values.get("landlord_name") or "",
            "landlord_phone": values.get("landlord_phone") or "",
            "rented_since": values.get("rented_since"),
            "lease_start": values.get("lease_start"),
            "lease_end": values.get("lease_end"),
        }
        use = {
            "use": values.get("use") or Household.Use.HOME,
            "dormitory_of": (values.get("dormitory_of") or "").strip(),
        }
        if existing is None:
            household = Household(
                building=building, unit_id=building.unit_id, number=values["number"], **rent, **use
            )
            self.plan_create((number, household))
            return []
        if not self.ctx.update:
            return [
                (
                    "门牌/室号",
                    _("%(b)s 已有门牌“%(n)s”。如要更新，请勾选“更新已有记录”。")
                    % {"b": building.name, "n": values["number"]},
                )
            ]
        # The rent columns describe the rent as a whole: present, they replace it.
        present = _RENT_FIELDS if any(f in values for f in _RENT_FIELDS) else ()
        changed = False
        for field in (f for f in _USE_FIELDS if f in values):
            if getattr(existing, field) != use[field]:
                setattr(existing, field, use[field])
                changed = True
        for field in present:
            if field.startswith("lease_") and field not in values and rent["is_rented"]:
                continue  # a file without the lease columns leaves the lease alone
            if field == "landlord":
                if getattr(rent["landlord"], "pk", None) != existing.landlord_id:
                    existing.landlord, changed = rent["landlord"], True
            elif getattr(existing, field) != rent[field]:
                setattr(existing, field, rent[field])
                changed = True
        if changed:
            self.plan_update((number, existing))
        else:
            self.unchanged += 1
        return []

    def write(self, plans: Plans) -> None:
        ctx = self.ctx
        services.households_create_many(
            [h for _n, h in plans.creates],
            actor=ctx.actor,
            reasons=[ctx.reason(n) for n, _h in plans.creates],
            now=ctx.now,
        )
        services.housing_update_many(
            ((household, ctx.reason(n)) for n, household in plans.updates), actor=ctx.actor
        )
