"""Facility pages: list, create, detail (staff), edit and deactivate/activate with reason."""

from typing import cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from shequ.core.forms import add_service_errors, show_conflict
from shequ.core.versions import EditConflict
from shequ.core.web import paginate, query_without
from shequ.health import selectors, services
from shequ.health.forms import (
    FacilityActiveForm,
    FacilityEditForm,
    FacilityForm,
    FacilityStaffForm,
)
from shequ.health.models import Facility
from shequ.health.views._common import _style
from shequ.org.models import User
from shequ.org.permissions import StaffRequest, action_required, staff_required
from shequ.org.roles import Action, Level, can
from shequ.org.selectors import org_units_visible


@staff_required
@require_http_methods(["GET"])
def facility_list(request: StaffRequest) -> HttpResponse:
    filterset = selectors.FacilityFilter(
        request.GET, queryset=selectors.facilities_visible(request.user)
    )
    rows = filterset.qs if filterset.is_valid() else filterset.queryset.none()
    page = paginate(request, rows.order_by("unit_code", "kind", "name"))
    names = selectors.unit_names([f.unit_code for f in page.object_list])
    for facility in page.object_list:
        facility.unit_name = names.get(facility.unit_code, facility.unit_code)
    _style(filterset.form)
    return render(
        request,
        "health/facility_list.html",
        {
            "page": page,
            "form": filterset.form,
            "query": query_without(request, "page"),
            "can_manage": can(request.user, Action.MANAGE_FACILITIES),
        },
    )


@action_required(Action.MANAGE_FACILITIES)
@require_http_methods(["GET", "POST"])
def facility_create(request: StaffRequest) -> HttpResponse:
    units = (
        org_units_visible(request.user)
        .filter(level__in=[Level.DISTRICT, Level.STREET, Level.COMMUNITY], is_active=True)
        .order_by("code")[:500]
    )
    form = FacilityForm(request.POST or None, units=units)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        unit = next(u for u in units if u.code == data.pop("unit"))
        try:
            services.facility_create(actor=request.user, unit=unit, **data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已建立服务机构。"))
            return redirect("health:facility_list")
    return render(
        request, "org/form.html", {"form": form, "title": _("新建服务机构"), "cancel_url": "../"}
    )


@staff_required
@require_http_methods(["GET", "POST"])
def facility_detail(request: StaffRequest, uid) -> HttpResponse:
    facility = selectors.facility_get(request.user, uid)
    may_manage = selectors.facility_may_manage(request.user, facility)
    form = FacilityStaffForm(request.POST or None)
    if request.method == "POST":
        if not may_manage:
            raise PermissionDenied(_("您不能管理该机构。"))
        if form.is_valid():
            user = User.objects.filter(
                username=form.cleaned_data["username"], unit_id=facility.unit_code
            ).first()
            if user is None:
                form.add_error("username", _("该单位没有这个账号。"))
            else:
                try:
                    services.facility_staff_set(actor=request.user, facility=facility, user=user)
                except ValidationError as exc:
                    add_service_errors(form, exc)
                else:
                    messages.success(request, _("已归属本机构。"))
                    return redirect("health:facility_detail", uid=facility.uid)
    staff = facility.staff.select_related("user").order_by("user__username")
    return render(
        request,
        "health/facility_detail.html",
        {
            "facility": facility,
            "staff": staff,
            "form": form,
            "may_manage": may_manage,
            "history": selectors.facility_history(facility)[:20],
            "unit_name": selectors.unit_names([facility.unit_code]).get(facility.unit_code, ""),
        },
    )


def _facility_initial(facility: Facility) -> dict:
    return {
        "name": facility.name,
        "kind": facility.kind,
        "address": facility.address,
        "phone": facility.phone,
        "version": facility.version,
    }


def _managed_facility(request: StaffRequest, uid) -> Facility:
    """The facility, if the user may run it: 404 outside what they see, 403 for one they
    see but do not manage (a community's view of its district's hospital)."""
    facility = selectors.facility_get(request.user, uid)
    if not selectors.facility_may_manage(request.user, facility):
        raise PermissionDenied(_("您不能管理该机构。"))
    return facility


@action_required(Action.MANAGE_FACILITIES)
@require_http_methods(["GET", "POST"])
def facility_edit(request: StaffRequest, uid) -> HttpResponse:
    """Edit a facility's name, kind, address and phone, with the reason (kept in history)."""
    facility = _managed_facility(request, uid)
    form = FacilityEditForm(request.POST or None, initial=_facility_initial(facility))
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        reason, version = data.pop("reason"), data.pop("version")
        try:
            services.facility_update(
                actor=request.user, facility=facility, values=data, reason=reason, version=version
            )
        except EditConflict as conflict:
            show_conflict(form, conflict, _facility_initial(cast(Facility, conflict.current)))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已保存服务机构。"))
            return redirect("health:facility_detail", uid=facility.uid)
    return render(
        request,
        "org/form.html",
        {
            "form": form,
            "title": _("编辑服务机构：%(name)s") % {"name": facility.name},
            "cancel_url": reverse("health:facility_detail", args=[facility.uid]),
        },
    )


@action_required(Action.MANAGE_FACILITIES)
@require_http_methods(["GET", "POST"])
def facility_set_active(request: StaffRequest, uid, active: bool) -> HttpResponse:
    """Deactivate a facility (or use it again): a confirmation page asking the reason."""
    facility = _managed_facility(request, uid)
    form = FacilityActiveForm(request.POST or None, initial={"version": facility.version})
    if request.method == "POST" and form.is_valid():
        try:
            services.facility_set_active(
                actor=request.user,
                facility=facility,
                active=active,
                reason=form.cleaned_data["reason"],
                version=form.cleaned_data["version"],
            )
        except EditConflict as conflict:
            show_conflict(form, conflict, {"version": cast(Facility, conflict.current).version})
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已启用服务机构。") if active else _("已停用服务机构。"))
            return redirect("health:facility_detail", uid=facility.uid)
    return render(
        request,
        "health/facility_active.html",
        {
            "form": form,
            "facility": facility,
            "active": active,
            "records": facility.records.count(),
            "staff": facility.staff.count(),
        },
    )
