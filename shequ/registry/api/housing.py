"""The API of housing: buildings and courtyards (楼栋/院落) and the dwellings (住户/居所) in
them (``dwellings``; ``households`` is its deprecated alias)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from shequ.core.api import (
    ConflictSerializer,
    ListPagination,
    ListRowSerializer,
    ReasonSerializer,
    edit_version,
)
from shequ.org.models import OrgUnit
from shequ.org.roles import Action
from shequ.org.scoping import get_in_scope_or_404
from shequ.registry import selectors, services
from shequ.registry.api._common import UidLookup, body_object
from shequ.registry.models import (
    Building,
    Household,
)


class BuildingSerializer(ListRowSerializer):
    id = serializers.UUIDField(source="uid", read_only=True)
    unit = serializers.CharField(source="unit_id", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    household_count = serializers.IntegerField(read_only=True, default=None, allow_null=True)
    resident_count = serializers.IntegerField(read_only=True, default=None, allow_null=True)
    rented_count = serializers.IntegerField(read_only=True, default=None, allow_null=True)

    class Meta:
        model = Building
        fields = [
            "id",
            "unit",
            "unit_name",
            "name",
            "address",
            "kind",
            "is_active",
            "closed_reason",
            "household_count",
            "resident_count",
            "rented_count",
            "created_at",
            "version",
        ]
        read_only_fields = fields


class BuildingCreateSerializer(serializers.Serializer):
    unit = serializers.CharField(max_length=14, help_text=_("所属网格或社区的代码"))
    name = serializers.CharField(max_length=60)
    address = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    kind = serializers.ChoiceField(
        choices=Building.Kind.choices, required=False, default=Building.Kind.APARTMENT
    )


class BuildingUpdateSerializer(serializers.Serializer):
    """Only the fields sent change; ``unit`` moves the building (and its homes) to another grid."""

    unit = serializers.CharField(max_length=14, required=False)
    name = serializers.CharField(max_length=60, required=False)
    address = serializers.CharField(max_length=200, required=False, allow_blank=True)
    kind = serializers.ChoiceField(choices=Building.Kind.choices, required=False)
    reason = serializers.CharField(max_length=500, help_text=_("变更原因，记入历史。"))
    version = edit_version()


class HouseholdSerializer(ListRowSerializer):
    id = serializers.UUIDField(source="uid", read_only=True)
    building = serializers.UUIDField(source="building.uid", read_only=True)
    building_name = serializers.CharField(source="building.name", read_only=True)
    unit = serializers.CharField(source="unit_id", read_only=True)
    landlord = serializers.SlugRelatedField(slug_field="uid", read_only=True, allow_null=True)
    member_count = serializers.IntegerField(
        read_only=True, default=None, allow_null=True, help_text=_("在册居住人数")
    )

    class Meta:
        model = Household
        fields = [
            "id",
            "building",
            "building_name",
            "unit",
            "number",
            "is_rented",
            "landlord",
            "landlord_name",
            "landlord_phone",
            "rented_since",
            "lease_start",
            "lease_end",
            "use",
            "dormitory_of",
            "is_active",
            "member_count",
            "created_at",
            "version",
        ]
        read_only_fields = fields


class _KeptBooleanField(serializers.BooleanField):
    """A box left out of a form-encoded edit keeps its value (DRF would read it as false)."""

    default_empty_html = serializers.empty


class _RentSerializer(serializers.Serializer):
    is_rented = _KeptBooleanField(required=False)
    landlord = serializers.UUIDField(
        required=False, allow_null=True, help_text=_("房东为已登记人员时，其人员 id")
    )
    landlord_name = serializers.CharField(max_length=50, required=False, allow_blank=True)
    landlord_phone = serializers.CharField(max_length=20, required=False, allow_blank=True)
    rented_since = serializers.DateField(required=False, allow_null=True)
    lease_start = serializers.DateField(required=False, allow_null=True)
    lease_end = serializers.DateField(required=False, allow_null=True)
    use = serializers.ChoiceField(choices=Household.Use.choices, required=False)
    dormitory_of = serializers.CharField(
        max_length=100, required=False, allow_blank=True, help_text=_("用人单位集体宿舍的单位名称")
    )


class HouseholdCreateSerializer(_RentSerializer):
    building = serializers.UUIDField(help_text=_("楼栋 id"))
    number = serializers.CharField(max_length=40)


class HouseholdUpdateSerializer(_RentSerializer):
    """Only the fields sent change."""

    number = serializers.CharField(max_length=40, required=False)
    reason = serializers.CharField(max_length=500, help_text=_("变更原因，记入历史。"))
    version = edit_version()


class BuildingViewSet(UidLookup, viewsets.GenericViewSet):
    """Buildings and courtyards (楼栋/院落) in the caller's jurisdiction, with their counts."""

    serializer_class = BuildingSerializer
    filterset_class = selectors.BuildingFilter
    pagination_class = ListPagination
    write_action = Action.EDIT_REGISTRY

    def get_queryset(self):
        return selectors.buildings_with_counts(self.request.user).order_by("unit_id", "name", "id")

    def _answer(self, building, code=status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=building.pk)
        return Response(BuildingSerializer(fresh).data, status=code)

    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(BuildingSerializer(page, many=True).data)

    def retrieve(self, request, id=None):
        return Response(BuildingSerializer(self.get_object()).data)

    @extend_schema(request=BuildingCreateSerializer, responses={201: BuildingSerializer})
    def create(self, request):
        data = BuildingCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        unit = get_in_scope_or_404(OrgUnit.objects.all(), request.user, code=values.pop("unit"))
        building = services.building_create(actor=request.user, unit=unit, **values)
        return self._answer(building, status.HTTP_201_CREATED)

    @extend_schema(
        request=BuildingUpdateSerializer,
        responses={200: BuildingSerializer, 409: ConflictSerializer},
    )
    def partial_update(self, request, id=None):
        building = selectors.building_get(request.user, id)
        data = BuildingUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        unit = building.unit
        if "unit" in values:
            unit = get_in_scope_or_404(OrgUnit.objects.all(), request.user, code=values["unit"])
        building = services.building_update(
            actor=request.user,
            building=building,
            name=values.get("name", building.name),
            address=values.get("address", building.address),
            kind=values.get("kind", building.kind),
            unit=unit,
            reason=values["reason"],
            version=values["version"],
        )
        return self._answer(building)

    @extend_schema(request=ReasonSerializer, responses=BuildingSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, id=None):
        """Take a building out of use (refused while people live in it)."""
        building = selectors.building_get(request.user, id)
        data = ReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        building = services.building_close(
            actor=request.user, building=building, reason=data.validated_data["reason"]
        )
        return self._answer(building)


