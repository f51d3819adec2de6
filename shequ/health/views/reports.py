"""The monthly report pages: list and generate, detail, submit/return/approve/unlock."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from shequ.core.forms import add_service_errors
from shequ.core.versions import EditConflict
from shequ.core.web import paginate, query_without
from shequ.health import rules, selectors, services
from shequ.health.forms import (
    NoteForm,
    ReasonForm,
    ReportGenerateForm,
)
from shequ.health.views._common import _style
from shequ.org.models import OrgUnit
from shequ.org.permissions import StaffRequest, staff_required
from shequ.org.roles import Action, Role, can


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
