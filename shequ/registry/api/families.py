"""The API of couples and families: ``marriages``, ``children`` (on both parents; newborns
without an identity number), ``fertility-certificates`` (婚育证明) and ``pregnancies``.

Children are a resource of their own rather than only a list under a person: a child is on
two parents who may be managed by different units, and the desk and health apps read them
across persons (``?parent=<person id>`` lists one person's, as mother or father).
Pregnancies are health facts: the whole resource answers 403 without the health right, and
every page read is logged (``services.pregnancy_rows_read``). Outside identity numbers on a
marriage are masked like everyone's."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.filters import OrderingFilter
from rest_framework.response import Response

from shequ.core.api import ConflictSerializer, ListPagination, Pagination, edit_version
from shequ.core.identifiers import mask_id_number
from shequ.org.models import SensitiveAccess
from shequ.org.roles import Action, can
from shequ.org.scoping import scoped
from shequ.registry import selectors, services
from shequ.registry.api._common import API_CHANNEL, UidLookup, body_object
from shequ.registry.disclosure import shows_birth_date
from shequ.registry.models import (
    Child,
    DisabilityGrade,
    FertilityCertificate,
    HukouNature,
    Marriage,
    MarriageEnd,
    Person,
    Pregnancy,
    PregnancyOutcome,
    Sex,
)


class _PersonRef(serializers.Serializer):
    id = serializers.UUIDField(source="uid")
    name = serializers.CharField()


class SpouseSerializer(serializers.Serializer):
    """One side of a marriage: a registry person (``person``) or someone outside it."""

    person = _PersonRef(allow_null=True)
    name = serializers.CharField()
    id_number_masked = serializers.CharField(allow_blank=True)
    hukou_division = serializers.CharField(allow_null=True)
    hukou_address = serializers.CharField(allow_blank=True)


def _side(marriage: Marriage, side: str) -> dict:
    person = getattr(marriage, side)
    if person is not None:
        return {
            "person": person,
            "name": person.name,
            "id_number_masked": mask_id_number(person.id_number),
            "hukou_division": person.hukou_division_id,
            "hukou_address": person.hukou_address,
        }
    return {
        "person": None,
        "name": getattr(marriage, f"{side}_name"),
        "id_number_masked": mask_id_number(getattr(marriage, f"{side}_id_number")),
        "hukou_division": getattr(marriage, f"{side}_hukou_division_id"),
        "hukou_address": getattr(marriage, f"{side}_hukou_address"),
    }


class MarriageSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uid", read_only=True)
    # Choice fields "" until known: declared so the schema allows the blank (a read-only
    # model field loses allow_blank).
    end_reason = serializers.ChoiceField(
        choices=MarriageEnd.choices, allow_blank=True, read_only=True
    )
    husband = serializers.SerializerMethodField()
    wife = serializers.SerializerMethodField()
    in_force = serializers.BooleanField(read_only=True)

    class Meta:
        model = Marriage
        fields = [
            "id",
            "husband",
            "wife",
            "married_on",
            "certificate_number",
            "certificate_place",
            "in_force",
            "end_reason",
            "ended_on",
            "honor_certificate_number",
            "honor_certificate_date",
            "version",
            "registered_at",
        ]
        read_only_fields = fields

    @extend_schema(responses=SpouseSerializer)
    def get_husband(self, marriage: Marriage) -> dict:
        return SpouseSerializer(_side(marriage, "husband")).data

    @extend_schema(responses=SpouseSerializer)
    def get_wife(self, marriage: Marriage) -> dict:
        return SpouseSerializer(_side(marriage, "wife")).data


_SIDE_FIELDS = {
    "name": serializers.CharField(required=False, allow_blank=True, max_length=50),
    "id_number": serializers.CharField(required=False, allow_blank=True, max_length=18),
    "hukou_division": serializers.CharField(required=False, allow_blank=True, max_length=12),
    "hukou_address": serializers.CharField(required=False, allow_blank=True, max_length=200),
}


class _MarriageFacts(serializers.Serializer):
    married_on = serializers.DateField(required=False, allow_null=True)
    certificate_number = serializers.CharField(required=False, allow_blank=True, max_length=40)
    certificate_place = serializers.CharField(required=False, allow_blank=True, max_length=100)
    honor_certificate_number = serializers.CharField(
        required=False, allow_blank=True, max_length=40
    )
    honor_certificate_date = serializers.DateField(required=False, allow_null=True)
    husband_name = serializers.CharField(required=False, allow_blank=True, max_length=50)
    husband_id_number = serializers.CharField(required=False, allow_blank=True, max_length=18)
    husband_hukou_division = serializers.CharField(required=False, allow_blank=True, max_length=12)
    husband_hukou_address = serializers.CharField(required=False, allow_blank=True, max_length=200)
    wife_name = serializers.CharField(required=False, allow_blank=True, max_length=50)
    wife_id_number = serializers.CharField(required=False, allow_blank=True, max_length=18)
    wife_hukou_division = serializers.CharField(required=False, allow_blank=True, max_length=12)
    wife_hukou_address = serializers.CharField(required=False, allow_blank=True, max_length=200)


class MarriageCreateSerializer(_MarriageFacts):
    husband = serializers.UUIDField(
        required=False, allow_null=True, help_text=_("本库人员的 id；非本库人员填 husband_name 等")
    )
    wife = serializers.UUIDField(
        required=False, allow_null=True, help_text=_("本库人员的 id；非本库人员填 wife_name 等")
    )
    reason = serializers.CharField(required=False, allow_blank=True, max_length=200)


class MarriageUpdateSerializer(_MarriageFacts):
    version = edit_version()
    reason = serializers.CharField(max_length=200)


class MarriageEndSerializer(serializers.Serializer):
    end_reason = serializers.ChoiceField(choices=MarriageEnd.choices)
    ended_on = serializers.DateField(required=False, allow_null=True)
    version = edit_version()
    reason = serializers.CharField(required=False, allow_blank=True, max_length=200)


class MarriageViewSet(UidLookup, viewsets.GenericViewSet):
    """Marriages seen wherever one registry spouse is managed. Marital status of the spouses
    follows from these records (``rules.marital_status_of``)."""

    serializer_class = MarriageSerializer
    filterset_class = selectors.MarriageFilter
    pagination_class = ListPagination
    filter_backends = [*viewsets.GenericViewSet.filter_backends, OrderingFilter]
    ordering_fields = ["married_on", "registered_at"]
    ordering = ["-married_on", "-id"]
    write_action = Action.EDIT_REGISTRY

    def get_queryset(self):
        return selectors.marriages_visible(self.request.user).order_by("-married_on", "-id")

    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(MarriageSerializer(page, many=True).data)

    def retrieve(self, request, id=None):
        return Response(MarriageSerializer(selectors.marriage_get(request.user, id)).data)

    def _answer(self, marriage: Marriage, code=status.HTTP_200_OK) -> Response:
        fresh = selectors.marriage_get(self.request.user, marriage.uid)
        return Response(MarriageSerializer(fresh).data, status=code)

    @extend_schema(request=MarriageCreateSerializer, responses={201: MarriageSerializer})
    def create(self, request):
        data = MarriageCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        persons = selectors.persons_visible(request.user)
        sides = {}
        for side in ("husband", "wife"):
            uid = values.pop(side, None)
            sides[side] = body_object(persons, request.user, uid) if uid else None
        marriage = services.marriage_record(
            actor=request.user,
            husband=sides["husband"],
            wife=sides["wife"],
            values=values,
            reason=values.pop("reason", ""),
        )
        return self._answer(marriage, status.HTTP_201_CREATED)

    @extend_schema(
        request=MarriageUpdateSerializer,
        responses={200: MarriageSerializer, 409: ConflictSerializer},
    )
    def partial_update(self, request, id=None):
        marriage = selectors.marriage_get(request.user, id)
        data = MarriageUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        marriage = services.marriage_update(
            actor=request.user,
            marriage=marriage,
            values=values,
            reason=values.pop("reason"),
            version=values.pop("version"),
        )
        return self._answer(marriage)

    @extend_schema(
        request=MarriageEndSerializer,
        responses={200: MarriageSerializer, 409: ConflictSerializer},
    )
    @action(detail=True, methods=["post"])
    def end(self, request, id=None):
        """离婚、丧偶或婚姻无效: the marriage ends; both spouses' status follows."""
        marriage = selectors.marriage_get(request.user, id)
        data = MarriageEndSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        marriage = services.marriage_end(
            actor=request.user,
            marriage=marriage,
            end_reason=values["end_reason"],
            ended_on=values.get("ended_on"),
            reason=values.get("reason", ""),
            version=values["version"],
        )
        return self._answer(marriage)


