"""The health pages: the target list, facilities, service records, the monthly reports
and the claims. Each parses its form, calls one selector or service, renders."""

import datetime
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from shequ.core.forms import add_service_errors
from shequ.core.tabular import Column, Table
from shequ.core.versions import EditConflict
from shequ.core.web import download, paginate, query_without
from shequ.health import rules, selectors, services
from shequ.health.forms import (
    ClaimCompileForm,
    FacilityForm,
    FacilityStaffForm,
    NoteForm,
    ReasonForm,
    ReportGenerateForm,
    ServiceRecordForm,
)
from shequ.health.models import PREPREGNANCY_ITEMS, ClaimBatch, Facility, MonthlyReport
from shequ.org.models import OrgUnit, User
from shequ.org.permissions import StaffRequest, action_required, staff_required
from shequ.org.roles import Action, Level, Role, can
from shequ.org.scoping import code_in_scope
from shequ.org.selectors import org_units_visible
from shequ.registry.models import Person
from shequ.registry.rules import age_on


def _health_required(request: StaffRequest) -> None:
    if not selectors.may_see_services(request.user):
        raise PermissionDenied(_("查看健康服务信息需要“查看健康信息”权限。"))


def _month(text: str | None) -> datetime.date:
    today = timezone.localdate()
    if text:
        try:
            return datetime.datetime.strptime(text[:7], "%Y-%m").date()
        except ValueError:
            pass
    return today.replace(day=1)


def _style(form) -> None:
    for field in form.fields.values():
        field.widget.attrs.setdefault("class", "form-control form-control-sm")


# --- The target list ----------------------------------------------------------------

TARGET_TABLE = Table(
    "health_targets",
    "服务对象",
    [
        Column(str(_("姓名")), "name"),
        Column(str(_("年龄")), "age"),
        Column(str(_("人口类型")), "population_type"),
        Column(str(_("网格/社区")), "unit"),
        Column(str(_("结婚日期")), "marriage_date"),
    ],
)


@staff_required
@require_http_methods(["GET"])
def target_list(request: StaffRequest) -> HttpResponse:
    _health_required(request)
    user = request.user
    month = _month(request.GET.get("month"))
    unit_code = request.GET.get("unit") or (user.unit_id or "")
    if not unit_code.isdigit() or not code_in_scope(user, unit_code):
        unit_code = user.unit_id or ""
    prefix = OrgUnit.prefix_for(unit_code) if unit_code else ""
    people = selectors.target_list(prefix, month, user).order_by("unit_id", "name", "id")
    end = rules.month_end(month)
    if request.GET.get("export") == "xlsx":
        rows = [
            {
                "name": p.name,
                "age": age_on(p.birth_date, end),
                "population_type": p.get_population_type_display(),
                "unit": p.unit_id,
                "marriage_date": p.marriage_date,
            }
            for p in people.iterator()
        ]
        return download(TARGET_TABLE, rows, basename=f"targets-{month:%Y-%m}")
    page = paginate(request, people)
    for person in page.object_list:
        person.age = age_on(person.birth_date, end)
        person.reasons = selectors.target_reasons(person, month)
    selectors.log_health_read(user, list(page.object_list), ["health_target"], channel="web")
    return render(
        request,
        "health/target_list.html",
        {
            "page": page,
            "month": month,
            "unit_code": unit_code,
            "units": org_units_visible(user)
            .filter(level__lte=Level.COMMUNITY, is_active=True)
            .order_by("code")[:300],
            "query": query_without(request, "page"),
        },
    )


# --- Facilities ---------------------------------------------------------------------


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
    may_manage = can(request.user, Action.MANAGE_FACILITIES) and code_in_scope(
        request.user, facility.unit_code, personal=False
    )
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
        {"facility": facility, "staff": staff, "form": form, "may_manage": may_manage},
    )


# --- Service records ----------------------------------------------------------------

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


def _url(name: str, **kwargs: Any) -> str:
    from django.urls import reverse

    return reverse(name, kwargs=kwargs or None)


def _person(user: User, uid) -> Person:
    from shequ.org.scoping import get_in_scope_or_404

    return get_in_scope_or_404(Person.objects.all(), user, uid=uid)


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


# --- Monthly reports ----------------------------------------------------------------


