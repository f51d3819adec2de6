"""生育登记 pages: the staff's list, desk registration, the receipt; the public online form."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from shequ.core.forms import add_service_errors
from shequ.core.web import client_ip, paginate, query_without
from shequ.desk import rules, selectors, services, tables
from shequ.desk.forms import (
    BirthRegistrationForm,
    ChildLinkForm,
    OnlineBirthRegistrationForm,
)
from shequ.desk.models import Channel
from shequ.desk.views._common import _style, export_list
from shequ.org.permissions import StaffRequest, action_required
from shequ.org.roles import Action, can
from shequ.registry import selectors as registry_selectors

# --- Birth registration (生育登记) ----------------------------------------------------------

_BIRTH_VALUES = (
    "spouse_name",
    "married",
    "stage",
    "expected_on",
    "born_on",
    "mobile",
    "declaration",
)


@action_required(Action.READ_REGISTRY)
@require_GET
def birth_list(request: StaffRequest) -> HttpResponse:
    filterset = selectors.BirthRegistrationFilter(
        request.GET, queryset=selectors.birth_registrations_visible(request.user), request=request
    )
    problems = filterset.problems()
    rows = (filterset.queryset.none() if problems else filterset.qs).order_by(
        "-registered_at", "-id"
    )
    if request.GET.get("export"):
        return export_list(
            request,
            tables.births_table(),
            rows,
            tables.birth_row,
            target_type="desk.birthregistration",
        )
    form = filterset.form
    _style(form)
    return render(
        request,
        "desk/birth_list.html",
        {
            "page": paginate(request, rows),
            "form": form,
            "problems": problems,
            "query": query_without(request, "page"),
            "can_export": can(request.user, Action.EXPORT_REGISTRY),
            "can_register": rules.may_step(request.user, "apply"),
        },
    )


@action_required(Action.EDIT_REGISTRY)
@require_http_methods(["GET", "POST"])
def birth_new(request: StaffRequest) -> HttpResponse:
    user = request.user
    if not rules.may_step(user, "apply"):
        raise PermissionDenied(_("您的角色不能办理生育登记。"))
    form = BirthRegistrationForm(request.POST or None)
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
                registration = services.birth_registration_create(
                    actor=user,
                    person=person,
                    channel=Channel.DESK if user.role == "street" else Channel.WORKER,
                    values={k: form.cleaned_data.get(k) for k in _BIRTH_VALUES},
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("已登记，回执已生成。"))
                return redirect("desk:birth_detail", uid=registration.uid)
    return render(request, "desk/birth_form.html", {"form": form, "online": False})


@action_required(Action.READ_REGISTRY)
@require_GET
def birth_detail(request: StaffRequest, uid) -> HttpResponse:
    registration = selectors.birth_registration_get(request.user, uid)
    return render(
        request,
        "desk/birth_detail.html",
        {
            "registration": registration,
            "children": selectors.birth_children(registration)
            if not registration.child_id and rules.may_step(request.user, "apply")
            else [],
            "receipt_url": reverse("desk:birth_receipt", args=[registration.receipt_code]),
        },
    )


@action_required(Action.EDIT_REGISTRY)
@require_http_methods(["POST"])
def birth_link_child(request: StaffRequest, uid) -> HttpResponse:
    registration = selectors.birth_registration_get(request.user, uid)
    form = ChildLinkForm(request.POST)
    child = (
        selectors.birth_children(registration).filter(uid=form.cleaned_data["child"]).first()
        if form.is_valid()
        else None
    )
    if child is None:
        messages.error(request, _("请选择登记人的子女。"))
    else:
        try:
            services.birth_registration_link_child(
                actor=request.user, registration=registration, child=child
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("已关联出生的子女。"))
    return redirect("desk:birth_detail", uid=registration.uid)


@never_cache
@require_http_methods(["GET", "POST"])
def birth_online(request: HttpRequest) -> HttpResponse:
    """Public: a resident registers a birth with the identity number, the mobile number on
    record and the declaration; the answer is the receipt (its code to come back with)."""
    form = OnlineBirthRegistrationForm(request.POST or None)
    _style(form)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            registration = services.birth_registration_online(
                id_number=form.cleaned_data["id_number"],
                mobile=form.cleaned_data["mobile"],
                values={k: form.cleaned_data.get(k) for k in _BIRTH_VALUES if k != "mobile"},
                ip=client_ip(request),
            )
        except services.TooManyAttempts:
            form.add_error(None, _("提交过于频繁，请一小时后再试。"))
            status = 429
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return redirect("desk:birth_receipt", code=registration.receipt_code)
    return render(request, "desk/birth_form.html", {"form": form, "online": True}, status=status)


@never_cache
@require_GET
def birth_receipt(request: HttpRequest, code: str) -> HttpResponse:
    """Public: the receipt of a registration, by its code (128 random bits): what was
    registered, where and when, the registrant's name masked."""
    try:
        services.count_address(
            "birth-receipt", client_ip(request), 10 * settings.BIRTH_ONLINE_LIMIT_PER_HOUR
        )
    except services.TooManyAttempts:
        return render(request, "desk/birth_receipt.html", {"limited": True}, status=429)
    registration = selectors.birth_registration_by_receipt(code)
    if registration is None:
        raise Http404
    response = render(
        request,
        "desk/birth_receipt.html",
        {"registration": registration, "masked_name": rules.mask_name(registration.person.name)},
    )
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@never_cache
@require_GET
def birth_receipt_pdf(request: HttpRequest, code: str) -> HttpResponse:
    """Public: the receipt as a PDF to print (same code, same limit as the receipt page)."""
    try:
        services.count_address(
            "birth-receipt", client_ip(request), 10 * settings.BIRTH_ONLINE_LIMIT_PER_HOUR
        )
    except services.TooManyAttempts:
        return render(request, "desk/birth_receipt.html", {"limited": True}, status=429)
    registration = selectors.birth_registration_by_receipt(code)
    if registration is None:
        raise Http404
    data = services.birth_receipt_pdf(
        registration=registration,
        receipt_url=request.build_absolute_uri(
            reverse("desk:birth_receipt", args=[registration.receipt_code])
        ),
    )
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = 'inline; filename="birth-receipt.pdf"'
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response
