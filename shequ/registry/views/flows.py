"""A person's flows: transfer in, move, departure, death, cancellation, outflow and return.

Each event page is one form, an optional confirmation step for what cannot be undone, and
one service call; what refuses an event is asked of the services, never decided here."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from shequ.org.permissions import action_required
from shequ.org.roles import Action
from shequ.registry import selectors, services
from shequ.registry.forms import flows as flow_forms
from shequ.registry.models import (
    Flow,
    Person,
)
from shequ.registry.views._common import HOUSEHOLD_ERRORS, home_from, service_errors
from shequ.registry.views.pickers import division_picker, household_options, id_check_context

# --- Transfer in --------------------------------------------------------------------------


@action_required(Action.EDIT_REGISTRY)
@require_http_methods(["GET", "POST"])
def person_transfer_in(request: HttpRequest) -> HttpResponse:
    """市内迁入: the person's existing record (elsewhere in the city, or departed) moves here."""
    user = request.user
    if request.GET.get("part") == "households":
        return household_options(request)
    today = timezone.localdate()
    if request.method == "POST" and request.POST.get("prefill"):
        # Sent from the register form's "市内迁入" button: carry over what was typed there.
        initial = {
            key: request.POST.get(key, "")
            for key in ("id_number", "name", "building", "household", "new_household")
        }
        form = flow_forms.TransferInForm(initial={**initial, "date": today}, user=user)
    else:
        data = request.POST if request.method == "POST" else None
        form = flow_forms.TransferInForm(data, initial={"date": today}, user=user)
        if data is not None and form.is_valid():
            try:
                # Outside a transaction: the service logs a refused guess before its own.
                person = services.person_transfer_in(
                    actor=user,
                    id_number=form.cleaned_data["id_number"],
                    name=form.cleaned_data["name"],
                    household=home_from(form.cleaned_data),
                    date=form.cleaned_data["date"],
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as exc:
                service_errors(form, exc, HOUSEHOLD_ERRORS)
            else:
                messages.success(
                    request,
                    _("%(name)s 的记录已转入本辖区（%(household)s）。")
                    % {"name": person.name, "household": person.household},
                )
                return redirect("registry:person_detail", uid=person.uid)
    number = form.data.get("id_number") if form.is_bound else form.initial.get("id_number")
    return render(
        request,
        "registry/person_transfer.html",
        {"form": form, "check": id_check_context(user, number or "", mode="transfer")},
    )


# --- Lifecycle events ---------------------------------------------------------------------


@dataclass(frozen=True)
class Event:
    title: str
    intro: str  # what the action does, stated before the worker fills the form
    submit: str
    success: str
    danger: bool = False
    confirm: bool = False  # destructive: a second step restates the consequences


def event_view(
    request: HttpRequest,
    uid,
    event: Event,
    *,
    form_factory: Callable[..., Any],
    run: Callable[[Person, dict], Any],
    blocked: Callable[[Person], str] = services.person_inactive_problem,
    check: Callable[[Person, dict], None] | None = None,
    initial: Callable[[Person], dict] = lambda person: {},
    getter: Callable[[Any, Any], Person] = selectors.person_get,
    after: Callable[[Person], str] | None = None,
) -> HttpResponse:
    """``check`` runs the service's checks of the facts typed (raising its ValidationError)
    before the confirmation step, so the worker does not confirm what will be refused.
    ``getter`` finds the person (the residence's scope unless the event says otherwise),
    ``after`` names the page to go to once recorded (the person's page by default)."""
    person = getter(request.user, uid)
    refusal = blocked(person)
    data = request.POST if request.method == "POST" else None
    form = form_factory(data, initial=initial(person))
    title = event.title % {"name": person.name}
    if data is not None and not refusal and form.is_valid() and not data.get("back"):
        confirming = event.confirm and data.get("confirmed") != "1"
        try:
            if not confirming:
                run(person, form.cleaned_data)
            elif check is not None:
                check(person, form.cleaned_data)
        except ValidationError as exc:
            service_errors(form, exc, HOUSEHOLD_ERRORS)
        else:
            if confirming:
                return render(
                    request,
                    "registry/person_event_confirm.html",
                    {
                        "person": person,
                        "form": form,
                        "title": title,
                        "event": event,
                        "summary": _summary(form),
                    },
                )
            messages.success(request, event.success % {"name": person.name})
            if after is not None:
                return redirect(after(person))
            return redirect("registry:person_detail", uid=person.uid)
    picker = None
    if "division" in form.fields:
        code = form.data.get("division") if form.is_bound else form.initial.get("division")
        picker = division_picker(code, picker_id="division")
    return render(
        request,
        "registry/person_event.html",
        {
            "person": person,
            "form": form,
            "title": title,
            "event": event,
            "refusal": refusal,
            "picker": picker,
            "back": after(person) if after is not None else None,
        },
    )


def _summary(form) -> list[tuple[str, str]]:
    """What the worker entered, in words, for the confirmation step."""
    rows = []
    for name, field in form.fields.items():
        value = form.cleaned_data.get(name)
        if value in (None, "") or value is False:
            continue
        if value is True:
            value = _("是")
        elif name == "division":
            text = selectors.division_name(value)
            value = f"{text or ''}（{value}）"
        elif hasattr(field, "choices"):
            value = dict(field.choices).get(value, value)
        rows.append((str(field.label), str(value)))
    return rows


MOVE = Event(
    title=gettext_lazy("迁移：%(name)s"),
    intro=gettext_lazy(
        "此人搬到您辖区内的另一户。记录原样保留，住址、所属网格/社区和人口类型随之更新，迁移记入时间线。"
        "搬到本市其他社区的，由新住址所在社区办理“市内迁入”。"
    ),
    submit=gettext_lazy("确认迁移"),
    success=gettext_lazy("%(name)s 已迁到新住址。"),
)
DEPART = Event(
    title=gettext_lazy("迁出注销：%(name)s"),
    intro=gettext_lazy(
        "人走注销：此人已离开本市时办理。记录退出在册名单和统计，但不会删除：历史和原因保留，"
        "在人口列表中选择状态“已迁出”仍可查到。只是搬到本市其他社区的，请改用“迁移”或由新社区办理“市内迁入”，"
        "记录保留在本市，不会重复建档。"
    ),
    submit=gettext_lazy("确认迁出注销"),
    success=gettext_lazy("已为 %(name)s 办理迁出注销。"),
    danger=True,
    confirm=True,
)
DEATH = Event(
    title=gettext_lazy("死亡登记：%(name)s"),
    intro=gettext_lazy(
        "登记死亡后，记录退出在册名单和统计，保留在历史中（状态“已死亡”可查），不能再迁入恢复。"
    ),
    submit=gettext_lazy("确认死亡登记"),
    success=gettext_lazy("已登记 %(name)s 死亡。"),
    danger=True,
    confirm=True,
)
CANCEL = Event(
    title=gettext_lazy("误登注销：%(name)s"),
    intro=gettext_lazy(
        "误登注销只用于不该建立的记录（重复建档、录入错误）。记录退出在册名单和统计，但不会删除："
        "它和注销原因一起保留在历史中，状态“已注销”可查。此人迁走或死亡的，请改用“迁出注销”或“死亡登记”。"
    ),
    submit=gettext_lazy("确认误登注销"),
    success=gettext_lazy("已注销 %(name)s 的误登记录。"),
    danger=True,
    confirm=True,
)
OUTFLOW = Event(
    title=gettext_lazy("外出登记：%(name)s"),
    intro=gettext_lazy(
        "本地户籍人员到市外居住（流出）时办理。记录仍由本社区管理和服务，人口类型改为“流出”，"
        "去向地记入八个清楚。回来后办理“返回登记”。"
    ),
    submit=gettext_lazy("登记外出"),
    success=gettext_lazy("已为 %(name)s 登记外出。"),
)
RETURN = Event(
    title=gettext_lazy("返回登记：%(name)s"),
    intro=gettext_lazy("流出人员回到本地居住。人口类型按户籍地和现住址重新确定，去向清空。"),
    submit=gettext_lazy("登记返回"),
    success=gettext_lazy("已为 %(name)s 登记返回。"),
)


@action_required(Action.EDIT_REGISTRY)
@require_http_methods(["GET", "POST"])
def person_move(request: HttpRequest, uid) -> HttpResponse:
    if request.GET.get("part") == "households":
        return household_options(request)
    user = request.user

    def run(person: Person, data: dict) -> None:
        services.person_move(
            actor=user,
            person=person,
            household=home_from(data),
            date=data["date"],
            reason=data["reason"],
        )

    return event_view(
        request,
        uid,
        MOVE,
        form_factory=lambda data, initial: flow_forms.MoveForm(data, initial=initial, user=user),
        run=run,
        initial=lambda person: {"date": timezone.localdate()},
    )


@action_required(Action.EDIT_REGISTRY)
@require_http_methods(["GET", "POST"])
def person_depart(request: HttpRequest, uid) -> HttpResponse:
    user = request.user
    return event_view(
        request,
        uid,
        DEPART,
        form_factory=flow_forms.DepartForm,
        run=lambda person, data: services.person_depart(
            actor=user,
            person=person,
            date=data["date"],
            reason=data["reason"],
            division=data.get("division") or None,
            address=data.get("address", ""),
            destination_unknown=bool(data.get("destination_unknown")),
        ),
        check=lambda person, data: services.person_end_check(
            person=person,
            kind=Flow.Kind.DEPARTURE,
            date=data["date"],
            division=data.get("division") or None,
            destination_unknown=bool(data.get("destination_unknown")),
        ),
    )


@action_required(Action.EDIT_REGISTRY)
@require_http_methods(["GET", "POST"])
def person_death(request: HttpRequest, uid) -> HttpResponse:
    user = request.user
    return event_view(
        request,
        uid,
        DEATH,
        form_factory=flow_forms.DeathForm,
        run=lambda person, data: services.person_record_death(
            actor=user, person=person, date=data["date"], reason=data["reason"]
        ),
        check=lambda person, data: services.person_end_check(
            person=person, kind=Flow.Kind.DEATH, date=data["date"]
        ),
    )


@action_required(Action.EDIT_REGISTRY)
@require_http_methods(["GET", "POST"])
def person_cancel(request: HttpRequest, uid) -> HttpResponse:
    user = request.user
    return event_view(
        request,
        uid,
        CANCEL,
        form_factory=flow_forms.CancelForm,
        run=lambda person, data: services.person_cancel(
            actor=user, person=person, reason=data["reason"]
        ),
    )


@action_required(Action.EDIT_REGISTRY)
@require_http_methods(["GET", "POST"])
def person_outflow(request: HttpRequest, uid) -> HttpResponse:
    user = request.user
    return event_view(
        request,
        uid,
        OUTFLOW,
        form_factory=flow_forms.OutflowForm,
        run=lambda person, data: services.person_register_outflow(
            actor=user,
            person=person,
            date=data["date"],
            reason=data["reason"],
            division=data["division"],
            address=data.get("address", ""),
        ),
        blocked=services.person_outflow_problem,
        # 流出 is the registration place's act: it reaches its people living elsewhere.
        getter=selectors.person_for_outflow,
        after=lambda person: selectors.person_page_url(user, person),
    )


@action_required(Action.EDIT_REGISTRY)
@require_http_methods(["GET", "POST"])
def person_return(request: HttpRequest, uid) -> HttpResponse:
    user = request.user
    return event_view(
        request,
        uid,
        RETURN,
        form_factory=flow_forms.ReturnForm,
        run=lambda person, data: services.person_return(
            actor=user, person=person, date=data["date"], reason=data["reason"]
        ),
        blocked=services.person_return_problem,
    )
