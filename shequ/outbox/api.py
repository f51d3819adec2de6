"""The API of the outbox: GET /notifications/ (``?box=inbox|sent``, ``?state=`` with
``overdue``), GET /notifications/{id}/, POST /notifications/{id}/acknowledge/."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from shequ.core.api import UidLookup
from shequ.org.roles import Action
from shequ.outbox import selectors, services
from shequ.outbox.models import Notification


class NotificationSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uid", read_only=True)
    person = serializers.UUIDField(
        source="person.uid", default=None, read_only=True, allow_null=True
    )
    summary = serializers.SerializerMethodField()
    overdue = serializers.SerializerMethodField()
    acknowledged_by = serializers.CharField(
        source="acknowledged_by.username", default=None, read_only=True, allow_null=True
    )

    class Meta:
        model = Notification
        fields = [
            "id",
            "kind",
            "title",
            "summary",
            "health",
            "person",
            "person_name",
            "from_unit_code",
            "to_unit_code",
            "to_division_code",
            "due_date",
            "state",
            "overdue",
            "sent_at",
            "acknowledged_at",
            "acknowledged_by",
            "reply",
            "created_at",
        ]
        read_only_fields = fields

    def get_summary(self, notice: Notification) -> str | None:
        """The text; null when it carries health facts the caller may not see (lists show
        it only on the detail)."""
        if not self.context.get("detail"):
            return None if notice.health else notice.summary
        return selectors.summary_for(self.context["request"].user, notice, channel="api")

    def get_overdue(self, notice: Notification) -> bool:
        from django.utils import timezone

        return (
            notice.state != Notification.State.ACKNOWLEDGED
            and notice.due_date < timezone.localdate()
        )


class AcknowledgeSerializer(serializers.Serializer):
    reply = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class NotificationViewSet(UidLookup, viewsets.GenericViewSet):
    """Messages to and from the units of the caller's jurisdiction."""

    serializer_class = NotificationSerializer
    filterset_class = selectors.NotificationFilter
    write_actions = {"acknowledge": Action.READ_REGISTRY}

    def get_queryset(self):
        return selectors.notifications_visible(self.request.user).order_by("-created_at", "-id")

    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        selectors.conceal_health(request.user, page)
        return self.get_paginated_response(NotificationSerializer(page, many=True).data)

    def retrieve(self, request, id=None):
        notice = selectors.notification_get(request.user, id)
        selectors.conceal_health(request.user, [notice])
        context = {"request": request, "detail": True}
        return Response(NotificationSerializer(notice, context=context).data)

    @extend_schema(request=AcknowledgeSerializer, responses={200: NotificationSerializer})
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, id=None):
        """The receiving unit confirms it has the message."""
        notice = selectors.notification_get(request.user, id)
        data = AcknowledgeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.notification_acknowledge(actor=request.user, notice=notice, **data.validated_data)
        selectors.conceal_health(request.user, [notice])
        return Response(NotificationSerializer(notice, context={"request": request}).data)


def register_api(router) -> None:
    router.register("notifications", NotificationViewSet, basename="notification")
