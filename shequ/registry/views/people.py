"""One person: register, transfer in, detail and timeline, edit and lifecycle events.

Views parse the form, call one service (``services.*``) and render; reads go through
``selectors`` so a person outside the worker's jurisdiction answers 404. The small HTMX
helpers (identity-number check, household options, the live preview, division options) are
answered by the page they belong to.
"""

import datetime
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shequ.core.forms import add_service_errors
from shequ.core.identifiers import division_parents, mask_id_number, parse_id_number
from shequ.org.models import Division, OrgUnit, SensitiveAccess
from shequ.org.permissions import action_required, staff_required
from shequ.org.roles import Action, Level, can
from shequ.org.scoping import code_in_scope
from shequ.registry import forms_people as forms
from shequ.registry import rules, selectors, services
from shequ.registry.models import (
    Check,
    Flow,
    Household,
    Person,
    PersonStatus,
    PopulationType,
)
from shequ.registry.timeline import flow_destination_name, person_timeline
from shequ.registry.validation import PERSON_FIELDS

# Errors of ``household_create`` name its own field; on our forms it is ``new_household``.
_HOUSEHOLD_ERRORS = {"number": "new_household"}


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError):
        return None


def _service_errors(form, exc: ValidationError, rename: dict[str, str] | None = None) -> list[str]:
    """Put a service's errors on the form's fields; returns the errors about the children."""
    if not hasattr(exc, "error_dict"):
        add_service_errors(form, exc)
        return []
    children_errors: list[str] = []
    mapped: dict[str, list[str]] = {}
    for name, messages_ in exc.message_dict.items():
        if name == "children":
            children_errors.extend(messages_)
            continue
        mapped.setdefault((rename or {}).get(name, name), []).extend(messages_)
    if mapped:
        add_service_errors(form, ValidationError(mapped))
    return children_errors


def _household_for(form, actor) -> Household:
    """The household chosen on the form, or the new one typed there (created now, inside the
    caller's transaction, so it disappears again if the rest of the request fails)."""
    household = form.cleaned_data.get("household")
    if household is not None:
        return household
    return services.household_create(
        actor=actor,
        building=form.cleaned_data["building"],
        number=form.cleaned_data["new_household"],
    )


def _household_options(request: HttpRequest) -> HttpResponse:
    """The <option>s of the households of one building in the user's jurisdiction."""
    building_uid = _uuid(request.GET.get("building"))
    households = (
        selectors.households_visible(request.user)
        .filter(is_active=True, building__uid=building_uid)
        .order_by("number")
        if building_uid
        else Household.objects.none()
    )
    return render(request, "registry/person_form_households.html", {"households": list(households)})


# --- The division picker (户籍地, destination) ---------------------------------------------


def division_picker(code: str | None, *, picker_id: str) -> dict[str, Any]:
    """Options and selection of the province → city → county selects for a code."""
    code = (code or "").strip()
    chain: list[str] = []
    if len(code) == 12 and code.isdigit():
        chain = [*division_parents(code), code][:3]
    selected = chain + [""] * (3 - len(chain))
    provinces = list(Division.objects.filter(level=Division.DivisionLevel.PROVINCE))
    cities = list(Division.objects.filter(parent_id=selected[0])) if selected[0] else []
    counties = list(Division.objects.filter(parent_id=selected[1])) if selected[1] else []
    return {
        "id": picker_id,
        "levels": [
            {"name": "province", "label": _("省"), "options": provinces, "selected": selected[0]},
            {"name": "city", "label": _("地市"), "options": cities, "selected": selected[1]},
            {"name": "county", "label": _("区县"), "options": counties, "selected": selected[2]},
        ],
    }


@staff_required
@require_GET
def division_options(request: HttpRequest) -> HttpResponse:
    """The <option>s of the divisions directly under ?parent=<code> (reference data)."""
    parent = (request.GET.get("parent") or "").strip()
    divisions = (
        list(Division.objects.filter(parent_id=parent).order_by("code"))
        if len(parent) == 12 and parent.isdigit()
        else []
    )
    return render(request, "registry/_division_options.html", {"divisions": divisions})


# --- Identity-number check and live preview -----------------------------------------------


