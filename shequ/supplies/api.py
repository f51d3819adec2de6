"""The supplies' REST API: stock-items (the catalogue), stock-locations (with the actions of
a location: receipts, refills, dispensing, anonymous pick-ups, write-offs, counts, its level
and reconciliation), stock-lots (recall), stock-movements (the ledger, read-only),
stock-levels (current balances, low stock) and requisitions (submit → approve → send →
receive). Viewsets parse, find what the body names inside the jurisdiction (404 outside,
like a missing one) and call one service; every rule is in the services."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from shequ.core.api import ConflictSerializer, ListPagination, edit_version
from shequ.org.models import SensitiveAccess
from shequ.org.roles import Action
from shequ.supplies import selectors, services
from shequ.supplies.models import Balance, Item, ItemKind, Location, Lot, Movement, Requisition

UUID_PATTERN = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"


class UidLookup:
    lookup_field = "uid"
    lookup_url_kwarg = "id"
    lookup_value_regex = UUID_PATTERN


def _item(code: str) -> Item:
    item = Item.objects.filter(code=code).first()
    if item is None:
        raise ValidationError({"item": [_("没有这个品种。")]})
    return item


# --- Serializers -----------------------------------------------------------------------


class ItemSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uid", read_only=True)

    class Meta:
        model = Item
        fields = [
            "id",
            "code",
            "name",
            "kind",
            "unit",
            "clinician_first",
            "low_stock",
            "is_active",
            "version",
        ]
        read_only_fields = fields


class ItemCreateSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=40, help_text=_("小写字母、数字和“-”，建档后不变"))
    name = serializers.CharField(max_length=80)
    kind = serializers.ChoiceField(choices=ItemKind.choices)
    unit = serializers.CharField(max_length=10, help_text=_("盒、只、支、个"))
    clinician_first = serializers.BooleanField(default=False)
    low_stock = serializers.IntegerField(min_value=0, default=20)
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class ItemUpdateSerializer(serializers.Serializer):
    """An edit names the version it was based on and says why; only the fields sent change."""

    version = edit_version()
    reason = serializers.CharField(max_length=200)
    name = serializers.CharField(max_length=80, required=False)
    unit = serializers.CharField(max_length=10, required=False)
    clinician_first = serializers.BooleanField(required=False)
    low_stock = serializers.IntegerField(min_value=0, required=False)


class ItemStateSerializer(serializers.Serializer):
    version = edit_version()
    reason = serializers.CharField(max_length=200)


class ItemHistorySerializer(serializers.Serializer):
    at = serializers.DateTimeField(source="history_date")
    user = serializers.CharField(source="history_user.username", allow_null=True, default=None)
    change = serializers.CharField(source="history_type")
    reason = serializers.CharField(source="history_change_reason", allow_null=True)
    name = serializers.CharField()
    unit = serializers.CharField()
    clinician_first = serializers.BooleanField()
    low_stock = serializers.IntegerField()
    is_active = serializers.BooleanField()
    version = serializers.IntegerField()


class LocationSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uid", read_only=True)
    unit = serializers.CharField(source="unit_code", read_only=True)
    supplier = serializers.SlugRelatedField(slug_field="uid", read_only=True, allow_null=True)

    class Meta:
        model = Location
        fields = ["id", "unit", "name", "kind", "address", "supplier", "is_active"]
        read_only_fields = fields


class LocationCreateSerializer(serializers.Serializer):
    unit = serializers.CharField(max_length=14, help_text=_("所属单位代码"))
    name = serializers.CharField(max_length=80)
    kind = serializers.ChoiceField(choices=Location.Kind.choices)
    address = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    supplier = serializers.UUIDField(required=False, allow_null=True, help_text=_("上级供货点 id"))


class LotSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uid", read_only=True)
    item = serializers.CharField(source="item.code", read_only=True)

    class Meta:
        model = Lot
        fields = ["id", "item", "number", "expiry", "manufacturer", "recalled"]
        read_only_fields = fields


class MovementSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uid", read_only=True)
    location = serializers.UUIDField(source="location.uid", read_only=True)
    location_name = serializers.CharField(source="location.name", read_only=True)
    unit = serializers.CharField(source="unit_code", read_only=True)
    item = serializers.CharField(source="item.code", read_only=True)
    lot = serializers.UUIDField(source="lot.uid", read_only=True)
    lot_number = serializers.CharField(source="lot.number", read_only=True)
    counterpart = serializers.SlugRelatedField(slug_field="uid", read_only=True, allow_null=True)

    class Meta:
        model = Movement
        fields = [
            "id",
            "location",
            "location_name",
            "unit",
            "item",
            "lot",
            "lot_number",
            "kind",
            "quantity",
            "balance",
            "day",
            "at",
            "reason",
            "counterpart",
        ]
        read_only_fields = fields


class LevelSerializer(serializers.ModelSerializer):
    location = serializers.UUIDField(source="location.uid", read_only=True)
    location_name = serializers.CharField(source="location.name", read_only=True)
    unit = serializers.CharField(source="unit_code", read_only=True)
    item = serializers.CharField(source="item.code", read_only=True)
    item_name = serializers.CharField(source="item.name", read_only=True)
    lot = serializers.UUIDField(source="lot.uid", read_only=True)
    lot_number = serializers.CharField(source="lot.number", read_only=True)
    expiry = serializers.DateField(source="lot.expiry", read_only=True)
    recalled = serializers.BooleanField(source="lot.recalled", read_only=True)

    class Meta:
        model = Balance
        fields = [
            "location",
            "location_name",
            "unit",
            "item",
            "item_name",
            "lot",
            "lot_number",
            "expiry",
            "recalled",
            "quantity",
        ]
        read_only_fields = fields


class LowStockSerializer(serializers.Serializer):
    location = serializers.UUIDField(source="location__uid")
    location_name = serializers.CharField(source="location__name")
    unit = serializers.CharField(source="unit_code")
    item = serializers.CharField(source="item__code")
    item_name = serializers.CharField(source="item__name")
    low_stock = serializers.IntegerField(source="item__low_stock")
    usable = serializers.IntegerField()


class QuantitySerializer(serializers.Serializer):
    item = serializers.CharField(max_length=40, help_text=_("品种编码"))
    quantity = serializers.IntegerField(min_value=1)
    day = serializers.DateField(required=False, allow_null=True, default=None)


class ReceiptSerializer(QuantitySerializer):
    lot_number = serializers.CharField(max_length=40)
    expiry = serializers.DateField()
    manufacturer = serializers.CharField(
        max_length=80, required=False, allow_blank=True, default=""
    )


class RefillSerializer(QuantitySerializer):
    source = serializers.UUIDField(help_text=_("补货来源地点 id"))


class PickupSerializer(QuantitySerializer):
    reference = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("机器报表或邮寄单号"),
    )


class DispenseSerializer(QuantitySerializer):
    person = serializers.UUIDField(help_text=_("领取人 id"))
    update_fact = serializers.BooleanField(
        default=False, help_text=_("本人同意时，把节育措施登记为该药具对应的方法")
    )
    lot = serializers.UUIDField(required=False, allow_null=True, default=None)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class DispensedSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="dispensing.uid")
    fact_updated = serializers.BooleanField()
    movements = MovementSerializer(many=True)


class WriteOffSerializer(serializers.Serializer):
    lot = serializers.UUIDField()
    quantity = serializers.IntegerField(min_value=1)
    reason = serializers.CharField(max_length=200)


class CountLineSerializer(serializers.Serializer):
    lot = serializers.UUIDField()
    counted = serializers.IntegerField(min_value=0)
    explanation = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default=""
    )


class CountSerializer(serializers.Serializer):
    day = serializers.DateField(required=False, allow_null=True, default=None)
    lines = CountLineSerializer(many=True)


class CountedSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="uid")
    day = serializers.DateField()
    lines = serializers.SerializerMethodField()

    def get_lines(self, count) -> list[dict]:
        return [
            {
                "lot": str(line.lot.uid),
                "booked": line.booked,
                "counted": line.counted,
                "variance": line.variance,
                "explanation": line.explanation,
            }
            for line in count.lines.select_related("lot")
        ]


class LevelOfSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    usable = serializers.IntegerField()


class ReconciliationSerializer(serializers.Serializer):
    lot = serializers.CharField()
    item = serializers.CharField()
    books = serializers.IntegerField()
    ledger = serializers.IntegerField()
    movements = serializers.IntegerField()
    counted = serializers.IntegerField(allow_null=True)
    agree = serializers.BooleanField()


# --- Catalogue, locations, lots ------------------------------------------------------


class ItemViewSet(UidLookup, viewsets.GenericViewSet):
    """The catalogue of free contraceptives (reference data, the same for everyone): kept
    by district stock keepers — add, edit with a reason, retire and bring back, history."""

    serializer_class = ItemSerializer
    pagination_class = None
    filterset_class = None
    write_action = Action.KEEP_STOCK

    def get_queryset(self):
        return selectors.items()

    def list(self, request):
        return Response(ItemSerializer(self.get_queryset(), many=True).data)

    def retrieve(self, request, id=None):
        return Response(ItemSerializer(selectors.item_get(id)).data)

    @extend_schema(request=ItemCreateSerializer, responses={201: ItemSerializer})
    def create(self, request):
        data = ItemCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        item = services.item_create(actor=request.user, **data.validated_data)
        return Response(ItemSerializer(item).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=ItemUpdateSerializer, responses={200: ItemSerializer, 409: ConflictSerializer}
    )
    def partial_update(self, request, id=None):
        data = ItemUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        item = services.item_update(
            actor=request.user,
            item=selectors.item_get(id),
            version=values.pop("version"),
            reason=values.pop("reason"),
            values=values,
        )
        return Response(ItemSerializer(item).data)

    def _set_active(self, request, id, active: bool) -> Response:
        data = ItemStateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        item = services.item_set_active(
            actor=request.user, item=selectors.item_get(id), active=active, **data.validated_data
        )
        return Response(ItemSerializer(item).data)

    @extend_schema(
        request=ItemStateSerializer, responses={200: ItemSerializer, 409: ConflictSerializer}
    )
    @action(detail=True, methods=["post"])
    def retire(self, request, id=None):
        """停用: no receipts, requisitions or dispensings of it from now on (reason kept)."""
        return self._set_active(request, id, False)

    @extend_schema(
        request=ItemStateSerializer, responses={200: ItemSerializer, 409: ConflictSerializer}
    )
    @action(detail=True, methods=["post"])
    def restore(self, request, id=None):
        """Bring a retired item back into use (reason kept)."""
        return self._set_active(request, id, True)

    @extend_schema(responses=ItemHistorySerializer(many=True), filters=False)
    @action(detail=True, methods=["get"])
    def history(self, request, id=None):
        """Every version of the item: who, when, why."""
        rows = selectors.item_history(selectors.item_get(id))
        return Response(ItemHistorySerializer(rows, many=True).data)


class LocationViewSet(UidLookup, viewsets.GenericViewSet):
    """Stores, service rooms, fixed points, machines and postal desks in the jurisdiction."""

    serializer_class = LocationSerializer
    filterset_class = selectors.LocationFilter
    write_action = Action.KEEP_STOCK
    write_actions = {"dispensings": Action.DISPENSE_SUPPLIES, "pickups": Action.DISPENSE_SUPPLIES}

    def get_queryset(self):
        return selectors.locations_visible(self.request.user).order_by("unit_code", "name", "id")

    def _location(self, id) -> Location:
        return selectors.location_get(self.request.user, id)

    def _body(self, serializer_class):
        data = serializer_class(data=self.request.data)
        data.is_valid(raise_exception=True)
        return dict(data.validated_data)

    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(LocationSerializer(page, many=True).data)

    def retrieve(self, request, id=None):
        return Response(LocationSerializer(self._location(id)).data)

    @extend_schema(request=LocationCreateSerializer, responses={201: LocationSerializer})
    def create(self, request):
        values = self._body(LocationCreateSerializer)
        supplier = values.pop("supplier", None)
        if supplier:
            supplier = selectors.supplier_get(request.user, supplier)
        location = services.location_create(
            actor=request.user, unit_code=values.pop("unit"), supplier=supplier, **values
        )
        return Response(LocationSerializer(location).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[OpenApiParameter("item", str, required=True, description="品种编码")],
        responses=LevelOfSerializer,
        filters=False,
    )
    @action(detail=True, methods=["get"])
    def level(self, request, id=None):
        """The stock of one item here: all, and what may be given out."""
        location = self._location(id)
        code = request.query_params.get("item", "")
        return Response(selectors.stock_level(location, _item(code)))

    @extend_schema(responses=ReconciliationSerializer(many=True), filters=False)
    @action(detail=True, methods=["get"], pagination_class=None)
    def reconciliation(self, request, id=None):
        """帐帐相符, 帐物相符: per lot, the books, the ledger, the movements and the last count."""
        rows = selectors.reconciliation(self._location(id))
        return Response(ReconciliationSerializer(rows, many=True).data)

    @extend_schema(request=ReceiptSerializer, responses={201: MovementSerializer})
    @action(detail=True, methods=["post"])
    def receipts(self, request, id=None):
        """A receipt from the allocation above (a new lot is made on its first receipt)."""
        location = self._location(id)
        values = self._body(ReceiptSerializer)
        movement = services.stock_receive(
            actor=request.user, location=location, item=_item(values.pop("item")), **values
        )
        return Response(MovementSerializer(movement).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=RefillSerializer, responses={201: MovementSerializer(many=True)})
    @action(detail=True, methods=["post"])
    def refills(self, request, id=None):
        """Fill this self-service machine from a store (first expiry first out)."""
        machine = self._location(id)
        values = self._body(RefillSerializer)
        source = self._location(values["source"])
        moved = services.machine_refill(
            actor=request.user,
            machine=machine,
            source=source,
            item=_item(values["item"]),
            quantity=values["quantity"],
            day=values["day"],
        )
        return Response(MovementSerializer(moved, many=True).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=PickupSerializer, responses={201: MovementSerializer(many=True)})
    @action(detail=True, methods=["post"])
    def pickups(self, request, id=None):
        """Anonymous pick-ups at this machine, or postal orders shipped: a count only."""
        location = self._location(id)
        values = self._body(PickupSerializer)
        moved = services.anonymous_pickup(
            actor=request.user, location=location, item=_item(values.pop("item")), **values
        )
        return Response(MovementSerializer(moved, many=True).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=DispenseSerializer, responses={201: DispensedSerializer})
    @action(detail=True, methods=["post"])
    def dispensings(self, request, id=None):
        """Give supplies to a named person (caps and intervals apply; a service record on
        the person's file; the fact is updated only with ``update_fact``)."""
        location = self._location(id)
        values = self._body(DispenseSerializer)
        person = selectors.person_for_dispensing(request.user, values.pop("person"))
        lot_uid = values.pop("lot")
        lot = selectors.lot_get(request.user, lot_uid) if lot_uid else None
        done = services.dispense(
            actor=request.user,
            location=location,
            person=person,
            item=_item(values.pop("item")),
            lot=lot,
            channel=SensitiveAccess.Channel.API,
            **values,
        )
        return Response(DispensedSerializer(done).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=WriteOffSerializer, responses={201: MovementSerializer})
    @action(detail=True, methods=["post"], url_path="write-offs")
    def write_offs(self, request, id=None):
        """报损 with its reason."""
        location = self._location(id)
        values = self._body(WriteOffSerializer)
        lot = selectors.lot_get(request.user, values.pop("lot"))
        movement = services.stock_write_off(
            actor=request.user, location=location, lot=lot, **values
        )
        return Response(MovementSerializer(movement).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=CountSerializer, responses={201: CountedSerializer})
    @action(detail=True, methods=["post"])
    def counts(self, request, id=None):
        """A physical count: each lot's counted quantity; a variance needs its explanation."""
        location = self._location(id)
        values = self._body(CountSerializer)
        lines = [
            services.Counted(
                selectors.lot_get(request.user, line["lot"]), line["counted"], line["explanation"]
            )
            for line in values["lines"]
        ]
        count = services.stock_count(
            actor=request.user, location=location, lines=lines, day=values["day"]
        )
        return Response(CountedSerializer(count).data, status=status.HTTP_201_CREATED)


class RecallSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200)


