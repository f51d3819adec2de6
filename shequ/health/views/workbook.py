"""The work book download: 一册一账一单 of a unit and month as Excel or PDF."""

from django.http import HttpResponse
from django.views.decorators.http import require_http_methods

from shequ.health.views._common import _health_required, _month
from shequ.org.permissions import StaffRequest, staff_required


@staff_required
@require_http_methods(["GET"])
def workbook(request: StaffRequest) -> HttpResponse:
    """一册一账一单 of a unit (default: the user's own) and a month, as PDF or Excel."""
    from shequ.health import workbook as book

    _health_required(request)
    user = request.user
    unit = book.unit_for(user, request.GET.get("unit") or user.unit_id or "")
    month = _month(request.GET.get("month"))
    fmt = request.GET.get("format", "xlsx")
    if fmt not in book.FORMATS:
        fmt = "xlsx"
    parts = book.sections(user, unit, month)
    book.log_read(user, unit, month, parts, fmt=fmt, channel="export")
    return book.file_response(unit, month, parts, fmt)
