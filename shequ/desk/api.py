"""The desk's REST API: ``applications`` (and their steps) and ``documents`` (PDF, revoke,
replace). Thin: parse, find the objects through the jurisdiction, call the one service the
page calls too, answer with the object."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.renderers import BaseRenderer
from rest_framework.response import Response

from shequ.core.api import ReasonSerializer, edit_version
from shequ.desk import selectors, services
from shequ.desk.models import (
    Application,
    BirthRegistration,
    BirthStage,
    Channel,
    Disclosure,
    Document,
    DocumentKind,
)
from shequ.org.models import SensitiveAccess
from shequ.org.roles import Action
from shequ.registry import selectors as registry_selectors
from shequ.registry.api._common import UidLookup, body_object


class DocumentSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uid", read_only=True)
    person = serializers.UUIDField(source="person.uid", read_only=True)
    unit = serializers.CharField(source="unit_id", read_only=True)
    issuer = serializers.CharField(source="issuer_id", read_only=True)
    replaced_by = serializers.SlugRelatedField(slug_field="uid", read_only=True, allow_null=True)
    public_state = serializers.SerializerMethodField(
        help_text=_("公开核验显示的状态：valid、expired、revoked、replaced")
    )

    class Meta:
        model = Document
        fields = [
            "id",
            "kind",
            "number",
            "unit",
            "issuer",
            "year",
            "serial",
            "person",
            "holder_name",
            "content",
            "issued_on",
            "valid_until",
            "status",
            "status_reason",
            "public_state",
            "replaced_by",
            "version",
        ]
        read_only_fields = fields

    def get_public_state(self, document: Document) -> str:
        return selectors.document_public_state(document)


class ApplicationSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uid", read_only=True)
    person = serializers.UUIDField(source="person.uid", read_only=True)
    person_name = serializers.CharField(source="person.name", read_only=True)
    unit = serializers.CharField(source="unit_id", read_only=True)
    document = serializers.SlugRelatedField(slug_field="uid", read_only=True, allow_null=True)

    class Meta:
        model = Application
        fields = [
            "id",
            "kind",
            "person",
            "person_name",
            "unit",
            "channel",
            "note",
            "state",
            "applied_at",
            "accepted_at",
            "due_on",
            "reviewed_at",
            "decided_at",
            "refusal_reason",
            "document",
            "version",
        ]
        read_only_fields = fields


class ApplicationCreateSerializer(serializers.Serializer):
    person = serializers.UUIDField(help_text=_("申请人（人员 id）"))
    kind = serializers.ChoiceField(choices=DocumentKind.choices)
    channel = serializers.ChoiceField(choices=Channel.choices, default=Channel.DESK)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class ApplicationViewSet(UidLookup, viewsets.GenericViewSet):
    """Applications at the desk in the caller's jurisdiction, and their steps: accept,
    review (the kinds that need it), issue (generates the document), refuse (with reason).
    Each step answers 403 for a role that may not make it and 400 from a wrong state."""

    serializer_class = ApplicationSerializer
    filterset_class = selectors.ApplicationFilter
    write_action = Action.EDIT_REGISTRY

    def get_queryset(self):
        return selectors.applications_visible(self.request.user).order_by("-applied_at", "-id")

    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(ApplicationSerializer(page, many=True).data)

    def retrieve(self, request, id=None):
        return Response(ApplicationSerializer(self.get_object()).data)

    @extend_schema(request=ApplicationCreateSerializer, responses={201: ApplicationSerializer})
    def create(self, request):
        data = ApplicationCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        person = body_object(
            registry_selectors.persons_visible(request.user), request.user, values["person"]
        )
        application = services.application_create(
            actor=request.user,
            person=person,
            kind=values["kind"],
            channel=values["channel"],
            note=values["note"],
        )
        return Response(ApplicationSerializer(application).data, status=status.HTTP_201_CREATED)

    def _step(self, request, id, service, **kwargs):
        application = selectors.application_get(request.user, id)
        application = service(actor=request.user, application=application, **kwargs)
        return Response(ApplicationSerializer(application).data)

    @extend_schema(request=None, responses={200: ApplicationSerializer})
    @action(detail=True, methods=["post"])
    def accept(self, request, id=None):
        """受理：the promised date starts."""
        return self._step(request, id, services.application_accept)

    @extend_schema(request=None, responses={200: ApplicationSerializer})
    @action(detail=True, methods=["post"])
    def review(self, request, id=None):
        """审核 (光荣证补发, the legacy certificate)."""
        return self._step(request, id, services.application_review)

    @extend_schema(request=None, responses={200: ApplicationSerializer})
    @action(detail=True, methods=["post"])
    def issue(self, request, id=None):
        """办结：the document is generated from the registry and numbered."""
        return self._step(request, id, services.application_issue)

    @extend_schema(request=ReasonSerializer, responses={200: ApplicationSerializer})
    @action(detail=True, methods=["post"])
    def refuse(self, request, id=None):
        """不予办理, with the reason the resident is told."""
        data = ReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._step(
            request, id, services.application_refuse, reason=data.validated_data["reason"]
        )


class PdfRenderer(BaseRenderer):
    media_type = "application/pdf"
    format = "pdf"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


class DocumentViewSet(UidLookup, viewsets.GenericViewSet):
    """Printed documents in the caller's jurisdiction: the PDF (the whole identity number on
    it: a logged read), revoke and replace with reason (the issuing street's staff)."""

    serializer_class = DocumentSerializer
    filterset_class = selectors.DocumentFilter
    write_action = Action.EDIT_REGISTRY

    def get_queryset(self):
        return selectors.documents_visible(self.request.user).order_by("-issued_on", "-id")

    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(DocumentSerializer(page, many=True).data)

    def retrieve(self, request, id=None):
        return Response(DocumentSerializer(self.get_object()).data)

    @extend_schema(
        responses={(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY)},
        filters=False,
    )
    @action(detail=True, methods=["get"], renderer_classes=[PdfRenderer], filter_backends=[])
    def pdf(self, request, id=None):
        """The printed document (PDF with its QR code)."""
        document = selectors.document_get(request.user, id)
        data = services.document_pdf(
            actor=request.user,
            document=document,
            verify_url=request.build_absolute_uri(reverse("desk:verify", args=[document.code])),
            channel=SensitiveAccess.Channel.API,
        )
        return Response(data, content_type="application/pdf", headers={"Cache-Control": "no-store"})

    @extend_schema(request=ReasonSerializer, responses={200: DocumentSerializer})
    @action(detail=True, methods=["post"])
    def revoke(self, request, id=None):
        """作废, with reason: verification says "revoked"."""
        document = selectors.document_get(request.user, id)
        data = ReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        document = services.document_revoke(
            actor=request.user, document=document, reason=data.validated_data["reason"]
        )
        return Response(DocumentSerializer(document).data)

    @extend_schema(request=ReasonSerializer, responses={201: DocumentSerializer})
    @action(detail=True, methods=["post"])
    def replace(self, request, id=None):
        """换发, with reason: answers the new document (new number and code)."""
        document = selectors.document_get(request.user, id)
        data = ReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        new = services.document_replace(
            actor=request.user, document=document, reason=data.validated_data["reason"]
        )
        return Response(DocumentSerializer(new).data, status=status.HTTP_201_CREATED)


class BirthRegistrationSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uid", read_only=True)
    person = serializers.UUIDField(source="person.uid", read_only=True)
    person_name = serializers.CharField(source="person.name", read_only=True)
    unit = serializers.CharField(source="unit_id", read_only=True)
    child = serializers.SlugRelatedField(slug_field="uid", read_only=True, allow_null=True)

    class Meta:
        model = BirthRegistration
        fields = [
            "id",
            "receipt_code",
            "person",
            "person_name",
            "unit",
            "channel",
            "spouse_name",
            "married",
            "stage",
            "expected_on",
            "born_on",
            "order",
            "other_place",
            "child",
            "registered_at",
            "version",
        ]
        read_only_fields = fields


class BirthRegistrationCreateSerializer(serializers.Serializer):
    person = serializers.UUIDField(help_text=_("登记人（夫妻一方，人员 id）"))
    spouse_name = serializers.CharField(max_length=50, required=False, allow_blank=True)
    married = serializers.BooleanField(default=True)
    stage = serializers.ChoiceField(choices=BirthStage.choices)
    expected_on = serializers.DateField(required=False, allow_null=True)
    born_on = serializers.DateField(required=False, allow_null=True)
    mobile = serializers.CharField(max_length=20, required=False, allow_blank=True)
    other_place = serializers.CharField(
        max_length=12,
        required=False,
        allow_blank=True,
        help_text=_("另一地区划代码；不填时按户籍地"),
    )
    declaration = serializers.BooleanField(help_text=_("登记人承诺所填属实（须为 true）"))


class ChildLinkSerializer(serializers.Serializer):
    child = serializers.UUIDField(help_text=_("登记人的子女（子女 id）"))


class BirthRegistrationViewSet(UidLookup, viewsets.GenericViewSet):
    """生育登记 in the caller's jurisdiction: a registration with an immediate receipt (never
    an approval); after the birth, link the child's record."""

    serializer_class = BirthRegistrationSerializer
    filterset_class = selectors.BirthRegistrationFilter
    write_action = Action.EDIT_REGISTRY

    def get_queryset(self):
        return selectors.birth_registrations_visible(self.request.user).order_by(
            "-registered_at", "-id"
        )

    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(BirthRegistrationSerializer(page, many=True).data)

    def retrieve(self, request, id=None):
        return Response(BirthRegistrationSerializer(self.get_object()).data)

    @extend_schema(
        request=BirthRegistrationCreateSerializer, responses={201: BirthRegistrationSerializer}
    )
    def create(self, request):
        data = BirthRegistrationCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        person = body_object(
            registry_selectors.persons_visible(request.user), request.user, values.pop("person")
        )
        registration = services.birth_registration_create(
            actor=request.user,
            person=person,
            channel=Channel.DESK if request.user.role == "street" else Channel.WORKER,
            values=values,
        )
        return Response(
            BirthRegistrationSerializer(registration).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(request=ChildLinkSerializer, responses={200: BirthRegistrationSerializer})
    @action(detail=True, methods=["post"], url_path="child")
    def child(self, request, id=None):
        """After the birth: link the registry's child record of the registrant."""
        registration = selectors.birth_registration_get(request.user, id)
        data = ChildLinkSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        child = (
            selectors.birth_children(registration).filter(uid=data.validated_data["child"]).first()
        )
        if child is None:
            raise NotFound()
        registration = services.birth_registration_link_child(
            actor=request.user, registration=registration, child=child
        )
        return Response(BirthRegistrationSerializer(registration).data)


class DisclosureSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uid", read_only=True)
    unit = serializers.CharField(source="unit_id", read_only=True)

    class Meta:
        model = Disclosure
        fields = [
            "id",
            "unit",
            "category",
            "title",
            "body",
            "published_on",
            "withdrawn",
            "withdrawn_reason",
            "version",
        ]
        read_only_fields = ["id", "unit", "withdrawn", "withdrawn_reason", "version"]


class DisclosureUpdateSerializer(DisclosureSerializer):
    reason = serializers.CharField(max_length=200, help_text=_("修改原因，记入历史。"))
    version = edit_version()

    class Meta(DisclosureSerializer.Meta):
        fields = [*DisclosureSerializer.Meta.fields, "reason"]
        read_only_fields = ["id", "unit", "withdrawn", "withdrawn_reason"]


class DisclosureViewSet(UidLookup, viewsets.GenericViewSet):
    """政务公开 items of the caller's unit and below: create (published at the caller's unit),
    correct with reason and version, withdraw with reason (nothing is deleted)."""

    serializer_class = DisclosureSerializer
    filterset_class = selectors.DisclosureFilter
    write_action = Action.EDIT_REGISTRY

    def get_queryset(self):
        return selectors.disclosures_visible(self.request.user).order_by("-published_on", "-id")

    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(DisclosureSerializer(page, many=True).data)

    def retrieve(self, request, id=None):
        return Response(DisclosureSerializer(self.get_object()).data)

    @extend_schema(request=DisclosureSerializer, responses={201: DisclosureSerializer})
    def create(self, request):
        data = DisclosureSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        item = services.disclosure_create(
            actor=request.user, unit=request.user.unit, values=dict(data.validated_data)
        )
        return Response(DisclosureSerializer(item).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=DisclosureUpdateSerializer, responses={200: DisclosureSerializer})
    def partial_update(self, request, id=None):
        item = self.get_object()
        current = DisclosureSerializer(item).data
        data = DisclosureUpdateSerializer(data={**current, **request.data})
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        item = services.disclosure_update(
            actor=request.user,
            item=item,
            values=values,
            reason=values.pop("reason"),
            version=values.pop("version"),
        )
        return Response(DisclosureSerializer(item).data)

    @extend_schema(request=ReasonSerializer, responses={200: DisclosureSerializer})
    @action(detail=True, methods=["post"])
    def withdraw(self, request, id=None):
        """撤下, with reason: the public page no longer shows it."""
        item = self.get_object()
        data = ReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        item = services.disclosure_withdraw(
            actor=request.user, item=item, reason=data.validated_data["reason"]
        )
        return Response(DisclosureSerializer(item).data)


def register_api(router) -> None:
    """Add the desk's endpoints to the API router."""
    router.register("disclosures", DisclosureViewSet, basename="disclosure")
    router.register("birth-registrations", BirthRegistrationViewSet, basename="birth-registration")
    router.register("applications", ApplicationViewSet, basename="application")
    router.register("documents", DocumentViewSet, basename="document")
