"""Document pages (list, detail, PDF, revoke, replace) and the public verification page."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from shequ.core.forms import add_service_errors
from shequ.core.web import client_ip, paginate, query_without
from shequ.desk import rules, selectors, services, tables
from shequ.desk.forms import (
    ReasonForm,
)
from shequ.desk.models import DocumentKind
from shequ.desk.views._common import _style, export_list
from shequ.org.models import SensitiveAccess
from shequ.org.permissions import StaffRequest, action_required
from shequ.org.roles import Action, can


@action_required(Action.READ_REGISTRY)
@require_GET
def document_list(request: StaffRequest) -> HttpResponse:
    filterset = selectors.DocumentFilter(
        request.GET, queryset=selectors.documents_visible(request.user), request=request
    )
    problems = filterset.problems()
    rows = (filterset.queryset.none() if problems else filterset.qs).order_by("-issued_on", "-id")
    if request.GET.get("export"):
        return export_list(
            request,
            tables.documents_table(),
            rows,
            tables.document_row,
            target_type="desk.document",
        )
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
            "can_export": can(request.user, Action.EXPORT_REGISTRY),
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