class LotViewSet(UidLookup, viewsets.GenericViewSet):
    """Lots held in the jurisdiction, with expiry and recall."""

    serializer_class = LotSerializer
    filterset_class = None
    write_action = Action.KEEP_STOCK

    def get_queryset(self):
        return selectors.lots_visible(self.request.user).order_by("expiry", "number", "id")

    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(LotSerializer(page, many=True).data)

    def retrieve(self, request, id=None):
        return Response(LotSerializer(selectors.lot_get(request.user, id)).data)

    @extend_schema(request=RecallSerializer, responses=LotSerializer)
    @action(detail=True, methods=["post"])
    def recall(self, request, id=None):
        """Recall a lot: it is never given out or sent again."""
        lot = selectors.lot_get(request.user, id)
        data = RecallSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.lot_recall(actor=request.user, lot=lot, reason=data.validated_data["reason"])
        return Response(LotSerializer(lot).data)


class MovementViewSet(UidLookup, viewsets.ReadOnlyModelViewSet):
    """The ledger: every movement (append-only), with the balance after it."""

    serializer_class = MovementSerializer
    filterset_class = selectors.MovementFilter
    pagination_class = ListPagination

    def get_queryset(self):
        return selectors.movements_visible(self.request.user).order_by("-id")


class LevelViewSet(viewsets.GenericViewSet):
    """Current stock per location × item × lot (zero rows with ``empty=true``)."""

    serializer_class = LevelSerializer
    filterset_class = selectors.LevelFilter

    def get_queryset(self):
        return selectors.levels_visible(self.request.user).order_by(
            "unit_code", "location_id", "item_id", "lot__expiry", "id"
        )

    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(LevelSerializer(page, many=True).data)

    @extend_schema(responses=LowStockSerializer(many=True), filters=False)
    @action(detail=False, methods=["get"])
    def low(self, request):
        """Location × item under the item's low-stock line (usable stock only)."""
        page = self.paginate_queryset(selectors.low_stock(request.user))
        return self.get_paginated_response(LowStockSerializer(page, many=True).data)


