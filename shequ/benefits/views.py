"""The benefits' pages: the year lists (start one, its progress, its rows with filters and
the Excel export), checking, confirming, publishing, corrections, payments with the bank's
file and its results, declarations, the programmes with their rules. Each parses its form,
calls one selector or service and renders; every step asks before it is made."""

import io
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from shequ.benefits import eligibility as eligibility_module
from shequ.benefits import selectors, services, tables
from shequ.benefits.forms import (
    AddPersonForm,
    BankResultForm,
    ConfirmationForm,
    ConfirmForm,
    CorrectForm,
    EligibilityForm,
    NoteForm,
    PaymentResultForm,
    ResetForm,
    StartForm,
)
from shequ.benefits.models import (
    BenefitList,
    ListState,
    PaymentState,
    may_check,
    may_confirm,
)
from shequ.benefits.rules import CONFIRMATION_KEYS, RULES, Outcome, Programme
from shequ.benefits.tasks import enqueue_compute
from shequ.core.forms import add_service_errors
from shequ.core.tabular import XLSX_CONTENT_TYPE
from shequ.core.web import ListPaginator, client_ip, download, paginate, query_without
from shequ.org.audit import audit_export
from shequ.org.permissions import StaffRequest, action_required
from shequ.org.roles import Action, can
from shequ.registry import selectors as registry_selectors

SEX = {"M": _("男"), "F": _("女")}


def _style(form: forms.Form) -> None:
    for field in form.fields.values():
        css = (
            "form-select form-select-sm"
            if isinstance(field.widget, forms.Select)
            else "form-control form-control-sm"
        )
        field.widget.attrs.setdefault("class", css)


def _street_only(user) -> None:
    """The street's own steps (confirm, correct, publish, the bank): refused before the
    page asks anything of another role."""
    if not may_confirm(user):
        raise PermissionDenied(_("只有街道工作人员可以办理这一步。"))


def _confirm_page(request, form, *, title, question, label, cancel_url, danger=False):
    return render(
        request,
        "core/confirm.html",
        {
            "form": form,
            "title": title,
            "question": question,
            "confirm_label": label,
            "danger": danger,
            "cancel_url": cancel_url,
        },
    )


# --- The lists --------------------------------------------------------------------------


@action_required(Action.READ_REGISTRY)
@require_GET
def list_index(request: StaffRequest) -> HttpResponse:
    user = request.user
    filterset = selectors.ListFilter(
        request.GET, queryset=selectors.lists_visible(user), request=request
    )
    problems = filterset.problems()
    rows = (filterset.queryset.none() if problems else filterset.qs).order_by(
        "-year", "programme", "unit_id"
    )
    form = filterset.form
    _style(form)
    start = StartForm() if services.may_compute(user) else None
    return render(
        request,
        "benefits/list_index.html",
        {
            "page": paginate(request, rows),
            "form": form,
            "problems": problems,
            "query": query_without(request, "page"),
            "start_form": start,
        },
    )