@staff_required
@require_http_methods(["GET", "POST"])
def report_list(request: StaffRequest) -> HttpResponse:
    user = request.user
    form = ReportGenerateForm(
        request.POST or None, initial={"month": timezone.localdate().replace(day=1)}
    )
    if request.method == "POST":
        if user.unit is None or rules.report_level(user.unit.prefix) is None:
            raise PermissionDenied(_("报告由社区和街道填报。"))
        if form.is_valid():
            try:
                report = services.report_generate(
                    actor=user, unit=user.unit, month=form.cleaned_data["month"]
                )
            except (ValidationError, LookupError) as exc:
                if isinstance(exc, ValidationError):
                    add_service_errors(form, exc)
                else:
                    form.add_error(None, str(exc))
            else:
                return redirect("health:report_detail", uid=report.uid)
    filterset = selectors.ReportFilter(request.GET, queryset=selectors.reports_visible(user))
    rows = filterset.qs if filterset.is_valid() else filterset.queryset.none()
    page = paginate(request, rows.order_by("-month", "unit_code"))
    names = selectors.unit_names([r.unit_code for r in page.object_list])
    today = timezone.localdate()
    for report in page.object_list:
        report.unit_name = names.get(report.unit_code, report.unit_code)
        report.late = report.state in ("draft", "returned") and report.deadline < today
    _style(filterset.form)
    return render(
        request,
        "health/report_list.html",
        {
            "page": page,
            "filter": filterset.form,
            "form": form,
            "query": query_without(request, "page"),
            "can_generate": bool(
                user.unit
                and rules.report_level(user.unit.prefix)
                and can(user, Action.EDIT_REGISTRY)
            ),
        },
    )


@staff_required
@require_http_methods(["GET"])
def report_detail(request: StaffRequest, uid) -> HttpResponse:
    user = request.user
    report = selectors.report_get(user, uid)
    unit_prefix = OrgUnit.prefix_for(report.unit_code)
    own = user.unit.prefix if user.unit else ""
    reviewer = user.role in (Role.STREET, Role.DISTRICT) and own == (
        unit_prefix[:9] if len(unit_prefix) == 12 else unit_prefix[:6]
    )
    figures = report.figures or {}
    rows = [
        (rules.FIGURE_LABELS[key], figures.get(key))
        for key in rules.FIGURE_LABELS
        if key != "services"
    ]
    from shequ.health.models import ServiceKind

    services_rows = [(ServiceKind(k).label, n) for k, n in (figures.get("services") or {}).items()]
    history = list(report.history.select_related("history_user").order_by("-history_date")[:20])
    return render(
        request,
        "health/report_detail.html",
        {
            "report": report,
            "unit_name": selectors.unit_names([report.unit_code]).get(
                report.unit_code, report.unit_code
            ),
            "rows": rows,
            "services_rows": services_rows,
            "history": history,
            "own": user.unit_id == report.unit_code and can(user, Action.EDIT_REGISTRY),
            "reviewer": reviewer,
            "version": report.version,
        },
    )


@staff_required
@require_POST
def report_act(request: StaffRequest, uid, act: str) -> HttpResponse:
    user = request.user
    report = selectors.report_get(user, uid)
    form = (NoteForm if act == "submit" else ReasonForm)(request.POST)
    if act not in ("submit", "return", "approve", "unlock"):
        raise PermissionDenied
    if act == "approve":
        form = NoteForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            if act == "submit":
                services.report_submit(
                    actor=user, report=report, note=data.get("note", ""), version=data["version"]
                )
            elif act == "return":
                services.report_return(
                    actor=user, report=report, reason=data["reason"], version=data["version"]
                )
            elif act == "approve":
                services.report_approve(actor=user, report=report, version=data["version"])
            else:
                services.report_unlock(
                    actor=user, report=report, reason=data["reason"], version=data["version"]
                )
        except (ValidationError, EditConflict) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        else:
            messages.success(request, _("已完成。"))
    else:
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect("health:report_detail", uid=report.uid)


# --- Claims -------------------------------------------------------------------------

CLAIM_TABLE = Table(
    "health_claims",
    "报销批次",
    [
        Column(str(_("月份")), "month"),
        Column(str(_("街道")), "unit"),
        Column(str(_("定点医院")), "hospital"),
        Column(str(_("例数")), "count"),
        Column(str(_("金额（元）")), "total"),
        Column(str(_("状态")), "state"),
    ],
)


