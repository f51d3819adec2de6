"""The supplies' pages: parse the form, call one selector or service, render. ``?part=``
answers a page's HTMX partials (the person found while typing an identity number)."""

import datetime
import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shequ.core.forms import StyledForm, add_service_errors, show_conflict
from shequ.core.identifiers import mask_id_number
from shequ.core.versions import EditConflict
from shequ.core.web import client_ip, paginate, query_without, sort_by
from shequ.org.permissions import StaffRequest, action_required, staff_required
from shequ.org.roles import Action, can
from shequ.supplies import exporters, forms, selectors, services
from shequ.supplies.models import Location


def _unit_choices(user) -> list[tuple[str, str]]:
    return [(u.code, f"{u.name}（{u.code}）") for u in selectors.units_for_stock(user)]


# --- Stock overview ----------------------------------------------------------------------


@staff_required
def stock(request: StaffRequest) -> HttpResponse:
    """Stock per location × item in the jurisdiction, with what expires soon and what runs low."""
    user = request.user
    filterset = selectors.LevelFilter(request.GET, queryset=selectors.levels_visible(user))
    problems = [str(e) for errors in filterset.errors.values() for e in errors]
    levels = filterset.queryset.none() if problems else filterset.qs
    page = paginate(
        request, levels.order_by("unit_code", "location__name", "item__code", "lot__expiry", "id")
    )
    return render(
        request,
        "supplies/stock.html",
        {
            "page": page,
            "form": filterset.form,
            "problems": problems,
            "query": query_without(request, "page"),
            "expiring": list(selectors.expiring_soon(user)[:20]),
            "low": list(selectors.low_stock(user)[:20]),
            "today": timezone.localdate(),
            "can_keep": can(user, Action.KEEP_STOCK),
        },
    )


@staff_required
def movement_list(request: StaffRequest) -> HttpResponse:
    """The ledger: every movement in the jurisdiction, newest first."""
    filterset = selectors.MovementFilter(
        request.GET, queryset=selectors.movements_visible(request.user)
    )
    problems = [str(e) for errors in filterset.errors.values() for e in errors]
    rows = filterset.queryset.none() if problems else filterset.qs
    page = paginate(request, rows.order_by("-id"))
    return render(
        request,
        "supplies/movement_list.html",
        {
            "page": page,
            "form": filterset.form,
            "problems": problems,
            "query": query_without(request, "page"),
        },
    )


# --- The catalogue ----------------------------------------------------------------------


@staff_required
def item_list(request: StaffRequest) -> HttpResponse:
    """The catalogue: every item, in use or retired, and whether the rulebook caps it."""
    rows, sort = sort_by(
        request,
        selectors.items().filter(selectors.item_search_q(request.GET)),
        {"kind": ("kind", "code"), "code": "code", "name": ("name", "code")},
        "kind",
    )
    page = paginate(request, rows)
    capped = selectors.catalogue_rules([item.code for item in page.object_list])
    return render(
        request,
        "supplies/item_list.html",
        {
            "page": page,
            "capped": capped,
            "sort": sort,
            "q": request.GET.get("q", ""),
            "state": request.GET.get("state", ""),
            "query": query_without(request, "page"),
            "sort_query": query_without(request, "page", "sort"),
            "may_keep": services.may_keep_catalogue(request.user),
        },
    )


@action_required(Action.KEEP_STOCK)
def item_create(request: StaffRequest) -> HttpResponse:
    if not services.may_keep_catalogue(request.user):
        raise PermissionDenied(_("药具目录由区县药具库的保管人员维护。"))
    form = forms.ItemForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            item = services.item_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已新增品种 %(name)s。") % {"name": item.name})
            return redirect("supplies:item_detail", uid=item.uid)
    return render(
        request, "org/form.html", {"form": form, "title": _("新增药具品种"), "cancel_url": "../"}
    )


