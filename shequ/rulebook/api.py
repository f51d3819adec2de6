"""The API of the rulebook: GET/POST /settings/, GET/PATCH /settings/{id}/ (PATCH names the
``version`` it was based on and a ``reason``); ``GET /settings/value/`` answers what a rule
is for a place and a day, as ``rulebook.value`` does."""

import datetime

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.response import Response

from shequ.core.api import ConflictSerializer, UidLookup, edit_version
from shequ.org.roles import Action
from shequ.rulebook import selectors, services
from shequ.rulebook.models import Setting


class SettingSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uid", read_only=True)
    value = serializers.JSONField(help_text=_("数字、文字或对象"))
    updated_by = serializers.CharField(
        source="updated_by.username", default=None, read_only=True, allow_null=True
    )

    class Meta:
        model = Setting
        fields = [
            "id",
            "programme",
            "key",
            "region_prefix",
            "valid_from",
            "valid_to",
            "value",
            "note",
            "version",
            "updated_by",
            "updated_at",
        ]
        read_only_fields = ["id", "version", "updated_by", "updated_at"]


class SettingCreateSerializer(serializers.Serializer):
    programme = serializers.CharField(max_length=40)
    key = serializers.CharField(max_length=60)
    region_prefix = serializers.CharField(
        max_length=14, required=False, allow_blank=True, default=""
    )
    valid_from = serializers.DateField()
    valid_to = serializers.DateField(required=False, allow_null=True, default=None)
    value = serializers.JSONField()
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    reason = serializers.CharField(max_length=500)


class SettingUpdateSerializer(serializers.Serializer):
    version = edit_version()
    reason = serializers.CharField(max_length=500)
    value = serializers.JSONField(required=False)
    valid_from = serializers.DateField(required=False)
    valid_to = serializers.DateField(
        required=False, allow_null=True, help_text=_("填写则到期停用；null 表示长期有效")
    )
    note = serializers.CharField(max_length=200, required=False, allow_blank=True)


class ValueSerializer(serializers.Serializer):
    programme = serializers.CharField()
    key = serializers.CharField()
    division_code = serializers.CharField()
    on = serializers.DateField()
    value = serializers.JSONField()
    setting = serializers.UUIDField()


class SettingViewSet(UidLookup, viewsets.GenericViewSet):
    """Rules as data: the settings that apply to the caller's place or lie in its region."""

    serializer_class = SettingSerializer
    filterset_class = selectors.SettingFilter
    write_action = Action.MANAGE_RULES

    def get_queryset(self):
        return selectors.settings_visible(self.request.user).select_related("updated_by")

    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(SettingSerializer(page, many=True).data)

    def retrieve(self, request, id=None):
        return Response(SettingSerializer(selectors.setting_get(request.user, id)).data)

    @extend_schema(request=SettingCreateSerializer, responses={201: SettingSerializer})
    def create(self, request):
        data = SettingCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        setting = services.setting_create(actor=request.user, **data.validated_data)
        return Response(SettingSerializer(setting).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=SettingUpdateSerializer, responses={200: SettingSerializer, 409: ConflictSerializer}
    )
    def partial_update(self, request, id=None):
        setting = selectors.setting_get(request.user, id)
        if not selectors.setting_may_edit(request.user, setting.region_prefix):
            raise PermissionDenied(_("该地区不在您的管辖范围内。"))
        data = SettingUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        end = "valid_to" in values
        services.setting_update(actor=request.user, setting=setting, end=end, **values)
        return Response(SettingSerializer(setting).data)

    @extend_schema(
        parameters=[
            OpenApiParameter("programme", str, required=True),
            OpenApiParameter("key", str, required=True),
            OpenApiParameter("division_code", str, required=True),
            OpenApiParameter("on", datetime.date, required=False),
        ],
        responses={200: ValueSerializer},
        filters=False,
    )
    @action(detail=False, methods=["get"])
    def value(self, request):
        """The value that applies to a place on a day (the longest matching region wins)."""
        params = request.query_params
        programme, key = params.get("programme", ""), params.get("key", "")
        code = params.get("division_code", "")
        try:
            on = datetime.date.fromisoformat(params["on"]) if params.get("on") else None
        except ValueError:
            raise serializers.ValidationError({"on": [_("日期格式应为 YYYY-MM-DD。")]}) from None
        on = on or datetime.date.today()
        if not (programme and key and code.isdigit()):
            raise serializers.ValidationError(
                {"detail": _("请填写 programme、key 和 division_code（数字）。")}
            )
        row = selectors.setting_applying(programme, key, division_code=code, on=on)
        visible = selectors.settings_visible(request.user)
        if row is None or not visible.filter(pk=row.pk).exists():
            raise NotFound(_("没有适用的设置。"))
        body = {"programme": programme, "key": key, "division_code": code, "on": on}
        return Response(ValueSerializer({**body, "value": row.value, "setting": row.uid}).data)


def register_api(router) -> None:
    router.register("settings", SettingViewSet, basename="setting")
