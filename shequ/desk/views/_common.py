"""What the desk's pages share: form styling and the audited Excel/CSV export of a list."""

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.utils.translation import gettext as _

from shequ.core.web import client_ip, download, query_without
from shequ.org.audit import audit_export
from shequ.org.permissions import StaffRequest
from shequ.org.roles import Action, can


def _style(form: forms.Form) -> None:
    for field in form.fields.values():
        css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
        field.widget.attrs.setdefault("class", css)


def export_list(request: StaffRequest, table, rows, to_row, *, target_type: str) -> HttpResponse:
    """The filtered list as a file (``?export=xlsx`` or ``csv``), for a role that may export
    people's data; the export itself goes into the change log."""
    if not can(request.user, Action.EXPORT_REGISTRY):
        raise PermissionDenied(_("您的角色不能导出数据。"))
    fmt = "csv" if request.GET.get("export") == "csv" else "xlsx"
    count = 0

    def counted():
        nonlocal count
        for row in rows.iterator(chunk_size=2000):
            count += 1
            yield to_row(row)

    response = download(table, counted(), basename=table.kind, fmt=fmt)
    audit_export(
        actor=request.user,
        kind=table.kind,
        target_type=target_type,
        label=str(table.title),
        changes={"rows": count, "format": fmt, "filters": query_without(request, "export")},
        ip=client_ip(request),
    )
    return response
