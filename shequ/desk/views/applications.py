"""Application pages: the list (with the overdue filter), a new one, its steps."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from shequ.core.forms import add_service_errors
from shequ.core.web import paginate, query_without
from shequ.desk import rules, selectors, services, tables
from shequ.desk.forms import (
    ApplicationForm,
    ConfirmForm,
    ReasonForm,
)
from shequ.desk.views._common import _style, export_list
from shequ.org.permissions import StaffRequest, action_required
from shequ.org.roles import Action, can
from shequ.registry import selectors as registry_selectors

_l = gettext_lazy
STEP_WORDS = {
    "accept": (_l("受理申请"), _l("受理后开始计算承诺时限。"), _l("受理")),
    "review": (_l("审核申请"), _l("核对申请事项与登记信息一致后，审核通过。"), _l("审核通过")),
    "issue": (_l("办结并出具文书"), _l("将根据人口信息生成文书并编号。"), _l("出具文书")),
    "refuse": (_l("不予办理"), _l("请写明不予办理的原因，申请人将被告知。"), _l("不予办理")),
}


@action_required(Action.READ_REGISTRY)
@require_GET
def application_list(request: StaffRequest) -> HttpResponse:
    user = request.user
    filterset = selectors.ApplicationFilter(
        request.GET, queryset=selectors.applications_visible(user), request=request
    )
    problems = filterset.problems()
    rows = (filterset.queryset.none() if problems else filterset.qs).order_by("-applied_at", "-id")
    if request.GET.get("export"):
        return export_list(
            request,
            tables.applications_table(),
            rows,
            tables.application_row,
            target_type="desk.application",
        )
    page = paginate(request, rows)
    form = filterset.form
    _style(form)
    return render(
        request,
        "desk/application_list.html",
        {
            "page": page,
            "form": form,
            "problems": problems,
            "query": query_without(request, "page"),
            "can_export": can(request.user, Action.EXPORT_REGISTRY),
            "counts": selectors.application_counts(user),
            "can_apply": rules.may_step(user, "apply"),
        },
    )


@action_required(Action.EDIT_REGISTRY)
@require_http_methods(["GET", "POST"])
def application_new(request: StaffRequest) -> HttpResponse:
    user = request.user
    if not rules.may_step(user, "apply"):
        raise PermissionDenied(_("您的角色不能登记办事申请。"))
    form = ApplicationForm(request.POST or None)
    _style(form)
    if request.method == "POST" and form.is_valid():
        person = (
            registry_selectors.persons_visible(user)
            .filter(id_number=form.cleaned_data["id_number"])
            .first()
        )
        if person is None:
            form.add_error("id_number", _("您的辖区内没有登记这个身份证号码。"))
        else:
            try:
                application = services.application_create(
                    actor=user,
                    person=person,
                    kind=form.cleaned_data["kind"],
                    channel=form.cleaned_data["channel"],
                    note=form.cleaned_data["note"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("已登记申请。"))
                return redirect("desk:application_detail", uid=application.uid)
    return render(request, "desk/application_form.html", {"form": form})


@action_required(Action.READ_REGISTRY)
@require_GET
def application_detail(request: StaffRequest, uid) -> HttpResponse:
    application = selectors.application_get(request.user, uid)
    return render(
        request,
        "desk/application_detail.html",
        {
            "application": application,
            "steps": selectors.application_steps(application, request.user),
            "step_words": STEP_WORDS,
            "history": application.history.select_related("history_user").order_by("history_date"),
        },
    )


_STEP_SERVICES = {
    "accept": services.application_accept,
    "review": services.application_review,
    "issue": services.application_issue,
}


@action_required(Action.EDIT_REGISTRY)
@require_http_methods(["GET", "POST"])
def application_step(request: StaffRequest, uid, step: str) -> HttpResponse:
    """One step, asked first (a confirmation page; a refusal asks for its reason)."""
    if step not in STEP_WORDS:
        raise Http404
    application = selectors.application_get(request.user, uid)
    posted = request.POST if request.method == "POST" else None  # a confirmation posts nothing
    form: forms.Form = (ReasonForm if step == "refuse" else ConfirmForm)(posted)
    _style(form)
    if request.method == "POST" and form.is_valid():
        try:
            if step == "refuse":
                services.application_refuse(
                    actor=request.user, application=application, reason=form.cleaned_data["reason"]
                )
            else:
                _STEP_SERVICES[step](actor=request.user, application=application)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已办理：%(step)s。") % {"step": STEP_WORDS[step][2]})
            return redirect("desk:application_detail", uid=application.uid)
    title, question, label = STEP_WORDS[step]
    return render(
        request,
        "core/confirm.html",
        {
            "form": form,
            "title": f"{title}：{application}",
            "question": question,
            "confirm_label": label,
            "danger": step == "refuse",
            "cancel_url": reverse("desk:application_detail", args=[application.uid]),
        },
    )