def id_check_context(user, raw: str, *, mode: str, exclude: uuid.UUID | None = None) -> dict:
    """What the form says about a typed number: invalid (why), free, or registered (where, only
    inside the user's jurisdiction)."""
    raw = (raw or "").strip()
    if not raw:
        return {}
    try:
        info = parse_id_number(raw)
    except ValidationError as exc:
        return {"error": " ".join(exc.messages)}
    region = (
        Division.objects.filter(code=info.region_code.ljust(12, "0"))
        .values_list("full_name", flat=True)
        .first()
    )
    result: dict[str, Any] = {"info": info, "region": region, "mode": mode}
    existing = (
        Person.objects.filter(id_number=info.number)
        .exclude(uid=exclude)
        .values("uid", "name", "status", "unit_id")
        .first()
    )
    if existing is not None and not code_in_scope(user, existing["unit_id"]):
        # Outside the jurisdiction: only that the number is taken in the city, never where
        # or in which state (the unit managing the record keeps that). 市内迁入 checks the
        # name on the card before it says more.
        result["existing"] = {"in_scope": False, "can_transfer": True}
    elif existing is not None:
        status = existing["status"]
        result["existing"] = {
            "uid": existing["uid"],
            "name": existing["name"],
            "in_scope": True,
            "status": status,
            "status_label": PersonStatus(status).label,
            "active": status == PersonStatus.ACTIVE,
            "unit": unit_label(existing["unit_id"]),
            "can_transfer": status in (PersonStatus.DEPARTED, PersonStatus.CANCELLED),
        }
    return result


def unit_label(code: str) -> str:
    """A unit's name as a worker of another community understands it: a grid with its
    community (every community has a 第1网格)."""
    unit = OrgUnit.objects.filter(code=code).select_related("parent").first()
    if unit is None:
        return code
    if unit.level == Level.GRID and unit.parent is not None:
        return f"{unit.parent.name} {unit.name}"
    return unit.name


@action_required(Action.EDIT_REGISTRY)
@require_POST
def id_number_check(request: HttpRequest) -> HttpResponse:
    """HTMX: check the identity number typed on the register, edit or transfer form."""
    mode = (
        request.GET.get("mode") if request.GET.get("mode") in ("transfer", "edit") else "register"
    )
    check = id_check_context(
        request.user,
        request.POST.get("id_number", ""),
        mode=mode,
        exclude=_uuid(request.GET.get("self")),
    )
    return render(request, "registry/_id_check.html", {"check": check})


def _preview_context(user, data, *, person: Person | None = None) -> dict[str, Any]:
    """Population type and the missing 八个清楚 of what the form holds now (nothing saved)."""
    today = timezone.localdate()
    hukou = (data.get("hukou_division") or "").strip()
    division = (
        Division.objects.filter(code=hukou).first()
        if len(hukou) == 12 and hukou.isdigit()
        else None
    )
    if person is not None:
        residence = person.unit_id
        has_home = bool(person.household_id)
    else:
        building_uid = _uuid(data.get("building"))
        residence = (
            selectors.buildings_visible(user)
            .filter(uid=building_uid)
            .values_list("unit_id", flat=True)
            .first()
            if building_uid
            else None
        )
        has_home = bool(data.get("household") or (data.get("new_household") or "").strip())
    population_type = None
    if division is not None and residence:
        population_type = rules.derive_population_type(
            hukou_code=division.code,
            residence_code=residence,
            city_prefix=services.city_prefix(),
            outflow=person is not None and person.population_type == PopulationType.OUTFLOW,
        )
    elif person is not None and person.population_type == PopulationType.OUTFLOW:
        population_type = PopulationType.OUTFLOW
    birth_date, sex = _parse_date(data.get("birth_date")), data.get("sex") or ""
    try:
        info = parse_id_number(data.get("id_number") or "", today=today)
        birth_date, sex = birth_date or info.birth_date, sex or info.sex
    except ValidationError:
        pass
    values = {
        "population_type": population_type,
        "name": (data.get("name") or "").strip(),
        "hukou_division": division.code if division else "",
        "hukou_address": (data.get("hukou_address") or "").strip(),
        "household": has_home,
        "flow_out_division": person.flow_out_division_id if person else None,
        "flow_out_address": person.flow_out_address if person else "",
        "flow_out_date": person.flow_out_date if person else None,
        "birth_date": birth_date,
        "sex": sex,
        "marital_status": data.get("marital_status") or "",
        "children_count": _children_count(data),
        "contraception": data.get("contraception")
        if "contraception" in data
        else (person.contraception if person else ""),
        "employment": data.get("employment") or "",
        "flow_in_date": data.get("flow_in_date") or None,
    }
    missing = rules.eight_clear_missing(values, today=today) if population_type else []
    return {
        "population_type": population_type,
        "population_type_label": PopulationType(population_type).label if population_type else "",
        "is_migrant": population_type in (PopulationType.INFLOW, PopulationType.OUTFLOW),
        "division": division,
        "hukou_code": hukou,
        "missing": [rules.EIGHT_CLEAR[key] for key in missing],
    }


