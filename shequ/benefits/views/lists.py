"""The year lists: start one, its progress and rows (filters, export), the steps from
computing to publishing, adding a person."""

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from shequ.benefits import selectors, services, tables
from shequ.benefits.forms import (
    AddPersonForm,
    ConfirmForm,
    NoteForm,
    ResetForm,
    StartForm,
)
from shequ.benefits.models import (
    BenefitList,
    ListState,
    may_check,
    may_confirm,
)
from shequ.benefits.rules import Outcome
from shequ.benefits.tasks import enqueue_compute
from shequ.benefits.views._common import SEX, _confirm_page, _export, _street_only, _style
from shequ.core.forms import add_service_errors
from shequ.core.web import ListPaginator, paginate, query_without
from shequ.org.permissions import StaffRequest, action_required
from shequ.org.roles import Action, can
from shequ.registry import selectors as registry_selectors


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
