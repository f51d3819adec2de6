"""The API of registered households (户籍户: ``registered-households``), landlords' homes
(``landlords``), the typing settings (``typing-settings``) and their re-typing jobs
(``retype-jobs``)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from shequ.core.api import ConflictSerializer, ReasonSerializer, edit_version
from shequ.core.identifiers import mask_phone
from shequ.org.roles import Action
from shequ.registry import selectors, services
from shequ.registry.api._common import UidLookup, body_object
from shequ.registry.api.housing import HouseholdSerializer
from shequ.registry.flow_rows import mask_name
from shequ.registry.models import (
    MigrantBoundary,
    Person,
    Relation,
    RetypeJob,
    SeparationBoundary,
    TypingSettings,
)
from shequ.registry.rules import landlord_kind
from shequ.registry.tasks import enqueue_retype_job


class MemberSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="uid", read_only=True)
    person = serializers.UUIDField(source="person.uid", read_only=True)
    person_name = serializers.CharField(source="person.name", read_only=True)
    relation = serializers.ChoiceField(choices=Relation.choices, read_only=True)
    joined_on = serializers.DateField(read_only=True, allow_null=True)
    join_reason = serializers.CharField(read_only=True)
    left_on = serializers.DateField(read_only=True, allow_null=True)
    leave_reason = serializers.CharField(read_only=True)


class RegisteredHouseholdSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="uid", read_only=True)
    unit = serializers.CharField(source="unit_id", read_only=True)
    number = serializers.CharField(read_only=True)
    head = serializers.UUIDField(source="head.uid", read_only=True)
    head_name = serializers.CharField(source="head.name", read_only=True)
    address = serializers.CharField(read_only=True)
    division = serializers.CharField(source="division_id", read_only=True, allow_null=True)
    is_active = serializers.BooleanField(read_only=True)
    closed_reason = serializers.CharField(read_only=True)
    member_count = serializers.IntegerField(
        read_only=True, default=None, allow_null=True, help_text=_("现有成员数")
    )
    created_at = serializers.DateTimeField(read_only=True)
    version = serializers.IntegerField(read_only=True)


class RegisteredHouseholdDetailSerializer(RegisteredHouseholdSerializer):
    members = MemberSerializer(many=True, read_only=True, help_text=_("成员（含已离户）"))


class RegisteredHouseholdCreateSerializer(serializers.Serializer):
    head = serializers.UUIDField(help_text=_("户主的人员 id"))
    number = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    address = serializers.CharField(max_length=200, required=False, allow_null=True, default=None)
    division = serializers.CharField(max_length=12, required=False, allow_null=True, default=None)
    reason = serializers.CharField(max_length=500, help_text=_("建户原因，记入历史。"))


class RegisteredHouseholdUpdateSerializer(serializers.Serializer):
    number = serializers.CharField(max_length=30, required=False, allow_blank=True)
    address = serializers.CharField(max_length=200, required=False, allow_blank=True)
    division = serializers.CharField(max_length=12, required=False, allow_null=True)
    reason = serializers.CharField(max_length=500, help_text=_("变更原因，记入历史。"))
    version = edit_version()


class MemberAddSerializer(serializers.Serializer):
    person = serializers.UUIDField(help_text=_("入户人员的 id"))
    relation = serializers.ChoiceField(
        choices=Relation.choices, help_text=_("与户主关系（户主随建户确定，租住人员不入户）")
    )
    joined_on = serializers.DateField(required=False, allow_null=True)
    reason = serializers.CharField(max_length=500, help_text=_("入户原因，记入历史。"))


class MemberRemoveSerializer(ReasonSerializer):
    member = serializers.UUIDField(help_text=_("成员记录 id"))
    left_on = serializers.DateField(required=False, allow_null=True)


class RegisteredHouseholdViewSet(UidLookup, viewsets.GenericViewSet):
    """Registered households (户籍户, 户口簿) kept in the caller's jurisdiction, with their
    members and each member's relation to the head; members leave with a reason, never
    deleted."""

    serializer_class = RegisteredHouseholdSerializer
    filterset_class = selectors.RegisteredHouseholdFilter
    write_action = Action.EDIT_REGISTRY

    def get_queryset(self):
        return selectors.registered_households_visible(self.request.user).order_by(
            "unit_id", "number", "id"
        )

    def _answer(self, household, code=status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=household.pk)
        fresh.members = selectors.registered_household_members(fresh)
        return Response(RegisteredHouseholdDetailSerializer(fresh).data, status=code)

    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(RegisteredHouseholdSerializer(page, many=True).data)

    @extend_schema(responses=RegisteredHouseholdDetailSerializer)
    def retrieve(self, request, id=None):
        return self._answer(self.get_object())

    @extend_schema(
        request=RegisteredHouseholdCreateSerializer,
        responses={201: RegisteredHouseholdDetailSerializer},
    )
    def create(self, request):
        data = RegisteredHouseholdCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        head = body_object(selectors.persons_visible(request.user), request.user, values["head"])
        household = services.registered_household_create(
            actor=request.user,
            head=head,
            number=values["number"],
            address=values["address"],
            division=values["division"],
            reason=values["reason"],
        )
        return self._answer(household, status.HTTP_201_CREATED)

    @extend_schema(
        request=RegisteredHouseholdUpdateSerializer,
        responses={200: RegisteredHouseholdDetailSerializer, 409: ConflictSerializer},
    )
    def partial_update(self, request, id=None):
        household = selectors.registered_household_get(request.user, id)
        data = RegisteredHouseholdUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        household = services.registered_household_update(
            actor=request.user,
            household=household,
            number=values.get("number", household.number),
            address=values.get("address", household.address),
            division=values.get("division", household.division_id),
            reason=values["reason"],
            version=values["version"],
        )
        return self._answer(household)

    @extend_schema(request=MemberAddSerializer, responses=RegisteredHouseholdDetailSerializer)
    @action(detail=True, methods=["post"], url_path="add-member")
    def add_member(self, request, id=None):
        """入户: take a person of the jurisdiction onto the household."""
        household = selectors.registered_household_get(request.user, id)
        data = MemberAddSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        person = body_object(
            selectors.persons_visible(request.user), request.user, values["person"]
        )
        services.registered_household_add_member(
            actor=request.user,
            household=household,
            person=person,
            relation=values["relation"],
            joined_on=values.get("joined_on"),
            reason=values["reason"],
        )
        return self._answer(household)

    @extend_schema(request=MemberRemoveSerializer, responses=RegisteredHouseholdDetailSerializer)
    @action(detail=True, methods=["post"], url_path="remove-member")
    def remove_member(self, request, id=None):
        """离户: a member leaves (kept, with the day and the reason)."""
        household = selectors.registered_household_get(request.user, id)
        data = MemberRemoveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        member = body_object(household.memberships.all(), request.user, values["member"])
        services.registered_household_remove_member(
            actor=request.user,
            member=member,
            left_on=values.get("left_on"),
            reason=values["reason"],
        )
        return self._answer(household)


class LandlordSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="uid", read_only=True)
    name = serializers.CharField(help_text=_("无权查看联系方式的角色看到遮蔽的姓名"))
    phone = serializers.CharField()
    kind = serializers.CharField(help_text=_("本地房东 / 外来房东"))
    homes = HouseholdSerializer(many=True)


class LandlordViewSet(UidLookup, viewsets.GenericViewSet):
    """A registered landlord (房屋出租户) and the homes of the caller's jurisdiction they
    let, each with its number of people; names and phones masked unless the role keeps the
    housing register."""

    serializer_class = LandlordSerializer
    queryset = Person.objects.none()  # the schema's; reads go through the selector

    def retrieve(self, request, id=None):
        landlord, homes = selectors.landlord_homes(request.user, id)
        contact = selectors.contact_visible(request.user)
        for home in homes:
            home.member_count = len(home.residents)
        data = {
            "uid": landlord.uid,
            "name": landlord.name if contact else mask_name(landlord.name),
            "phone": landlord.phone if contact else mask_phone(landlord.phone),
            "kind": landlord_kind(registered=True, population_type=landlord.population_type),
            "homes": homes,
        }
        return Response(LandlordSerializer(data).data)


@extend_schema_serializer(many=False)  # one object, though ``list`` answers it
class TypingSettingsSerializer(serializers.ModelSerializer):
    class Meta:
        model = TypingSettings
        fields = ["separation_boundary", "migrant_boundary", "service_months", "version"]
        read_only_fields = fields


class TypingSettingsChangeSerializer(serializers.Serializer):
    separation_boundary = serializers.ChoiceField(choices=SeparationBoundary.choices)
    migrant_boundary = serializers.ChoiceField(choices=MigrantBoundary.choices)
    service_months = serializers.IntegerField(min_value=0, max_value=60)
    reason = serializers.CharField(max_length=500, help_text=_("修改原因，记入历史。"))
    version = edit_version()


class RetypeJobSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uid", read_only=True)

    class Meta:
        model = RetypeJob
        fields = [
            "id",
            "reason",
            "settings_before",
            "settings_after",
            "status",
            "checked_count",
            "changed_count",
            "report",
            "message",
            "created_at",
            "finished_at",
        ]
        read_only_fields = fields


class TypingSettingsViewSet(viewsets.GenericViewSet):
    """How this deployment types its people (人户分离, 流动, the service threshold). A change
    (POST, the city's administrator only) re-types the registry in a background job
    (``retype-jobs``) and answers 202 with that job."""

    serializer_class = TypingSettingsSerializer
    write_action = Action.MANAGE_ORG
    queryset = TypingSettings.objects.none()
    pagination_class = None

    @extend_schema(responses=TypingSettingsSerializer)
    def list(self, request):
        return Response(TypingSettingsSerializer(selectors.typing_settings()).data)

    @extend_schema(
        request=TypingSettingsChangeSerializer,
        responses={202: RetypeJobSerializer, 409: ConflictSerializer},
    )
    def create(self, request):
        data = TypingSettingsChangeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        job = services.typing_settings_update(actor=request.user, **data.validated_data)
        enqueue_retype_job(job)
        job.refresh_from_db()
        return Response(RetypeJobSerializer(job).data, status=status.HTTP_202_ACCEPTED)


class RetypeJobViewSet(
    UidLookup, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Re-typing jobs started by changes of the typing settings, with their reports."""

    serializer_class = RetypeJobSerializer

    def get_queryset(self):
        return selectors.retype_jobs_visible(self.request.user)
