"""Service record pages: list (+ Excel), record a service for a person, detail."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from shequ.core.forms import add_service_errors
from shequ.core.tabular import Column, Table
from shequ.core.web import download, paginate, query_without
from shequ.health import selectors, services
from shequ.health.forms import (
    ServiceRecordForm,
)
from shequ.health.models import PREPREGNANCY_ITEMS
from shequ.health.views._common import _health_required, _person, _style, _url
from shequ.org.permissions import StaffRequest, staff_required
from shequ.org.roles import Action, Role, can

SERVICE_TABLE = Table(
    "health_services",
    "服务记录",
    [
        Column(str(_("服务日期")), "date"),
        Column(str(_("服务类型")), "kind"),
        Column(str(_("服务对象")), "person"),
        Column(str(_("服务机构")), "facility"),
        Column(str(_("状态")), "status"),
        Column(str(_("下次服务")), "next_due_date"),
    ],
)


@staff_required
@require_http_methods(["GET"])
def service_list(request: StaffRequest) -> HttpResponse:
    _health_required(request)
    user = request.user
    filterset = selectors.ServiceRecordFilter(
        request.GET, queryset=selectors.service_records_visible(user)
    )
    rows = (filterset.qs if filterset.is_valid() else filterset.queryset.none()).order_by(
        "-date", "-id"
    )
    if request.GET.get("export") == "xlsx" and can(user, Action.EXPORT_REGISTRY):
        data = [
            {
                "date": r.date,
                "kind": r.get_kind_display(),
                "person": r.person.name,
                "facility": r.facility.name if r.facility else "",
                "status": r.get_status_display(),
                "next_due_date": r.next_due_date,
            }
            for r in rows.iterator()
        ]
        return download(SERVICE_TABLE, data, basename="service-records")
    page = paginate(request, rows)
    selectors.log_health_read(
        user, [r.person for r in page.object_list], ["health_services"], channel="web"
    )
    _style(filterset.form)
    return render(
        request,
        "health/service_list.html",
        {
            "page": page,
            "form": filterset.form,
            "query": query_without(request, "page"),
            "can_record": user.role == Role.PROVIDER or can(user, Action.EDIT_REGISTRY),
            "can_export": can(user, Action.EXPORT_REGISTRY),
        },
    )


@staff_required
@require_http_methods(["GET", "POST"])
def service_create(request: StaffRequest, person_uid) -> HttpResponse:
    _health_required(request)
    user = request.user
    person = _person(user, person_uid)
    clinical = user.role == Role.PROVIDER
    facilities = list(
        selectors.facilities_visible(user).filter(is_active=True).order_by("name")[:200]
    )
    form = ServiceRecordForm(request.POST or None, facilities=facilities, clinical=clinical)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        chosen = data.pop("facility", "")
        data["facility"] = next((f for f in facilities if str(f.uid) == chosen), None)
        spouse_uid = data.pop("spouse", None)
        data["spouse"] = _person(user, spouse_uid) if spouse_uid else None
        try:
            services.service_record_create(actor=user, person=person, **data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已登记服务。"))
            return redirect(f"{_url('health:service_list')}?person={person.uid}")
    return render(
        request,
        "org/form.html",
        {
            "form": form,
            "title": _("登记服务：%(name)s") % {"name": person.name},
            "cancel_url": _url("health:service_list"),
        },
    )


@staff_required
@require_http_methods(["GET"])
def service_detail(request: StaffRequest, uid) -> HttpResponse:
    _health_required(request)
    record = selectors.service_record_get(request.user, uid)
    clinical = selectors.clinical_visible(request.user)
    if clinical:
        selectors.log_health_read(
            request.user, [record.person], list(record.CLINICAL_FIELDS), channel="web"
        )
    else:
        selectors.log_health_read(request.user, [record.person], ["health_services"], channel="web")
    items = []
    if clinical and record.items:
        for code, label in PREPREGNANCY_ITEMS:
            items.append(
                (
                    label,
                    record.items.get("woman", {}).get(code, ""),
                    record.items.get("man", {}).get(code, ""),
                )
            )
    return render(
        request,
        "health/service_detail.html",
        {"record": record, "clinical": clinical, "items": items},
    )
