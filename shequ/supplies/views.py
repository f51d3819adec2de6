"""The supplies' pages: parse the form, call one selector or service, render. ``?part=``
answers a page's HTMX partials (the person found while typing an identity number)."""

import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core.forms import add_service_errors
from shequ.core.identifiers import mask_id_number
from shequ.core.versions import EditConflict
from shequ.core.web import paginate, query_without
from shequ.org.permissions import StaffRequest, action_required, staff_required
from shequ.org.roles import Action, can
from shequ.supplies import forms, selectors, services
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


def _action_page(request, location, form, title, done, success):
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
        {"form": form, "title": title, "location": location},
    )


@action_required(Action.KEEP_STOCK)
def location_receive(request: StaffRequest, uid) -> HttpResponse:
    location = selectors.location_get(request.user, uid)
    form = forms.ReceiptForm(request.POST or None)

    def done(data):
        services.stock_receive(
            actor=request.user,
            location=location,
            item=data["item"],
            lot_number=data["lot_number"],
            expiry=data["expiry"],
            quantity=data["quantity"],
            day=data["day"],
            manufacturer=data["manufacturer"],
        )

    return _action_page(request, location, form, _("入库"), done, _("已入库。"))


@action_required(Action.KEEP_STOCK)
def location_write_off(request: StaffRequest, uid) -> HttpResponse:
    location = selectors.location_get(request.user, uid)
    form = forms.WriteOffForm(request.POST or None, lots=selectors.lots_at(location))

    def done(data):
        services.stock_write_off(
            actor=request.user,
            location=location,
            lot=data["lot"],
            quantity=data["quantity"],
            reason=data["reason"],
        )

    return _action_page(request, location, form, _("报损"), done, _("已报损。"))


@action_required(Action.KEEP_STOCK)
def location_refill(request: StaffRequest, uid) -> HttpResponse:
    location = selectors.location_get(request.user, uid)
    form = forms.RefillForm(
        request.POST or None,
        sources=selectors.locations_visible(request.user).exclude(kind=Location.Kind.MACHINE),
    )

    def done(data):
        services.machine_refill(
            actor=request.user,
            machine=location,
            source=data["source"],
            item=data["item"],
            quantity=data["quantity"],
        )

    return _action_page(request, location, form, _("自助机补货"), done, _("已补货。"))


@action_required(Action.DISPENSE_SUPPLIES)
def location_pickup(request: StaffRequest, uid) -> HttpResponse:
    location = selectors.location_get(request.user, uid)
    form = forms.PickupForm(request.POST or None)

    def done(data):
        services.anonymous_pickup(
            actor=request.user,
            location=location,
            item=data["item"],
            quantity=data["quantity"],
            day=data["day"],
            reference=data["reference"],
        )

    title = _("登记邮寄发放") if location.kind == Location.Kind.POSTAL else _("登记自助机领取")
    return _action_page(request, location, form, title, done, _("已登记。"))


@action_required(Action.DISPENSE_SUPPLIES)
def location_dispense(request: StaffRequest, uid) -> HttpResponse:
    """Named dispensing: the person is found by identity number (HTMX shows who it is as
    it is typed, masked); caps and intervals are checked by the service."""
    user = request.user
    location = selectors.location_get(user, uid)
    if request.GET.get("part") == "person":
        person = selectors.person_by_id_number(user, request.GET.get("id_number", ""))
        return render(
            request,
            "supplies/_person_found.html",
            {"person": person, "masked": mask_id_number(person.id_number) if person else ""},
        )
    form = forms.DispenseForm(request.POST or None)

    def done(data):
        person = selectors.person_by_id_number(user, data["id_number"])
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

    return _action_page(request, location, form, _("实名发放"), done, _("已发放。"))


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


_STEPS = {
    "approve": (
        _("批准申领"),
        lambda actor, r, d: services.requisition_decide(
            actor=actor, requisition=r, approve=True, reason=d["reason"], version=d["version"]
        ),
    ),
    "reject": (
        _("驳回申领"),
        lambda actor, r, d: services.requisition_decide(
            actor=actor, requisition=r, approve=False, reason=d["reason"], version=d["version"]
        ),
    ),
    "send": (
        _("发出药具"),
        lambda actor, r, d: services.requisition_send(
            actor=actor, requisition=r, version=d["version"]
        ),
    ),
    "receive": (
        _("签收药具"),
        lambda actor, r, d: services.requisition_receive(
            actor=actor, requisition=r, version=d["version"]
        ),
    ),
    "cancel": (
        _("撤销申领"),
        lambda actor, r, d: services.requisition_cancel(
            actor=actor, requisition=r, reason=d["reason"], version=d["version"]
        ),
    ),
}


def _requisition_step(request: StaffRequest, uid, step: str) -> HttpResponse:
    """One step of the workflow, confirmed on its own page before it is taken."""
    requisition = selectors.requisition_get(request.user, uid)
    title, take = _STEPS[step]
    form = forms.StepForm(request.POST or None, initial={"version": requisition.version})
    if request.method == "POST" and form.is_valid():
        try:
            take(request.user, requisition, form.cleaned_data)
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
