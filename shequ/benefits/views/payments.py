"""Payments: the list's payment records, the bank's file and its results, one payment's
result."""

import io
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from shequ.benefits import selectors, services, tables
from shequ.benefits.forms import (
    BankResultForm,
    ConfirmForm,
    PaymentResultForm,
)
from shequ.benefits.models import (
    BenefitList,
    PaymentState,
    may_confirm,
)
from shequ.benefits.views._common import _confirm_page, _export, _street_only, _style
from shequ.core.forms import add_service_errors
from shequ.core.tabular import XLSX_CONTENT_TYPE
from shequ.core.web import ListPaginator, client_ip, paginate, query_without
from shequ.org.audit import audit_export
from shequ.org.permissions import StaffRequest, action_required
from shequ.org.roles import Action, can


def _payment_cells(payment) -> dict[str, Any]:
    return {
        "reference": payment.reference,
        "name": payment.row.name,
        "unit_code": payment.unit_code,
        "period": payment.period,
        "amount": payment.amount,
        "state": PaymentState(payment.state).label,
        "result_on": payment.result_on,
        "result_note": payment.result_note,
    }


@action_required(Action.READ_REGISTRY)
@require_GET
def list_payments(request: StaffRequest, uid) -> HttpResponse:
    user = request.user
    benefit_list = selectors.list_get(user, uid)
    payments = selectors.payments_visible(user).filter(benefit_list=benefit_list)
    filterset = selectors.PaymentFilter(request.GET, queryset=payments, request=request)
    problems = filterset.problems()
    rows = (filterset.queryset.none() if problems else filterset.qs).order_by(
        "period", "unit_code", "row__name", "id"
    )
    if request.GET.get("export"):
        return _export(
            request,
            tables.payments_table(),
            (_payment_cells(p) for p in rows.iterator(chunk_size=2000)),
            kind="benefit_payments",
            label=f"{benefit_list.unit.name} {benefit_list}",
        )
    form = filterset.form
    form.fields.pop("benefit_list", None)
    _style(form)
    street = may_confirm(user) and can(user, Action.EDIT_REGISTRY)
    return render(
        request,
        "benefits/payments.html",
        {
            "benefit_list": benefit_list,
            "page": paginate(request, rows, paginator_class=ListPaginator),
            "form": form,
            "problems": problems,
            "query": query_without(request, "page"),
            "summary": services.payment_summary(benefit_list),
            "states": PaymentState.choices,
            "may_pay": street,
            "may_bank": street
            and can(user, Action.REVEAL_ID_NUMBER)
            and can(user, Action.EXPORT_REGISTRY),
            "may_export": can(user, Action.EXPORT_REGISTRY),
        },
    )


@action_required(Action.EDIT_REGISTRY)
@require_http_methods(["GET", "POST"])
def list_bank(request: StaffRequest, uid) -> HttpResponse:
    """The bank's file: asked first (whole identity numbers, every read logged), then given."""
    _street_only(request.user)
    benefit_list: BenefitList = selectors.list_get(request.user, uid)
    form = ConfirmForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            rows = services.bank_rows(
                actor=request.user,
                benefit_list=benefit_list,
                payments=selectors.payments_visible(request.user).filter(state=PaymentState.DUE),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            buffer = io.BytesIO()
            tables.bank_table().write(rows, buffer)
            audit_export(
                actor=request.user,
                kind="benefit_bank",
                target_type="benefits.payment",
                label=f"{benefit_list.unit.name} {benefit_list}",
                changes={"rows": len(rows), "format": "xlsx"},
                ip=client_ip(request),
            )
            response = HttpResponse(buffer.getvalue(), content_type=XLSX_CONTENT_TYPE)
            stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
            response["Content-Disposition"] = f'attachment; filename="bank-{stamp}.xlsx"'
            response["Cache-Control"] = "no-store"
            return response
    return _confirm_page(
        request,
        form,
        title=_("导出银行代发文件：%(list)s") % {"list": benefit_list},
        question=_(
            "代发文件含待发放人员的完整公民身份号码，仅用于交付代发银行。导出将逐人记入敏感信息查看日志。"
        ),
        label=_("导出代发文件"),
        cancel_url=reverse("benefits:list_payments", args=[benefit_list.uid]),
        danger=True,
    )


@action_required(Action.EDIT_REGISTRY)
@require_http_methods(["GET", "POST"])
def list_bank_result(request: StaffRequest, uid) -> HttpResponse:
    _street_only(request.user)
    benefit_list = selectors.list_get(request.user, uid)
    form = BankResultForm(request.POST or None, request.FILES or None)
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            lines = [cells for _n, cells in tables.bank_table().read(upload, upload.name)]
            problems = services.payments_import(
                actor=request.user, benefit_list=benefit_list, rows=lines
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if not problems:
                messages.success(request, _("已导入银行回盘 %(n)d 条。") % {"n": len(lines)})
                return redirect("benefits:list_payments", uid=benefit_list.uid)
    return render(
        request,
        "benefits/bank_result.html",
        {"form": form, "benefit_list": benefit_list, "problems": problems},
    )


@action_required(Action.EDIT_REGISTRY)
@require_http_methods(["GET", "POST"])
def payment_result(request: StaffRequest, uid) -> HttpResponse:
    _street_only(request.user)
    payment = selectors.payment_get(request.user, uid)
    form = PaymentResultForm(request.POST or None, initial={"state": request.GET.get("state", "")})
    if request.method == "POST" and form.is_valid():
        try:
            services.payment_result(
                actor=request.user,
                payment=payment,
                state=form.cleaned_data["state"],
                note=form.cleaned_data["note"],
                on=form.cleaned_data["on"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已登记发放结果。"))
            return redirect("benefits:list_payments", uid=payment.benefit_list.uid)
    return render(
        request,
        "org/form.html",
        {
            "form": form,
            "title": _("发放结果：%(ref)s %(name)s")
            % {"ref": payment.reference, "name": payment.row.name},
            "cancel_url": reverse("benefits:list_payments", args=[payment.benefit_list.uid]),
        },
    )
