"""Reads of places: divisions (national statistical codes, reference data for the 户籍地 and
destination pickers) and the names of units as a worker of another community reads them."""

from django.db.models import QuerySet

from shequ.org.models import Division, OrgUnit
from shequ.org.roles import Level


def _is_code(code: str | None) -> bool:
    return bool(code and len(code) == 12 and code.isdigit())


def provinces() -> QuerySet[Division]:
    """The provinces, the first select of a division picker."""
    return Division.objects.filter(level=Division.DivisionLevel.PROVINCE)


def divisions_under(parent: str | None) -> QuerySet[Division]:
    """The divisions directly under a division code, by code; none for a malformed code."""
    if not _is_code(parent):
        return Division.objects.none()
    return Division.objects.filter(parent_id=parent).order_by("code")


def division_get(code: str | None) -> Division | None:
    """The division of a 12-digit code, or None."""
    return Division.objects.filter(code=code).first() if _is_code(code) else None


def division_name(code: str | None) -> str | None:
    """The full name of a division code (省市县…), or None when unknown."""
    if not code:
        return None
    return Division.objects.filter(code=code).values_list("full_name", flat=True).first()


def unit_label(code: str) -> str:
    """A unit's name as a worker of another community understands it: a grid with its
    community (every community has a 第1网格)."""
    unit = OrgUnit.objects.filter(code=code).select_related("parent").first()
    if unit is None:
        return code
    if unit.level == Level.GRID and unit.parent is not None:
        return f"{unit.parent.name} {unit.name}"
    return unit.name
