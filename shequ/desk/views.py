"""The desk's pages: parse the form, call one selector or service, render. The public
verification page (``verify``) is the one page without a login."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from shequ.core.forms import add_service_errors
from shequ.core.versions import EditConflict
from shequ.core.web import client_ip, paginate, query_without
from shequ.desk import rules, selectors, services
from shequ.desk.forms import (
    ApplicationForm,
    BirthRegistrationForm,
    ChildLinkForm,
    ConfirmForm,
    DisclosureEditForm,
    DisclosureForm,
    MonthForm,
    OnlineBirthRegistrationForm,
    ReasonForm,
)
from shequ.desk.models import Channel, DisclosureCategory, DocumentKind
from shequ.org.models import SensitiveAccess
from shequ.org.permissions import StaffRequest, action_required
from shequ.org.roles import Action
from shequ.registry import selectors as registry_selectors

_l = gettext_lazy
STEP_WORDS = {
    "accept": (_l("受理申请"), _l("受理后开始计算承诺时限。"), _l("受理")),
    "review": (_l("审核申请"), _l("核对申请事项与登记信息一致后，审核通过。"), _l("审核通过")),
    "issue": (_l("办结并出具文书"), _l("将根据人口信息生成文书并编号。"), _l("出具文书")),
    "refuse": (_l("不予办理"), _l("请写明不予办理的原因，申请人将被告知。"), _l("不予办理")),
}


def _style(form: forms.Form) -> None:
    for field in form.fields.values():
        css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
        field.widget.attrs.setdefault("class", css)


@action_required(Action.READ_REGISTRY)
@require_GET
def application_list(request: StaffRequest) -> HttpResponse:
    user = request.user
    filterset = selectors.ApplicationFilter(
        request.GET, queryset=selectors.applications_visible(user), request=request
    )
    problems = filterset.problems()
    rows = (filterset.queryset.none() if problems else filterset.qs).order_by("-applied_at", "-id")
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


@action_required(Action.READ_REGISTRY)
@require_GET
def document_list(request: StaffRequest) -> HttpResponse:
    filterset = selectors.DocumentFilter(
        request.GET, queryset=selectors.documents_visible(request.user), request=request
    )
    problems = filterset.problems()
    rows = (filterset.queryset.none() if problems else filterset.qs).order_by("-issued_on", "-id")
    form = filterset.form
    _style(form)
    return render(
        request,
        "desk/document_list.html",
        {
            "page": paginate(request, rows),
            "form": form,
            "problems": problems,
            "query": query_without(request, "page"),
        },
    )


@action_required(Action.READ_REGISTRY)
@require_GET
def document_detail(request: StaffRequest, uid) -> HttpResponse:
    document = selectors.document_get(request.user, uid)
    return render(
        request,
        "desk/document_detail.html",
        {
            "document": document,
            "kind_label": DocumentKind(document.kind).label,
            "public_state": selectors.document_public_state(document),
            "may_manage": rules.may_manage_documents(request.user) and document.status == "valid",
            "verify_url": request.build_absolute_uri(reverse("desk:verify", args=[document.code])),
        },
    )


@action_required(Action.EDIT_REGISTRY)
@require_GET
def document_pdf(request: StaffRequest, uid) -> HttpResponse:
    document = selectors.document_get(request.user, uid)
    data = services.document_pdf(
        actor=request.user,
        document=document,
        verify_url=request.build_absolute_uri(reverse("desk:verify", args=[document.code])),
        channel=SensitiveAccess.Channel.WEB,
    )
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="document-{document.uid}.pdf"'
    response["Cache-Control"] = "no-store"
    return response


def _document_change(request: StaffRequest, uid, *, replace: bool) -> HttpResponse:
    document = selectors.document_get(request.user, uid)
    form = ReasonForm(request.POST or None)
    _style(form)
    if request.method == "POST" and form.is_valid():
        service = services.document_replace if replace else services.document_revoke
        try:
            result = service(
                actor=request.user, document=document, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已换发。") if replace else _("已作废。"))
            return redirect("desk:document_detail", uid=result.uid)
    return render(
        request,
        "core/confirm.html",
        {
            "form": form,
            "title": (_("换发：%(n)s") if replace else _("作废：%(n)s")) % {"n": document.number},
            "question": _("换发将生成新的文号和核验码，原文书核验时显示“已换发”。")
            if replace
            else _("作废后，扫码核验将显示“已作废”。此操作不能撤销。"),
            "confirm_label": _("换发") if replace else _("作废"),
            "danger": True,
            "cancel_url": reverse("desk:document_detail", args=[document.uid]),
        },
    )


@action_required(Action.EDIT_REGISTRY)
@require_http_methods(["GET", "POST"])
def document_revoke(request: StaffRequest, uid) -> HttpResponse:
    return _document_change(request, uid, replace=False)


@action_required(Action.EDIT_REGISTRY)
@require_http_methods(["GET", "POST"])
def document_replace(request: StaffRequest, uid) -> HttpResponse:
    return _document_change(request, uid, replace=True)


@never_cache
@require_GET
def verify(request: HttpRequest, code: str) -> HttpResponse:
    """Public: what a QR code's holder may learn — genuine, its state, a masked name."""
    answer = services.verification_look(code=code, ip=client_ip(request))
    response = render(
        request,
        "desk/verify.html",
        {
            "answer": answer,
            "kind_label": DocumentKind(answer.kind).label if answer.found else "",
        },
        status=429 if answer.limited else 200 if answer.found else 404,
    )
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


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