def _parse_date(value: Any) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        return None


def _children_count(data) -> int | None:
    typed = (data.get("children_count") or "").strip()
    if typed.isdigit():
        return int(typed)
    try:
        total = int(data.get("children-TOTAL_FORMS") or 0)
    except ValueError:
        total = 0
    rows = sum(
        1
        for i in range(min(total, 20))
        if data.get(f"children-{i}-birth_date") and not data.get(f"children-{i}-DELETE")
    )
    return rows or None


def _preview(request: HttpRequest, person: Person | None = None) -> HttpResponse:
    return render(
        request,
        "registry/person_form_preview.html",
        {"preview": _preview_context(request.user, request.POST, person=person)},
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
            data.get("id_number", "") if form.is_bound else "",
            mode=mode,
            exclude=person.uid if person else None,
        ),
        "preview": _preview_context(
            request.user,
            {k: str(v) for k, v in preview_source.items() if v is not None},
            person=person,
        ),
    }


@action_required(Action.EDIT_REGISTRY)
@require_http_methods(["GET", "POST"])
def person_register(request: HttpRequest) -> HttpResponse:
    """人来登记: one short form, from the identity number to the home and the facts."""
    user = request.user
    part = request.GET.get("part")
    if part == "households":
        return _household_options(request)
    if part == "preview" and request.method == "POST":
        return _preview(request)
    initial: dict[str, Any] = {}
    if request.method == "GET" and request.GET.get("household"):
        household = selectors.household_get(user, request.GET["household"])
        initial = {"building": str(household.building.uid), "household": str(household.uid)}
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
        try:
            with transaction.atomic():
                household = _household_for(form, user)
                person = services.person_register(
                    actor=user,
                    values=form.person_values(),
                    household=household,
                    children=children.children() or None,
                )
        except ValidationError as exc:
            children_errors = _service_errors(form, exc, _HOUSEHOLD_ERRORS)
        else:
            messages.success(
                request,
                _("已登记 %(name)s（%(type)s）。")
                % {"name": person.name, "type": person.get_population_type_display()},
            )
            return redirect("registry:person_detail", uid=person.uid)
    context = _form_context(
        request, form, children, mode="register", children_errors=children_errors
    )
    return render(request, "registry/person_form.html", context)


def _person_initial(person: Person) -> dict[str, Any]:
    initial = {name: getattr(person, name) for name in PERSON_FIELDS}
    initial["hukou_division"] = person.hukou_division_id
    return initial


@action_required(Action.EDIT_REGISTRY)
@require_http_methods(["GET", "POST"])
def person_edit(request: HttpRequest, uid) -> HttpResponse:
    """Correct or complete a person's facts; a reason is required and kept in the history."""
    user = request.user
    person = selectors.person_get(user, uid)
    if request.GET.get("part") == "preview" and request.method == "POST":
        return _preview(request, person=person)
    show_health = can(user, Action.VIEW_HEALTH)
    data = request.POST if request.method == "POST" else None
    form = forms.PersonForm(
        data,
        initial=_person_initial(person),
        user=user,
        with_housing=False,
        show_health=show_health,
        with_reason=True,
    )
    children = forms.ChildFormSet(
        data,
        prefix="children",
        initial=[
            {"order": c.order, "birth_date": c.birth_date, "sex": c.sex, "name": c.name}
            for c in person.children.all()
        ],
    )
    children_errors: list[str] = []
    if data is not None and all([form.is_valid(), children.is_valid()]):
        try:
            services.person_update(
                actor=user,
                person=person,
                values=form.person_values(),
                reason=form.cleaned_data["reason"],
                children=children.children(),
            )
        except ValidationError as exc:
            children_errors = _service_errors(form, exc)
        else:
            messages.success(request, _("已保存 %(name)s 的信息。") % {"name": person.name})
            return redirect("registry:person_detail", uid=person.uid)
    elif data is None and show_health:
        services.log_health_read(
            actor=user, persons=[person], channel="web", purpose=SensitiveAccess.Purpose.SERVICE
        )
    context = _form_context(
        request, form, children, person=person, mode="edit", children_errors=children_errors
    )
    return render(request, "registry/person_form.html", context)


