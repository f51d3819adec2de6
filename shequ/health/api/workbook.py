"""The API of the work book 一册一账一单 of a unit and a month: ``GET /workbook/`` as JSON
(its three parts: activity log, ledger, monthly form), ``GET /workbook/xlsx/`` and
``/workbook/pdf/`` as the same files as the page. Health right needed; the persons shown
are logged as a sensitive read and a file as an export."""

import datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from shequ.health import selectors
from shequ.health import workbook as book

PARAMETERS = [
    OpenApiParameter("unit", str, description=_("单位代码（默认本单位）")),
    OpenApiParameter("month", str, description=_("月份 YYYY-MM（默认本月）")),
]


class WorkbookSectionSerializer(serializers.Serializer):
    title = serializers.CharField()
    headers = serializers.ListField(child=serializers.CharField())
    rows = serializers.ListField(child=serializers.ListField(child=serializers.CharField()))


class WorkbookSerializer(serializers.Serializer):
    unit = serializers.CharField(help_text=_("单位代码"))
    unit_name = serializers.CharField()
    month = serializers.CharField(help_text=_("YYYY-MM"))
    title = serializers.CharField()
    sections = WorkbookSectionSerializer(many=True, help_text=_("一册、一账、一单"))


class _OneBookSchema(AutoSchema):
    """GET /workbook/ answers one book, not a list of them (a viewset's ``list`` is taken
    for a paginated list otherwise)."""

    def _is_list_view(self, serializer=None) -> bool:
        return False


class WorkbookViewSet(viewsets.ViewSet):
    """一册一账一单 of a unit (default: the caller's own) and a month (default: this one)."""

    serializer_class = WorkbookSerializer
    pagination_class = None
    schema = _OneBookSchema()

    def _open(self, request, fmt: str):
        user = request.user
        if not selectors.may_see_services(user):
            raise PermissionDenied(_("查看健康服务信息需要“查看健康信息”权限。"))
        unit = book.unit_for(user, request.query_params.get("unit") or user.unit_id or "")
        text = request.query_params.get("month") or f"{timezone.localdate():%Y-%m}"
        try:
            month = datetime.datetime.strptime(text[:7], "%Y-%m").date()
        except ValueError:
            raise serializers.ValidationError({"month": [_("月份格式应为 YYYY-MM。")]}) from None
        parts = book.sections(user, unit, month)
        book.log_read(user, unit, month, parts, fmt=fmt, channel="api")
        return unit, month, parts

    @extend_schema(parameters=PARAMETERS, filters=False, responses={200: WorkbookSerializer})
    def list(self, request):
        unit, month, parts = self._open(request, "json")
        return Response(
            WorkbookSerializer(
                {
                    "unit": unit.code,
                    "unit_name": unit.name,
                    "month": f"{month:%Y-%m}",
                    "title": book.title_for(unit, month),
                    "sections": parts,
                }
            ).data
        )

    @extend_schema(
        parameters=PARAMETERS,
        filters=False,
        responses={
            (200, book.FORMATS["xlsx"]): OpenApiResponse(
                OpenApiTypes.BINARY, description=_("Excel 工作簿（三个工作表）")
            )
        },
    )
    @action(detail=False, methods=["get"])
    def xlsx(self, request):
        """The book as an Excel workbook, one sheet a part (an export, logged)."""
        return book.file_response(*self._open(request, "xlsx"), "xlsx")

    @extend_schema(
        parameters=PARAMETERS,
        filters=False,
        responses={
            (200, book.FORMATS["pdf"]): OpenApiResponse(
                OpenApiTypes.BINARY, description=_("PDF（嵌入中文字体）")
            )
        },
    )
    @action(detail=False, methods=["get"])
    def pdf(self, request):
        """The book as a PDF with an embedded Chinese font (an export, logged)."""
        return book.file_response(*self._open(request, "pdf"), "pdf")