class ReportQuerySerializer(serializers.Serializer):
    unit = serializers.CharField(max_length=14, help_text=_("单位代码（街道、社区……）"))
    since = serializers.DateField()
    until = serializers.DateField()

    def validate(self, data):
        if data["since"] > data["until"]:
            raise serializers.ValidationError({"until": [_("截止日期不能早于起始日期。")]})
        return data


class ReportRowSerializer(serializers.Serializer):
    location = serializers.CharField()
    location_kind = serializers.CharField()
    unit_code = serializers.CharField()
    item = serializers.CharField()
    unit = serializers.CharField()
    received = serializers.IntegerField()
    given = serializers.IntegerField()
    other_out = serializers.IntegerField()
    balance = serializers.IntegerField()


class RateSerializer(serializers.Serializer):
    numerator = serializers.IntegerField()
    denominator = serializers.IntegerField()
    value = serializers.FloatField(allow_null=True, help_text=_("百分比，一位小数"))
    target = serializers.FloatField(allow_null=True)
    met = serializers.BooleanField(allow_null=True)


class ReportSerializer(serializers.Serializer):
    unit = serializers.CharField()
    since = serializers.DateField()
    until = serializers.DateField()
    rows = ReportRowSerializer(many=True)
    supply_rate = RateSerializer()
    follow_up_rate = RateSerializer()
    key_group_follow_up_rate = RateSerializer()


