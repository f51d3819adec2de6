"""Writes of housing: buildings and the dwellings (住户/居所) in them."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from shequ.core.versions import (
    changed_fields,
    lock_for_edit,
    lock_row,
    next_version,
    row_values,
)
from shequ.org.audit import (
    audit_change,
    field_changes,
    save_with_history,
)
from shequ.org.models import OrgUnit, User
from shequ.org.roles import Level
from shequ.registry.models import (
    Building,
    Household,
    Person,
    PersonStatus,
)
from shequ.registry.services._common import _reason, _require, _require_scope


def _check_housing_unit(unit: OrgUnit) -> None:
    if unit.level < Level.COMMUNITY or not unit.is_active:
        raise ValidationError({"unit": [_("楼栋须属于在用的社区或网格。")]})


@transaction.atomic
def building_create(
    *,
    actor: User | None,
    unit: OrgUnit,
    name: str,
    address: str = "",
    kind: str = Building.Kind.APARTMENT,
) -> Building:
    """Register a building or courtyard in a grid or community."""
    _require(actor)
    _require_scope(actor, unit.code)
    _check_housing_unit(unit)
    name = (name or "").strip()
    if Building.objects.filter(unit=unit, name=name).exists():
        raise ValidationError(
            {"name": [_("%(unit)s 已有楼栋“%(name)s”。") % {"unit": unit.name, "name": name}]}
        )
    building = Building(unit=unit, name=name, address=(address or "").strip(), kind=kind)
    building.full_clean()
    save_with_history(building, actor=actor, reason=_("新建楼栋"))
    audit_change(
        actor=actor,
        action="building.create",
        target=building,
        unit_code=unit.code,
        label=f"{unit.name} {name}",
    )
    return building


@transaction.atomic
def building_update(
    *,
    actor: User | None,
    building: Building,
    name: str,
    address: str,
    kind: str,
    unit: OrgUnit | None = None,
    reason: str,
    version: int | None = None,
) -> Building:
    """Rename or re-describe a building; moving it to another grid moves its households.
    ``version``: the one the edit was based on (``person_update``)."""
    _require(actor)
    reason = _reason(reason)
    lock_for_edit(building, version=version, check=lambda b: _require_scope(actor, b.unit_id))
    row = row_values(building)
    unit = unit or building.unit
    _require_scope(actor, unit.code)
    _check_housing_unit(unit)
    name = (name or "").strip()
    if Building.objects.filter(unit=unit, name=name).exclude(pk=building.pk).exists():
        raise ValidationError(
            {"name": [_("%(unit)s 已有楼栋“%(name)s”。") % {"unit": unit.name, "name": name}]}
        )
    before = {
        "name": building.name,
        "address": building.address,
        "kind": building.kind,
        "unit": building.unit_id,
    }
    building.name, building.address, building.kind, building.unit = (
        name,
        address.strip(),
        kind,
        unit,
    )
    building.full_clean()
    save_with_history(
        building, actor=actor, reason=reason, update_fields=changed_fields(building, row)
    )
    if before["unit"] != unit.code:
        # Households and their residents follow the building into its new grid; locked and
        # saved by their unit alone, so an edit of one of them meanwhile is kept.
        for household in building.households.select_for_update():
            household.unit = unit
            save_with_history(household, actor=actor, reason=reason, update_fields=["unit"])
        for person in Person.objects.select_for_update().filter(
            household__building=building, status=PersonStatus.ACTIVE
        ):
            person.unit = unit
            save_with_history(
                person, actor=actor, reason=reason, update_fields=["unit", "updated_at"]
            )
    audit_change(
        actor=actor,
        action="building.update",
        target=building,
        unit_code=unit.code,
        label=name,
        reason=reason,
        changes=field_changes(
            before, {"name": name, "address": building.address, "kind": kind, "unit": unit.code}
        ),
    )
    return building


@transaction.atomic
def building_close(*, actor: User | None, building: Building, reason: str) -> Building:
    """Take a building out of use (demolished, merged); refused while people live in it."""
    _require(actor)
    lock_row(building)
    _require_scope(actor, building.unit_id)
    reason = _reason(reason)
    if not building.is_active:
        raise ValidationError(_("楼栋已停用。"))
    if Person.objects.filter(household__building=building, status=PersonStatus.ACTIVE).exists():
        raise ValidationError(_("楼栋内还有在册人员，请先办理迁出或迁移。"))
    building.is_active = False
    building.closed_reason = reason[:200]
    save_with_history(building, actor=actor, reason=reason)
    building.households.filter(is_active=True).update(is_active=False, version=next_version())
    audit_change(
        actor=actor,
        action="building.close",
        target=building,
        unit_code=building.unit_id,
        label=building.name,
        reason=reason,
        changes={"is_active": [True, False]},
    )
    return building


def _landlord_fields(values: Mapping[str, Any]) -> dict[str, Any]:
    """The dwelling's rent, lease and use fields: those of a let dwelling blank when it is
    not let."""
    rented = bool(values.get("is_rented"))
    return {
        "is_rented": rented,
        "landlord": values.get("landlord") if rented else None,
        "landlord_name": (values.get("landlord_name") or "").strip() if rented else "",
        "landlord_phone": (values.get("landlord_phone") or "").strip() if rented else "",
        "rented_since": values.get("rented_since") if rented else None,
        "lease_start": values.get("lease_start") if rented else None,
        "lease_end": values.get("lease_end") if rented else None,
        "use": values.get("use") or Household.Use.HOME,
        "dormitory_of": (values.get("dormitory_of") or "").strip(),
    }


@transaction.atomic
def household_create(
    *, actor: User | None, building: Building, number: str, **rent: Any
) -> Household:
    """Register a dwelling (住户) in a building, marked rented with its landlord, lease and
    use when it is."""
    _require(actor)
    _require_scope(actor, building.unit_id)
    if not building.is_active:
        raise ValidationError({"building": [_("楼栋已停用。")]})
    number = (number or "").strip()
    if Household.objects.filter(building=building, number=number).exists():
        raise ValidationError(
            {"number": [_("%(b)s 已有门牌“%(n)s”。") % {"b": building.name, "n": number}]}
        )
    household = Household(
        building=building, unit_id=building.unit_id, number=number, **_landlord_fields(rent)
    )
    if household.landlord is not None:
        _require_scope(actor, household.landlord.unit_id)
    household.full_clean()
    save_with_history(household, actor=actor, reason=_("新建住户"))
    audit_change(
        actor=actor,
        action="household.create",
        target=household,
        unit_code=building.unit_id,
        label=f"{building.name} {number}",
        changes={"is_rented": [None, household.is_rented]},
    )
    return household


@transaction.atomic
def household_update(
    *,
    actor: User | None,
    household: Household,
    number: str,
    reason: str,
    version: int | None = None,
    **rent: Any,
) -> Household:
    """Change a home's number or its rented status and landlord. ``version``: the one the
    edit was based on (``person_update``)."""
    _require(actor)
    reason = _reason(reason)
    lock_for_edit(household, version=version, check=lambda h: _require_scope(actor, h.unit_id))
    row = row_values(household)
    number = (number or "").strip()
    if (
        Household.objects.filter(building=household.building, number=number)
        .exclude(pk=household.pk)
        .exists()
    ):
        raise ValidationError(
            {"number": [_("%(b)s 已有门牌“%(n)s”。") % {"b": household.building.name, "n": number}]}
        )
    fields = _landlord_fields(rent)
    before = {
        "number": household.number,
        "is_rented": household.is_rented,
        "landlord": household.landlord_id,
        "landlord_name": household.landlord_name,
        "landlord_phone": household.landlord_phone,
        "rented_since": household.rented_since,
        "lease_start": household.lease_start,
        "lease_end": household.lease_end,
        "use": household.use,
        "dormitory_of": household.dormitory_of,
    }
    household.number = number
    for key, value in fields.items():
        setattr(household, key, value)
    if household.landlord is not None:
        _require_scope(actor, household.landlord.unit_id)
    household.full_clean()
    save_with_history(
        household, actor=actor, reason=reason, update_fields=changed_fields(household, row)
    )
    after = {
        "number": number,
        **{k: v for k, v in fields.items() if k != "landlord"},
        "landlord": household.landlord_id,
    }
    audit_change(
        actor=actor,
        action="household.update",
        target=household,
        unit_code=household.unit_id,
        label=str(household),
        reason=reason,
        changes=field_changes(before, after),
    )
    return household


@dataclass(frozen=True)
class NewHome:
    """A home to register in ``building`` as part of a person's write (moving into a new 户);
    ``rent``: the rent fields of ``household_create``."""

    building: Building
    number: str
    rent: Mapping[str, Any] = field(default_factory=dict)


def home_of(*, actor: User | None, home: "Household | NewHome") -> Household:
    """The household named, or the new one registered now: call it inside the caller's
    transaction, so the new home disappears again if the rest of the write fails."""
    if isinstance(home, NewHome):
        return household_create(
            actor=actor, building=home.building, number=home.number, **home.rent
        )
    return home
