"""The small HTMX helpers of the person forms: the division picker (户籍地, destination), the
identity-number check, the households of a building and the live preview."""

import datetime
import time
import uuid
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from shequ.core.identifiers import division_parents, parse_id_number
from shequ.org.permissions import action_required, staff_required
from shequ.org.roles import Action
from shequ.registry import rules, selectors, services
from shequ.registry.models import (
    Person,
    PopulationType,
)
from shequ.registry.views._common import uuid_or_none


def household_options(request: HttpRequest) -> HttpResponse:
    """The <option>s of the households of one building in the user's jurisdiction."""
    households = selectors.building_households_active(
        request.user, uuid_or_none(request.GET.get("building"))
    )
    return render(request, "registry/person_form_households.html", {"households": households})


# --- The division picker (户籍地, destination) ---------------------------------------------


def division_picker(code: str | None, *, picker_id: str) -> dict[str, Any]:
    """Options and selection of the province → city → county selects for a code."""
    code = (code or "").strip()
    chain: list[str] = []
    if len(code) == 12 and code.isdigit():
        chain = [*division_parents(code), code][:3]
    selected = chain + [""] * (3 - len(chain))
    provinces = list(selectors.provinces())
    cities = list(selectors.divisions_under(selected[0]))
    counties = list(selectors.divisions_under(selected[1]))
    return {
        "id": picker_id,
        "levels": [
            {"name": "province", "label": _("省"), "options": provinces, "selected": selected[0]},
            {"name": "city", "label": _("地市"), "options": cities, "selected": selected[1]},
            {"name": "county", "label": _("区县"), "options": counties, "selected": selected[2]},
        ],
    }


@staff_required
@require_GET
def division_options(request: HttpRequest) -> HttpResponse:
    """The <option>s of the divisions directly under ?parent=<code> (reference data)."""
    parent = (request.GET.get("parent") or "").strip()
    divisions = list(selectors.divisions_under(parent))
    return render(request, "registry/_division_options.html", {"divisions": divisions})


# --- Identity-number check and live preview -----------------------------------------------


def _id_checks_exhausted(user) -> bool:
    """Count one lookup of a number for the user; True past ``ID_CHECK_LIMIT_PER_HOUR`` in
    the current hour (the shared cache: every process counts together)."""
    hour = int(time.time() // 3600)
    key = f"registry:id-checks:{user.pk}:{hour}"
    cache.add(key, 0, 3600)
    try:
        count = cache.incr(key)
    except ValueError:  # the entry lapsed between add and incr
        count = 1
        cache.set(key, count, 3600)
    return count > settings.ID_CHECK_LIMIT_PER_HOUR


def id_check_context(user, raw: str, *, mode: str, exclude: uuid.UUID | None = None) -> dict:
    """What the form says about a typed number: invalid (why), free, or registered (where, only
    inside the user's jurisdiction). Each lookup is logged and counted: the answer tells
    whether a number is registered anywhere in the city."""
    raw = (raw or "").strip()
    if not raw:
        return {}
    try:
        info = parse_id_number(raw)
    except ValidationError as exc:
        return {"error": " ".join(exc.messages)}
    if _id_checks_exhausted(user):
        return {
            "error": _("核对号码过于频繁：每小时最多 %(n)d 次，请稍后再试。")
            % {"n": settings.ID_CHECK_LIMIT_PER_HOUR}
        }
    services.log_id_number_check(actor=user, number=info.number)
    region = selectors.division_name(info.region_code.ljust(12, "0"))
    result: dict[str, Any] = {"info": info, "region": region, "mode": mode}
    existing = selectors.id_number_registration(user, info.number, exclude=exclude)
    if existing is not None:
        result["existing"] = existing
    return result


@action_required(Action.EDIT_REGISTRY)
@require_POST
def id_number_check(request: HttpRequest) -> HttpResponse:
    """HTMX: check the identity number typed on the register, edit or transfer form."""
    mode = (
        request.GET.get("mode") if request.GET.get("mode") in ("transfer", "edit") else "register"
    )
    check = id_check_context(
        request.user,
        request.POST.get("id_number", ""),
        mode=mode,
        exclude=uuid_or_none(request.GET.get("self")),
    )
    return render(request, "registry/_id_check.html", {"check": check})


def preview_context(user, data, *, person: Person | None = None) -> dict[str, Any]:
    """Population type and the missing 八个清楚 of what the form holds now (nothing saved)."""
    today = timezone.localdate()
    hukou = (data.get("hukou_division") or "").strip()
    division = selectors.division_get(hukou)
    if person is not None:
        residence = person.unit_id
        has_home = bool(person.household_id)
    else:
        residence = selectors.building_unit_code(user, uuid_or_none(data.get("building")))
        has_home = bool(data.get("household") or (data.get("new_household") or "").strip())
    population_type = None
    if division is not None and residence:
        population_type = services.population_type_for(
            hukou_code=division.code,
            residence_code=residence,
            outflow=person is not None and person.population_type == PopulationType.OUTFLOW,
        )
    elif person is not None and person.population_type == PopulationType.OUTFLOW:
        population_type = PopulationType.OUTFLOW
    birth_date, sex = _parse_date(data.get("birth_date")), data.get("sex") or ""
    try:
        info = parse_id_number(data.get("id_number") or "", today=today)
        birth_date, sex = birth_date or info.birth_date, sex or info.sex
    except ValidationError:
        pass
    values = {
        "population_type": population_type,
        "name": (data.get("name") or "").strip(),
        "hukou_division": division.code if division else "",
        "hukou_address": (data.get("hukou_address") or "").strip(),
        "household": has_home,
        "flow_out_division": person.flow_out_division_id if person else None,
        "flow_out_address": person.flow_out_address if person else "",
        "flow_out_date": person.flow_out_date if person else None,
        "birth_date": birth_date,
        "sex": sex,
        "marital_status": data.get("marital_status") or "",
        "children_count": _children_count(data),
        "contraception": data.get("contraception")
        if "contraception" in data
        else (person.contraception if person else ""),
        "employment": data.get("employment") or "",
        "flow_in_date": data.get("flow_in_date") or None,
    }
    missing = rules.eight_clear_missing(values, today=today) if population_type else []
    return {
        "population_type": population_type,
        "population_type_label": PopulationType(population_type).label if population_type else "",
        "is_migrant": population_type in (PopulationType.INFLOW, PopulationType.OUTFLOW),
        "division": division,
        "hukou_code": hukou,
        "missing": [rules.EIGHT_CLEAR[key] for key in missing],
    }


def _parse_date(value: Any) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        return None


def _children_count(data) -> int | None:
    typed = (data.get("children_count") or "").strip()
    if typed.isdigit():
        return int(typed)
    try:
        total = int(data.get("children-TOTAL_FORMS") or 0)
    except ValueError:
        total = 0
    rows = sum(
        1
        for i in range(min(total, 20))
        if data.get(f"children-{i}-birth_date") and not data.get(f"children-{i}-DELETE")
    )
    return rows or None


def preview(request: HttpRequest, person: Person | None = None) -> HttpResponse:
    return render(
        request,
        "registry/person_form_preview.html",
        {"preview": preview_context(request.user, request.POST, person=person)},
    )
