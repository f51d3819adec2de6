"""What the benefits' pages share: form styling, the street-only guard, the confirmation
page, the export of a listed table."""

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from shequ.benefits.models import may_confirm
from shequ.core.web import client_ip, download, query_without
from shequ.org.audit import audit_export
from shequ.org.permissions import StaffRequest
from shequ.org.roles import Action, can

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
