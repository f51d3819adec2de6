"""One person: register, edit, detail with the timeline, reveal the identity number.

Views parse the form, call one service (``services.*``) and render; reads go through
``selectors`` so a person outside the worker's jurisdiction answers 404. ``?part=``
answers the page's HTMX partials (households of a building, the live preview)."""

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shequ.core.forms import add_service_errors, show_conflict
from shequ.core.identifiers import mask_id_number
from shequ.core.panels import person_panels
from shequ.core.versions import EditConflict
from shequ.org.models import SensitiveAccess
from shequ.org.permissions import action_required, staff_required
from shequ.org.roles import Action, can
from shequ.registry import rules, selectors, services
from shequ.registry.disclosure import age_shown, shows_birth_date
from shequ.registry.forms import people as forms
from shequ.registry.models import (
    Person,
    PersonStatus,
    PopulationType,
)
from shequ.registry.selectors.history import person_timeline
from shequ.registry.validation import PERSON_FIELDS
from shequ.registry.views._common import HOUSEHOLD_ERRORS, home_from, is_htmx, service_errors
from shequ.registry.views.pickers import (
    division_picker,
    household_options,
    id_check_context,
    preview,
    preview_context,
)

# --- Register and edit ----------------------------------------------------------------------


def _form_context(request, form, children, *, person=None, mode: str, children_errors=()):
    data = form.data if form.is_bound else {}
    code = data.get("hukou_division") if form.is_bound else form.initial.get("hukou_division")
    preview_source = data if form.is_bound else form.initial
    return {
        "form": form,
        "show_health": "contraception" in form.fields,
        "children": children,
        "children_errors": list(children_errors),
        "person": person,
        "mode": mode,
        "hukou_picker": division_picker(code, picker_id="hukou"),
        "check": id_check_context(
            request.user,
            _typed_id_number(form),
            mode=mode,
            exclude=person.uid if person else None,
        ),
        "preview": preview_context(
            request.user,
            {k: str(v) for k, v in preview_source.items() if v is not None},
            person=person,
        ),
    }


def _typed_id_number(form) -> str:
    """The number sent with the form, to check again; nothing when the form only sent back
    the masked number it showed (an edit that keeps the number)."""
    typed = form.data.get("id_number", "") if form.is_bound else ""
    keep = getattr(form.fields.get("id_number"), "keep", None)
    return "" if keep and typed.strip() == keep else typed


@action_required(Action.EDIT_REGISTRY)
@require_http_methods(["GET", "POST"])
def person_register(request: HttpRequest) -> HttpResponse:
    """人来登记: one short form, from the identity number to the home and the facts."""
    user = request.user
    part = request.GET.get("part")
    if part == "households":
        return household_options(request)
    if part == "preview" and request.method == "POST":
        return preview(request)
    initial: dict[str, Any] = {}
    found_on = None
    if request.method == "GET" and request.GET.get("household"):
        household = selectors.household_get(user, request.GET["household"])
        initial = {"building": str(household.building.uid), "household": str(household.uid)}
    elif request.GET.get("visit"):
        initial, found_on = _newcomer_initial(request)
    data = request.POST if request.method == "POST" else None
    form = forms.PersonForm(
        data,
        initial=initial,
        user=user,
        with_housing=True,
        show_health=can(user, Action.VIEW_HEALTH),
    )
    children = forms.ChildFormSet(data, prefix="children")
    children_errors: list[str] = []
    if data is not None and all([form.is_valid(), children.is_valid()]):
        notes: list[str] = []
        try:
            person = services.person_register(
                actor=user,
                values=form.person_values(),
                household=home_from(form.cleaned_data),
                children=children.children() or None,
                relation=form.cleaned_data.get("relation") or "",
                notes=notes,
            )
        except ValidationError as exc:
            children_errors = service_errors(form, exc, HOUSEHOLD_ERRORS)
        else:
            messages.success(
                request,
                _("已登记 %(name)s（%(type)s）。")
                % {"name": person.name, "type": person.get_population_type_display()},
            )
            for note in notes:
                messages.info(request, note)
            return redirect("registry:person_detail", uid=person.uid)
    context = _form_context(
        request, form, children, mode="register", children_errors=children_errors
    )
    context["found_on"] = found_on
    return render(request, "registry/person_form.html", context)