@staff_required
def item_detail(request: StaffRequest, uid) -> HttpResponse:
    item = selectors.item_get(uid)
    return render(
        request,
        "supplies/item_detail.html",
        {
            "item": item,
            "history": selectors.item_history(item)[:50],
            "capped": bool(selectors.catalogue_rules([item.code])),
            "may_keep": services.may_keep_catalogue(request.user),
        },
    )


def _item_initial(item) -> dict:
    return {name: getattr(item, name) for name in (*services.ITEM_EDITABLE, "version")}


@action_required(Action.KEEP_STOCK)
def item_edit(request: StaffRequest, uid) -> HttpResponse:
    """Edit with a reason; a stale edit shows both values (core.versions)."""
    item = selectors.item_get(uid)
    if not services.may_keep_catalogue(request.user):
        raise PermissionDenied(_("药具目录由区县药具库的保管人员维护。"))
    form = forms.ItemEditForm(request.POST or None, initial=_item_initial(item))
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version, reason = data.pop("version"), data.pop("reason")
        try:
            services.item_update(
                actor=request.user, item=item, values=data, reason=reason, version=version
            )
        except EditConflict as conflict:
            show_conflict(form, conflict, _item_initial(conflict.current))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已保存 %(name)s。") % {"name": item.name})
            return redirect("supplies:item_detail", uid=item.uid)
    return render(
        request,
        "org/form.html",
        {
            "form": form,
            "title": _("修改药具品种：%(name)s") % {"name": item.name},
            "cancel_url": "../",
        },
    )


def _item_state(request: StaffRequest, uid, active: bool) -> HttpResponse:
    """Retire an item or bring it back: confirmed on its own page, with the reason."""
    item = selectors.item_get(uid)
    if not services.may_keep_catalogue(request.user):
        raise PermissionDenied(_("药具目录由区县药具库的保管人员维护。"))
    form = forms.ItemStateForm(request.POST or None, initial={"version": item.version})
    if request.method == "POST" and form.is_valid():
        try:
            services.item_set_active(
                actor=request.user,
                item=item,
                active=active,
                reason=form.cleaned_data["reason"],
                version=form.cleaned_data["version"],
            )
        except EditConflict as conflict:
            form.add_error(None, str(conflict))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            done = _("已重新启用 %(name)s。") if active else _("已停用 %(name)s。")
            messages.success(request, done % {"name": item.name})
            return redirect("supplies:item_detail", uid=item.uid)
    if active:
        title, question = _("重新启用品种"), _("重新启用 %(name)s？启用后可再入库、申领和发放。")
    else:
        title = _("停用品种")
        question = _(
            "停用 %(name)s？停用后不能再入库、申领或发放；现有库存请调拨用完或报损，帐目保留。"
        )
    return render(
        request,
        "core/confirm.html",
        {
            "form": form,
            "title": title,
            "question": question % {"name": item.name},
            "confirm_label": title,
            "danger": not active,
            "cancel_url": "../",
        },
    )


@action_required(Action.KEEP_STOCK)
def item_retire(request: StaffRequest, uid) -> HttpResponse:
    return _item_state(request, uid, False)


@action_required(Action.KEEP_STOCK)
def item_restore(request: StaffRequest, uid) -> HttpResponse:
    return _item_state(request, uid, True)


# --- Locations -----------------------------------------------------------------------


@staff_required
def location_list(request: StaffRequest) -> HttpResponse:
    filterset = selectors.LocationFilter(
        request.GET, queryset=selectors.locations_visible(request.user)
    )
    problems = [str(e) for errors in filterset.errors.values() for e in errors]
    rows = filterset.queryset.none() if problems else filterset.qs
    page = paginate(request, rows.order_by("unit_code", "kind", "name", "id"))
    return render(
        request,
        "supplies/location_list.html",
        {
            "page": page,
            "form": filterset.form,
            "problems": problems,
            "query": query_without(request, "page"),
            "can_keep": can(request.user, Action.KEEP_STOCK),
        },
    )


