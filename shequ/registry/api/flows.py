"""The API of flows: the flows in the caller's jurisdiction, and POST /flows/ to record a move,
a transfer in, a departure, a death, a cancellation, an outflow or a return."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from shequ.core.api import ListPagination, ListRowSerializer
from shequ.org.roles import Action
from shequ.registry import selectors, services
from shequ.registry.api._common import UidLookup, body_object
from shequ.registry.api.housing import HouseholdCreateSerializer, new_home
from shequ.registry.models import (
    Flow,
    Person,
)


class FlowSerializer(ListRowSerializer):
    id = serializers.UUIDField(source="uid", read_only=True)
    person = serializers.UUIDField(source="person.uid", read_only=True)
    person_name = serializers.CharField(source="person.name", read_only=True)
    unit = serializers.CharField(source="unit_code", read_only=True)
    from_unit = serializers.CharField(source="from_unit_code", read_only=True)
    from_household = serializers.SlugRelatedField(slug_field="uid", read_only=True, allow_null=True)
    to_household = serializers.SlugRelatedField(slug_field="uid", read_only=True, allow_null=True)
    division = serializers.CharField(source="division_id", allow_null=True, read_only=True)
    actor = serializers.CharField(
        source="actor.username", default=None, read_only=True, allow_null=True
    )

    class Meta:
        model = Flow
        fields = [
            "id",
            "person",
            "person_name",
            "kind",
            "date",
            "unit",
            "from_unit",
            "from_household",
            "to_household",
            "division",
            "destination_unknown",
            "address",
            "reason",
            "actor",
            "created_at",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "destination_unknown": {"help_text": _("迁出注销登记为去向不明（division 为空）")}
        }


class FlowKind:
    """The events a client records through POST /flows/ (an arrival is POST /persons/)."""

    MOVE = "move"
    TRANSFER_IN = "transfer_in"
    DEPARTURE = "departure"
    DEATH = "death"
    CANCELLATION = "cancellation"
    OUTFLOW = "outflow"
    RETURN = "return"

    choices = [
        (MOVE, _("市内迁移（辖区内换住址）")),
        (TRANSFER_IN, _("市内迁入（在别处登记的人员迁入本辖区）")),
        (DEPARTURE, _("迁出注销")),
        (DEATH, _("死亡注销")),
        (CANCELLATION, _("误登注销")),
        (OUTFLOW, _("外出登记")),
        (RETURN, _("返回登记")),
    ]


class FlowCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=FlowKind.choices)
    person = serializers.UUIDField(required=False, help_text=_("人员 id；市内迁入可改填 id_number"))
    id_number = serializers.CharField(
        max_length=40, required=False, allow_blank=True, help_text=_("市内迁入：身份证号码")
    )
    name = serializers.CharField(
        max_length=50,
        required=False,
        allow_blank=True,
        help_text=_("市内迁入：身份证上的姓名，须与登记记录相符"),
    )
    date = serializers.DateField(required=False, allow_null=True, help_text=_("误登注销可不填"))
    reason = serializers.CharField(max_length=500, help_text=_("原因，记入历史。"))
    household = serializers.UUIDField(required=False, help_text=_("迁移、迁入：新住户 id"))
    new_home = HouseholdCreateSerializer(
        required=False,
        help_text=_(
            "迁移、迁入：搬入尚未登记的新住户时，代替 household 填写（楼栋 id、门牌号、出租信息）"
        ),
    )
    division = serializers.CharField(
        max_length=12,
        required=False,
        allow_blank=True,
        help_text=_("迁出、外出：去向区划代码（本市以外）；迁出注销为去向不明时不填"),
    )
    address = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default="", help_text=_("去向地址")
    )
    destination_unknown = serializers.BooleanField(
        required=False,
        default=False,
        help_text=_(
            "仅迁出注销（departure）：去向不明时填 true，此时不能填 division；"
            "外出登记必须填写去向地。"
        ),
    )

    def validate(self, attrs):
        kind = attrs["kind"]
        errors = {}
        if kind in (FlowKind.MOVE, FlowKind.TRANSFER_IN):
            if not attrs.get("household") and not attrs.get("new_home"):
                errors["household"] = [_("请选择新住户。")]
            elif attrs.get("household") and attrs.get("new_home"):
                errors["new_home"] = [_("household 和 new_home 只能填写一个。")]
        elif attrs.get("new_home"):
            errors["new_home"] = [_("只有迁移和迁入可以填写新住户。")]
        if kind == FlowKind.TRANSFER_IN:
            if not attrs.get("id_number") and not attrs.get("person"):
                errors["id_number"] = [_("请填写身份证号码。")]
            if attrs.get("id_number") and not (attrs.get("name") or "").strip():
                errors["name"] = [_("请填写身份证上的姓名。")]
        elif not attrs.get("person"):
            errors["person"] = [_("请选择人员。")]
        if attrs.get("destination_unknown") and kind != FlowKind.DEPARTURE:
            errors["destination_unknown"] = [_("只有迁出注销可以登记为去向不明。")]
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


@extend_schema_view(
    create=extend_schema(
        request=FlowCreateSerializer,
        responses={201: FlowSerializer},
        description=(
            "记录一次人口流动：move（辖区内换住址，需 household，或 new_home 搬入新登记的住户）、"
            "transfer_in（在别处登记的人员迁入，需 id_number、name（身份证上的姓名，须与记录相符）"
            "和 household 或 new_home）、"
            "departure（迁出注销，需 division（本市以外），可填 address；去向不明时改填 "
            "destination_unknown: true，不填 division）、"
            "death、cancellation、outflow（外出登记，需 division）、return（返回登记）。"
            "人来登记请用 POST /api/v1/persons/。"
        ),
    )
)
class FlowViewSet(UidLookup, viewsets.GenericViewSet):
    """Arrivals, moves, departures, deaths and cancellations in the caller's jurisdiction."""

    serializer_class = FlowSerializer
    filterset_class = selectors.FlowFilter
    pagination_class = ListPagination
    write_action = Action.EDIT_REGISTRY

    def get_queryset(self):
        user = self.request.user
        return selectors.flows_in_order(
            selectors.flows_visible(user), user, self.request.query_params.get("unit")
        )

    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(FlowSerializer(page, many=True).data)

    def retrieve(self, request, id=None):
        return Response(FlowSerializer(self.get_object()).data)

    def create(self, request):
        data = FlowCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        user, kind = request.user, values["kind"]
        person = None
        if values.get("person") and kind == FlowKind.OUTFLOW:
            # 流出 is the registration place's act: it reaches its people living elsewhere.
            person = selectors.person_for_outflow(user, values["person"])
        elif values.get("person"):
            person = self._person(values["person"])
        household = (
            body_object(selectors.households_visible(user), user, values["household"])
            if values.get("household")
            else new_home(user, values["new_home"])
            if values.get("new_home")
            else None
        )
        common = {"actor": user, "date": values.get("date"), "reason": values["reason"]}
        if kind == FlowKind.TRANSFER_IN:
            # Named by id the record is already in the caller's jurisdiction: nothing to prove.
            by_number = bool(values.get("id_number"))
            person = services.person_transfer_in(
                id_number=values["id_number"] if by_number else person.id_number,
                name=values.get("name", "") if by_number else person.name,
                household=household,
                **common,
            )
        elif kind == FlowKind.MOVE:
            services.person_move(person=person, household=household, **common)
        elif kind == FlowKind.DEPARTURE:
            services.person_depart(
                person=person,
                division=values.get("division") or None,
                address=values["address"],
                destination_unknown=values["destination_unknown"],
                **common,
            )
        elif kind == FlowKind.DEATH:
            services.person_record_death(person=person, **common)
        elif kind == FlowKind.CANCELLATION:
            services.person_cancel(person=person, **common)
        elif kind == FlowKind.OUTFLOW:
            services.person_register_outflow(
                person=person,
                division=values.get("division") or "",
                address=values["address"],
                **common,
            )
        elif kind == FlowKind.RETURN:
            services.person_return(person=person, **common)
        else:  # pragma: no cover — the serializer admits only the kinds above
            raise ValidationError({"kind": [_("未知的流动类型。")]})
        flow = selectors.person_last_flow(user, person)
        return Response(FlowSerializer(flow).data, status=status.HTTP_201_CREATED)

    def _person(self, uid) -> Person:
        return body_object(selectors.persons_visible(self.request.user), self.request.user, uid)
