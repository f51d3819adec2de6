"""The person API's serializers: a person as a list row and in whole, registration and
correction bodies, history, the reveal of an identity number and the search by one.

What the caller's role may see arrives in the serializer's context (``full_birth``,
``view_health``), decided by the viewset (``api/people.py``); identity numbers are always
masked here."""

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import (
    extend_schema_field,
    extend_schema_serializer,
)
from rest_framework import serializers

from shequ.core.api import ListRowSerializer, edit_version
from shequ.core.identifiers import mask_id_number
from shequ.org.models import SensitiveAccess
from shequ.registry.api.housing import HouseholdCreateSerializer
from shequ.registry.disclosure import age_shown
from shequ.registry.models import (
    ETHNICITY_CHOICES,
    Child,
    Contraception,
    Education,
    Employment,
    FlowInReason,
    HukouNature,
    MaritalStatus,
    Person,
    Relation,
    Sex,
)


# A person's children in brief; the children resource (api/families.py) has the full "Child".
@extend_schema_serializer(component_name="PersonChild")
class ChildSerializer(ListRowSerializer):
    birth_date = serializers.SerializerMethodField(
        help_text=_("出生日期；无权查看完整身份证号的角色为 null（见 birth_year）")
    )
    birth_year = serializers.IntegerField(source="birth_date.year", read_only=True)

    class Meta:
        model = Child
        fields = ["order", "birth_date", "birth_year", "sex", "name"]
        read_only_fields = fields

    @extend_schema_field(serializers.DateField(allow_null=True, read_only=True))
    def get_birth_date(self, child: Child):
        return child.birth_date if self.context.get("full_birth") else None


class ChildInputSerializer(serializers.Serializer):
    order = serializers.IntegerField(min_value=1, max_value=20)
    birth_date = serializers.DateField()
    sex = serializers.ChoiceField(choices=Sex.choices)
    name = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")


_DATETIME = serializers.DateTimeField()  # in the site's time zone, as DRF writes them


def _date(value) -> str | None:
    return None if value is None else value.isoformat()


# The list's children, read in one query into a plain list on each person: a prefetch
# into ``person.children`` makes a queryset for every person (~3 ms for a page of 50).
CHILDREN_LISTED = Prefetch("children", to_attr="children_listed")


def _children(person: Person) -> list[Child]:
    """The person's children: the list's prefetched ones, else read."""
    listed = getattr(person, CHILDREN_LISTED.to_attr, None)
    return listed if listed is not None else list(person.children.all())


@extend_schema_field(
    {
        "type": "string",
        "enum": [*Relation.values, ""],
        "readOnly": True,
        "deprecated": True,
        "description": "已弃用（只读）：与户主关系，取自此人当前所在户籍户的成员关系，"
        "不在户籍户中为空。请改用 registered-households 的成员（members）。",
    }
)
class _RelationField(serializers.ChoiceField):
    """与户主关系 as the 户口簿 says: kept in the answers so that clients keep working, marked
    deprecated in the schema (the membership is the one place it is written)."""


