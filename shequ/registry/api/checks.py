"""The API of checks: POST /persons/{id}/checks/ records a 每月一查 or 季度核对."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from shequ.registry import selectors, services
from shequ.registry.models import (
    Check,
)


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
