"""The API of checks: POST /persons/{id}/checks/ records a 每月一查 or 季度核对 of one person;
``checks`` lists them, ``visits`` are 每月一查 of a home, ``pending-departures`` the 人不在 a
community resolves, ``quarterly-reviews`` the street's 每季度一核对."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from shequ.core.identifiers import mask_id_number
from shequ.org.models import OrgUnit
from shequ.org.roles import Action
from shequ.org.scoping import get_in_scope_or_404
from shequ.registry import selectors, services
from shequ.registry.api._common import UidLookup, body_object
from shequ.registry.models import (
    Check,
    PendingDeparture,
    QuarterlyReview,
    Visit,
)
from shequ.registry.rules import newcomers_of


class CheckCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Check.Kind.choices)
    date = serializers.DateField()
    result = serializers.ChoiceField(
        choices=Check.Result.choices, required=False, default=Check.Result.CONFIRMED
    )
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class CheckSerializer(serializers.ModelSerializer):
    person = serializers.UUIDField(source="person.uid", read_only=True)
    actor = serializers.CharField(
        source="actor.username", default=None, read_only=True, allow_null=True
    )

    class Meta:
        model = Check
        fields = ["person", "kind", "date", "result", "note", "unit_code", "actor", "created_at"]
        read_only_fields = fields


class PersonChecksMixin:
    """The ``checks`` action of the persons viewset (its ``_person`` finds the person in scope)."""

    @extend_schema(request=CheckCreateSerializer, responses={201: CheckSerializer})
    @action(detail=True, methods=["post"])
    def checks(self, request, id=None):
        """Record a 每月一查 or 季度核对 of this person."""
        person = self._person(id)
        data = CheckCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.checks_record(actor=request.user, persons=[person], **data.validated_data)
        check = selectors.person_last_check(person)
        return Response(CheckSerializer(check).data, status=status.HTTP_201_CREATED)


# --- checks, visits, pending departures, quarterly reviews -----------------------------


class CheckRowSerializer(CheckSerializer):
    visit = serializers.UUIDField(source="visit.uid", default=None, read_only=True, allow_null=True)
    person_name = serializers.CharField(source="person.name", read_only=True)

    class Meta(CheckSerializer.Meta):
        fields = [*CheckSerializer.Meta.fields, "visit", "person_name"]
        read_only_fields = fields


class CheckViewSet(viewsets.GenericViewSet):
    """每月一查 and 季度核对 recorded in the caller's jurisdiction (read-only: checks are
    recorded through visits or on a person)."""

    serializer_class = CheckRowSerializer
    filterset_class = selectors.CheckFilter

    def get_queryset(self):
        return selectors.checks_visible(self.request.user).order_by("-date", "-id")

    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(CheckRowSerializer(page, many=True).data)


class VisitCheckSerializer(serializers.ModelSerializer):
    person = serializers.UUIDField(source="person.uid", read_only=True)
    person_name = serializers.CharField(source="person.name", read_only=True)

    class Meta:
        model = Check
        fields = ["person", "person_name", "result"]
        read_only_fields = fields


class VisitSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uid", read_only=True)
    household = serializers.UUIDField(source="household.uid", read_only=True)
    actor = serializers.CharField(
        source="actor.username", default=None, read_only=True, allow_null=True
    )
    found = serializers.IntegerField(read_only=True)
    absent = serializers.IntegerField(read_only=True)

    class Meta:
        model = Visit
        fields = [
            "id",
            "household",
            "date",
            "unit_code",
            "actor",
            "newcomers",
            "note",
            "found",
            "absent",
            "created_at",
        ]
        read_only_fields = fields


class NewcomerSerializer(serializers.Serializer):
    name = serializers.CharField(help_text=gettext_lazy("姓名（走访记录所写，可能为空）"))
    id_number = serializers.CharField(
        help_text=gettext_lazy(
            "身份证号码，打码；人来登记（POST persons，household 为走访的住户）时由登记人核对填写"
        )
    )


class VisitDetailSerializer(VisitSerializer):
    checks = serializers.SerializerMethodField()
    newcomers_found = serializers.SerializerMethodField(
        help_text=gettext_lazy("从“新来人员”读出的人员，每人可据此办理人来登记")
    )

    @extend_schema_field(VisitCheckSerializer(many=True))
    def get_checks(self, visit: Visit) -> list:
        return VisitCheckSerializer(selectors.visit_checks(visit), many=True).data

    @extend_schema_field(NewcomerSerializer(many=True))
    def get_newcomers_found(self, visit: Visit) -> list:
        return [
            {"name": n.name, "id_number": mask_id_number(n.id_number)}
            for n in newcomers_of(visit.newcomers)
        ]

    class Meta(VisitSerializer.Meta):
        fields = [*VisitSerializer.Meta.fields, "checks", "newcomers_found"]
        read_only_fields = fields


class VisitCreateSerializer(serializers.Serializer):
    household = serializers.UUIDField()
    date = serializers.DateField()
    absent = serializers.ListField(child=serializers.UUIDField(), required=False, default=list)
    corrected = serializers.ListField(child=serializers.UUIDField(), required=False, default=list)
    newcomers = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


@extend_schema_view(
    create=extend_schema(
        request=VisitCreateSerializer,
        responses={201: VisitDetailSerializer},
        description=(
            "每月一查：走访一个住户。住户的在册人员默认为“在（信息无误）”；absent 列出人不在的"
            "人员（列入待注销），corrected 列出已更正的人员；newcomers 写走访发现的新来人员。"
        ),
    ),
    retrieve=extend_schema(responses=VisitDetailSerializer),
)
class VisitViewSet(UidLookup, viewsets.GenericViewSet):
    """Visits to homes (每月一查) in the caller's jurisdiction."""

    serializer_class = VisitSerializer
    filterset_class = selectors.VisitFilter
    write_action = Action.EDIT_REGISTRY

    def get_queryset(self):
        return selectors.visits_visible(self.request.user).order_by("-date", "-id")

    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(VisitSerializer(page, many=True).data)

    def retrieve(self, request, id=None):
        visit = selectors.visit_get(request.user, id)
        return Response(VisitDetailSerializer(visit).data)

    def create(self, request):
        data = VisitCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values, user = data.validated_data, request.user
        household = body_object(selectors.households_visible(user), user, values["household"])
        named = {str(u) for u in [*values["absent"], *values["corrected"]]}
        members = {str(p.uid): p for p in selectors.household_members(household)}
        strangers = named - set(members)
        if strangers:
            raise ValidationError({"absent": [_("所列人员不是该住户的在册人员。")]})
        visit = services.visit_record(
            actor=user,
            household=household,
            date=values["date"],
            absent=[members[str(u)] for u in values["absent"]],
            corrected=[members[str(u)] for u in values["corrected"]],
            newcomers=values["newcomers"],
            note=values["note"],
        )
        visit = selectors.visit_get(user, visit.uid)
        return Response(VisitDetailSerializer(visit).data, status=status.HTTP_201_CREATED)


class PendingDepartureSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uid", read_only=True)
    person = serializers.UUIDField(source="person.uid", read_only=True)
    person_name = serializers.CharField(source="person.name", read_only=True)
    visit = serializers.UUIDField(
        source="check_row.visit.uid", default=None, read_only=True, allow_null=True
    )
    checked_by = serializers.CharField(
        source="check_row.actor.username", default=None, read_only=True, allow_null=True
    )
    resolved_by = serializers.CharField(
        source="resolved_by.username", default=None, read_only=True, allow_null=True
    )

    class Meta:
        model = PendingDeparture
        fields = [
            "id",
            "person",
            "person_name",
            "unit_code",
            "raised_on",
            "visit",
            "checked_by",
            "status",
            "resolved_by",
            "resolved_at",
            "resolution",
        ]
        read_only_fields = fields


class PendingResolveSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(
        choices=[PendingDeparture.Status.DEPARTED, PendingDeparture.Status.FOUND]
    )
    reason = serializers.CharField(max_length=200)
    date = serializers.DateField(required=False, allow_null=True, default=None)
    division = serializers.CharField(max_length=12, required=False, allow_blank=True, default="")


class PendingDepartureViewSet(UidLookup, viewsets.GenericViewSet):
    """人不在 found by a check, for the community to resolve (人走注销, or found again)."""

    serializer_class = PendingDepartureSerializer
    filterset_class = selectors.PendingDepartureFilter
    write_action = Action.EDIT_REGISTRY

    def get_queryset(self):
        return selectors.pending_departures_visible(self.request.user).order_by("-raised_on", "-id")

    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(PendingDepartureSerializer(page, many=True).data)

    def retrieve(self, request, id=None):
        pending = selectors.pending_departure_get(request.user, id)
        return Response(PendingDepartureSerializer(pending).data)

    @extend_schema(request=PendingResolveSerializer, responses={200: PendingDepartureSerializer})
    @action(detail=True, methods=["post"])
    def resolve(self, request, id=None):
        """departed：确认离开，办理人走注销（division 为本市以外的去向，不填为去向不明）；
        found：人员仍在。"""
        pending = selectors.pending_departure_get(request.user, id)
        data = PendingResolveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        services.pending_departure_resolve(
            actor=request.user,
            pending=pending,
            outcome=values["outcome"],
            reason=values["reason"],
            date=values["date"],
            division=values["division"] or None,
        )
        pending = selectors.pending_departure_get(request.user, id)
        return Response(PendingDepartureSerializer(pending).data)


class QuarterlyReviewSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uid", read_only=True)
    reviewer = serializers.CharField(
        source="reviewer.username", default=None, read_only=True, allow_null=True
    )

    class Meta:
        model = QuarterlyReview
        fields = ["id", "unit_code", "quarter", "reviewer", "reviewed_at", "figures", "findings"]
        read_only_fields = fields


class QuarterlyReviewCreateSerializer(serializers.Serializer):
    unit = serializers.CharField(max_length=14)
    quarter = serializers.DateField()
    findings = serializers.CharField(max_length=2000)


@extend_schema_view(
    create=extend_schema(
        request=QuarterlyReviewCreateSerializer,
        responses={201: QuarterlyReviewSerializer},
        description="每季度一核对：街道记录对所辖社区本季度核查情况的核对（unit 为街道代码）。",
    )
)
class QuarterlyReviewViewSet(viewsets.GenericViewSet):
    """每季度一核对 recorded by streets in the caller's jurisdiction."""

    serializer_class = QuarterlyReviewSerializer
    write_action = Action.EDIT_REGISTRY

    def get_queryset(self):
        return selectors.reviews_visible(self.request.user).order_by("-quarter", "-id")

    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(QuarterlyReviewSerializer(page, many=True).data)

    def create(self, request):
        data = QuarterlyReviewCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        street = get_in_scope_or_404(
            OrgUnit.objects.filter(is_active=True), request.user, code=values["unit"]
        )
        review = services.quarterly_review_record(
            actor=request.user,
            street=street,
            quarter=values["quarter"],
            findings=values["findings"],
        )
        return Response(QuarterlyReviewSerializer(review).data, status=status.HTTP_201_CREATED)