def _rate(done: int, due: int, value, target=None, met=None) -> dict:
    return {"numerator": done, "denominator": due, "value": value, "target": target, "met": met}


class ReportViewSet(viewsets.GenericViewSet):
    """A unit's stock report for a period (收发存) with its supply and follow-up rates, as
    on the report page."""

    serializer_class = ReportSerializer
    filterset_class = None
    pagination_class = None

    def get_queryset(self):
        return Balance.objects.none()  # the schema's model; the figures come from selectors

    @extend_schema(parameters=[ReportQuerySerializer], responses=ReportSerializer, filters=False)
    def list(self, request):
        query = ReportQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        unit, since, until = (query.validated_data[k] for k in ("unit", "since", "until"))
        selectors.report_unit_get(request.user, unit)
        rates = selectors.unit_rates(request.user, unit, since, until)
        answer = {
            "unit": unit,
            "since": since,
            "until": until,
            "rows": selectors.stock_report(request.user, unit, since, until),
            "supply_rate": _rate(
                rates.supply.supplied, rates.supply.users, rates.supply.supply_rate
            ),
            "follow_up_rate": _rate(
                rates.follow_up_done,
                rates.follow_up_due,
                rates.follow_up_rate,
                rates.follow_up_target,
                rates.follow_up_met,
            ),
            "key_group_follow_up_rate": _rate(
                rates.key_group_done,
                rates.key_group_due,
                rates.key_group_rate,
                rates.key_group_target,
                rates.key_group_met,
            ),
        }
        return Response(ReportSerializer(answer).data)


