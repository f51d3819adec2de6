"""The benefits API's serializers: what each resource reads and writes."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from shequ.benefits.models import BenefitList, BenefitRow, Confirmation, Payment, PaymentState
from shequ.benefits.rules import CONFIRMATION_KEY_CHOICES, Programme


class RuleValueSerializer(serializers.Serializer):
    key = serializers.CharField()
    value = serializers.JSONField(allow_null=True)
    region = serializers.CharField(allow_null=True)
    valid_from = serializers.DateField(allow_null=True)
    note = serializers.CharField()
    setting = serializers.UUIDField(allow_null=True)


class ProgrammeSerializer(serializers.Serializer):
    id = serializers.CharField(help_text=_("项目代码"))
    name = serializers.CharField()
    division_code = serializers.CharField()
    on = serializers.DateField()
    rules = RuleValueSerializer(many=True)


class BenefitListSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uid", read_only=True)
    unit = serializers.CharField(source="unit_id", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    confirmed_by = serializers.CharField(
        source="confirmed_by.username", default=None, read_only=True, allow_null=True
    )

    class Meta:
        model = BenefitList
        fields = [
            "id",
            "programme",
            "year",
            "unit",
            "unit_name",
            "state",
            "basis_on",
            "rules",
            "progress_done",
            "progress_total",
            "message",
            "eligible_count",
            "pending_count",
            "ineligible_count",
            "total_amount",
            "computed_at",
            "confirmed_at",
            "confirmed_by",
            "published",
            "version",
        ]
        read_only_fields = fields


class BenefitListCreateSerializer(serializers.Serializer):
    programme = serializers.ChoiceField(choices=Programme.choices)
    year = serializers.IntegerField()
    unit = serializers.CharField(
        required=False, help_text=_("街道代码（默认：本人所在街道）"), allow_blank=True
    )


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class ResetReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200)


class CountSerializer(serializers.Serializer):
    checked = serializers.IntegerField()


class RowAddSerializer(serializers.Serializer):
    person = serializers.UUIDField(help_text=_("人员 id"))
    reason = serializers.CharField(max_length=200)
    amount = serializers.DecimalField(
        max_digits=10, decimal_places=2, required=False, allow_null=True
    )


class BankResultLineSerializer(serializers.Serializer):
    reference = serializers.CharField()
    result = serializers.CharField(help_text=_("成功、失败或退回"))
    note = serializers.CharField(required=False, allow_blank=True, default="")
    date = serializers.DateField(required=False, allow_null=True, default=None)


class BankResultSerializer(serializers.Serializer):
    results = BankResultLineSerializer(many=True)


class ProblemsSerializer(serializers.Serializer):
    applied = serializers.IntegerField()
    problems = serializers.ListField(child=serializers.CharField())


class ReasonItemSerializer(serializers.Serializer):
    code = serializers.CharField()
    outcome = serializers.CharField(help_text=_("ok、fail 或 unknown（待核实）"))
    text = serializers.CharField()


class EligibilityAnswerSerializer(serializers.Serializer):
    person = serializers.UUIDField()
    name = serializers.CharField()
    outcome = serializers.CharField()
    category = serializers.CharField()
    amount = serializers.DecimalField(max_digits=10, decimal_places=2, allow_null=True)
    reasons = ReasonItemSerializer(many=True)


class EligibilitySerializer(serializers.Serializer):
    programme = serializers.CharField()
    year = serializers.IntegerField()
    unit = serializers.CharField()
    counts = serializers.DictField(child=serializers.IntegerField())
    answers = EligibilityAnswerSerializer(many=True)


class BenefitRowSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uid", read_only=True)
    benefit_list = serializers.UUIDField(source="benefit_list.uid", read_only=True)
    unit = serializers.CharField(source="unit_code", read_only=True)
    id_number = serializers.CharField(source="id_masked", read_only=True)
    reasons = ReasonItemSerializer(many=True, read_only=True)
    checked = serializers.SerializerMethodField()

    class Meta:
        model = BenefitRow
        fields = [
            "id",
            "benefit_list",
            "unit",
            "name",
            "id_number",
            "sex",
            "birth_year",
            "hukou_code",
            "outcome",
            "category",
            "amount",
            "included",
            "reasons",
            "facts",
            "checked",
            "check_note",
            "corrected",
            "added_by_correction",
            "correction_reason",
            "version",
        ]
        read_only_fields = fields

    def get_checked(self, row: BenefitRow) -> bool:
        return row.checked_at is not None


class RowCorrectSerializer(serializers.Serializer):
    include = serializers.BooleanField(help_text=_("true：列入发放；false：不列入"))
    reason = serializers.CharField(max_length=200)
    amount = serializers.DecimalField(
        max_digits=10, decimal_places=2, required=False, allow_null=True
    )


class PaymentSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uid", read_only=True)
    row = serializers.UUIDField(source="row.uid", read_only=True)
    benefit_list = serializers.UUIDField(source="benefit_list.uid", read_only=True)
    name = serializers.CharField(source="row.name", read_only=True)
    unit = serializers.CharField(source="unit_code", read_only=True)

    class Meta:
        model = Payment
        fields = [
            "id",
            "row",
            "benefit_list",
            "name",
            "unit",
            "period",
            "amount",
            "reference",
            "state",
            "result_on",
            "result_note",
            "exported_at",
            "version",
        ]
        read_only_fields = fields


class PaymentResultSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=PaymentState.choices)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    on = serializers.DateField(required=False, allow_null=True, default=None)


class ConfirmationSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uid", read_only=True)
    person = serializers.UUIDField(source="person.uid", read_only=True)
    person_name = serializers.CharField(source="person.name", read_only=True)
    unit = serializers.CharField(source="unit_code", read_only=True)
    key = serializers.ChoiceField(choices=CONFIRMATION_KEY_CHOICES, read_only=True)

    class Meta:
        model = Confirmation
        fields = [
            "id",
            "person",
            "person_name",
            "unit",
            "key",
            "value",
            "note",
            "recorded_at",
            "version",
        ]
        read_only_fields = fields


class ConfirmationCreateSerializer(serializers.Serializer):
    person = serializers.UUIDField()
    key = serializers.ChoiceField(choices=CONFIRMATION_KEY_CHOICES)
    value = serializers.BooleanField()
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
