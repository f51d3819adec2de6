"""Declarations (the confirmations), the programmes with their rules, a person's
eligibility check."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from shequ.benefits import eligibility as eligibility_module
from shequ.benefits import selectors, services
from shequ.benefits.forms import (
    ConfirmationForm,
    EligibilityForm,
)
from shequ.benefits.rules import CONFIRMATION_KEYS, RULES, Programme
from shequ.core.forms import add_service_errors
from shequ.core.web import paginate, query_without
from shequ.org.permissions import StaffRequest, action_required
from shequ.org.roles import Action, can
from shequ.registry import selectors as registry_selectors


@action_required(Action.READ_REGISTRY)
@require_http_methods(["GET", "POST"])
def confirmation_list(request: StaffRequest) -> HttpResponse:
    user = request.user
    may_record = can(user, Action.EDIT_REGISTRY)
    form = ConfirmationForm(request.POST or None) if may_record else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied(_("您的角色不能登记承诺与核实。"))
        if form.is_valid():
            number = form.cleaned_data["id_number"]
            person = registry_selectors.persons_visible(user).filter(id_number=number).first()
            if person is None:
                form.add_error("id_number", _("您的辖区内没有登记这个身份证号码。"))
            else:
                try:
                    services.confirmation_record(
                        actor=user,
                        person=person,
                        key=form.cleaned_data["key"],
                        value=form.cleaned_data["value"],
                        note=form.cleaned_data["note"],
                    )
                except ValidationError as exc:
                    add_service_errors(form, exc)
                else:
                    messages.success(request, _("已登记。"))
                    return redirect("benefits:confirmation_list")
    rows = selectors.confirmations_visible(user).order_by("-recorded_at", "-id")
    search = (request.GET.get("search") or "").strip()
    if search:
        from shequ.core.text import prefix_q

        rows = rows.filter(prefix_q("person__name", search))
    return render(
        request,
        "benefits/confirmations.html",
        {
            "page": paginate(request, rows),
            "form": form,
            "search": search,
            "query": query_without(request, "page"),
            "labels": {key: label for key, (_p, label) in CONFIRMATION_KEYS.items()},
        },
    )


@action_required(Action.READ_REGISTRY)
@require_GET
def programme_list(request: StaffRequest) -> HttpResponse:
    code = request.user.unit_id or ""
    today = timezone.localdate()
    programmes = [
        {
            "key": key,
            "label": Programme(key).label,
            "rules": selectors.programme_rules(key, code, today),
        }
        for key in RULES
    ]
    return render(
        request,
        "benefits/programmes.html",
        {
            "programmes": programmes,
            "code": code,
            "today": today,
            "may_edit_rules": can(request.user, Action.MANAGE_RULES),
        },
    )


@action_required(Action.READ_REGISTRY)
@require_GET
def eligibility_check(request: StaffRequest) -> HttpResponse:
    """资格查询: one person's answer now, computed by the same function as the lists."""
    user = request.user
    form = EligibilityForm(request.GET or None)
    answer = None
    if request.GET and form.is_valid():
        person = (
            registry_selectors.persons_visible(user)
            .filter(id_number=form.cleaned_data["id_number"])
            .first()
        )
        if person is None or user.unit is None:
            form.add_error("id_number", _("您的辖区内没有登记这个身份证号码。"))
        else:
            try:
                found = eligibility_module.eligibility(
                    unit=user.unit,
                    year=form.cleaned_data["year"],
                    programme=form.cleaned_data["programme"],
                    person_ids=[person.pk],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                answer = {"person": person, "result": found.answers[0].result}
    return render(request, "benefits/eligibility.html", {"form": form, "answer": answer})