# --- Requisitions --------------------------------------------------------------------


class RequisitionLineSerializer(serializers.Serializer):
    item = serializers.CharField(source="item.code")
    requested = serializers.IntegerField(min_value=1)
    approved = serializers.IntegerField(allow_null=True, read_only=True)


class RequisitionSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uid", read_only=True)
    location = serializers.UUIDField(source="location.uid", read_only=True)
    location_name = serializers.CharField(source="location.name", read_only=True)
    supplier = serializers.UUIDField(source="supplier.uid", read_only=True)
    supplier_name = serializers.CharField(source="supplier.name", read_only=True)
    unit = serializers.CharField(source="unit_code", read_only=True)
    lines = RequisitionLineSerializer(many=True, read_only=True)

    class Meta:
        model = Requisition
        fields = [
            "id",
            "location",
            "location_name",
            "supplier",
            "supplier_name",
            "unit",
            "status",
            "note",
            "decision_reason",
            "lines",
            "version",
            "created_at",
            "decided_at",
            "sent_at",
            "received_at",
        ]
        read_only_fields = fields


class RequisitionCreateSerializer(serializers.Serializer):
    location = serializers.UUIDField(help_text=_("申领点 id"))
    lines = inline_serializer(
        "RequisitionCreateLine",
        {
            "item": serializers.CharField(max_length=40),
            "requested": serializers.IntegerField(min_value=1),
        },
        many=True,
    )
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class RequisitionStepSerializer(serializers.Serializer):
    version = edit_version()
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class RequisitionApproveSerializer(RequisitionStepSerializer):
    approved = inline_serializer(
        "RequisitionApprovedLine",
        {
            "item": serializers.CharField(max_length=40),
            "approved": serializers.IntegerField(min_value=0),
        },
        many=True,
        required=False,
        help_text=_("批准数量（不填则按申领数量）"),
    )


