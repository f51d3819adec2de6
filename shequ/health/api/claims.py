"""The API of the designated hospitals' claims: compile, submit, decide."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from shequ.core.api import ConflictSerializer, UidLookup
from shequ.health import selectors, services
from shequ.health.api.reports import ReportActSerializer
from shequ.health.models import (
    ClaimBatch,
)
from shequ.org.roles import Action


class ClaimSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uid", read_only=True)
    hospital = serializers.UUIDField(source="hospital.uid", read_only=True)
    hospital_name = serializers.CharField(source="hospital.name", read_only=True)

    class Meta:
        model = ClaimBatch
        fields = [
            "id",
            "unit_code",
            "month",
            "hospital",
            "hospital_name",
            "state",
            "count",
            "total",
            "return_reason",
            "version",
        ]
        read_only_fields = fields


class ClaimCompileSerializer(serializers.Serializer):
    month = serializers.DateField()
    hospital = serializers.UUIDField()


class ClaimDecideSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    version = serializers.IntegerField(min_value=1, required=False)


class ClaimViewSet(UidLookup, viewsets.GenericViewSet):
    """Designated-hospital claims: the street compiles (POST), submits; the district decides."""

    serializer_class = ClaimSerializer
    filterset_class = selectors.ClaimFilter
    write_actions = {
        "create": Action.EDIT_REGISTRY,
        "submit": Action.EDIT_REGISTRY,
        "decide": Action.READ_REGISTRY,
    }

    def get_queryset(self):
        return selectors.claims_visible(self.request.user).order_by("-month", "unit_code")

    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(ClaimSerializer(page, many=True).data)

    def retrieve(self, request, id=None):
        return Response(ClaimSerializer(selectors.claim_get(request.user, id)).data)

    @extend_schema(request=ClaimCompileSerializer, responses={201: ClaimSerializer})
    def create(self, request):
        data = ClaimCompileSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = request.user
        hospital = selectors.facility_get(user, data.validated_data["hospital"])
        if user.unit is None:
            raise PermissionDenied
        try:
            batch = services.claim_compile(
                actor=user, street=user.unit, month=data.validated_data["month"], hospital=hospital
            )
        except DjangoPermissionDenied as exc:
            raise PermissionDenied(str(exc)) from exc
        return Response(ClaimSerializer(batch).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=ReportActSerializer, responses={200: ClaimSerializer, 409: ConflictSerializer}
    )
    @action(detail=True, methods=["post"])
    def submit(self, request, id=None):
        """Send the batch to the district."""
        batch = selectors.claim_get(request.user, id)
        data = ReportActSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            services.claim_submit(
                actor=request.user, batch=batch, version=data.validated_data.get("version")
            )
        except DjangoPermissionDenied as exc:
            raise PermissionDenied(str(exc)) from exc
        return Response(ClaimSerializer(batch).data)

    @extend_schema(
        request=ClaimDecideSerializer, responses={200: ClaimSerializer, 409: ConflictSerializer}
    )
    @action(detail=True, methods=["post"])
    def decide(self, request, id=None):
        """The district approves the batch or returns it with a reason."""
        batch = selectors.claim_get(request.user, id)
        data = ClaimDecideSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        try:
            services.claim_decide(
                actor=request.user,
                batch=batch,
                approve=values["approve"],
                reason=values["reason"],
                version=values.get("version"),
            )
        except DjangoPermissionDenied as exc:
            raise PermissionDenied(str(exc)) from exc
        return Response(ClaimSerializer(batch).data)
