"""Shapes of the registry API: what a client reads and what it may send.

Serializers parse and present; every rule (validation across fields, duplicates, scope,
population type) lives in the services. Public ids are the models' ``uid`` as ``id``.
What the caller's role may see is decided by the viewset and passed in the context:
``reveal_id_number`` (full identity numbers) and ``view_health`` (contraception); without
them the number is masked and the health facts are null.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from shequ.core.identifiers import mask_id_number
from shequ.org.models import Division, SensitiveAccess
from shequ.registry.models import (
    ETHNICITY_CHOICES,
    Building,
    Check,
    Child,
    Contraception,
    Education,
    Employment,
    Flow,
    FlowInReason,
    Household,
    MaritalStatus,
    Person,
    Relation,
    Sex,
)

# --- Reference data ----------------------------------------------------------------------


class DivisionSerializer(serializers.ModelSerializer):
    parent = serializers.CharField(source="parent_id", allow_null=True, read_only=True)

    class Meta:
        model = Division
        fields = ["code", "name", "level", "parent", "full_name"]
        read_only_fields = fields


# --- Housing -----------------------------------------------------------------------------


class BuildingSerializer(serializers.ModelSerializer):
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


class HouseholdSerializer(serializers.ModelSerializer):
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
            "is_active",
            "member_count",
            "created_at",
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


class HouseholdCreateSerializer(_RentSerializer):
    building = serializers.UUIDField(help_text=_("楼栋 id"))
    number = serializers.CharField(max_length=40)


class HouseholdUpdateSerializer(_RentSerializer):
    """Only the fields sent change."""

    number = serializers.CharField(max_length=40, required=False)
    reason = serializers.CharField(max_length=500, help_text=_("变更原因，记入历史。"))


# --- People ------------------------------------------------------------------------------


class ChildSerializer(serializers.ModelSerializer):
    class Meta:
        model = Child
        fields = ["order", "birth_date", "sex", "name"]
        read_only_fields = fields


class ChildInputSerializer(serializers.Serializer):
    order = serializers.IntegerField(min_value=1, max_value=20)
    birth_date = serializers.DateField()
    sex = serializers.ChoiceField(choices=Sex.choices)
    name = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")


class PersonSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uid", read_only=True)
    id_number = serializers.SerializerMethodField(
        help_text=_("公民身份号码；角色无权查看时打码（340602********1234）")
    )
    unit = serializers.CharField(source="unit_id", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    household = serializers.SlugRelatedField(slug_field="uid", read_only=True, allow_null=True)
    hukou_division = serializers.CharField(source="hukou_division_id", read_only=True)
    hukou_division_name = serializers.CharField(source="hukou_division.full_name", read_only=True)
    contraception = serializers.SerializerMethodField(
        help_text=_("节育措施；未登记或角色无权查看健康信息时为 null")
    )
    contraception_since = serializers.SerializerMethodField()
    # Blank when not recorded. Declared because DRF drops allow_blank from read-only model
    # fields, and the schema's enums would then refuse the "" the answers carry.
    education = serializers.ChoiceField(choices=Education.choices, allow_blank=True, read_only=True)
    relation = serializers.ChoiceField(choices=Relation.choices, allow_blank=True, read_only=True)
    employment = serializers.ChoiceField(
        choices=Employment.choices, allow_blank=True, read_only=True
    )
    flow_in_reason = serializers.ChoiceField(
        choices=FlowInReason.choices, allow_blank=True, read_only=True
    )
    flow_out_division = serializers.CharField(
        source="flow_out_division_id", allow_null=True, read_only=True
    )
    eight_clear_missing = serializers.SerializerMethodField(
        help_text=_("流动人口“八个清楚”尚缺的项目")
    )
    children = ChildSerializer(many=True, read_only=True)

    class Meta:
        model = Person
        fields = [
            "id",
            "id_number",
            "name",
            "sex",
            "birth_date",
            "ethnicity",
            "phone",
            "education",
            "population_type",
            "status",
            "unit",
            "unit_name",
            "household",
            "relation",
            "hukou_division",
            "hukou_division_name",
            "hukou_address",
            "marital_status",
            "marriage_date",
            "children_count",
            "contraception",
            "contraception_since",
            "employment",
            "employer_name",
            "flow_in_date",
            "flow_in_reason",
            "flow_out_date",
            "flow_out_division",
            "flow_out_address",
            "ended_on",
            "end_reason",
            "last_monthly_check",
            "last_quarterly_verification",
            "eight_clear_missing",
            "children",
            "registered_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_id_number(self, person: Person) -> str:
        if self.context.get("reveal_id_number"):
            return person.id_number
        return mask_id_number(person.id_number)

    @extend_schema_field(
        serializers.ChoiceField(choices=Contraception.choices, allow_null=True, read_only=True)
    )
    def get_contraception(self, person: Person) -> str | None:
        if not self.context.get("view_health"):
            return None
        return person.contraception or None

    @extend_schema_field(serializers.DateField(allow_null=True, read_only=True))
    def get_contraception_since(self, person: Person):
        return person.contraception_since if self.context.get("view_health") else None

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_eight_clear_missing(self, person: Person) -> list[str]:
        return [key for key in person.eight_clear_missing.split(",") if key]


class _PersonFactsSerializer(serializers.Serializer):
    # Presence and consistency are checked by the registry's validation (the same as the
    # form's and the import's), so one request reports every problem at once.

    id_number = serializers.CharField(
        max_length=40, required=False, allow_blank=True, help_text=_("必填（登记时）")
    )
    name = serializers.CharField(
        max_length=60, required=False, allow_blank=True, help_text=_("必填（登记时）")
    )
    sex = serializers.ChoiceField(
        choices=Sex.choices, required=False, allow_blank=True, help_text=_("空则取自身份证号码")
    )
    birth_date = serializers.DateField(
        required=False, allow_null=True, help_text=_("空则取自身份证号码")
    )
    ethnicity = serializers.ChoiceField(choices=ETHNICITY_CHOICES, required=False)
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True)
    education = serializers.ChoiceField(choices=Education.choices, required=False, allow_blank=True)
    hukou_division = serializers.CharField(
        max_length=12,
        required=False,
        allow_blank=True,
        help_text=_("户籍地 12 位区划代码；必填（登记时）"),
    )
    hukou_address = serializers.CharField(max_length=200, required=False, allow_blank=True)
    relation = serializers.ChoiceField(choices=Relation.choices, required=False, allow_blank=True)
    marital_status = serializers.ChoiceField(
        choices=MaritalStatus.choices,
        required=False,
        allow_blank=True,
        help_text=_("必填（登记时）"),
    )
    marriage_date = serializers.DateField(required=False, allow_null=True)
    children_count = serializers.IntegerField(required=False, allow_null=True)
    contraception = serializers.ChoiceField(
        choices=Contraception.choices, required=False, allow_blank=True
    )
    contraception_since = serializers.DateField(required=False, allow_null=True)
    employment = serializers.ChoiceField(
        choices=Employment.choices, required=False, allow_blank=True
    )
    employer_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    flow_in_date = serializers.DateField(required=False, allow_null=True)
    flow_in_reason = serializers.ChoiceField(
        choices=FlowInReason.choices, required=False, allow_blank=True
    )
    children = ChildInputSerializer(
        many=True, required=False, help_text=_("子女（孩次、出生日期、性别、姓名）；更新时整体替换")
    )

    def facts(self) -> dict:
        """The person's values the client sent (without children, household and reason)."""
        skip = {"children", "household", "reason"}
        return {k: v for k, v in self.validated_data.items() if k not in skip}

    def children_or_none(self) -> list[dict] | None:
        children = self.validated_data.get("children")
        return [dict(child) for child in children] if children is not None else None


