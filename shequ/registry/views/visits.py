"""每月一查 and its follow-up: the checks list (with what is overdue per unit), a visit to a
home, the pending departures (人走注销) and the street's quarterly review (每季度一核对)."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from shequ.core.identifiers import mask_id_number
from shequ.core.tabular import Column, Table
from shequ.core.web import download, paginate, query_without
from shequ.org.audit import audit_export
from shequ.org.models import OrgUnit
from shequ.org.permissions import action_required, staff_required
from shequ.org.roles import Action, Level, can
from shequ.org.scoping import scoped
from shequ.registry import rules, selectors, services
from shequ.registry.forms import checks as check_forms
from shequ.registry.forms.housing import unit_filter_choices
from shequ.registry.models import PendingDeparture
from shequ.registry.rules import quarter_start

EXPORT_LIMIT = 20_000


def _style(form) -> None:
    for field in form.fields.values():
        if isinstance(field.widget, forms.HiddenInput):
            continue
        css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
        field.widget.attrs.setdefault("class", css)
        if isinstance(field, forms.DateField):
            field.widget = forms.DateInput(
                attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d"
            )


def _checks_table() -> Table:
    return Table(
        kind="checks",
        title=_("核查记录"),
        columns=[
            Column(_("日期"), "date", width=12),
            Column(_("类型"), "kind", width=10),
            Column(_("人员"), "person", width=10),
            Column(_("结果"), "result", width=10),
            Column(_("住户"), "home", width=16),
            Column(_("单位代码"), "unit", width=16, text=True),
            Column(_("核查人"), "actor", width=10),
            Column(_("说明"), "note", width=24),
        ],
    )


def _check_row(check) -> dict:
    home = check.visit.household if check.visit_id else None
    return {
        "date": check.date,
        "kind": check.get_kind_display(),
        "person": check.person.name,
        "result": check.get_result_display(),
        "home": str(home) if home else "",
        "unit": check.unit_code,
        "actor": check.actor.get_full_name() if check.actor else "",
        "note": check.note,
    }


@staff_required
@require_GET
def check_list(request: HttpRequest) -> HttpResponse:
    """The checks of the jurisdiction, filtered, with 每月一查 overdue per child unit."""
    user = request.user
    filterset = selectors.CheckFilter(
        request.GET, queryset=selectors.checks_visible(user), request=request
    )
    problems = filterset.problems()
    checks = (filterset.queryset.none() if problems else filterset.qs).order_by("-date", "-id")
    if request.GET.get("export") in ("xlsx", "csv") and not problems:
        if not can(user, Action.EXPORT_REGISTRY):
            raise PermissionDenied(_("您的角色不能导出数据。"))
        fmt = "csv" if request.GET["export"] == "csv" else "xlsx"
        rows = [_check_row(c) for c in checks[: EXPORT_LIMIT + 1]]
        if len(rows) > EXPORT_LIMIT:
            messages.error(
                request, _("符合条件的超过 %(n)d 条，请缩小范围后再导出。") % {"n": EXPORT_LIMIT}
            )
            return redirect(f"{request.path}?{query_without(request, 'export')}")
        audit_export(
            actor=user,
            kind="checks",
            target_type="registry.check",
            label=_("核查记录"),
            changes={"rows": len(rows), "format": fmt},
        )
        return download(_checks_table(), rows, basename="checks", fmt=fmt)
    page = paginate(request, checks)
    form = filterset.form
    form.fields["unit"].widget = forms.Select(
        choices=unit_filter_choices(user, request.GET.get("unit", ""))
    )
    form.fields["person"].widget = forms.HiddenInput()
    _style(form)
    unit = user.unit if not user.is_superuser else None
    overdue = (
        selectors.overdue_by_unit(user, unit, timezone.localdate()) if unit is not None else []
    )
    return render(
        request,
        "registry/check_list.html",
        {
            "page": page,
            "rows": [(c, _check_row(c)) for c in page.object_list],
            "form": form,
            "problems": problems,
            "overdue": overdue,
            "query": query_without(request, "page"),
            "export_query": query_without(request, "page", "export", "page_size"),
            "can_export": can(user, Action.EXPORT_REGISTRY),
            "tab": "checks",
        },
    )


@staff_required
@require_GET
def visit_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    filterset = selectors.VisitFilter(
        request.GET, queryset=selectors.visits_visible(user), request=request
    )
    problems = filterset.problems()
    visits = (filterset.queryset.none() if problems else filterset.qs).order_by("-date", "-id")
    form = filterset.form
    form.fields["unit"].widget = forms.Select(
        choices=unit_filter_choices(user, request.GET.get("unit", ""))
    )
    form.fields["household"].widget = forms.HiddenInput()
    _style(form)
    return render(
        request,
        "registry/visit_list.html",
        {
            "page": paginate(request, visits),
            "form": form,
            "problems": problems,
            "query": query_without(request, "page"),
            "tab": "visits",
        },
    )


@staff_required
@require_GET
def visit_detail(request: HttpRequest, uid) -> HttpResponse:
    visit = selectors.visit_get(request.user, uid)
    # The newcomers noted, each with the registration it can start (numbers masked here:
    # the form they prefill shows them to whoever registers).
    newcomers = [
        {"index": index, "name": n.name, "id_number": mask_id_number(n.id_number)}
        for index, n in enumerate(rules.newcomers_of(visit.newcomers))
    ]
    return render(
        request,
        "registry/visit_detail.html",
        {
            "visit": visit,
            "checks": selectors.visit_checks(visit),
            "newcomers": newcomers,
            "can_register": can(request.user, Action.EDIT_REGISTRY) and visit.household.is_active,
        },
    )


@action_required(Action.EDIT_REGISTRY)
@require_http_methods(["GET", "POST"])
def visit_record(request: HttpRequest, uid) -> HttpResponse:
    """每月一查 of one home: who was found, who has left (人不在), who arrived."""
    user = request.user
    household = selectors.household_get(user, uid)
    members = list(selectors.household_members(household))
    form = check_forms.VisitForm(
        request.POST if request.method == "POST" else None, members=members
    )
    if request.method == "POST" and form.is_valid():
        outcomes = form.outcomes()
        try:
            visit = services.visit_record(
                actor=user,
                household=household,
                date=form.cleaned_data["date"],
                absent=outcomes["absent"],
                corrected=outcomes["corrected"],
                newcomers=form.cleaned_data["newcomers"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("已记录对 %(home)s 的走访。") % {"home": household})
            return redirect("registry:visit_detail", uid=visit.uid)
    return render(request, "registry/visit_form.html", {"household": household, "form": form})


@staff_required
@require_GET
def pending_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    filterset = selectors.PendingDepartureFilter(
        request.GET, queryset=selectors.pending_departures_visible(user), request=request
    )
    problems = filterset.problems()
    pending = (filterset.queryset.none() if problems else filterset.qs).order_by(
        "-raised_on", "-id"
    )
    form = filterset.form
    form.fields["unit"].widget = forms.Select(
        choices=unit_filter_choices(user, request.GET.get("unit", ""))
    )
    _style(form)
    return render(
        request,
        "registry/pending_list.html",
        {
            "page": paginate(request, pending),
            "form": form,
            "problems": problems,
            "query": query_without(request, "page"),
            "can_edit": can(user, Action.EDIT_REGISTRY),
            "tab": "pending",
        },
    )


@action_required(Action.EDIT_REGISTRY)
@require_http_methods(["GET", "POST"])
def pending_resolve(request: HttpRequest, uid) -> HttpResponse:
    """Resolve a 人不在: confirm the departure (with a confirmation step) or found again."""
    user = request.user
    pending = selectors.pending_departure_get(user, uid)
    data = request.POST if request.method == "POST" else None
    form = check_forms.PendingResolveForm(data)
    confirming = False
    if data is not None and form.is_valid():
        values = form.cleaned_data
        departed = values["outcome"] == PendingDeparture.Status.DEPARTED
        if departed and data.get("confirmed") != "1":
            confirming = True
        else:
            try:
                services.pending_departure_resolve(
                    actor=user,
                    pending=pending,
                    outcome=values["outcome"],
                    reason=values["reason"],
                    date=values.get("date"),
                    division=values.get("division") or None,
                )
            except ValidationError as exc:
                for message in exc.messages:
                    form.add_error(None, message)
            else:
                messages.success(request, _("已处理 %(name)s。") % {"name": pending.person.name})
                return redirect("registry:pending_list")
    return render(
        request,
        "registry/pending_resolve.html",
        {"pending": pending, "form": form, "confirming": confirming},
    )


def _streets(user) -> list[OrgUnit]:
    units = scoped(
        OrgUnit.objects.filter(level=Level.STREET, is_active=True), user, "code", personal=False
    )
    return list(units.order_by("code"))


@staff_required
@require_http_methods(["GET", "POST"])
def review_list(request: HttpRequest) -> HttpResponse:
    """每季度一核对: the street's reviews of its communities' checks, and a new one."""
    user = request.user
    may_review = (
        can(user, Action.EDIT_REGISTRY)
        and user.unit is not None
        and user.unit.level <= Level.STREET
    )
    streets = _streets(user) if may_review else []
    form = check_forms.QuarterlyReviewForm(
        request.POST if request.method == "POST" else None, streets=streets
    )
    if request.method == "POST":
        if not may_review:
            raise PermissionDenied(_("季度核对由街道及以上工作人员记录。"))
        if form.is_valid():
            street = next(u for u in streets if u.code == form.cleaned_data["unit"])
            try:
                services.quarterly_review_record(
                    actor=user,
                    street=street,
                    quarter=form.cleaned_data["quarter"],
                    findings=form.cleaned_data["findings"],
                )
            except ValidationError as exc:
                for message in exc.messages:
                    form.add_error(None, message)
            else:
                messages.success(request, _("已记录 %(name)s 的季度核对。") % {"name": street})
                return redirect("registry:review_list")
    reviews = selectors.reviews_visible(user).order_by("-quarter", "-id")
    current = quarter_start(timezone.localdate())
    figures = (
        [(street, selectors.quarter_figures(street, current)) for street in streets[:5]]
        if request.method == "GET"
        else []
    )
    return render(
        request,
        "registry/review_list.html",
        {
            "page": paginate(request, reviews),
            "form": form,
            "may_review": may_review,
            "figures": figures,
            "current": current,
            "tab": "reviews",
        },
    )