# --- Children ------------------------------------------------------------------------------


class ChildSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uid", read_only=True)
    mother = _PersonRef(allow_null=True, read_only=True)
    father = _PersonRef(allow_null=True, read_only=True)
    person = _PersonRef(allow_null=True, read_only=True, help_text=_("子女本人的人员档案"))
    marriage = serializers.UUIDField(source="marriage.uid", allow_null=True, read_only=True)
    birth_date = serializers.SerializerMethodField(
        help_text=_("出生日期；无权查看完整身份证号的角色为 null（见 birth_year）")
    )
    birth_year = serializers.IntegerField(source="birth_date.year", read_only=True)
    # "" when no disability is recorded: the schema must allow the blank
    disability_grade = serializers.ChoiceField(
        choices=DisabilityGrade.choices, allow_blank=True, read_only=True
    )

    class Meta:
        model = Child
        fields = [
            "id",
            "order",
            "name",
            "sex",
            "birth_date",
            "birth_year",
            "is_living",
            "death_date",
            "disability_grade",
            "mother",
            "father",
            "marriage",
            "person",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.DateField(allow_null=True, read_only=True))
    def get_birth_date(self, child: Child):
        return child.birth_date if self.context.get("full_birth") else None


class ChildCreateSerializer(serializers.Serializer):
    parent = serializers.UUIDField(help_text=_("记录子女的父/母（本库人员）"))
    order = serializers.IntegerField(required=False, min_value=1)
    name = serializers.CharField(required=False, allow_blank=True, max_length=50)
    sex = serializers.ChoiceField(choices=Sex.choices)
    birth_date = serializers.DateField()
    death_date = serializers.DateField(required=False, allow_null=True)
    disability_grade = serializers.ChoiceField(
        choices=DisabilityGrade.choices, required=False, allow_blank=True
    )
    reason = serializers.CharField(required=False, allow_blank=True, max_length=200)


class ChildUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(required=False, allow_blank=True, max_length=50)
    death_date = serializers.DateField(required=False, allow_null=True)
    disability_grade = serializers.ChoiceField(
        choices=DisabilityGrade.choices, required=False, allow_blank=True
    )
    reason = serializers.CharField(max_length=200)


class NewbornSerializer(serializers.Serializer):
    parent = serializers.UUIDField(help_text=_("新生儿的父/母（本库人员，在册且有现居住户）"))
    name = serializers.CharField(max_length=50)
    sex = serializers.ChoiceField(choices=Sex.choices)
    birth_date = serializers.DateField()
    birth_certificate_number = serializers.CharField(max_length=20)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=200)


class NewbornAnswerSerializer(serializers.Serializer):
    person = serializers.UUIDField()
    child = serializers.UUIDField()


class ChildViewSet(UidLookup, viewsets.GenericViewSet):
    """Children on both parents; ``?parent=<person id>`` lists one person's."""

    serializer_class = ChildSerializer
    pagination_class = ListPagination
    write_action = Action.EDIT_REGISTRY

    def get_queryset(self):
        queryset = selectors.children_visible(self.request.user).order_by("birth_date", "id")
        parent = self.request.query_params.get("parent")
        if parent:
            person = body_object(
                selectors.persons_visible(self.request.user), self.request.user, parent
            )
            queryset = queryset.filter(pk__in=[c.pk for c in selectors.person_children_all(person)])
        return queryset

    def get_serializer_context(self):
        return {
            **super().get_serializer_context(),
            "full_birth": shows_birth_date(self.request.user),
        }

    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(
            ChildSerializer(page, many=True, context=self.get_serializer_context()).data
        )

    def retrieve(self, request, id=None):
        return Response(
            ChildSerializer(self.get_object(), context=self.get_serializer_context()).data
        )

    @extend_schema(request=ChildCreateSerializer, responses={201: ChildSerializer})
    def create(self, request):
        data = ChildCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        parent = body_object(
            selectors.persons_visible(request.user), request.user, values.pop("parent")
        )
        child = services.child_record(
            actor=request.user, parent=parent, values=values, reason=values.pop("reason", "")
        )
        return Response(
            ChildSerializer(child, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(request=ChildUpdateSerializer, responses={200: ChildSerializer})
    def partial_update(self, request, id=None):
        child = self.get_object()
        data = ChildUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        child = services.child_update(
            actor=request.user, child=child, values=values, reason=values.pop("reason")
        )
        return Response(ChildSerializer(child, context=self.get_serializer_context()).data)

    @extend_schema(request=NewbornSerializer, responses={201: NewbornAnswerSerializer})
    @action(detail=False, methods=["post"])
    def newborn(self, request):
        """出生登记 of a newborn without an identity number yet (by 出生医学证明编号)."""
        data = NewbornSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        parent = body_object(
            selectors.persons_visible(request.user), request.user, values.pop("parent")
        )
        person = services.newborn_register(
            actor=request.user, parent=parent, values=values, reason=values.pop("reason", "")
        )
        child = Child.objects.get(person=person)
        return Response({"person": person.uid, "child": child.uid}, status=status.HTTP_201_CREATED)


# --- 婚育证明 -------------------------------------------------------------------------------


class CertificateSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uid", read_only=True)
    verified_how = serializers.ChoiceField(
        choices=FertilityCertificate.Verification.choices, allow_blank=True, read_only=True
    )
    person = _PersonRef(read_only=True)
    issuing_division = serializers.CharField(source="issuing_division_id", allow_null=True)
    verified_by = serializers.CharField(
        source="verified_by.username", allow_null=True, default=None
    )
    verified = serializers.BooleanField(read_only=True)

    class Meta:
        model = FertilityCertificate
        fields = [
            "id",
            "person",
            "number",
            "issuing_division",
            "issuing_authority",
            "issued_on",
            "verified",
            "verified_on",
            "verified_how",
            "verified_by",
            "version",
        ]
        read_only_fields = fields


class CertificateCreateSerializer(serializers.Serializer):
    person = serializers.UUIDField()
    number = serializers.CharField(max_length=40)
    issuing_division = serializers.CharField(required=False, allow_blank=True, max_length=12)
    issuing_authority = serializers.CharField(required=False, allow_blank=True, max_length=100)
    issued_on = serializers.DateField(required=False, allow_null=True)
    verified_on = serializers.DateField(required=False, allow_null=True)
    verified_how = serializers.ChoiceField(
        choices=FertilityCertificate.Verification.choices, required=False, allow_blank=True
    )
    reason = serializers.CharField(required=False, allow_blank=True, max_length=200)


class CertificateVerifySerializer(serializers.Serializer):
    verified_how = serializers.ChoiceField(choices=FertilityCertificate.Verification.choices)
    verified_on = serializers.DateField(required=False, allow_null=True)
    version = edit_version()


class CertificateViewSet(UidLookup, viewsets.GenericViewSet):
    """婚育证明 shown by migrants, and their verification (``?person=<id>``, ``?verified=``)."""

    serializer_class = CertificateSerializer
    pagination_class = ListPagination
    write_action = Action.EDIT_REGISTRY

    def get_queryset(self):
        queryset = selectors.certificates_visible(self.request.user).order_by("-issued_on", "-id")
        person = self.request.query_params.get("person")
        if person:
            found = body_object(
                selectors.persons_visible(self.request.user), self.request.user, person
            )
            queryset = queryset.filter(person=found)
        verified = self.request.query_params.get("verified")
        if verified in ("true", "false"):
            queryset = queryset.filter(verified_on__isnull=verified == "false")
        return queryset

    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(CertificateSerializer(page, many=True).data)

    def retrieve(self, request, id=None):
        return Response(CertificateSerializer(self.get_object()).data)

    @extend_schema(request=CertificateCreateSerializer, responses={201: CertificateSerializer})
    def create(self, request):
        data = CertificateCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        person = body_object(
            selectors.persons_visible(request.user), request.user, values.pop("person")
        )
        cert = services.fertility_certificate_record(
            actor=request.user, person=person, values=values, reason=values.pop("reason", "")
        )
        return Response(CertificateSerializer(cert).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=CertificateVerifySerializer,
        responses={200: CertificateSerializer, 409: ConflictSerializer},
    )
    @action(detail=True, methods=["post"])
    def verify(self, request, id=None):
        cert = self.get_object()
        data = CertificateVerifySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        cert = services.fertility_certificate_verify(
            actor=request.user,
            certificate=cert,
            how=data.validated_data["verified_how"],
            on=data.validated_data.get("verified_on"),
            version=data.validated_data["version"],
        )
        return Response(CertificateSerializer(cert).data)


# --- Pregnancies (health facts) ------------------------------------------------------------


class PregnancySerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uid", read_only=True)
    outcome = serializers.ChoiceField(
        choices=PregnancyOutcome.choices, allow_blank=True, read_only=True
    )
    person = _PersonRef(read_only=True)
    ongoing = serializers.BooleanField(read_only=True)

    class Meta:
        model = Pregnancy
        fields = [
            "id",
            "person",
            "recorded_on",
            "expected_on",
            "ongoing",
            "outcome",
            "outcome_on",
            "version",
        ]
        read_only_fields = fields


class PregnancyCreateSerializer(serializers.Serializer):
    person = serializers.UUIDField()
    recorded_on = serializers.DateField(required=False, allow_null=True)
    expected_on = serializers.DateField(required=False, allow_null=True)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=200)


class PregnancyOutcomeSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=PregnancyOutcome.choices)
    outcome_on = serializers.DateField()
    version = edit_version()
    reason = serializers.CharField(required=False, allow_blank=True, max_length=200)


