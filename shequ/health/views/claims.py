"""The claim pages: list with totals (+ Excel), compile, detail, submit and decide."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from shequ.core.forms import add_service_errors
from shequ.core.tabular import Column, Table
from shequ.core.versions import EditConflict
from shequ.core.web import download, paginate, query_without
from shequ.health import selectors, services
from shequ.health.forms import (
    ClaimCompileForm,
    NoteForm,
    ReasonForm,
)
from shequ.health.models import ClaimBatch, Facility
from shequ.health.views._common import _style
from shequ.org.permissions import StaffRequest, staff_required
from shequ.org.roles import Role

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
