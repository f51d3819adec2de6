"""The API of facilities: list, read, create; edit (PATCH, with the reason and the version
it was based on), deactivate and activate (with the reason); the change history."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from shequ.core.api import ConflictSerializer, ReasonSerializer, UidLookup, edit_version
from shequ.health import selectors, services
from shequ.health.models import Facility
from shequ.org.models import OrgUnit
from shequ.org.roles import Action
from shequ.org.scoping import get_in_scope_or_404


class FacilitySerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uid", read_only=True)

    class Meta:
        model = Facility
        fields = ["id", "name", "kind", "unit_code", "address", "phone", "is_active", "version"]
        read_only_fields = ["id", "is_active", "version"]


class FacilityUpdateSerializer(ReasonSerializer):
    name = serializers.CharField(max_length=80, required=False)
    kind = serializers.ChoiceField(choices=Facility.Kind.choices, required=False)
    address = serializers.CharField(max_length=200, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True)
    version = edit_version()


class FacilityActSerializer(ReasonSerializer):
    version = edit_version()


class FacilityHistorySerializer(serializers.Serializer):
    date = serializers.DateTimeField(source="history_date")
    user = serializers.CharField(source="history_user.username", default=None, allow_null=True)
    reason = serializers.CharField(source="history_change_reason", allow_null=True)
    name = serializers.CharField()
    kind = serializers.CharField()
    address = serializers.CharField()
    phone = serializers.CharField()
    is_active = serializers.BooleanField()
    version = serializers.IntegerField()


class FacilityViewSet(UidLookup, viewsets.GenericViewSet):
    """Service stations and designated hospitals that serve the caller's jurisdiction; the
    facility managers (city, district) create, edit and deactivate those of their own."""

    serializer_class = FacilitySerializer
    filterset_class = selectors.FacilityFilter
    write_action = Action.MANAGE_FACILITIES

    def get_queryset(self):
        return selectors.facilities_visible(self.request.user).order_by("unit_code", "kind", "name")

    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(FacilitySerializer(page, many=True).data)

    def retrieve(self, request, id=None):
        return Response(FacilitySerializer(selectors.facility_get(request.user, id)).data)

    def create(self, request):
        data = FacilitySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        code = values.pop("unit_code")
        unit = (
            get_in_scope_or_404(OrgUnit.objects.all(), request.user, code=code)
            if code.isdigit()
            else None
        )
        if unit is None:
            raise serializers.ValidationError({"unit_code": [_("单位代码无效。")]})
        facility = services.facility_create(actor=request.user, unit=unit, **values)
        return Response(FacilitySerializer(facility).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=FacilityUpdateSerializer,
        responses={200: FacilitySerializer, 409: ConflictSerializer},
    )
    def partial_update(self, request, id=None):
        """Change the name, kind, address or phone; ``reason`` and ``version`` required."""
        facility = selectors.facility_get(request.user, id)
        data = FacilityUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        reason, version = values.pop("reason"), values.pop("version")
        services.facility_update(
            actor=request.user, facility=facility, values=values, reason=reason, version=version
        )
        return Response(FacilitySerializer(facility).data)

    def _set_active(self, request, id, active: bool) -> Response:
        facility = selectors.facility_get(request.user, id)
        data = FacilityActSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.facility_set_active(
            actor=request.user, facility=facility, active=active, **data.validated_data
        )
        return Response(FacilitySerializer(facility).data)

    @extend_schema(
        request=FacilityActSerializer,
        responses={200: FacilitySerializer, 409: ConflictSerializer},
    )
    @action(detail=True, methods=["post"])
    def deactivate(self, request, id=None):
        """Stop using the facility (kept with its records; no new service at it), with reason."""
        return self._set_active(request, id, False)

    @extend_schema(
        request=FacilityActSerializer,
        responses={200: FacilitySerializer, 409: ConflictSerializer},
    )
    @action(detail=True, methods=["post"])
    def activate(self, request, id=None):
        """Use a deactivated facility again, with reason (a hospital counts against the limit)."""
        return self._set_active(request, id, True)

    @extend_schema(responses=FacilityHistorySerializer(many=True), filters=False)
    @action(detail=True, methods=["get"])
    def history(self, request, id=None):
        """Who changed the facility, when and why, newest first (paginated)."""
        facility = selectors.facility_get(request.user, id)
        rows = self.paginate_queryset(selectors.facility_history(facility))
        return self.get_paginated_response(FacilityHistorySerializer(rows, many=True).data)
