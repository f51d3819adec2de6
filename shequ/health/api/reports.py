"""The API of the monthly reports (信息核对、补充报告单): generate, submit, return, approve, unlock."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from shequ.core.api import ConflictSerializer, UidLookup
from shequ.health import selectors, services
from shequ.health.models import (
    MonthlyReport,
)
from shequ.org.roles import Action


class MonthlyReportSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uid", read_only=True)
    submitted_by = serializers.CharField(
        source="submitted_by.username", default=None, read_only=True, allow_null=True
    )
    reviewed_by = serializers.CharField(
        source="reviewed_by.username", default=None, read_only=True, allow_null=True
    )

    class Meta:
        model = MonthlyReport
        fields = [
            "id",
            "unit_code",
            "month",
            "state",
            "figures",
            "note",
            "deadline",
            "submitted_at",
            "submitted_by",
            "reviewed_at",
            "reviewed_by",
            "return_reason",
            "locked",
            "version",
        ]
        read_only_fields = fields


class ReportGenerateSerializer(serializers.Serializer):
    month = serializers.DateField(help_text=_("该月任一天"))


class ReportActSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1, required=False)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class MonthlyReportViewSet(UidLookup, viewsets.GenericViewSet):
    """信息核对、补充报告单: POST generates the caller's unit's report of a month; submit,
    return (reason), approve (locks the month), unlock (reason)."""

    serializer_class = MonthlyReportSerializer
    filterset_class = selectors.ReportFilter
    write_actions = {
        "create": Action.EDIT_REGISTRY,
        "submit": Action.EDIT_REGISTRY,
        "return_": Action.READ_REGISTRY,
        "approve": Action.READ_REGISTRY,
        "unlock": Action.READ_REGISTRY,
    }

    def get_queryset(self):
        return selectors.reports_visible(self.request.user).order_by("-month", "unit_code")

    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(MonthlyReportSerializer(page, many=True).data)

    def retrieve(self, request, id=None):
        return Response(MonthlyReportSerializer(selectors.report_get(request.user, id)).data)

    @extend_schema(request=ReportGenerateSerializer, responses={201: MonthlyReportSerializer})
    def create(self, request):
        data = ReportGenerateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if request.user.unit is None:
            raise PermissionDenied
        report = services.report_generate(
            actor=request.user, unit=request.user.unit, month=data.validated_data["month"]
        )
        return Response(MonthlyReportSerializer(report).data, status=status.HTTP_201_CREATED)

    def _act(self, request, id, run):
        report = selectors.report_get(request.user, id)
        data = ReportActSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            run(report, data.validated_data)
        except DjangoPermissionDenied as exc:
            raise PermissionDenied(str(exc)) from exc
        return Response(MonthlyReportSerializer(report).data)

    @extend_schema(
        request=ReportActSerializer,
        responses={200: MonthlyReportSerializer, 409: ConflictSerializer},
    )
    @action(detail=True, methods=["post"])
    def submit(self, request, id=None):
        """The unit sends its report up."""
        return self._act(
            request,
            id,
            lambda r, d: services.report_submit(
                actor=request.user, report=r, note=d["note"], version=d.get("version")
            ),
        )

    @extend_schema(
        request=ReportActSerializer,
        responses={200: MonthlyReportSerializer, 409: ConflictSerializer},
    )
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_(self, request, id=None):
        """The reviewer returns it with a reason."""
        return self._act(
            request,
            id,
            lambda r, d: services.report_return(
                actor=request.user, report=r, reason=d["reason"], version=d.get("version")
            ),
        )

    @extend_schema(
        request=ReportActSerializer,
        responses={200: MonthlyReportSerializer, 409: ConflictSerializer},
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, id=None):
        """The reviewer approves it: the unit's month is locked."""
        return self._act(
            request,
            id,
            lambda r, d: services.report_approve(
                actor=request.user, report=r, version=d.get("version")
            ),
        )

    @extend_schema(
        request=ReportActSerializer,
        responses={200: MonthlyReportSerializer, 409: ConflictSerializer},
    )
    @action(detail=True, methods=["post"])
    def unlock(self, request, id=None):
        """The reviewer opens an approved month again for a correction (reason logged)."""
        return self._act(
            request,
            id,
            lambda r, d: services.report_unlock(
                actor=request.user, report=r, reason=d["reason"], version=d.get("version")
            ),
        )