@action_required(Action.KEEP_STOCK)
def location_create(request: StaffRequest) -> HttpResponse:
    user = request.user
    form = forms.LocationForm(
        request.POST or None,
        units=_unit_choices(user),
        suppliers=selectors.suppliers_for(user),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            location = services.location_create(
                actor=user,
                unit_code=data["unit"],
                name=data["name"],
                kind=data["kind"],
                supplier=data["supplier"],
                address=data["address"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已建立 %(name)s。") % {"name": location.name})
            return redirect("supplies:location_detail", uid=location.uid)
    return render(
        request,
        "org/form.html",
        {"form": form, "title": _("新建药具存放发放点"), "cancel_url": "../"},
    )


@staff_required
def location_detail(request: StaffRequest, uid) -> HttpResponse:
    """One location: its lots and balances, the reconciliation, its last movements, and
    the actions its kind allows."""
    user = request.user
    location = selectors.location_get(user, uid)
    return render(
        request,
        "supplies/location_detail.html",
        {
            "location": location,
            "balances": selectors.location_balances(location),
            "reconciliation": selectors.reconciliation(location),
            "movements": selectors.movements_visible(user)
            .filter(location=location)
            .order_by("-id")[:20],
            "can_keep": can(user, Action.KEEP_STOCK),
            "can_dispense": can(user, Action.DISPENSE_SUPPLIES),
            "Kind": Location.Kind,
            "today": timezone.localdate(),
        },
    )


def _action_page(request, location, form, title, done, success, **extra):
    """A location's action form: on a valid POST call ``done``; service errors on the form."""
    if request.method == "POST" and form.is_valid():
        try:
            done(form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, success)
            return redirect("supplies:location_detail", uid=location.uid)
    return render(
        request,
        "supplies/location_action.html",
        {"form": form, "title": title, "location": location, **extra},
    )


@dataclass(frozen=True)
class _Movement:
    """One kind of movement a location's page books: the right it needs, its form (whose
    fields are the service's keyword arguments), the service, and the keyword that names
    the location there. One shape for receipts, write-offs, refills and pick-ups."""

    action: Action
    form: Callable[[StaffRequest, Location], StyledForm]
    service: Callable[..., Any]
    location_as: str
    title: Callable[[Location], str]
    success: str


_MOVEMENTS: dict[str, _Movement] = {
    "receive": _Movement(
        Action.KEEP_STOCK,
        lambda request, location: forms.ReceiptForm(request.POST or None),
        services.stock_receive,
        "location",
        lambda location: _("入库"),
        gettext_lazy("已入库。"),
    ),
    "write_off": _Movement(
        Action.KEEP_STOCK,
        lambda request, location: forms.WriteOffForm(
            request.POST or None, lots=selectors.lots_at(location)
        ),
        services.stock_write_off,
        "location",
        lambda location: _("报损"),
        gettext_lazy("已报损。"),
    ),
    "refill": _Movement(
        Action.KEEP_STOCK,
        lambda request, location: forms.RefillForm(
            request.POST or None,
            sources=selectors.locations_visible(request.user).exclude(kind=Location.Kind.MACHINE),
        ),
        services.machine_refill,
        "machine",
        lambda location: _("自助机补货"),
        gettext_lazy("已补货。"),
    ),
    "pickup": _Movement(
        Action.DISPENSE_SUPPLIES,
        lambda request, location: forms.PickupForm(request.POST or None),
        services.anonymous_pickup,
        "location",
        lambda location: (
            _("登记邮寄发放") if location.kind == Location.Kind.POSTAL else _("登记自助机领取")
        ),
        gettext_lazy("已登记。"),
    ),
}


def _movement_view(name: str):
    movement = _MOVEMENTS[name]

    @action_required(movement.action)
    def view(request: StaffRequest, uid) -> HttpResponse:
        location = selectors.location_get(request.user, uid)
        form = movement.form(request, location)

        def done(data):
            movement.service(actor=request.user, **{movement.location_as: location}, **data)

        title = movement.title(location)
        return _action_page(request, location, form, title, done, str(movement.success))

    view.__name__ = f"location_{name}"
    return view


location_receive = _movement_view("receive")
location_write_off = _movement_view("write_off")
location_refill = _movement_view("refill")
location_pickup = _movement_view("pickup")


@action_required(Action.DISPENSE_SUPPLIES)
def location_dispense(request: StaffRequest, uid) -> HttpResponse:
    """Named dispensing: the person is found by identity number (HTMX shows who it is as
    it is typed, masked), or comes from the person page (``?person=<id>``: the form names
    her, masked, and never holds her number); caps and intervals are checked by the service."""
    user = request.user
    location = selectors.location_get(user, uid)
    if request.GET.get("part") == "person":
        person = selectors.person_by_id_number(user, request.GET.get("id_number", ""))
        return render(
            request,
            "supplies/_person_found.html",
            {"person": person, "masked": mask_id_number(person.id_number) if person else ""},
        )
    named = request.POST.get("person") or request.GET.get("person")
    chosen = selectors.person_for_dispensing(user, named) if named else None
    form = forms.DispenseForm(
        request.POST or None, initial={"person": chosen.uid if chosen else None}
    )

    def done(data):
        person = chosen or selectors.person_by_id_number(user, data["id_number"])
        if person is None:
            raise ValidationError({"id_number": [_("辖区内没有登记这个身份证号码的人员。")]})
        services.dispense(
            actor=user,
            location=location,
            person=person,
            item=data["item"],
            quantity=data["quantity"],
            update_fact=data["update_fact"],
            note=data["note"],
        )

    answer = _action_page(
        request,
        location,
        form,
        _("实名发放"),
        done,
        _("已发放。"),
        person=chosen,
        masked=mask_id_number(chosen.id_number) if chosen else "",
    )
    if chosen and answer.status_code == 302:  # back where the worker started: her page
        return redirect("registry:person_detail", uid=chosen.uid)
    return answer


@action_required(Action.KEEP_STOCK)
def location_count(request: StaffRequest, uid) -> HttpResponse:
    location = selectors.location_get(request.user, uid)
    balances = selectors.location_balances(location)
    form = forms.CountForm(request.POST or None, balances=balances)

    def done(data):
        lines = [
            services.Counted(balance.lot, data[counted], data[why] or "")
            for balance, counted, why in form.rows
        ]
        services.stock_count(actor=request.user, location=location, lines=lines, day=data["day"])

    return _action_page(request, location, form, _("盘点"), done, _("已登记盘点，差异已入帐。"))


@action_required(Action.KEEP_STOCK)
def lot_recall(request: StaffRequest, uid) -> HttpResponse:
    """Recall a lot (a quality notice): confirmed with its reason; it is never given out or
    sent again, wherever it lies."""
    lot = selectors.lot_get(request.user, uid)
    form = forms.ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.lot_recall(actor=request.user, lot=lot, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("批次 %(number)s 已召回。") % {"number": lot.number})
            return redirect("supplies:stock")
    return render(
        request,
        "core/confirm.html",
        {
            "form": form,
            "title": _("召回批次"),
            "question": _(
                "召回 %(item)s 批号 %(number)s（有效期至 %(expiry)s）？召回后各地均不能再发放。"
            )
            % {"item": lot.item.name, "number": lot.number, "expiry": lot.expiry},
            "confirm_label": _("召回"),
            "danger": True,
            "cancel_url": "../../../",
        },
    )


@staff_required
def person_supplies(request: StaffRequest, uid) -> HttpResponse:
    """The supplies given to one person by name (a service record on their file): health
    data, for the health right only, and the read is logged."""
    user = request.user
    if not can(user, Action.VIEW_HEALTH):
        raise PermissionDenied(_("查看发放记录须有查看健康信息的权限。"))
    person = selectors.person_for_dispensing(user, uid)
    rows = selectors.person_dispensings(user, person)
    services.log_dispensings_read(actor=user, person=person)
    return render(request, "supplies/person_supplies.html", {"person": person, "rows": rows})


@staff_required
def dispensing_list(request: StaffRequest) -> HttpResponse:
    """Named dispensings in the jurisdiction (health data: the health right only; the
    persons on the page are logged as read), identity numbers masked."""
    user = request.user
    if not can(user, Action.VIEW_HEALTH):
        raise PermissionDenied(_("查看实名发放记录须有查看健康信息的权限。"))
    filterset = selectors.DispensingFilter(
        request.GET, queryset=selectors.dispensings_visible(user)
    )
    problems = [str(e) for errors in filterset.errors.values() for e in errors]
    rows = filterset.queryset.none() if problems else filterset.qs
    page = paginate(request, rows.order_by("-day", "-id"))
    for record in page.object_list:
        record.masked = mask_id_number(record.person.id_number)
    services.log_dispensings_list_read(actor=user, records=page.object_list)
    return render(
        request,
        "supplies/dispensing_list.html",
        {
            "page": page,
            "form": filterset.form,
            "problems": problems,
            "query": query_without(request, "page"),
            "may_export": can(user, Action.EXPORT_REGISTRY),
        },
    )


# --- Exports --------------------------------------------------------------------------


@staff_required
def export(request: StaffRequest, kind: str) -> HttpResponse:
    """A stock list as .xlsx (or ?format=csv), with the list page's filters and the user's
    jurisdiction; a large one goes to the task worker and the user to its status page."""
    from shequ.jobs.exports import (
        export_file_name,
        export_job_create,
        export_needs_job,
        exporter_for,
    )
    from shequ.jobs.tasks import enqueue_export_job
    from shequ.registry.export_views import file_response

    if kind not in exporters.KINDS:
        raise Http404
    user = request.user
    exporter = exporter_for(kind)
    if not can(user, exporter.action):
        raise PermissionDenied(_("您的角色不能导出这份清单。"))
    fmt = "csv" if request.GET.get("format") == "csv" else "xlsx"
    filters = request.GET.copy()
    filters.pop("format", None)
    filters.pop("page", None)
    try:
        queryset = exporter.select(user, filters)
    except ValidationError as exc:
        return HttpResponseBadRequest(" ".join(exc.messages), content_type="text/plain")
    ip = client_ip(request)
    if export_needs_job(queryset):
        job = export_job_create(actor=user, kind=kind, fmt=fmt, filters=filters, ip=ip)
        enqueue_export_job(job)
        return redirect("registry:export_status", uid=job.uid)
    buffer = io.BytesIO()
    exporter.write(queryset, buffer, actor=user, fmt=fmt, ip=ip)
    return file_response(buffer.getvalue(), filename=export_file_name(kind, fmt), fmt=fmt)


@action_required(Action.DISPENSE_SUPPLIES)
def person_dispense(request: StaffRequest, uid) -> HttpResponse:
    """发放 from the person page: the dispensing form of the worker's place with her named;
    with several places, the worker picks one first."""
    person = selectors.person_for_dispensing(request.user, uid)
    places = list(selectors.dispensing_places(request.user)[:50])
    if len(places) == 1:
        url = reverse("supplies:location_dispense", args=[places[0].uid])
        return redirect(f"{url}?person={person.uid}")
    return render(
        request,
        "supplies/person_dispense.html",
        {"person": person, "masked": mask_id_number(person.id_number), "places": places},
    )


# --- Requisitions ----------------------------------------------------------------------


@staff_required
def requisition_list(request: StaffRequest) -> HttpResponse:
    filterset = selectors.RequisitionFilter(
        request.GET, queryset=selectors.requisitions_visible(request.user)
    )
    problems = [str(e) for errors in filterset.errors.values() for e in errors]
    rows = filterset.queryset.none() if problems else filterset.qs
    page = paginate(request, rows.order_by("-id"))
    return render(
        request,
        "supplies/requisition_list.html",
        {
            "page": page,
            "form": filterset.form,
            "problems": problems,
            "query": query_without(request, "page"),
            "can_keep": can(request.user, Action.KEEP_STOCK),
        },
    )


@action_required(Action.KEEP_STOCK)
def requisition_create(request: StaffRequest) -> HttpResponse:
    user = request.user
    form = forms.RequisitionForm(
        request.POST or None,
        locations=selectors.locations_visible(user).filter(supplier__isnull=False, is_active=True),
    )
    if request.method == "POST" and form.is_valid():
        try:
            requisition = services.requisition_submit(
                actor=user,
                location=form.cleaned_data["location"],
                lines=form.lines(),
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已提交申领。"))
            return redirect("supplies:requisition_detail", uid=requisition.uid)
    return render(
        request, "org/form.html", {"form": form, "title": _("药具申领"), "cancel_url": "../"}
    )


@staff_required
def requisition_detail(request: StaffRequest, uid) -> HttpResponse:
    requisition = selectors.requisition_get(request.user, uid)
    return render(
        request,
        "supplies/requisition_detail.html",
        {
            "requisition": requisition,
            "steps": selectors.requisition_steps(request.user, requisition),
            "movements": requisition.movements.select_related("lot", "item", "location"),
        },
    )


_STEP_TITLES = {
    "approve": gettext_lazy("批准申领"),
    "reject": gettext_lazy("驳回申领"),
    "send": gettext_lazy("发出药具"),
    "receive": gettext_lazy("签收药具"),
    "cancel": gettext_lazy("撤销申领"),
}


def _requisition_step(request: StaffRequest, uid, step: str) -> HttpResponse:
    """One step of the workflow, confirmed on its own page before it is taken."""
    requisition = selectors.requisition_get(request.user, uid)
    title = str(_STEP_TITLES[step])
    form = forms.StepForm(request.POST or None, initial={"version": requisition.version})
    if request.method == "POST" and form.is_valid():
        try:
            services.requisition_step(
                actor=request.user,
                requisition=requisition,
                step=step,
                version=form.cleaned_data["version"],
                reason=form.cleaned_data["reason"],
            )
        except EditConflict:
            form.add_error(None, _("申领单已被他人处理，请返回查看最新状态。"))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已办理：%(step)s。") % {"step": title})
            return redirect("supplies:requisition_detail", uid=requisition.uid)
    return render(
        request,
        "core/confirm.html",
        {
            "form": form,
            "title": title,
            "question": _("%(location)s 向 %(supplier)s 的申领单（%(status)s）。确认办理？")
            % {
                "location": requisition.location.name,
                "supplier": requisition.supplier.name,
                "status": requisition.get_status_display(),
            },
            "confirm_label": title,
            "danger": step in ("reject", "cancel"),
            "cancel_url": "../",
        },
    )


def _step_view(step: str):
    @action_required(Action.KEEP_STOCK)
    def view(request: StaffRequest, uid) -> HttpResponse:
        return _requisition_step(request, uid, step)

    view.__name__ = f"requisition_{step}"
    return view


requisition_approve = _step_view("approve")
requisition_reject = _step_view("reject")
requisition_send = _step_view("send")
requisition_receive = _step_view("receive")
requisition_cancel = _step_view("cancel")


# --- Report --------------------------------------------------------------------------


@staff_required
def report(request: StaffRequest) -> HttpResponse:
    """A unit's (a street's) stock report for a period, with its supply and follow-up rates."""
    user = request.user
    today = timezone.localdate()
    units = _unit_choices(user)
    initial = {
        "unit": units[0][0] if units else "",
        "since": today.replace(day=1) - datetime.timedelta(days=365 - 31),
        "until": today,
    }
    form = forms.ReportForm(request.GET or initial, units=units)
    rows, rates = [], None
    if form.is_valid():
        data = form.cleaned_data
        if data["since"] > data["until"]:
            form.add_error("until", _("截止日期不能早于起始日期。"))
        else:
            rows = selectors.stock_report(user, data["unit"], data["since"], data["until"])
            rates = selectors.unit_rates(user, data["unit"], data["since"], data["until"])
    elif not units:
        raise PermissionDenied(_("您的账号没有可查看的单位。"))
    return render(request, "supplies/report.html", {"form": form, "rows": rows, "rates": rates})