# --- Transfer in --------------------------------------------------------------------------


@action_required(Action.EDIT_REGISTRY)
@require_http_methods(["GET", "POST"])
def person_transfer_in(request: HttpRequest) -> HttpResponse:
    """市内迁入: the person's existing record (elsewhere in the city, or departed) moves here."""
    user = request.user
    if request.GET.get("part") == "households":
        return _household_options(request)
    today = timezone.localdate()
    if request.method == "POST" and request.POST.get("prefill"):
        # Sent from the register form's "市内迁入" button: carry over what was typed there.
        initial = {
            key: request.POST.get(key, "")
            for key in ("id_number", "name", "building", "household", "new_household")
        }
        form = forms.TransferInForm(initial={**initial, "date": today}, user=user)
    else:
        data = request.POST if request.method == "POST" else None
        form = forms.TransferInForm(data, initial={"date": today}, user=user)
        if data is not None and form.is_valid():
            try:
                # Checked before the transaction, so a refused guess stays in the log.
                services.transfer_in_check(
                    actor=user,
                    id_number=form.cleaned_data["id_number"],
                    name=form.cleaned_data["name"],
                    unit_code=user.unit_id or "",
                )
                with transaction.atomic():
                    household = _household_for(form, user)
                    person = services.person_transfer_in(
                        actor=user,
                        id_number=form.cleaned_data["id_number"],
                        name=form.cleaned_data["name"],
                        household=household,
                        date=form.cleaned_data["date"],
                        reason=form.cleaned_data["reason"],
                    )
            except ValidationError as exc:
                _service_errors(form, exc, _HOUSEHOLD_ERRORS)
            else:
                messages.success(
                    request,
                    _("%(name)s 的记录已转入本辖区（%(household)s）。")
                    % {"name": person.name, "household": household},
                )
                return redirect("registry:person_detail", uid=person.uid)
    number = form.data.get("id_number") if form.is_bound else form.initial.get("id_number")
    return render(
        request,
        "registry/person_transfer.html",
        {"form": form, "check": id_check_context(user, number or "", mode="transfer")},
    )


# --- Detail --------------------------------------------------------------------------------


def _detail_context(request: HttpRequest, person: Person, **extra) -> dict[str, Any]:
    user = request.user
    today = timezone.localdate()
    show_health = can(user, Action.VIEW_HEALTH)
    can_edit = can(user, Action.EDIT_REGISTRY)
    active = person.status == PersonStatus.ACTIVE
    members = (
        list(selectors.household_members(person).exclude(pk=person.pk))
        if person.household_id
        else []
    )
    children = list(person.children.select_related("person"))
    if show_health:
        services.log_health_read(
            actor=user, persons=[person], channel="web", purpose=SensitiveAccess.Purpose.SERVICE
        )
    monthly_due = (
        active
        and person.is_migrant
        and (
            person.last_monthly_check is None
            or person.last_monthly_check < rules.month_start(today)
        )
    )
    quarterly_due = active and (
        person.last_quarterly_verification is None
        or person.last_quarterly_verification < rules.quarter_start(today)
    )
    return {
        "person": person,
        "masked_id": mask_id_number(person.id_number),
        "age": rules.age_on(person.birth_date, today),
        "show_health": show_health,
        "can_edit": can_edit,
        "can_reveal": can(user, Action.REVEAL_ID_NUMBER),
        "reveal_form": forms.RevealForm(),
        "members": members,
        "children_list": children,
        "eight_clear": selectors.eight_clear_labels(person.eight_clear_missing)
        if person.is_migrant
        else [],
        "monthly_due": monthly_due,
        "quarterly_due": quarterly_due,
        "timeline": person_timeline(user, person, show_health=show_health),
        "departure_destination": _departure_destination(person),
        "actions": _actions(person) if can_edit else [],
        "today": today,
        **extra,
    }