class PregnancyViewSet(UidLookup, viewsets.GenericViewSet):
    """孕情 (health facts): only with the health right; every read logged."""

    serializer_class = PregnancySerializer
    pagination_class = ListPagination
    write_action = Action.EDIT_REGISTRY

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if not can(request.user, Action.VIEW_HEALTH):
            raise PermissionDenied(_("查看孕情需要“查看健康信息”权限。"))

    def get_queryset(self):
        queryset = scoped(Pregnancy.objects.select_related("person"), self.request.user)
        if self.request.query_params.get("ongoing") == "true":
            queryset = queryset.filter(outcome="")
        return queryset.order_by("-recorded_on", "-id")

    def _log(self, rows) -> None:
        services.pregnancy_rows_read(
            actor=self.request.user,
            rows=list(rows),
            channel=API_CHANNEL,
            purpose=SensitiveAccess.Purpose.SERVICE,
        )

    def list(self, request):
        person_uid = request.query_params.get("person")
        if person_uid:  # one person's, read (and logged) as the person page reads them
            person = body_object(selectors.persons_visible(request.user), request.user, person_uid)
            rows = services.pregnancies_read(
                actor=request.user, persons=[person], channel=API_CHANNEL
            ).get(person.pk, [])
            plain = Pagination()  # a list, not a queryset: the same answer's shape
            shown = plain.paginate_queryset(rows, request, view=self) or []
            return plain.get_paginated_response(PregnancySerializer(shown, many=True).data)
        else:
            page = self.paginate_queryset(self.get_queryset())
            self._log(page)
        return self.get_paginated_response(PregnancySerializer(page, many=True).data)

    def retrieve(self, request, id=None):
        pregnancy = self.get_object()
        self._log([pregnancy])
        return Response(PregnancySerializer(pregnancy).data)

    @extend_schema(request=PregnancyCreateSerializer, responses={201: PregnancySerializer})
    def create(self, request):
        data = PregnancyCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        person: Person = body_object(
            selectors.persons_visible(request.user), request.user, values.pop("person")
        )
        pregnancy = services.pregnancy_record(
            actor=request.user, person=person, values=values, reason=values.pop("reason", "")
        )
        self._log([pregnancy])
        return Response(PregnancySerializer(pregnancy).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=PregnancyOutcomeSerializer,
        responses={200: PregnancySerializer, 409: ConflictSerializer},
    )
    @action(detail=True, methods=["post"])
    def outcome(self, request, id=None):
        pregnancy = self.get_object()
        data = PregnancyOutcomeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        pregnancy = services.pregnancy_outcome(
            actor=request.user,
            pregnancy=pregnancy,
            outcome=values["outcome"],
            outcome_on=values["outcome_on"],
            reason=values.get("reason", ""),
            version=values["version"],
        )
        self._log([pregnancy])
        return Response(PregnancySerializer(pregnancy).data)