class PersonSerializer(ListRowSerializer):
    id = serializers.UUIDField(source="uid", read_only=True)
    id_number = serializers.SerializerMethodField(
        help_text=_(
            "公民身份号码，一律打码（340*************34）；完整号码经 reveal 按目的查看并记录"
        )
    )
    birth_date = serializers.SerializerMethodField(
        help_text=_("出生日期；无权查看完整身份证号的角色为 null，只给 birth_year 和 age")
    )
    birth_year = serializers.IntegerField(source="birth_date.year", read_only=True)
    age = serializers.SerializerMethodField(
        help_text=_("周岁；无权查看完整身份证号的角色为今年满的岁数（今年 − 出生年份）")
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
    relation = _RelationField(
        source="current_relation",
        choices=Relation.choices,
        allow_blank=True,
        read_only=True,
        help_text=_(
            "已弃用（只读）：与户主关系，取自此人当前所在户籍户的成员关系（不在户籍户中为空）；"
            "请改用 registered-households 的成员。"
        ),
    )
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
    hukou_nature = serializers.ChoiceField(
        choices=HukouNature.choices, allow_blank=True, read_only=True
    )

    class Meta:
        model = Person
        fields = [
            "id",
            "id_number",
            "name",
            "sex",
            "birth_date",
            "birth_year",
            "age",
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
            "hukou_nature",
            "birth_certificate_number",
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
            "version",
        ]
        read_only_fields = fields

    def to_representation(self, person: Person) -> dict:
        """The fields above, read directly: DRF's generic reading (building the fields on
        each request, a queryset per person for the children) was two thirds of a 50-row
        list's serializing. ``tests/registry/test_api_person_rows.py`` checks it gives what
        the generic reading gives, for every field; a new field goes in both places."""
        full_birth = bool(self.context.get("full_birth"))
        view_health = bool(self.context.get("view_health"))
        birth = person.birth_date
        unit = person.unit
        household = person.household
        hukou_division = person.hukou_division
        return {
            "id": str(person.uid),
            "id_number": mask_id_number(person.id_number),
            "name": person.name,
            "sex": person.sex,
            "birth_date": birth if full_birth else None,
            "birth_year": birth.year,
            "age": age_shown(birth, timezone.localdate(), full=full_birth),
            "ethnicity": person.ethnicity,
            "phone": person.phone,
            "education": person.education,
            "population_type": person.population_type,
            "status": person.status,
            "unit": person.unit_id,
            "unit_name": unit.name,
            "household": household.uid if household is not None else None,
            "relation": person.current_relation,
            "hukou_division": person.hukou_division_id,
            "hukou_division_name": hukou_division.full_name if hukou_division else None,
            "hukou_address": person.hukou_address,
            "hukou_nature": person.hukou_nature,
            "birth_certificate_number": person.birth_certificate_number,
            "marital_status": person.marital_status,
            "marriage_date": _date(person.marriage_date),
            "children_count": person.children_count,
            "contraception": (person.contraception or None) if view_health else None,
            "contraception_since": person.contraception_since if view_health else None,
            "employment": person.employment,
            "employer_name": person.employer_name,
            "flow_in_date": _date(person.flow_in_date),
            "flow_in_reason": person.flow_in_reason,
            "flow_out_date": _date(person.flow_out_date),
            "flow_out_division": person.flow_out_division_id,
            "flow_out_address": person.flow_out_address,
            "ended_on": _date(person.ended_on),
            "end_reason": person.end_reason,
            "last_monthly_check": _date(person.last_monthly_check),
            "last_quarterly_verification": _date(person.last_quarterly_verification),
            "eight_clear_missing": self.get_eight_clear_missing(person),
            "children": [
                {
                    "order": child.order,
                    "birth_date": child.birth_date if full_birth else None,
                    "birth_year": child.birth_date.year,
                    "sex": child.sex,
                    "name": child.name,
                }
                for child in _children(person)
            ],
            "registered_at": _DATETIME.to_representation(person.registered_at),
            "updated_at": _DATETIME.to_representation(person.updated_at),
            "version": person.version,
        }

    def get_id_number(self, person: Person) -> str:
        return mask_id_number(person.id_number)

    @extend_schema_field(serializers.DateField(allow_null=True, read_only=True))
    def get_birth_date(self, person: Person):
        return person.birth_date if self.context.get("full_birth") else None

    @extend_schema_field(serializers.IntegerField(allow_null=True, read_only=True))
    def get_age(self, person: Person) -> int | None:
        full = bool(self.context.get("full_birth"))
        return age_shown(person.birth_date, timezone.localdate(), full=full)

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
        skip = {"children", "household", "new_home", "reason"}
        return {k: v for k, v in self.validated_data.items() if k not in skip}

    def children_or_none(self) -> list[dict] | None:
        children = self.validated_data.get("children")
        return [dict(child) for child in children] if children is not None else None


class PersonCreateSerializer(_PersonFactsSerializer):
    household = serializers.UUIDField(required=False, help_text=_("现居住户 id"))
    new_home = HouseholdCreateSerializer(
        required=False,
        help_text=_("住进尚未登记的新住户时，代替 household 填写（楼栋 id、门牌号、出租信息）"),
    )
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")

    def validate(self, attrs):
        if not attrs.get("household") and not attrs.get("new_home"):
            raise serializers.ValidationError({"household": [_("请选择现居住户。")]})
        if attrs.get("household") and attrs.get("new_home"):
            raise serializers.ValidationError(
                {"new_home": [_("household 和 new_home 只能填写一个。")]}
            )
        return attrs


class PersonUpdateSerializer(_PersonFactsSerializer):
    reason = serializers.CharField(max_length=500, help_text=_("变更原因，记入历史。"))
    version = edit_version()

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


class RevealRequestSerializer(serializers.Serializer):
    purpose = serializers.ChoiceField(
        choices=SensitiveAccess.Purpose.choices, help_text=_("查看目的，记入敏感信息查看记录")
    )


class RevealResponseSerializer(serializers.Serializer):
    id_number = serializers.CharField()


class PersonSearchSerializer(serializers.Serializer):
    search = serializers.CharField(
        max_length=60,
        help_text=_("完整身份证号（也可为姓名、拼音或号码开头）；放在请求体里，不进网址和日志"),
    )
