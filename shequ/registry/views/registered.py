"""Pages of registered households (户籍户, the 户口簿): the list, one household with its
members (current and past), opening one, taking members in and out with a reason; the
landlord's page; the typing settings with their re-typing jobs."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from shequ.core.forms import add_service_errors, show_conflict
from shequ.core.identifiers import mask_phone
from shequ.core.versions import EditConflict
from shequ.core.web import paginate, query_without, sort_by
from shequ.org.permissions import action_required, staff_required
from shequ.org.roles import Action, can
from shequ.org.scoping import code_in_scope
from shequ.registry import selectors, services
from shequ.registry.flow_rows import mask_name
from shequ.registry.forms.housing import unit_filter_choices
from shequ.registry.forms.registered import (
    MemberAddForm,
    MemberRemoveForm,
    RegisteredHouseholdEditForm,
    RegisteredHouseholdForm,
    TypingSettingsForm,
)
from shequ.registry.models import PopulationType
from shequ.registry.rules import landlord_kind
from shequ.registry.tasks import enqueue_retype_job
from shequ.registry.views.housing import _decorate_residents

SORTS = {
    "number": ("number", "id"),
    "head": ("head__name", "id"),
    "unit": ("unit_id", "number", "id"),
    "members": ("member_count", "id"),
}
_FILTERS = ("search", "unit", "is_active")


@staff_required
def registered_household_list(request: HttpRequest) -> HttpResponse:
    """户籍户: the registered households kept in the jurisdiction."""
    user = request.user
    data = request.GET.copy()
    if not data.get("is_active"):
        data["is_active"] = "true"
    filterset = selectors.RegisteredHouseholdFilter(
        data, queryset=selectors.registered_households_visible(user), request=request
    )
    households, sort = sort_by(request, filterset.qs, SORTS, "unit")
    filters = {name: request.GET.get(name, "") for name in _FILTERS}
    return render(
        request,
        "registry/registered_household_list.html",
        {
            "page": paginate(request, households),
            "filters": filters,
            "filtered": any(filters.values()),
            "units": unit_filter_choices(user, filters["unit"]),
            "sort": sort,
            "query": query_without(request, "page"),
            "sort_query": query_without(request, "page", "sort"),
            "can_edit": can(user, Action.EDIT_REGISTRY),
        },
    )


@staff_required
def registered_household_detail(request: HttpRequest, uid) -> HttpResponse:
    user = request.user
    household = selectors.registered_household_get(user, uid)
    members = selectors.registered_household_members(household)
    for member in members:
        member.visible = code_in_scope(user, member.person.unit_id)
    can_edit = can(user, Action.EDIT_REGISTRY) and household.is_active
    return render(
        request,
        "registry/registered_household_detail.html",
        {
            "household": household,
            "current": [m for m in members if m.left_on is None],
            "past": [m for m in members if m.left_on is not None],
            "can_edit": can_edit,
            "add_form": MemberAddForm(user=user) if can_edit else None,
        },
    )


@action_required(Action.EDIT_REGISTRY)
@require_http_methods(["GET", "POST"])
def registered_household_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    head = None
    if request.GET.get("head"):
        head = selectors.person_get(user, request.GET["head"])
    form = RegisteredHouseholdForm(request.POST or None, user=user, head=head)
    if request.method == "POST" and form.is_valid():
        try:
            household = services.registered_household_create(actor=user, **form.service_values())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已建立户籍户。"))
            return redirect("registry:registered_household_detail", uid=household.uid)
    return render(
        request,
        "registry/registered_household_form.html",
        {"form": form, "head": head, "title": _("建立户籍户")},
    )


def _edit_initial(household) -> dict:
    return {"number": household.number, "address": household.address, "version": household.version}


@action_required(Action.EDIT_REGISTRY)
@require_http_methods(["GET", "POST"])
def registered_household_edit(request: HttpRequest, uid) -> HttpResponse:
    user = request.user
    household = selectors.registered_household_get(user, uid)
    form = RegisteredHouseholdEditForm(request.POST or None, initial=_edit_initial(household))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.registered_household_update(
                actor=user,
                household=household,
                number=data["number"],
                address=data["address"],
                division=household.division_id,
                reason=data["reason"],
                version=data["version"],
            )
        except EditConflict as conflict:
            show_conflict(form, conflict, _edit_initial(conflict.current))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已保存。"))
            return redirect("registry:registered_household_detail", uid=household.uid)
    return render(
        request,
        "registry/registered_household_form.html",
        {"form": form, "household": household, "title": _("编辑户籍户")},
    )


@action_required(Action.EDIT_REGISTRY)
@require_http_methods(["POST"])
def registered_household_add_member(request: HttpRequest, uid) -> HttpResponse:
    user = request.user
    household = selectors.registered_household_get(user, uid)
    form = MemberAddForm(request.POST, user=user)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.registered_household_add_member(
                actor=user,
                household=household,
                person=data["id_number"],
                relation=data["relation"],
                joined_on=data.get("joined_on"),
                reason=data["reason"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("%(p)s 已入户。") % {"p": data["id_number"].name})
            return redirect("registry:registered_household_detail", uid=household.uid)
    members = selectors.registered_household_members(household)
    for member in members:
        member.visible = code_in_scope(user, member.person.unit_id)
    return render(
        request,
        "registry/registered_household_detail.html",
        {
            "household": household,
            "current": [m for m in members if m.left_on is None],
            "past": [m for m in members if m.left_on is not None],
            "can_edit": household.is_active,
            "add_form": form,
        },
        status=400,
    )


@action_required(Action.EDIT_REGISTRY)
@require_http_methods(["GET", "POST"])
def registered_household_remove_member(request: HttpRequest, uid) -> HttpResponse:
    """离户, after a confirmation page that names the member and asks the reason."""
    user = request.user
    member = selectors.registered_member_get(user, uid)
    form = MemberRemoveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.registered_household_remove_member(
                actor=user,
                member=member,
                left_on=form.cleaned_data.get("left_on"),
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("%(p)s 已离户。") % {"p": member.person.name})
            return redirect("registry:registered_household_detail", uid=member.household.uid)
    return render(
        request, "registry/registered_member_remove.html", {"form": form, "member": member}
    )


@staff_required
def landlord_detail(request: HttpRequest, uid) -> HttpResponse:
    """A registered landlord (房屋出租户): the homes of the jurisdiction they let and who lives
    in each, names and phones masked unless the role keeps the housing register."""
    user = request.user
    landlord, homes = selectors.landlord_homes(user, uid)
    _decorate_residents(homes, user)
    contact = selectors.contact_visible(user)
    return render(
        request,
        "registry/landlord_detail.html",
        {
            "landlord": landlord,
            "name": landlord.name if contact else mask_name(landlord.name),
            "phone": landlord.phone if contact else mask_phone(landlord.phone),
            "kind": landlord_kind(registered=True, population_type=landlord.population_type),
            "landlord_visible": code_in_scope(user, landlord.unit_id),
            "homes": homes,
            "occupants": sum(len(h.residents) for h in homes if h.is_active),
        },
    )


@staff_required
@require_http_methods(["GET", "POST"])
def typing_settings(request: HttpRequest) -> HttpResponse:
    """人口分类设置: how the deployment types its people; a change (the city's administrator)
    re-types the registry in a background job whose report the page lists."""
    user = request.user
    current = selectors.typing_settings()
    may_change = services.may_change_typing(user)
    initial = {
        "separation_boundary": current.separation_boundary,
        "migrant_boundary": current.migrant_boundary,
        "service_months": current.service_months,
        "version": current.version,
    }
    form = TypingSettingsForm(request.POST or None, initial=initial) if may_change else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied(_("只有市级系统管理员可以修改人口分类设置。"))
        if form.is_valid():
            data = dict(form.cleaned_data)
            try:
                job = services.typing_settings_update(actor=user, **data)
            except EditConflict as conflict:
                show_conflict(form, conflict, initial)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                enqueue_retype_job(job)
                messages.success(request, _("设置已保存，正在按新设置重新分类。"))
                return redirect("registry:retype_job_detail", uid=job.uid)
    return render(
        request,
        "registry/typing_settings.html",
        {
            "settings": current,
            "form": form,
            "jobs": list(selectors.retype_jobs_visible(user)[:20]),
        },
    )


@staff_required
def retype_job_detail(request: HttpRequest, uid) -> HttpResponse:
    job = selectors.retype_job_get(request.user, uid)
    rows = []
    labels = dict(PopulationType.choices)
    for key, count in job.report.items():
        before, _arrow, after = key.partition("→")
        rows.append((labels.get(before, before), labels.get(after, after), count))
    return render(
        request,
        "registry/retype_job.html",
        {"job": job, "rows": rows, "back": reverse("registry:typing_settings")},
    )