# --- On a person: the identity number issued later, 户口性质 ---------------------------------


class IssueIdNumberSerializer(serializers.Serializer):
    id_number = serializers.CharField(max_length=18)
    version = edit_version()
    reason = serializers.CharField(required=False, allow_blank=True, max_length=200)


class HukouNatureSerializer(serializers.Serializer):
    hukou_nature = serializers.ChoiceField(choices=HukouNature.choices, allow_blank=True)
    version = edit_version()
    reason = serializers.CharField(max_length=200)


class PersonFamilyMixin:
    """Actions of ``persons/{id}/`` kept with the families' API: the identity number of a
    newborn registered without one, and 户口性质 (both with history)."""

    def _answer_person(self, person: Person) -> Response:
        return Response(self._show(self._person(person.uid), many=False))  # type: ignore[attr-defined]

    @extend_schema(request=IssueIdNumberSerializer, responses={200: None, 409: ConflictSerializer})
    @action(detail=True, methods=["post"], url_path="issue-id-number")
    def issue_id_number(self, request, id=None):
        """补录身份证号码 of someone registered without one (a newborn)."""
        person = self._person(id)  # type: ignore[attr-defined]
        data = IssueIdNumberSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        person = services.person_issue_id_number(
            actor=request.user,
            person=person,
            id_number=values["id_number"],
            reason=values.get("reason", ""),
            version=values["version"],
        )
        return self._answer_person(person)

    @extend_schema(request=HukouNatureSerializer, responses={200: None, 409: ConflictSerializer})
    @action(detail=True, methods=["post"], url_path="hukou-nature")
    def hukou_nature(self, request, id=None):
        """户口性质 (农业/非农业), kept with its history for benefits."""
        person = self._person(id)  # type: ignore[attr-defined]
        data = HukouNatureSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        person = services.person_set_hukou_nature(
            actor=request.user,
            person=person,
            nature=values["hukou_nature"],
            reason=values["reason"],
            version=values["version"],
        )
        return self._answer_person(person)
