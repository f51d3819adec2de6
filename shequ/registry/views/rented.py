"""The register of rented homes (出租房屋登记): every let home of the jurisdiction with its
building, landlord and the people living there, searchable and exportable.

Landlords' names and phones are shown in full to the roles that keep the housing register
(and sign agreements with landlords); to the others they are masked.
"""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from shequ.core.identifiers import mask_phone
from shequ.core.tabular import Column, Table
from shequ.core.web import ListPaginator, client_ip, download, paginate, query_without, sort_by
from shequ.org.audit import audit_export
from shequ.org.permissions import staff_required
from shequ.org.roles import Action, can
from shequ.org.scoping import code_in_scope
from shequ.registry.flow_rows import mask_name, unit_label
from shequ.registry.forms.housing import unit_filter_choices
from shequ.registry.models import Household
from shequ.registry.rules import landlord_kind
from shequ.registry.selectors.housing import RentedHomeFilter, contact_visible, rented_homes

RENTED_SORTS = {
    "unit": ("unit_id", "building__name", "number", "id"),
    "building": ("building__name", "number", "id"),
    "landlord": ("landlord_sort", "id"),
    "since": ("rented_since", "id"),
    "occupants": ("occupant_count", "id"),
    "migrants": ("migrant_count", "id"),
}
_FILTERS = ("search", "unit", "building", "occupants")


def rented_homes_table() -> Table:
    """The columns of the export, named in the language of the request."""
    return Table(
        kind="rented_homes",
        title=_("出租房屋"),
        columns=[
            Column(_("单位代码"), "unit", text=True, width=16),
            Column(_("网格/社区"), "unit_name", width=20),
            Column(_("楼栋"), "building", width=14),
            Column(_("楼栋地址"), "address", width=24),
            Column(_("门牌/室号"), "number", text=True),
            Column(_("房东"), "landlord", width=10),
            Column(_("房东类型"), "landlord_kind", width=12),
            Column(_("房东电话"), "landlord_phone", text=True),
            Column(_("出租起始"), "rented_since", width=12),
            Column(_("居住人数"), "occupants", width=10),
            Column(_("其中流入人口"), "migrants", width=12),
        ],
    )


def rented_home_row(home: Household, user, *, contact: bool) -> dict[str, Any]:
    """What the register shows of one home; the landlord masked unless ``contact``."""
    landlord = home.landlord
    if landlord is not None:
        name, phone = landlord.name, landlord.phone
    else:
        name, phone = home.landlord_name, home.landlord_phone
    kind = landlord_kind(
        registered=landlord is not None,
        population_type=landlord.population_type if landlord is not None else "",
    )
    return {
        "home": home,
        "unit": home.unit_id,
        "unit_name": unit_label(home.unit, user),
        "building": home.building.name,
        "address": home.building.address,
        "number": home.number,
        "landlord": name if contact else mask_name(name),
        "landlord_kind": kind,
        "landlord_phone": phone if contact else mask_phone(phone),
        # A registered landlord of the jurisdiction opens to their record.
        "landlord_uid": landlord.uid
        if landlord is not None and contact and code_in_scope(user, landlord.unit_id)
        else None,
        "rented_since": home.rented_since,
        "occupants": home.occupant_count,
        "migrants": home.migrant_count,
    }


def _export(request: HttpRequest, homes, *, contact: bool) -> HttpResponse:
    user = request.user
    if not can(user, Action.EXPORT_REGISTRY):
        raise PermissionDenied(_("您的角色不能导出数据。"))
    fmt = request.GET["export"]
    written = 0

    def rows():
        nonlocal written
        for home in homes.iterator(chunk_size=2000):
            written += 1
            yield rented_home_row(home, user, contact=contact)

    response = download(rented_homes_table(), rows(), basename="rented-homes", fmt=fmt)
    audit_export(
        actor=user,
        kind="rented_homes",
        target_type="registry.household",
        label=_("导出出租房屋 %(n)d 条") % {"n": written},
        changes={"rows": written, "format": fmt, "filters": query_without(request, "export")},
        ip=client_ip(request),
    )
    return response


@staff_required
def rented_home_list(request: HttpRequest) -> HttpResponse:
    """出租房屋登记: the rented homes of the jurisdiction, their landlords and occupants."""
    user = request.user
    filterset = RentedHomeFilter(request.GET, queryset=rented_homes(user), request=request)
    problems = [str(e) for errors in filterset.errors.values() for e in errors]
    # A filter that cannot be applied lists nothing (and says why), never everything.
    homes = filterset.queryset.none() if problems else filterset.qs
    homes, sort = sort_by(request, homes, RENTED_SORTS, "unit")
    contact = contact_visible(user)
    if request.GET.get("export") in ("xlsx", "csv") and not problems:
        return _export(request, homes, contact=contact)
    page = paginate(request, homes, paginator_class=ListPaginator)
    filters = {name: request.GET.get(name, "") for name in _FILTERS}
    return render(
        request,
        "registry/rented_home_list.html",
        {
            "page": page,
            "rows": [rented_home_row(h, user, contact=contact) for h in page.object_list],
            "filters": filters,
            "filtered": any(filters.values()),
            "problems": problems,
            "units": unit_filter_choices(user, filters["unit"]),
            "occupant_choices": RentedHomeFilter.base_filters["occupants"].extra["choices"],
            "sort": sort,
            "query": query_without(request, "page"),
            "sort_query": query_without(request, "page", "sort"),
            "export_query": query_without(request, "page", "export"),
            "contact": contact,
            "can_edit": can(user, Action.EDIT_REGISTRY),
            "can_export": can(user, Action.EXPORT_REGISTRY),
        },
    )
