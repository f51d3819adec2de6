"""Checks of one person (每月一查, 每季度一核对) from the person's page."""

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from shequ.org.permissions import action_required
from shequ.org.roles import Action
from shequ.registry import services
from shequ.registry.forms import checks as check_forms
from shequ.registry.models import (
    Check,
)
from shequ.registry.views.flows import Event, event_view

CHECK = Event(
    title=gettext_lazy("核查登记：%(name)s"),
    intro=gettext_lazy(
        "每月一查（流动人口）和每季度一核对（全部在册人员）：记录核查人、日期和结果。"
    ),
    submit=gettext_lazy("记录核查"),
    success=gettext_lazy("已记录 %(name)s 的核查。"),
)


@action_required(Action.EDIT_REGISTRY)
@require_http_methods(["GET", "POST"])
def person_check(request: HttpRequest, uid) -> HttpResponse:
    user = request.user
    return event_view(
        request,
        uid,
        CHECK,
        form_factory=check_forms.CheckForm,
        run=lambda person, data: services.checks_record(
            actor=user,
            persons=[person],
            kind=data["kind"],
            date=data["date"],
            result=data["result"],
            note=data.get("note", ""),
        ),
        initial=lambda person: {
            "kind": Check.Kind.MONTHLY if person.is_migrant else Check.Kind.QUARTERLY
        },
    )