def _newcomer_initial(request: HttpRequest) -> tuple[dict[str, Any], Any]:
    """The registration a newcomer noted on a visit starts (``?visit=<uid>&newcomer=<n>``):
    the visited home, the name and number as noted (read from the visit, never from the
    address: a number stays out of URLs and logs). Returns (initial, the visit)."""
    visit = selectors.visit_get(request.user, request.GET["visit"])
    household = visit.household
    initial: dict[str, Any] = {
        "building": str(household.building.uid),
        "household": str(household.uid),
    }
    newcomers = rules.newcomers_of(visit.newcomers)
    try:
        newcomer = newcomers[int(request.GET.get("newcomer", "0"))]
    except (ValueError, IndexError):
        newcomer = None
    if newcomer is not None:
        initial.update(name=newcomer.name, id_number=newcomer.id_number)
    return initial, visit


def _person_initial(person: Person, *, reveal: bool) -> dict[str, Any]:
    initial = {name: getattr(person, name) for name in PERSON_FIELDS}
    initial["hukou_division"] = person.hukou_division_id
    initial["relation"] = person.current_relation
    initial["version"] = person.version
    return forms.PersonEditForm.person_initial(initial, reveal=reveal)


@action_required(Action.EDIT_REGISTRY)
@require_http_methods(["GET", "POST"])
def person_edit(request: HttpRequest, uid) -> HttpResponse:
    """Correct or complete a person's facts; a reason is required and kept in the history."""
    user = request.user
    person = selectors.person_get(user, uid)
    if request.GET.get("part") == "preview" and request.method == "POST":
        return preview(request, person=person)
    show_health = can(user, Action.VIEW_HEALTH)
    # The form holds the whole number only for an editor who may reveal it (a logged read).
    reveal = can(user, Action.REVEAL_ID_NUMBER)
    data = request.POST if request.method == "POST" else None
    form = forms.PersonEditForm(
        data,
        initial=_person_initial(person, reveal=reveal),
        user=user,
        with_housing=False,
        show_health=show_health,
        with_reason=True,
        reveal=reveal,
    )
    children = forms.ChildFormSet(
        data,
        prefix="children",
        initial=[
            {"order": c.order, "birth_date": c.birth_date, "sex": c.sex, "name": c.name}
            for c in selectors.person_children(person)
        ],
    )
    children_errors: list[str] = []
    if data is not None and all([form.is_valid(), children.is_valid()]):
        notes = []
        try:
            services.person_update(
                actor=user,
                person=person,
                values=form.person_values(),
                reason=form.cleaned_data["reason"],
                children=children.children(),
                version=form.cleaned_data["version"],
                relation=form.cleaned_data.get("relation") or "",
                notes=notes,
            )
        except EditConflict as conflict:
            show_conflict(form, conflict, _person_initial(conflict.current, reveal=reveal))
        except ValidationError as exc:
            children_errors = service_errors(form, exc)
        else:
            messages.success(request, _("已保存 %(name)s 的信息。") % {"name": person.name})
            for note in notes:
                messages.info(request, note)
            return redirect("registry:person_detail", uid=person.uid)
    elif data is None:
        if show_health:
            services.log_health_read(
                actor=user, persons=[person], channel="web", purpose=SensitiveAccess.Purpose.SERVICE
            )
        if reveal:
            services.log_id_number_read(
                actor=user, persons=[person], channel="web", purpose=SensitiveAccess.Purpose.SERVICE
            )
    context = _form_context(
        request, form, children, person=person, mode="edit", children_errors=children_errors
    )
    return render(request, "registry/person_form.html", context)


# --- Detail --------------------------------------------------------------------------------

RECENT_CHECKS = 10  # the checks a person's page lists; the checks list has them all