@action_required(Action.EDIT_REGISTRY)
@require_http_methods(["GET", "POST"])
def list_start(request: StaffRequest) -> HttpResponse:
    user = request.user
    if not services.may_compute(user):
        raise PermissionDenied(_("只有街道工作人员可以计算年度名单。"))
    form = StartForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        unit = user.unit
        try:
            if unit is None:
                raise ValidationError(_("您的账号没有所属单位。"))
            benefit_list = services.benefit_list_start(
                actor=user,
                unit=unit,
                programme=form.cleaned_data["programme"],
                year=form.cleaned_data["year"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            enqueue_compute(benefit_list)
            messages.success(request, _("已开始计算年度名单。"))
            return redirect("benefits:list_detail", uid=benefit_list.uid)
    return render(
        request,
        "org/form.html",
        {"form": form, "title": _("计算年度名单"), "cancel_url": reverse("benefits:list_index")},
    )


def _row_cells(row) -> dict[str, Any]:
    return {
        "unit_code": row.unit_code,
        "name": row.name,
        "id_masked": row.id_masked,
        "sex": SEX.get(row.sex, row.sex),
        "birth_year": row.birth_year,
        "hukou_code": row.hukou_code,
        "outcome": Outcome(row.outcome).label,
        "category": row.category,
        "amount": row.amount,
        "included": row.included,
        "checked": row.checked_at is not None,
        "correction_reason": row.correction_reason,
        "reasons": "；".join(
            ("✓ " if r["outcome"] == "ok" else "✗ " if r["outcome"] == "fail" else "? ") + r["text"]
            for r in row.reasons
        ),
    }


def _export(request: StaffRequest, table, rows, *, kind: str, label: str) -> HttpResponse:
    """An Excel/CSV of what the page lists (masked), itself in the change log."""
    if not can(request.user, Action.EXPORT_REGISTRY):
        raise PermissionDenied(_("您的角色不能导出数据。"))
    fmt = "csv" if request.GET.get("export") == "csv" else "xlsx"
    count = 0

    def counted():
        nonlocal count
        for row in rows:
            count += 1
            yield row

    response = download(table, counted(), basename=kind, fmt=fmt)
    audit_export(
        actor=request.user,
        kind=kind,
        target_type="benefits.benefitrow",
        label=label,
        changes={"rows": count, "format": fmt, "filters": query_without(request, "export")},
        ip=client_ip(request),
    )
    return response


@action_required(Action.READ_REGISTRY)
@require_GET
def list_detail(request: StaffRequest, uid) -> HttpResponse:
    user = request.user
    benefit_list = selectors.list_get(user, uid)
    if request.GET.get("part") == "progress":
        return render(request, "benefits/_progress.html", {"benefit_list": benefit_list})
    filterset = selectors.RowFilter(
        request.GET, queryset=selectors.list_rows(user, benefit_list), request=request
    )
    problems = filterset.problems()
    rows = filterset.queryset.none() if problems else filterset.qs
    if request.GET.get("export"):
        return _export(
            request,
            tables.rows_table(),
            (_row_cells(r) for r in rows.iterator(chunk_size=2000)),
            kind="benefit_rows",
            label=f"{benefit_list.unit.name} {benefit_list}",
        )
    form = filterset.form
    _style(form)
    mine = selectors.list_rows(user, benefit_list)
    computed = benefit_list.state == ListState.COMPUTED
    confirmed = benefit_list.state == ListState.CONFIRMED
    street = may_confirm(user) and can(user, Action.EDIT_REGISTRY)
    return render(
        request,
        "benefits/list_detail.html",
        {
            "benefit_list": benefit_list,
            "page": paginate(request, rows, paginator_class=ListPaginator),
            "form": form,
            "problems": problems,
            "query": query_without(request, "page"),
            "unchecked": mine.filter(checked_at__isnull=True).count() if computed else 0,
            "may_check": computed and may_check(user) and can(user, Action.EDIT_REGISTRY),
            "may_confirm": computed and street,
            "may_recompute": benefit_list.state in (ListState.COMPUTED, ListState.FAILED)
            and services.may_compute(user),
            "may_reset": benefit_list.state == ListState.COMPUTING and services.may_compute(user),
            "may_correct": confirmed and street,
            "may_publish": confirmed and street and not benefit_list.published,
            "may_export": can(user, Action.EXPORT_REGISTRY),
        },
    )


def _list_step(
    *,
    form_class: type[forms.Form],
    run: Callable[[StaffRequest, BenefitList, dict[str, Any]], str],
    title: Any,
    question: Callable[[BenefitList], str],
    label: Any,
    allowed: Callable[[Any], None] | None = None,
    danger: bool = False,
):
    """The page of one step of a list (recompute, check, confirm, publish, reset): it asks
    first (``core/confirm.html`` with the step's form), then ``run`` calls the service and
    says what was done; a service's refusal is shown on the form. ``allowed`` refuses a
    role before anything is asked."""

    @action_required(Action.EDIT_REGISTRY)
    @require_http_methods(["GET", "POST"])
    def view(request: StaffRequest, uid) -> HttpResponse:
        if allowed is not None:
            allowed(request.user)
        benefit_list = selectors.list_get(request.user, uid)
        form = form_class(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            try:
                done = run(request, benefit_list, form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, done)
                return redirect("benefits:list_detail", uid=benefit_list.uid)
        return _confirm_page(
            request,
            form,
            title=title % {"list": benefit_list},
            question=question(benefit_list),
            label=label,
            cancel_url=reverse("benefits:list_detail", args=[benefit_list.uid]),
            danger=danger,
        )

    return view


def _computing_street(user) -> None:
    if not services.may_compute(user):
        raise PermissionDenied(_("只有街道工作人员可以计算年度名单。"))


def _recompute(request: StaffRequest, benefit_list: BenefitList, data: dict[str, Any]) -> str:
    services.benefit_list_start(
        actor=request.user,
        unit=benefit_list.unit,
        programme=benefit_list.programme,
        year=benefit_list.year,
    )
    enqueue_compute(benefit_list)
    return _("已开始重新计算。")


def _check(request: StaffRequest, benefit_list: BenefitList, data: dict[str, Any]) -> str:
    count = services.rows_check(
        actor=request.user,
        benefit_list=benefit_list,
        rows=selectors.rows_visible(request.user),
        note=data["note"],
    )
    return _("已核对 %(n)d 人。") % {"n": count}


def _confirm(request: StaffRequest, benefit_list: BenefitList, data: dict[str, Any]) -> str:
    services.benefit_list_confirm(actor=request.user, benefit_list=benefit_list)
    return _("名单已确认并冻结，发放记录已生成。")


def _publish(request: StaffRequest, benefit_list: BenefitList, data: dict[str, Any]) -> str:
    services.benefit_list_publish(actor=request.user, benefit_list=benefit_list)
    return _("已在政务公开中公示（姓名已遮蔽）。")


def _reset(request: StaffRequest, benefit_list: BenefitList, data: dict[str, Any]) -> str:
    services.benefit_list_reset(
        actor=request.user, benefit_list=benefit_list, reason=data["reason"]
    )
    return _("已重置：名单可以重新计算。")


list_recompute = _list_step(
    form_class=ConfirmForm,
    run=_recompute,
    allowed=_computing_street,
    title=gettext_lazy("重新计算：%(list)s"),
    question=lambda benefit_list: _(
        "将按人口信息的现状重新计算整份名单，社区的核对标记将清除，需重新核对。"
    ),
    label=gettext_lazy("重新计算"),
    danger=True,
)
list_check = _list_step(
    form_class=NoteForm,
    run=_check,
    title=gettext_lazy("核对名单：%(list)s"),
    question=lambda benefit_list: _(
        "确认已逐一核对本辖区名单中尚未核对的人员（计算结果与实际相符）？"
    ),
    label=gettext_lazy("核对完成"),
)
list_confirm = _list_step(
    form_class=ConfirmForm,
    run=_confirm,
    allowed=_street_only,
    title=gettext_lazy("确认名单：%(list)s"),
    question=lambda benefit_list: (
        _(
            "确认后名单冻结，不再随人口信息变化；列入发放的 %(n)d 人将生成发放记录。此后的增减须做更正并写明原因。"
        )
        % {"n": benefit_list.eligible_count}
    ),
    label=gettext_lazy("确认名单"),
)
list_publish = _list_step(
    form_class=ConfirmForm,
    run=_publish,
    allowed=_street_only,
    title=gettext_lazy("公示名单：%(list)s"),
    question=lambda benefit_list: _("将在 /public/ 公示列入发放人员的遮蔽姓名、所在社区和金额。"),
    label=gettext_lazy("公示"),
)
list_reset = _list_step(
    form_class=ResetForm,
    run=_reset,
    allowed=_computing_street,
    title=gettext_lazy("重置计算：%(list)s"),
    question=lambda benefit_list: (
        _(
            "名单显示“计算中”已有 %(done)d / %(total)d 人。如果计算任务已中断（服务重启、任务进程退出），"
            "重置后名单标为“计算失败”并记下原因，之后可以重新计算；仍在运行的任务结果将被丢弃。"
        )
        % {"done": benefit_list.progress_done, "total": benefit_list.progress_total}
    ),
    label=gettext_lazy("重置"),
    danger=True,
)


@action_required(Action.EDIT_REGISTRY)
@require_http_methods(["GET", "POST"])
def list_add(request: StaffRequest, uid) -> HttpResponse:
    _street_only(request.user)
    benefit_list = selectors.list_get(request.user, uid)
    form = AddPersonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        person = (
            registry_selectors.persons_visible(request.user)
            .filter(id_number=form.cleaned_data["id_number"])
            .first()
        )
        if person is None:
            form.add_error("id_number", _("您的辖区内没有登记这个身份证号码。"))
        else:
            try:
                row = services.row_add(
                    actor=request.user,
                    benefit_list=benefit_list,
                    person=person,
                    reason=form.cleaned_data["reason"],
                    amount=form.cleaned_data["amount"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("已增补并列入发放。"))
                return redirect("benefits:row_detail", uid=row.uid)
    return render(
        request,
        "org/form.html",
        {
            "form": form,
            "title": _("增补人员：%(list)s") % {"list": benefit_list},
            "cancel_url": reverse("benefits:list_detail", args=[benefit_list.uid]),
        },
    )


# --- Rows -----------------------------------------------------------------------------------


@action_required(Action.READ_REGISTRY)
@require_GET
def row_detail(request: StaffRequest, uid) -> HttpResponse:
    user = request.user
    row = selectors.row_get(user, uid)
    benefit_list = row.benefit_list
    street = may_confirm(user) and can(user, Action.EDIT_REGISTRY)
    return render(
        request,
        "benefits/row_detail.html",
        {
            "row": row,
            "benefit_list": benefit_list,
            "facts": row.facts,
            "payments": row.payments.order_by("period", "id"),
            "history": row.history.select_related("history_user").order_by("-history_date")[:20],
            "may_check": benefit_list.state == ListState.COMPUTED
            and row.checked_at is None
            and may_check(user)
            and can(user, Action.EDIT_REGISTRY),
            "may_correct": benefit_list.state == ListState.CONFIRMED and street,
        },
    )


@action_required(Action.EDIT_REGISTRY)
@require_http_methods(["GET", "POST"])
def row_check(request: StaffRequest, uid) -> HttpResponse:
    row = selectors.row_get(request.user, uid)
    form = NoteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.rows_check(
                actor=request.user,
                benefit_list=row.benefit_list,
                rows=selectors.rows_visible(request.user).filter(pk=row.pk),
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已核对。"))
            return redirect("benefits:row_detail", uid=row.uid)
    return _confirm_page(
        request,
        form,
        title=_("核对：%(name)s") % {"name": row.name},
        question=_("确认已核对此人的计算结果？如有异议请写明。"),
        label=_("核对完成"),
        cancel_url=reverse("benefits:row_detail", args=[row.uid]),
    )


@action_required(Action.EDIT_REGISTRY)
@require_http_methods(["GET", "POST"])
def row_correct(request: StaffRequest, uid) -> HttpResponse:
    _street_only(request.user)
    row = selectors.row_get(request.user, uid)
    form = CorrectForm(request.POST or None, initial={"include": "0" if row.included else "1"})
    if request.method == "POST" and form.is_valid():
        try:
            services.row_correct(
                actor=request.user,
                row=row,
                include=form.cleaned_data["include"],
                reason=form.cleaned_data["reason"],
                amount=form.cleaned_data["amount"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已更正。"))
            return redirect("benefits:row_detail", uid=row.uid)
    return render(
        request,
        "org/form.html",
        {
            "form": form,
            "title": _("更正：%(name)s") % {"name": row.name},
            "cancel_url": reverse("benefits:row_detail", args=[row.uid]),
        },
    )


# --- Payments -------------------------------------------------------------------------------


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


# --- Declarations, programmes -------------------------------------------------------------


@action_required(Action.READ_REGISTRY)
@require_http_methods(["GET", "POST"])
def confirmation_list(request: StaffRequest) -> HttpResponse:
    user = request.user
    may_record = can(user, Action.EDIT_REGISTRY)
    form = ConfirmationForm(request.POST or None) if may_record else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied(_("您的角色不能登记承诺与核实。"))
        if form.is_valid():
            number = form.cleaned_data["id_number"]
            person = registry_selectors.persons_visible(user).filter(id_number=number).first()
            if person is None:
                form.add_error("id_number", _("您的辖区内没有登记这个身份证号码。"))
            else:
                try:
                    services.confirmation_record(
                        actor=user,
                        person=person,
                        key=form.cleaned_data["key"],
                        value=form.cleaned_data["value"],
                        note=form.cleaned_data["note"],
                    )
                except ValidationError as exc:
                    add_service_errors(form, exc)
                else:
                    messages.success(request, _("已登记。"))
                    return redirect("benefits:confirmation_list")
    rows = selectors.confirmations_visible(user).order_by("-recorded_at", "-id")
    search = (request.GET.get("search") or "").strip()
    if search:
        from shequ.core.text import prefix_q

        rows = rows.filter(prefix_q("person__name", search))
    return render(
        request,
        "benefits/confirmations.html",
        {
            "page": paginate(request, rows),
            "form": form,
            "search": search,
            "query": query_without(request, "page"),
            "labels": {key: label for key, (_p, label) in CONFIRMATION_KEYS.items()},
        },
    )


@action_required(Action.READ_REGISTRY)
@require_GET
def programme_list(request: StaffRequest) -> HttpResponse:
    code = request.user.unit_id or ""
    today = timezone.localdate()
    programmes = [
        {
            "key": key,
            "label": Programme(key).label,
            "rules": selectors.programme_rules(key, code, today),
        }
        for key in RULES
    ]
    return render(
        request,
        "benefits/programmes.html",
        {
            "programmes": programmes,
            "code": code,
            "today": today,
            "may_edit_rules": can(request.user, Action.MANAGE_RULES),
        },
    )


@action_required(Action.READ_REGISTRY)
@require_GET
def eligibility_check(request: StaffRequest) -> HttpResponse:
    """资格查询: one person's answer now, computed by the same function as the lists."""
    user = request.user
    form = EligibilityForm(request.GET or None)
    answer = None
    if request.GET and form.is_valid():
        person = (
            registry_selectors.persons_visible(user)
            .filter(id_number=form.cleaned_data["id_number"])
            .first()
        )
        if person is None or user.unit is None:
            form.add_error("id_number", _("您的辖区内没有登记这个身份证号码。"))
        else:
            try:
                found = eligibility_module.eligibility(
                    unit=user.unit,
                    year=form.cleaned_data["year"],
                    programme=form.cleaned_data["programme"],
                    person_ids=[person.pk],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                answer = {"person": person, "result": found.answers[0].result}
    return render(request, "benefits/eligibility.html", {"form": form, "answer": answer})