def _step_action(step: str, doc: str, body=RequisitionStepSerializer):
    """One workflow step as an API action: parse the body, take the step through
    ``services.requisition_step`` (the pages' entry too), answer the requisition now."""

    def take(self, request, id=None):
        data = body(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        requisition = self._requisition(id)
        approved = {_item(line["item"]).pk: line["approved"] for line in values.pop("approved", [])}
        services.requisition_step(
            actor=request.user,
            requisition=requisition,
            step=step,
            approved=approved,
            **values,
        )
        return self._answer(requisition)

    take.__name__ = step  # the route's name and path (DRF reads it when decorating)
    take.__doc__ = doc
    take = action(detail=True, methods=["post"])(take)
    return extend_schema(
        request=body, responses={200: RequisitionSerializer, 409: ConflictSerializer}
    )(take)


class RequisitionViewSet(UidLookup, viewsets.GenericViewSet):
    """申领单 of the jurisdiction's locations and those sent to its stores."""

    serializer_class = RequisitionSerializer
    filterset_class = selectors.RequisitionFilter
    write_action = Action.KEEP_STOCK

    def get_queryset(self):
        return selectors.requisitions_visible(self.request.user).order_by("-id")

    def _requisition(self, id) -> Requisition:
        return selectors.requisition_get(self.request.user, id)

    def _answer(self, requisition, code=status.HTTP_200_OK) -> Response:
        fresh = self._requisition(requisition.uid)
        return Response(RequisitionSerializer(fresh).data, status=code)

    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(RequisitionSerializer(page, many=True).data)

    def retrieve(self, request, id=None):
        return Response(RequisitionSerializer(self._requisition(id)).data)

    @extend_schema(request=RequisitionCreateSerializer, responses={201: RequisitionSerializer})
    def create(self, request):
        data = RequisitionCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        location = selectors.location_get(request.user, data.validated_data["location"])
        lines = {_item(line["item"]): line["requested"] for line in data.validated_data["lines"]}
        requisition = services.requisition_submit(
            actor=request.user, location=location, lines=lines, note=data.validated_data["note"]
        )
        return self._answer(requisition, status.HTTP_201_CREATED)

    approve = _step_action(
        "approve",
        "The supplier approves (fewer than asked per item, if it must).",
        RequisitionApproveSerializer,
    )
    reject = _step_action("reject", "The supplier refuses, with its reason.")
    send = _step_action("send", "The supplier sends what it approved (first expiry first out).")
    receive = _step_action("receive", "The requester signs for what arrived.")
    cancel = _step_action(
        "cancel", "The requester withdraws it (before it is sent), with a reason."
    )


def register_api(router) -> None:
    """Add the supplies' endpoints to the API router."""
    router.register("stock-items", ItemViewSet, basename="stock-item")
    router.register("stock-locations", LocationViewSet, basename="stock-location")
    router.register("stock-lots", LotViewSet, basename="stock-lot")
    router.register("stock-movements", MovementViewSet, basename="stock-movement")
    router.register("stock-levels", LevelViewSet, basename="stock-level")
    router.register("requisitions", RequisitionViewSet, basename="requisition")
    router.register("stock-reports", ReportViewSet, basename="stock-report")