def _detail_context(request: HttpRequest, person: Person, **extra) -> dict[str, Any]:
    user = request.user
    today = timezone.localdate()
    show_health = can(user, Action.VIEW_HEALTH)
    full_birth = shows_birth_date(user)
    can_edit = can(user, Action.EDIT_REGISTRY)
    active = person.status == PersonStatus.ACTIVE
    members = selectors.housemates(person)
    checks = list(selectors.person_checks(person))  # the timeline's and the latest ones
    children = selectors.person_children_all(person, links=True)  # on either parent's side
    pregnancies = None
    if show_health:
        services.log_health_read(
            actor=user, persons=[person], channel="web", purpose=SensitiveAccess.Purpose.SERVICE
        )
        pregnancies = services.pregnancies_read(actor=user, persons=[person], channel="web").get(
            person.pk, []
        )
    monthly_due, quarterly_due = rules.checks_due(
        is_migrant=person.is_migrant,
        last_monthly=person.last_monthly_check,
        last_quarterly=person.last_quarterly_verification,
        today=today,
    )
    return {
        "person": person,
        "masked_id": mask_id_number(person.id_number),
        "full_birth": full_birth,
        "age": age_shown(person.birth_date, today, full=full_birth),
        "show_health": show_health,
        "can_edit": can_edit,
        "can_reveal": can(user, Action.REVEAL_ID_NUMBER),
        "reveal_form": forms.RevealForm(),
        "members": members,
        "membership": selectors.person_membership(person),
        "lets_homes": person.rented_homes.filter(is_rented=True).exists(),
        "children_list": children,
        "marriages": selectors.person_marriages(person, links=True),
        "certificates": selectors.person_certificates(person),
        "pregnancies": pregnancies,
        "eight_clear": selectors.eight_clear_labels(person.eight_clear_missing)
        if person.is_migrant
        else [],
        "monthly_due": active and monthly_due,
        "quarterly_due": active and quarterly_due,
        "timeline": person_timeline(
            user, person, show_health=show_health, full_birth=full_birth, checks=checks
        ),
        # The latest checks and the visits they were made on (每月一查), beyond the timeline.
        "checks": checks[:RECENT_CHECKS],
        "departure_destination": selectors.departure_destination(person),
        "actions": _actions(person) if can_edit else [],
        # What the apps above the registry know of the person (core/panels.py).
        "panels": person_panels(user, person),
        "today": today,
        **extra,
    }


@dataclass(frozen=True)
class _Action:
    url_name: str
    label: str
    icon: str
    tone: str


def _actions(person: Person) -> list[_Action]:
    """The lifecycle actions that apply to the person's present state."""
    actions = [_Action("registry:person_edit", _("编辑"), "pencil", "primary")]
    if person.status != PersonStatus.ACTIVE:
        return actions
    actions.append(_Action("registry:person_move", _("迁移"), "arrow-left-right", "secondary"))
    if rules.may_register_outflow(person.population_type):
        actions.append(_Action("registry:person_outflow", _("外出登记"), "signpost", "secondary"))
    if person.population_type == PopulationType.OUTFLOW:
        actions.append(_Action("registry:person_return", _("返回登记"), "house-check", "secondary"))
    actions += [
        _Action("registry:person_depart", _("迁出注销"), "box-arrow-right", "warning"),
        _Action("registry:person_death", _("死亡登记"), "flower1", "secondary"),
        _Action("registry:person_cancel", _("误登注销"), "x-octagon", "danger"),
    ]
    return actions


@staff_required
@require_GET
def person_detail(request: HttpRequest, uid) -> HttpResponse:
    """Facts, housing, children, checks and the timeline of one person."""
    person = selectors.person_get(request.user, uid)
    return render(request, "registry/person_detail.html", _detail_context(request, person))


@action_required(Action.REVEAL_ID_NUMBER)
@require_POST
def person_reveal_id(request: HttpRequest, uid) -> HttpResponse:
    """Show the full identity number, for a stated purpose; the read is logged."""
    person = selectors.person_get(request.user, uid)
    form = forms.RevealForm(request.POST)
    revealed = None
    if form.is_valid():
        try:
            revealed = services.person_reveal_id_number(
                actor=request.user, person=person, purpose=form.cleaned_data["purpose"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
    shown = {"revealed": revealed, "reveal_form": form}
    if is_htmx(request):
        context = {
            "person": person,
            "masked_id": mask_id_number(person.id_number),
            "can_reveal": True,
            **shown,
        }
        return render(request, "registry/person_detail_id.html", context)
    return render(request, "registry/person_detail.html", _detail_context(request, person, **shown))
