"""政务公开: the staff's pages and the public ones (/public/)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from shequ.core.forms import add_service_errors
from shequ.core.versions import EditConflict
from shequ.core.web import paginate, query_without
from shequ.desk import rules, selectors, services
from shequ.desk.forms import (
    DisclosureEditForm,
    DisclosureForm,
    MonthForm,
    ReasonForm,
)
from shequ.desk.models import DisclosureCategory
from shequ.desk.views._common import _style
from shequ.org.permissions import StaffRequest, action_required
from shequ.org.roles import Action

# --- Public disclosure (政务公开) -----------------------------------------------------------


@action_required(Action.READ_REGISTRY)
@require_GET
def disclosure_list(request: StaffRequest) -> HttpResponse:
    filterset = selectors.DisclosureFilter(
        request.GET, queryset=selectors.disclosures_visible(request.user), request=request
    )
    problems = filterset.problems()
    rows = (filterset.queryset.none() if problems else filterset.qs).order_by(
        "-published_on", "-id"
    )
    form = filterset.form
    _style(form)
    month = MonthForm(initial={"month": timezone.localdate()})
    _style(month)
    return render(
        request,
        "desk/disclosure_list.html",
        {
            "page": paginate(request, rows),
            "form": form,
            "problems": problems,
            "query": query_without(request, "page"),
            "can_edit": rules.may_step(request.user, "apply"),
            "month_form": month,
        },
    )


@action_required(Action.EDIT_REGISTRY)
@require_http_methods(["GET", "POST"])
def disclosure_new(request: StaffRequest) -> HttpResponse:
    form = DisclosureForm(request.POST or None, initial={"published_on": timezone.localdate()})
    _style(form)
    if request.method == "POST" and form.is_valid():
        try:
            services.disclosure_create(
                actor=request.user, unit=request.user.unit, values=form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已保存。"))
            return redirect("desk:disclosure_list")
    return render(request, "desk/disclosure_form.html", {"form": form})


@action_required(Action.EDIT_REGISTRY)
@require_http_methods(["GET", "POST"])
def disclosure_edit(request: StaffRequest, uid) -> HttpResponse:
    item = selectors.disclosure_get(request.user, uid)
    initial = {name: getattr(item, name) for name in ("category", "title", "body", "published_on")}
    form = DisclosureEditForm(request.POST or None, initial={**initial, "version": item.version})
    _style(form)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            services.disclosure_update(
                actor=request.user,
                item=item,
                values=data,
                reason=data.pop("reason"),
                version=data.pop("version"),
            )
        except EditConflict:
            form.add_error(None, _("该条目已被他人修改，请刷新后重新编辑。"))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已保存。"))
            return redirect("desk:disclosure_list")
    return render(request, "desk/disclosure_form.html", {"form": form, "item": item})


@action_required(Action.EDIT_REGISTRY)
@require_http_methods(["GET", "POST"])
def disclosure_withdraw(request: StaffRequest, uid) -> HttpResponse:
    item = selectors.disclosure_get(request.user, uid)
    form = ReasonForm(request.POST or None)
    _style(form)
    if request.method == "POST" and form.is_valid():
        try:
            services.disclosure_withdraw(
                actor=request.user, item=item, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已撤下。"))
            return redirect("desk:disclosure_list")
    return render(
        request,
        "core/confirm.html",
        {
            "form": form,
            "title": _("撤下：%(t)s") % {"t": item.title},
            "question": _("撤下后公众不再看到此条目；记录保留。"),
            "confirm_label": _("撤下"),
            "danger": True,
            "cancel_url": reverse("desk:disclosure_list"),
        },
    )


@action_required(Action.EDIT_REGISTRY)
@require_http_methods(["POST"])
def disclosure_publish_births(request: StaffRequest) -> HttpResponse:
    form = MonthForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择月份。"))
    else:
        try:
            item = services.disclosure_publish_births(
                actor=request.user, unit=request.user.unit, month=form.cleaned_data["month"]
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("已发布：%(t)s") % {"t": item.title})
    return redirect("desk:disclosure_list")


@require_GET
def public(request: HttpRequest) -> HttpResponse:
    """Public: 政务公开 by category, without login."""
    items = selectors.disclosures_public(timezone.localdate())
    category = request.GET.get("category", "")
    if category in DisclosureCategory.values:
        items = items.filter(category=category)
    return render(
        request,
        "desk/public.html",
        {
            "page": paginate(request, items.order_by("-published_on", "-id"), 20),
            "categories": DisclosureCategory.choices,
            "category": category,
            "query": query_without(request, "page"),
        },
    )


@require_GET
def public_item(request: HttpRequest, uid) -> HttpResponse:
    item = selectors.disclosures_public(timezone.localdate()).filter(uid=uid).first()
    if item is None:
        raise Http404
    return render(request, "desk/public_item.html", {"item": item})