def _departure_destination(person: Person) -> str:
    """Where a departed person went (去向不明 when the departure said so), "" otherwise."""
    if person.status != PersonStatus.DEPARTED:
        return ""
    flow = (
        person.flows.filter(kind=Flow.Kind.DEPARTURE)
        .select_related("division")
        .order_by("-date", "-id")
        .first()
    )
    if flow is None:
        return ""
    return " ".join(filter(None, [flow_destination_name(flow), flow.address]))


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
    if person.population_type in (PopulationType.RESIDENT, PopulationType.SEPARATED):
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
    if _is_htmx(request):
        context = {
            "person": person,
            "masked_id": mask_id_number(person.id_number),
            "can_reveal": True,
            **shown,
        }
        return render(request, "registry/person_detail_id.html", context)
    return render(request, "registry/person_detail.html", _detail_context(request, person, **shown))


# --- Lifecycle events ---------------------------------------------------------------------


@dataclass(frozen=True)
class _Event:
    title: str
    intro: str  # what the action does, stated before the worker fills the form
    submit: str
    success: str
    danger: bool = False
    confirm: bool = False  # destructive: a second step restates the consequences


def _needs_active(person: Person) -> str:
    if person.status != PersonStatus.ACTIVE:
        return _("%(name)s 当前状态为“%(status)s”，不能办理此项。") % {
            "name": person.name,
            "status": person.get_status_display(),
        }
    return ""


def _event_view(
    request: HttpRequest,
    uid,
    event: _Event,
    *,
    form_factory: Callable[..., Any],
    run: Callable[[Person, dict], Any],
    blocked: Callable[[Person], str] = _needs_active,
    check: Callable[[Person, dict], None] | None = None,
    initial: Callable[[Person], dict] = lambda person: {},
) -> HttpResponse:
    """``check`` runs the service's checks of the facts typed (raising its ValidationError)
    before the confirmation step, so the worker does not confirm what will be refused."""
    person = selectors.person_get(request.user, uid)
    refusal = blocked(person)
    data = request.POST if request.method == "POST" else None
    form = form_factory(data, initial=initial(person))
    title = event.title % {"name": person.name}
    if data is not None and not refusal and form.is_valid() and not data.get("back"):
        confirming = event.confirm and data.get("confirmed") != "1"
        try:
            if not confirming:
                with transaction.atomic():
                    run(person, form.cleaned_data)
            elif check is not None:
                check(person, form.cleaned_data)
        except ValidationError as exc:
            _service_errors(form, exc, _HOUSEHOLD_ERRORS)
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
            text = Division.objects.filter(code=value).values_list("full_name", flat=True).first()
            value = f"{text or ''}（{value}）"
        elif hasattr(field, "choices"):
            value = dict(field.choices).get(value, value)
        rows.append((str(field.label), str(value)))
    return rows


