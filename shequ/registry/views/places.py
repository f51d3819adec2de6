"""The registration place's pages (户籍地): its outflow (流出人口, 户在人不在) and one person of
it, read-only. The residence manages the person (居住地为主); these pages offer no edit."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from shequ.core.web import ListPaginator, download, paginate, query_without
from shequ.org.audit import audit_export
from shequ.org.permissions import staff_required
from shequ.org.roles import Action, can
from shequ.registry import selectors
from shequ.registry.outflow_rows import outflow_row, outflow_table

# An export of the outflow is written while the user waits: past this many rows, narrow it.
EXPORT_LIMIT = 20_000


def _style(form) -> None:
    for field in form.fields.values():
        css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
        field.widget.attrs.setdefault("class", css)


@staff_required
@require_GET
def outflow_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    filterset, persons = selectors.outflow_filtered(user, request.GET, request)
    problems = filterset.problems()
    if problems:
        persons = persons.none()
    today = timezone.localdate()
    if request.GET.get("export") in ("xlsx", "csv") and not problems:
        if not can(user, Action.EXPORT_REGISTRY):
            raise PermissionDenied(_("您的角色不能导出数据。"))
        fmt = "csv" if request.GET["export"] == "csv" else "xlsx"
        rows = [outflow_row(p, user, today) for p in persons[: EXPORT_LIMIT + 1]]
        if len(rows) > EXPORT_LIMIT:
            messages.error(
                request,
                _("符合条件的超过 %(n)d 人，请缩小范围后再导出。") % {"n": EXPORT_LIMIT},
            )
            query = query_without(request, "export")
            return redirect(f"{request.path}?{query}" if query else request.path)
        audit_export(
            actor=user,
            kind="outflow",
            target_type="registry.person",
            label=_("流出人口"),
            changes={
                "rows": len(rows),
                "format": fmt,
                "filters": query_without(request, "export", "page", "page_size"),
            },
        )
        return download(outflow_table(), rows, basename="outflow", fmt=fmt)
    page = paginate(request, persons, paginator_class=ListPaginator)
    _style(filterset.form)
    return render(
        request,
        "registry/outflow_list.html",
        {
            "page": page,
            "rows": [outflow_row(p, user, today) for p in page.object_list],
            "form": filterset.form,
            "problems": problems,
            "query": query_without(request, "page"),
            "export_query": query_without(request, "page", "export", "page_size"),
            "can_export": can(user, Action.EXPORT_REGISTRY),
        },
    )


@staff_required
@require_GET
def outflow_detail(request: HttpRequest, uid) -> HttpResponse:
    """One person of the outflow as the registration place sees them: read-only."""
    user = request.user
    person = selectors.outflow_person_get(user, uid)
    return render(
        request,
        "registry/outflow_detail.html",
        {
            "person": person,
            "row": outflow_row(person, user, timezone.localdate()),
            "may_record_outflow": can(user, Action.EDIT_REGISTRY),
        },
    )
