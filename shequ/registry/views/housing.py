"""Housing pages (以房管人): buildings, their homes and who lives there, landlords.

Every role sees the buildings of its jurisdiction; only roles that may edit the registry get
the buttons, and the change views answer 403 to the others.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from shequ.core.forms import add_service_errors, show_conflict
from shequ.core.identifiers import mask_id_number
from shequ.core.versions import EditConflict
from shequ.core.web import ListPaginator, paginate, query_without, sort_by
from shequ.org.permissions import action_required, staff_required
from shequ.org.roles import Action, Level, can
from shequ.org.scoping import code_in_scope
from shequ.registry import selectors, services
from shequ.registry.disclosure import age_shown, shows_birth_date
from shequ.registry.forms.housing import (
    BuildingEditForm,
    BuildingForm,
    HouseholdEditForm,
    HouseholdForm,
    ReasonForm,
    building_search_choices,
    unit_filter_choices,
)
from shequ.registry.models import Building, Household, PopulationType
from shequ.registry.rules import landlord_kind

BUILDING_SORTS = {
    "name": ("name", "id"),
    "unit": ("unit_id", "name", "id"),
    "households": ("household_count", "id"),
    "residents": ("resident_count", "id"),
    "rented": ("rented_count", "id"),
}


@staff_required
def building_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    data = request.GET.copy()
    if not data.get("is_active"):
        data["is_active"] = "true"  # buildings taken out of use only when asked for
    filterset = selectors.BuildingFilter(
        data, queryset=selectors.buildings_with_counts(user), request=request
    )
    buildings, sort = sort_by(request, filterset.qs, BUILDING_SORTS, "unit")
    query = query_without(request, "page")
    return render(
        request,
        "registry/building_list.html",
        {
            "page": paginate(request, buildings, paginator_class=ListPaginator),
            "filters": data,
            "kinds": Building.Kind.choices,
            "units": unit_filter_choices(user, data.get("unit", "")),
            "sort": sort,
            "query": query,
            "sort_query": query_without(request, "page", "sort"),
            "export_query": query_without(request, "page", "sort", "page_size"),
            "can_edit": can(user, Action.EDIT_REGISTRY),
            "can_export": can(user, Action.EXPORT_REGISTRY),
        },
    )


@action_required(Action.EDIT_REGISTRY)
def building_options(request: HttpRequest) -> HttpResponse:
    """The <option>s of the building picker for the words typed in its search box (HTMX):
    at most 20 buildings of the jurisdiction; a single match comes chosen."""
    choices = building_search_choices(request.user, request.GET.get("building_search", ""))
    found = [value for value, _label in choices if value]
    return render(
        request,
        "registry/_building_options.html",
        {"choices": choices, "selected": found[0] if len(found) == 1 else ""},
    )


def _initial_unit(request: HttpRequest) -> str:
    user = request.user
    wanted = request.GET.get("unit") or ""
    if wanted and code_in_scope(user, wanted):
        return wanted
    if user.unit_id and user.unit.level >= Level.COMMUNITY:
        return user.unit_id
    return ""


@action_required(Action.EDIT_REGISTRY)
@require_http_methods(["GET", "POST"])
def building_create(request: HttpRequest) -> HttpResponse:
    form = BuildingForm(
        request.POST or None,
        user=request.user,
        initial={"unit": _initial_unit(request), "kind": Building.Kind.APARTMENT},
    )
    if request.method == "POST" and form.is_valid():
        try:
            building = services.building_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已建立楼栋 %(name)s。") % {"name": building.name})
            return redirect("registry:building_detail", uid=building.uid)
    return render(
        request,
        "registry/building_form.html",
        {
            "form": form,
            "title": _("新建楼栋"),
            "cancel_url": reverse("registry:building_list"),
        },
    )


def _decorate_residents(households: list[Household], user) -> None:
    """What the template shows of each resident and landlord, computed once here."""
    today = timezone.localdate()
    full_birth = shows_birth_date(user)
    for household in households:
        landlord = household.landlord
        household.landlord_visible = landlord is not None and code_in_scope(user, landlord.unit_id)
        household.landlord_kind = landlord_kind(
            registered=landlord is not None,
            population_type=landlord.population_type if landlord is not None else "",
        )
        for person in household.residents:
            person.membership = next(iter(person.current_memberships), None)
            person.age = age_shown(person.birth_date, today, full=full_birth)
            person.masked_id = mask_id_number(person.id_number)
            person.is_tenant = (
                household.is_rented or person.population_type == PopulationType.INFLOW
            )


@staff_required
def building_detail(request: HttpRequest, uid) -> HttpResponse:
    user = request.user
    building = selectors.building_get(user, uid)
    households = list(selectors.building_households(building))
    _decorate_residents(households, user)
    active = [h for h in households if h.is_active]
    return render(
        request,
        "registry/building_detail.html",
        {
            "building": building,
            "households": households,
            "household_count": len(active),
            "resident_count": sum(len(h.residents) for h in active),
            "rented_count": sum(1 for h in active if h.is_rented),
            "can_edit": can(user, Action.EDIT_REGISTRY) and building.is_active,
        },
    )


def _building_initial(building: Building) -> dict:
    return {
        "unit": building.unit_id,
        "name": building.name,
        "address": building.address,
        "kind": building.kind,
        "version": building.version,
    }


@action_required(Action.EDIT_REGISTRY)
@require_http_methods(["GET", "POST"])
def building_edit(request: HttpRequest, uid) -> HttpResponse:
    building = selectors.building_get(request.user, uid)
    form = BuildingEditForm(
        request.POST or None, user=request.user, initial=_building_initial(building)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.building_update(actor=request.user, building=building, **form.cleaned_data)
        except EditConflict as conflict:
            show_conflict(form, conflict, _building_initial(conflict.current))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已保存楼栋 %(name)s。") % {"name": building.name})
            return redirect("registry:building_detail", uid=building.uid)
    return render(
        request,
        "registry/building_form.html",
        {
            "form": form,
            "title": _("编辑楼栋：%(name)s") % {"name": building.name},
            "building": building,
            "cancel_url": reverse("registry:building_detail", args=[building.uid]),
        },
    )


@action_required(Action.EDIT_REGISTRY)
@require_http_methods(["GET", "POST"])
def building_close(request: HttpRequest, uid) -> HttpResponse:
    building = selectors.building_get(request.user, uid)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.building_close(
                actor=request.user, building=building, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("楼栋 %(name)s 已停用。") % {"name": building.name})
            return redirect("registry:building_detail", uid=building.uid)
    return render(
        request,
        "core/confirm.html",
        {
            "form": form,
            "title": _("停用楼栋：%(name)s") % {"name": building.name},
            "question": _(
                "楼栋拆除或合并后停用，其下各户一并停用；记录和历史保留。"
                "楼内还有在册人员时不能停用，请先办理迁出或迁移。确定停用吗？"
            ),
            "confirm_label": _("确认停用"),
            "danger": True,
            "cancel_url": reverse("registry:building_detail", args=[building.uid]),
        },
    )


@action_required(Action.EDIT_REGISTRY)
@require_http_methods(["GET", "POST"])
def household_create(request: HttpRequest, uid) -> HttpResponse:
    building = selectors.building_get(request.user, uid)
    form = HouseholdForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            household = services.household_create(
                actor=request.user, building=building, **form.service_values()
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已建立 %(h)s。") % {"h": household})
            return redirect(
                reverse("registry:building_detail", args=[building.uid]) + f"#h-{household.uid}"
            )
    return render(
        request,
        "registry/household_form.html",
        {
            "form": form,
            "building": building,
            "title": _("%(b)s：新建户") % {"b": building.name},
            "cancel_url": reverse("registry:building_detail", args=[building.uid]),
        },
    )


def _household_initial(household: Household) -> dict:
    return {
        "number": household.number,
        "is_rented": household.is_rented,
        "landlord_name": household.landlord_name,
        "landlord_phone": household.landlord_phone,
        "rented_since": household.rented_since,
        "lease_start": household.lease_start,
        "lease_end": household.lease_end,
        "use": household.use,
        "dormitory_of": household.dormitory_of,
        "version": household.version,
    }


@action_required(Action.EDIT_REGISTRY)
@require_http_methods(["GET", "POST"])
def household_edit(request: HttpRequest, uid) -> HttpResponse:
    household = selectors.household_get(request.user, uid)
    building = household.building
    form = HouseholdEditForm(
        request.POST or None,
        user=request.user,
        household=household,
        initial=_household_initial(household),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.household_update(
                actor=request.user,
                household=household,
                reason=form.cleaned_data["reason"],
                version=form.cleaned_data["version"],
                **form.service_values(),
            )
        except EditConflict as conflict:
            show_conflict(form, conflict, _household_initial(conflict.current))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已保存 %(h)s。") % {"h": household})
            return redirect(
                reverse("registry:building_detail", args=[building.uid]) + f"#h-{household.uid}"
            )
    return render(
        request,
        "registry/household_form.html",
        {
            "form": form,
            "building": building,
            "household": household,
            "title": _("编辑 %(h)s") % {"h": household},
            "cancel_url": reverse("registry:building_detail", args=[building.uid]),
        },
    )
