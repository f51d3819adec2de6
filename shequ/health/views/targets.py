"""The month's target list (进入系统的对象) page and its Excel export."""

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from shequ.core.tabular import Column, Table
from shequ.core.web import download, paginate, query_without
from shequ.health import rules, selectors
from shequ.health.views._common import _health_required, _month
from shequ.org.models import OrgUnit
from shequ.org.permissions import StaffRequest, staff_required
from shequ.org.roles import Level
from shequ.org.scoping import code_in_scope
from shequ.org.selectors import org_units_visible
from shequ.registry.rules import age_on

TARGET_TABLE = Table(
    "health_targets",
    "服务对象",
    [
        Column(str(_("姓名")), "name"),
        Column(str(_("年龄")), "age"),
        Column(str(_("人口类型")), "population_type"),
        Column(str(_("网格/社区")), "unit"),
        Column(str(_("结婚日期")), "marriage_date"),
    ],
)


@staff_required
@require_http_methods(["GET"])
def target_list(request: StaffRequest) -> HttpResponse:
    _health_required(request)
    user = request.user
    month = _month(request.GET.get("month"))
    unit_code = request.GET.get("unit") or (user.unit_id or "")
    if not unit_code.isdigit() or not code_in_scope(user, unit_code):
        unit_code = user.unit_id or ""
    prefix = OrgUnit.prefix_for(unit_code) if unit_code else ""
    people = selectors.target_list(prefix, month, user).order_by("unit_id", "name", "id")
    end = rules.month_end(month)
    if request.GET.get("export") == "xlsx":
        rows = [
            {
                "name": p.name,
                "age": age_on(p.birth_date, end),
                "population_type": p.get_population_type_display(),
                "unit": p.unit_id,
                "marriage_date": p.marriage_date,
            }
            for p in people.iterator()
        ]
        return download(TARGET_TABLE, rows, basename=f"targets-{month:%Y-%m}")
    page = paginate(request, people)
    for person in page.object_list:
        person.age = age_on(person.birth_date, end)
        person.reasons = selectors.target_reasons(person, month)
    selectors.log_health_read(user, list(page.object_list), ["health_target"], channel="web")
    return render(
        request,
        "health/target_list.html",
        {
            "page": page,
            "month": month,
            "unit_code": unit_code,
            "units": org_units_visible(user)
            .filter(level__lte=Level.COMMUNITY, is_active=True)
            .order_by("code")[:300],
            "query": query_without(request, "page"),
        },
    )