# --- Public disclosure (政务公开) -----------------------------------------------------------


@action_required(Action.READ_REGISTRY)
@require_GET
def disclosure_list(request: StaffRequest) -> HttpResponse:
    filterset = selectors.DisclosureFilter(
        request.GET, queryset=selectors.disclosures_visible(request.user), request=request
    )
    problems = filterset.problems()
    rows = (filterset.queryset.none() if problems else filterset.qs).order_by(
        "-published_on", "-id"
    )
    form = filterset.form
    _style(form)
    month = MonthForm(initial={"month": timezone.localdate()})
    _style(month)
    return render(
        request,
        "desk/disclosure_list.html",
        {
            "page": paginate(request, rows),
            "form": form,
            "problems": problems,
            "query": query_without(request, "page"),
            "can_edit": rules.may_step(request.user, "apply"),
            "month_form": month,
        },
    )


@action_required(Action.EDIT_REGISTRY)
@require_http_methods(["GET", "POST"])
def disclosure_new(request: StaffRequest) -> HttpResponse:
    form = DisclosureForm(request.POST or None, initial={"published_on": timezone.localdate()})
    _style(form)
    if request.method == "POST" and form.is_valid():
        try:
            services.disclosure_create(
                actor=request.user, unit=request.user.unit, values=form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已保存。"))
            return redirect("desk:disclosure_list")
    return render(request, "desk/disclosure_form.html", {"form": form})


@action_required(Action.EDIT_REGISTRY)
@require_http_methods(["GET", "POST"])
def disclosure_edit(request: StaffRequest, uid) -> HttpResponse:
    item = selectors.disclosure_get(request.user, uid)
    initial = {name: getattr(item, name) for name in ("category", "title", "body", "published_on")}
    form = DisclosureEditForm(request.POST or None, initial={**initial, "version": item.version})
    _style(form)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            services.disclosure_update(
                actor=request.user,
                item=item,
                values=data,
                reason=data.pop("reason"),
                version=data.pop("version"),
            )
        except EditConflict:
            form.add_error(None, _("该条目已被他人修改，请刷新后重新编辑。"))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已保存。"))
            return redirect("desk:disclosure_list")
    return render(request, "desk/disclosure_form.html", {"form": form, "item": item})


@action_required(Action.EDIT_REGISTRY)
@require_http_methods(["GET", "POST"])
def disclosure_withdraw(request: StaffRequest, uid) -> HttpResponse:
    item = selectors.disclosure_get(request.user, uid)
    form = ReasonForm(request.POST or None)
    _style(form)
    if request.method == "POST" and form.is_valid():
        try:
            services.disclosure_withdraw(
                actor=request.user, item=item, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已撤下。"))
            return redirect("desk:disclosure_list")
    return render(
        request,
        "core/confirm.html",
        {
            "form": form,
            "title": _("撤下：%(t)s") % {"t": item.title},
            "question": _("撤下后公众不再看到此条目；记录保留。"),
            "confirm_label": _("撤下"),
            "danger": True,
            "cancel_url": reverse("desk:disclosure_list"),
        },
    )


@action_required(Action.EDIT_REGISTRY)
@require_http_methods(["POST"])
def disclosure_publish_births(request: StaffRequest) -> HttpResponse:
    form = MonthForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择月份。"))
    else:
        try:
            item = services.disclosure_publish_births(
                actor=request.user, unit=request.user.unit, month=form.cleaned_data["month"]
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("已发布：%(t)s") % {"t": item.title})
    return redirect("desk:disclosure_list")


@require_GET
def public(request: HttpRequest) -> HttpResponse:
    """Public: 政务公开 by category, without login."""
    items = selectors.disclosures_public(timezone.localdate())
    category = request.GET.get("category", "")
    if category in DisclosureCategory.values:
        items = items.filter(category=category)
    return render(
        request,
        "desk/public.html",
        {
            "page": paginate(request, items.order_by("-published_on", "-id"), 20),
            "categories": DisclosureCategory.choices,
            "category": category,
            "query": query_without(request, "page"),
        },
    )


@require_GET
def public_item(request: HttpRequest, uid) -> HttpResponse:
    item = selectors.disclosures_public(timezone.localdate()).filter(uid=uid).first()
    if item is None:
        raise Http404
    return render(request, "desk/public_item.html", {"item": item})