_RENT_FIELDS = (
    "is_rented",
    "landlord",
    "landlord_name",
    "landlord_phone",
    "rented_since",
    "lease_start",
    "lease_end",
    "use",
    "dormitory_of",
)


def rent_values(user, values, household=None) -> dict:
    """The rent fields sent, the others kept from the home; a landlord id becomes a person."""
    rent = {
        key: values[key] if key in values else getattr(household, key, None) for key in _RENT_FIELDS
    }
    if "landlord" in values and values["landlord"] is not None:
        rent["landlord"] = body_object(selectors.persons_visible(user), user, values["landlord"])
    return rent


def new_home(user, values) -> services.NewHome:
    """A new home sent in a body ({building, number, rent fields}): its building is looked up
    in the caller's jurisdiction (404 outside); the service registers it."""
    building = body_object(selectors.buildings_visible(user), user, values["building"])
    return services.NewHome(
        building=building, number=values["number"], rent=rent_values(user, values)
    )


class HouseholdViewSet(UidLookup, viewsets.GenericViewSet):
    """Dwellings (住户/居所) with their use, landlord and lease when rented, and the number
    of people living there. A dwelling has no 户主: see ``registered-households``."""

    serializer_class = HouseholdSerializer
    filterset_class = selectors.HouseholdFilter
    pagination_class = ListPagination
    write_action = Action.EDIT_REGISTRY

    def get_queryset(self):
        # A building's homes together, by door number: the unique (building, number) index
        # gives a city's first page at once; by the buildings' names it sorted every home.
        return selectors.households_with_counts(self.request.user).order_by("building_id", "number")

    def _answer(self, household, code=status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=household.pk)
        return Response(HouseholdSerializer(fresh).data, status=code)

    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(HouseholdSerializer(page, many=True).data)

    def retrieve(self, request, id=None):
        return Response(HouseholdSerializer(self.get_object()).data)

    @extend_schema(request=HouseholdCreateSerializer, responses={201: HouseholdSerializer})
    def create(self, request):
        data = HouseholdCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        building = selectors.building_get(request.user, values["building"])
        household = services.household_create(
            actor=request.user,
            building=building,
            number=values["number"],
            **rent_values(request.user, values),
        )
        return self._answer(household, status.HTTP_201_CREATED)

    @extend_schema(
        request=HouseholdUpdateSerializer,
        responses={200: HouseholdSerializer, 409: ConflictSerializer},
    )
    def partial_update(self, request, id=None):
        household = selectors.household_get(request.user, id)
        data = HouseholdUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        household = services.household_update(
            actor=request.user,
            household=household,
            number=values.get("number", household.number),
            reason=values["reason"],
            version=values["version"],
            **rent_values(request.user, values, household),
        )
        return self._answer(household)


_DEPRECATED = extend_schema(
    deprecated=True,
    description=_("已弃用：请改用 /api/v1/dwellings/（住户/居所），字段相同。"),
)


@extend_schema_view(
    list=_DEPRECATED, retrieve=_DEPRECATED, create=_DEPRECATED, partial_update=_DEPRECATED
)
class DeprecatedHouseholdViewSet(HouseholdViewSet):
    """Deprecated alias of ``dwellings`` (the dwellings' old name): answers the same, with a
    ``Deprecation`` header naming the new address."""

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Deprecation"] = "true"
        response["Link"] = '</api/v1/dwellings/>; rel="successor-version"'
        return response
