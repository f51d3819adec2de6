"""One row of a list: its facts and reasons, the check, a correction with its reason."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from shequ.benefits import selectors, services
from shequ.benefits.forms import (
    CorrectForm,
    NoteForm,
)
from shequ.benefits.models import (
    ListState,
    may_check,
    may_confirm,
)
from shequ.benefits.views._common import _confirm_page, _street_only
from shequ.core.forms import add_service_errors
from shequ.org.permissions import StaffRequest, action_required
from shequ.org.roles import Action, can


@action_required(Action.READ_REGISTRY)
@require_GET
def row_detail(request: StaffRequest, uid) -> HttpResponse:
    user = request.user
    row = selectors.row_get(user, uid)
    benefit_list = row.benefit_list
    street = may_confirm(user) and can(user, Action.EDIT_REGISTRY)
    return render(
        request,
        "benefits/row_detail.html",
        {
            "row": row,
            "benefit_list": benefit_list,
            "facts": row.facts,
            "payments": row.payments.order_by("period", "id"),
            "history": row.history.select_related("history_user").order_by("-history_date")[:20],
            "may_check": benefit_list.state == ListState.COMPUTED
            and row.checked_at is None
            and may_check(user)
            and can(user, Action.EDIT_REGISTRY),
            "may_correct": benefit_list.state == ListState.CONFIRMED and street,
        },
    )


@action_required(Action.EDIT_REGISTRY)
@require_http_methods(["GET", "POST"])
def row_check(request: StaffRequest, uid) -> HttpResponse:
    row = selectors.row_get(request.user, uid)
    form = NoteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.rows_check(
                actor=request.user,
                benefit_list=row.benefit_list,
                rows=selectors.rows_visible(request.user).filter(pk=row.pk),
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已核对。"))
            return redirect("benefits:row_detail", uid=row.uid)
    return _confirm_page(
        request,
        form,
        title=_("核对：%(name)s") % {"name": row.name},
        question=_("确认已核对此人的计算结果？如有异议请写明。"),
        label=_("核对完成"),
        cancel_url=reverse("benefits:row_detail", args=[row.uid]),
    )


@action_required(Action.EDIT_REGISTRY)
@require_http_methods(["GET", "POST"])
def row_correct(request: StaffRequest, uid) -> HttpResponse:
    _street_only(request.user)
    row = selectors.row_get(request.user, uid)
    form = CorrectForm(request.POST or None, initial={"include": "0" if row.included else "1"})
    if request.method == "POST" and form.is_valid():
        try:
            services.row_correct(
                actor=request.user,
                row=row,
                include=form.cleaned_data["include"],
                reason=form.cleaned_data["reason"],
                amount=form.cleaned_data["amount"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已更正。"))
            return redirect("benefits:row_detail", uid=row.uid)
    return render(
        request,
        "org/form.html",
        {
            "form": form,
            "title": _("更正：%(name)s") % {"name": row.name},
            "cancel_url": reverse("benefits:row_detail", args=[row.uid]),
        },
    )