MOVE = _Event(
    title=gettext_lazy("迁移：%(name)s"),
    intro=gettext_lazy(
        "此人搬到您辖区内的另一户。记录原样保留，住址、所属网格/社区和人口类型随之更新，迁移记入时间线。"
        "搬到本市其他社区的，由新住址所在社区办理“市内迁入”。"
    ),
    submit=gettext_lazy("确认迁移"),
    success=gettext_lazy("%(name)s 已迁到新住址。"),
)
DEPART = _Event(
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
DEATH = _Event(
    title=gettext_lazy("死亡登记：%(name)s"),
    intro=gettext_lazy(
        "登记死亡后，记录退出在册名单和统计，保留在历史中（状态“已死亡”可查），不能再迁入恢复。"
    ),
    submit=gettext_lazy("确认死亡登记"),
    success=gettext_lazy("已登记 %(name)s 死亡。"),
    danger=True,
    confirm=True,
)
CANCEL = _Event(
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
OUTFLOW = _Event(
    title=gettext_lazy("外出登记：%(name)s"),
    intro=gettext_lazy(
        "本地户籍人员到市外居住（流出）时办理。记录仍由本社区管理和服务，人口类型改为“流出”，"
        "去向地记入八个清楚。回来后办理“返回登记”。"
    ),
    submit=gettext_lazy("登记外出"),
    success=gettext_lazy("已为 %(name)s 登记外出。"),
)
RETURN = _Event(
    title=gettext_lazy("返回登记：%(name)s"),
    intro=gettext_lazy("流出人员回到本地居住。人口类型按户籍地和现住址重新确定，去向清空。"),
    submit=gettext_lazy("登记返回"),
    success=gettext_lazy("已为 %(name)s 登记返回。"),
)
CHECK = _Event(
    title=gettext_lazy("核查登记：%(name)s"),
    intro=gettext_lazy(
        "每月一查（流动人口）和每季度一核对（全部在册人员）：记录核查人、日期和结果。"
    ),
    submit=gettext_lazy("记录核查"),
    success=gettext_lazy("已记录 %(name)s 的核查。"),
)


@action_required(Action.EDIT_REGISTRY)
@require_http_methods(["GET", "POST"])
def person_move(request: HttpRequest, uid) -> HttpResponse:
    if request.GET.get("part") == "households":
        return _household_options(request)
    user = request.user

    def run(person: Person, data: dict) -> None:
        household = data.get("household") or services.household_create(
            actor=user, building=data["building"], number=data["new_household"]
        )
        services.person_move(
            actor=user, person=person, household=household, date=data["date"], reason=data["reason"]
        )

    return _event_view(
        request,
        uid,
        MOVE,
        form_factory=lambda data, initial: forms.MoveForm(data, initial=initial, user=user),
        run=run,
        initial=lambda person: {"date": timezone.localdate()},
    )


@action_required(Action.EDIT_REGISTRY)
@require_http_methods(["GET", "POST"])
def person_depart(request: HttpRequest, uid) -> HttpResponse:
    user = request.user
    return _event_view(
        request,
        uid,
        DEPART,
        form_factory=forms.DepartForm,
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
    return _event_view(
        request,
        uid,
        DEATH,
        form_factory=forms.DeathForm,
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
    return _event_view(
        request,
        uid,
        CANCEL,
        form_factory=forms.CancelForm,
        run=lambda person, data: services.person_cancel(
            actor=user, person=person, reason=data["reason"]
        ),
    )


def _outflow_blocked(person: Person) -> str:
    if person.status == PersonStatus.ACTIVE and person.population_type not in (
        PopulationType.RESIDENT,
        PopulationType.SEPARATED,
    ):
        return _(
            "只有本地户籍人员（户籍常住、人户分离）可以登记外出；流入人员离开本市请办理迁出注销。"
        )
    return _needs_active(person)


@action_required(Action.EDIT_REGISTRY)
@require_http_methods(["GET", "POST"])
def person_outflow(request: HttpRequest, uid) -> HttpResponse:
    user = request.user
    return _event_view(
        request,
        uid,
        OUTFLOW,
        form_factory=forms.OutflowForm,
        run=lambda person, data: services.person_register_outflow(
            actor=user,
            person=person,
            date=data["date"],
            reason=data["reason"],
            division=data["division"],
            address=data.get("address", ""),
        ),
        blocked=_outflow_blocked,
    )


def _return_blocked(person: Person) -> str:
    if person.status == PersonStatus.ACTIVE and person.population_type != PopulationType.OUTFLOW:
        return _("%(name)s 不是流出人员，无需返回登记。") % {"name": person.name}
    return _needs_active(person)


@action_required(Action.EDIT_REGISTRY)
@require_http_methods(["GET", "POST"])
def person_return(request: HttpRequest, uid) -> HttpResponse:
    user = request.user
    return _event_view(
        request,
        uid,
        RETURN,
        form_factory=forms.ReturnForm,
        run=lambda person, data: services.person_return(
            actor=user, person=person, date=data["date"], reason=data["reason"]
        ),
        blocked=_return_blocked,
    )


@action_required(Action.EDIT_REGISTRY)
@require_http_methods(["GET", "POST"])
def person_check(request: HttpRequest, uid) -> HttpResponse:
    user = request.user
    return _event_view(
        request,
        uid,
        CHECK,
        form_factory=forms.CheckForm,
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