class PersonCreateSerializer(_PersonFactsSerializer):
    household = serializers.UUIDField(help_text=_("现居住户 id"))
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class PersonUpdateSerializer(_PersonFactsSerializer):
    reason = serializers.CharField(max_length=500, help_text=_("变更原因，记入历史。"))

    # Where a person lives and whether they are in the registry change through events.
    _BY_FLOW = ("household", "unit", "status", "population_type")

    def validate(self, attrs):
        sent = [key for key in self._BY_FLOW if key in self.initial_data]
        if sent:
            raise serializers.ValidationError(
                {
                    key: [_("住址和在册状态通过 POST /api/v1/flows/ 办理（迁移、迁出、注销等）。")]
                    for key in sent
                }
            )
        return attrs


class HistoryChangeSerializer(serializers.Serializer):
    field = serializers.CharField()
    old = serializers.JSONField(allow_null=True)
    new = serializers.JSONField(allow_null=True)


class PersonHistorySerializer(serializers.Serializer):
    history_date = serializers.DateTimeField()
    history_user = serializers.CharField(allow_null=True, help_text=_("操作人用户名"))
    history_type = serializers.ChoiceField(
        choices=[("+", _("建档")), ("~", _("修改")), ("-", _("删除"))]
    )
    history_change_reason = serializers.CharField(allow_null=True)
    changes = HistoryChangeSerializer(many=True)


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


class RevealRequestSerializer(serializers.Serializer):
    purpose = serializers.ChoiceField(
        choices=SensitiveAccess.Purpose.choices, help_text=_("查看目的，记入敏感信息查看记录")
    )


class RevealResponseSerializer(serializers.Serializer):
    id_number = serializers.CharField()


# --- Flows -------------------------------------------------------------------------------


class FlowSerializer(serializers.ModelSerializer):
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
        if kind in (FlowKind.MOVE, FlowKind.TRANSFER_IN) and not attrs.get("household"):
            errors["household"] = [_("请选择新住户。")]
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
