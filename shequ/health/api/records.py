"""The API of service records (clinical fields only for the clinical right, reads logged) and
of the month's target list (health-targets)."""

import datetime

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from shequ.core.api import UidLookup
from shequ.health import rules, selectors, services
from shequ.health.models import (
    RiskLevel,
    ServiceKind,
    ServiceRecord,
)
from shequ.org.models import OrgUnit
from shequ.org.roles import Action, Role
from shequ.org.scoping import code_in_scope, get_in_scope_or_404
from shequ.registry.models import Person
from shequ.registry.rules import age_on


def _uid_or_none(obj) -> str | None:
    return str(obj.uid) if obj is not None else None


class ServiceRecordSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uid", read_only=True)
    person = serializers.UUIDField(source="person.uid", read_only=True)
    person_name = serializers.CharField(source="person.name", read_only=True)
    spouse = serializers.SerializerMethodField()
    facility = serializers.SerializerMethodField()
    recorded_by = serializers.CharField(
        source="recorded_by.username", default=None, read_only=True, allow_null=True
    )
    result = serializers.SerializerMethodField()
    items = serializers.SerializerMethodField()
    risk_level = serializers.SerializerMethodField()
    advice = serializers.SerializerMethodField()

    class Meta:
        model = ServiceRecord
        fields = [
            "id",
            "kind",
            "person",
            "person_name",
            "spouse",
            "unit_code",
            "facility",
            "date",
            "place",
            "status",
            "result",
            "items",
            "risk_level",
            "advice",
            "cost",
            "share_clinical",
            "next_due_date",
            "recorded_by",
            "version",
            "created_at",
        ]
        read_only_fields = fields

    def _clinical(self) -> bool:
        return bool(self.context.get("clinical"))

    def get_spouse(self, record) -> str | None:
        return str(record.spouse.uid) if record.spouse_id else None

    def get_facility(self, record) -> str | None:
        return _uid_or_none(record.facility)

    def get_result(self, record) -> str | None:
        """Clinical: null without the clinical right."""
        return record.result if self._clinical() else None

    def get_items(self, record) -> dict | None:
        return record.items if self._clinical() else None

    def get_risk_level(self, record) -> str | None:
        return record.risk_level if self._clinical() else None

    def get_advice(self, record) -> str | None:
        return record.advice if self._clinical() else None


class ServiceRecordCreateSerializer(serializers.Serializer):
    person = serializers.UUIDField()
    kind = serializers.ChoiceField(choices=ServiceKind.choices)
    date = serializers.DateField()
    facility = serializers.UUIDField(required=False, allow_null=True)
    place = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    status = serializers.ChoiceField(
        choices=ServiceRecord.Status.choices, required=False, default="done"
    )
    result = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    items = serializers.JSONField(required=False, allow_null=True, default=None)
    risk_level = serializers.ChoiceField(
        choices=["", *RiskLevel.values], required=False, default=""
    )
    advice = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    spouse = serializers.UUIDField(required=False, allow_null=True)
    cost = serializers.DecimalField(
        max_digits=9, decimal_places=2, required=False, allow_null=True, min_value=0
    )
    share_clinical = serializers.BooleanField(
        required=False,
        default=False,
        help_text=_("流动人口：检查结果和风险等级随通报发给户籍地（须本人同意）"),
    )


class ServiceRecordViewSet(UidLookup, viewsets.GenericViewSet):
    """Services given to women in the caller's jurisdiction (health right needed; clinical
    results for the clinical right)."""

    serializer_class = ServiceRecordSerializer
    filterset_class = selectors.ServiceRecordFilter
    write_action = Action.VIEW_HEALTH

    def get_queryset(self):
        return selectors.service_records_visible(self.request.user).order_by("-date", "-id")

    def _context(self) -> dict:
        return {"clinical": selectors.clinical_visible(self.request.user)}

    def list(self, request):
        if not selectors.may_see_services(request.user):
            raise PermissionDenied(_("查看健康服务信息需要“查看健康信息”权限。"))
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        context = self._context()
        fields = list(ServiceRecord.CLINICAL_FIELDS) if context["clinical"] else ["health_services"]
        selectors.log_health_read(request.user, [r.person for r in page], fields, channel="api")
        return self.get_paginated_response(
            ServiceRecordSerializer(page, many=True, context=context).data
        )

    def retrieve(self, request, id=None):
        record = selectors.service_record_get(request.user, id)
        context = self._context()
        fields = list(ServiceRecord.CLINICAL_FIELDS) if context["clinical"] else ["health_services"]
        selectors.log_health_read(request.user, [record.person], fields, channel="api")
        return Response(ServiceRecordSerializer(record, context=context).data)

    @extend_schema(request=ServiceRecordCreateSerializer, responses={201: ServiceRecordSerializer})
    def create(self, request):
        if not selectors.may_see_services(request.user) and request.user.role != Role.PROVIDER:
            raise PermissionDenied
        data = ServiceRecordCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        user = request.user
        people = Person.objects.all()
        values["person"] = get_in_scope_or_404(people, user, uid=values["person"])
        spouse = values.pop("spouse", None)
        values["spouse"] = get_in_scope_or_404(people, user, uid=spouse) if spouse else None
        facility = values.pop("facility", None)
        values["facility"] = selectors.facility_get(user, facility) if facility else None
        try:
            record = services.service_record_create(actor=user, **values)
        except DjangoPermissionDenied as exc:
            raise PermissionDenied(str(exc)) from exc
        return Response(
            ServiceRecordSerializer(record, context=self._context()).data,
            status=status.HTTP_201_CREATED,
        )


# --- The target list ----------------------------------------------------------------


class TargetSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="uid")
    name = serializers.CharField()
    age = serializers.IntegerField()
    population_type = serializers.CharField()
    unit = serializers.CharField(source="unit_id")
    marriage_date = serializers.DateField(allow_null=True)


class TargetViewSet(viewsets.GenericViewSet):
    """进入系统的对象: the month's target list of a unit, computed from the registry."""

    serializer_class = TargetSerializer
    queryset = Person.objects.none()

    @extend_schema(
        parameters=[
            OpenApiParameter("unit", str, description=_("单位代码（默认本单位）")),
            OpenApiParameter("month", str, description=_("月份 YYYY-MM（默认本月）")),
        ],
        filters=False,
    )
    def list(self, request):
        user = request.user
        if not selectors.may_see_services(user):
            raise PermissionDenied(_("查看健康服务信息需要“查看健康信息”权限。"))
        code = request.query_params.get("unit") or user.unit_id or ""
        if not code.isdigit() or not code_in_scope(user, code):
            raise serializers.ValidationError({"unit": [_("单位代码无效或不在您的管辖范围内。")]})
        text = request.query_params.get("month") or f"{timezone.localdate():%Y-%m}"
        try:
            month = datetime.datetime.strptime(text[:7], "%Y-%m").date()
        except ValueError:
            raise serializers.ValidationError({"month": [_("月份格式应为 YYYY-MM。")]}) from None
        people = selectors.target_list(OrgUnit.prefix_for(code), month, user).order_by(
            "unit_id", "name", "id"
        )
        page = self.paginate_queryset(people)
        end = rules.month_end(month)
        for person in page:
            person.age = age_on(person.birth_date, end)
        selectors.log_health_read(user, list(page), ["health_target"], channel="api")
        return self.get_paginated_response(TargetSerializer(page, many=True).data)