@staff_required
@require_http_methods(["GET", "POST"])
def claim_list(request: StaffRequest) -> HttpResponse:
    user = request.user
    hospitals = list(
        selectors.facilities_visible(user).filter(kind=Facility.Kind.HOSPITAL, is_active=True)
    )
    form = ClaimCompileForm(request.POST or None, hospitals=hospitals)
    if request.method == "POST":
        if user.role != Role.STREET or user.unit is None:
            raise PermissionDenied(_("报销由街道汇总。"))
        if form.is_valid():
            hospital = next(h for h in hospitals if str(h.uid) == form.cleaned_data["hospital"])
            try:
                batch = services.claim_compile(
                    actor=user,
                    street=user.unit,
                    month=form.cleaned_data["month"],
                    hospital=hospital,
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                return redirect("health:claim_detail", uid=batch.uid)
    filterset = selectors.ClaimFilter(request.GET, queryset=selectors.claims_visible(user))
    rows = (filterset.qs if filterset.is_valid() else filterset.queryset.none()).order_by(
        "-month", "unit_code"
    )
    if request.GET.get("export") == "xlsx":
        names = selectors.unit_names(list({c.unit_code for c in rows}))
        data = [
            {
                "month": f"{c.month:%Y-%m}",
                "unit": names.get(c.unit_code, c.unit_code),
                "hospital": c.hospital.name,
                "count": c.count,
                "total": c.total,
                "state": c.get_state_display(),
            }
            for c in rows
        ]
        return download(CLAIM_TABLE, data, basename="claims")
    page = paginate(request, rows)
    _style(filterset.form)
    return render(
        request,
        "health/claim_list.html",
        {
            "page": page,
            "filter": filterset.form,
            "form": form,
            "totals": selectors.claim_totals(rows),
            "query": query_without(request, "page"),
            "export_query": query_without(request, "page", "export"),
            "can_compile": user.role == Role.STREET,
        },
    )


@staff_required
@require_http_methods(["GET", "POST"])
def claim_detail(request: StaffRequest, uid) -> HttpResponse:
    user = request.user
    batch = selectors.claim_get(user, uid)
    if request.method == "POST":
        form = (
            ReasonForm(request.POST)
            if request.POST.get("act") == "return"
            else NoteForm(request.POST)
        )
        act = request.POST.get("act")
        if form.is_valid():
            data = form.cleaned_data
            try:
                if act == "submit":
                    services.claim_submit(actor=user, batch=batch, version=data["version"])
                elif act in ("approve", "return"):
                    services.claim_decide(
                        actor=user,
                        batch=batch,
                        approve=act == "approve",
                        reason=data.get("reason", ""),
                        version=data["version"],
                    )
                else:
                    raise PermissionDenied
            except (ValidationError, EditConflict) as exc:
                messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
            else:
                messages.success(request, _("已完成。"))
        else:
            messages.error(
                request, " ".join(str(e) for errors in form.errors.values() for e in errors)
            )
        return redirect("health:claim_detail", uid=batch.uid)
    records = batch.records.select_related("person").order_by("date", "id")[:500]
    own_prefix = user.unit.prefix if user.unit else ""
    return render(
        request,
        "health/claim_detail.html",
        {
            "batch": batch,
            "records": records,
            "street": user.role == Role.STREET and user.unit_id == batch.unit_code,
            "district": user.role == Role.DISTRICT and own_prefix == batch.unit_code[:6],
            "editable": batch.state in (ClaimBatch.State.DRAFT, ClaimBatch.State.RETURNED),
        },
    )


__all__ = ["MonthlyReport"]


# --- The work book ------------------------------------------------------------------


@staff_required
@require_http_methods(["GET"])
def workbook(request: StaffRequest) -> HttpResponse:
    """一册一账一单 of a unit (default: the user's own) and a month, as PDF or Excel."""
    from django.http import Http404

    from shequ.health import workbook as book
    from shequ.org.audit import audit_export

    _health_required(request)
    user = request.user
    code = request.GET.get("unit") or user.unit_id or ""
    unit = OrgUnit.objects.filter(code=code, is_active=True).first() if code.isdigit() else None
    if unit is None or not code_in_scope(user, unit.code):
        raise Http404
    month = _month(request.GET.get("month"))
    fmt = request.GET.get("format", "xlsx")
    if fmt not in ("xlsx", "pdf"):
        fmt = "xlsx"
    parts = book.sections(user, unit, month)
    title = _("%(unit)s %(month)s 一册一账一单") % {"unit": unit.name, "month": f"{month:%Y-%m}"}
    selectors.log_health_read(
        user, book.persons_shown(user, unit, month), ["health_workbook"], channel="export"
    )
    audit_export(
        actor=user,
        kind="health_workbook",
        target_type="org.orgunit",
        label=title,
        changes={
            "rows": sum(len(p.rows) for p in parts),
            "unit": unit.code,
            "month": f"{month:%Y-%m}",
            "format": fmt,
        },
    )
    if fmt == "pdf":
        content, kind = book.to_pdf(title, parts), "application/pdf"
    else:
        content, kind = (
            book.to_xlsx(parts),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response = HttpResponse(content, content_type=kind)
    response["Content-Disposition"] = (
        f'attachment; filename="workbook-{unit.code}-{month:%Y-%m}.{fmt}"'
    )
    return response
