"""Forms of couples and families, each used by one event page on a person (views/families)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from shequ.core.forms import DateInput, ReasonField, StyledForm
from shequ.registry.forms.people import DivisionCodeField
from shequ.registry.models import (
    DisabilityGrade,
    FertilityCertificate,
    HukouNature,
    MarriageEnd,
    PregnancyOutcome,
    Sex,
)


class _OutsideSpouse(StyledForm):
    """The spouse's side when they are not a person of the registry."""

    spouse_name = forms.CharField(label=_("配偶姓名（非本库人员）"), max_length=50, required=False)
    spouse_id_number = forms.CharField(label=_("配偶身份证号码"), max_length=18, required=False)
    spouse_hukou_division = DivisionCodeField(label=_("配偶户籍地区划代码"), required=False)
    spouse_hukou_address = forms.CharField(label=_("配偶户籍地址"), max_length=200, required=False)

    @staticmethod
    def outside_values_of(c: dict, side: str) -> dict:
        """The typed spouse's facts as the marriage's ``<side>_*`` values."""
        return {
            f"{side}_name": c.get("spouse_name", ""),
            f"{side}_id_number": c.get("spouse_id_number", ""),
            f"{side}_hukou_division": c.get("spouse_hukou_division") or "",
            f"{side}_hukou_address": c.get("spouse_hukou_address", ""),
        }


class MarriageForm(_OutsideSpouse):
    """结婚登记: the spouse is a housemate chosen here, or typed as someone outside."""

    field_order = [
        "spouse",
        "spouse_name",
        "spouse_id_number",
        "spouse_hukou_division",
        "spouse_hukou_address",
        "married_on",
        "certificate_number",
        "certificate_place",
        "reason",
    ]
    spouse = forms.ChoiceField(
        label=_("配偶（本库人员）"),
        required=False,
        help_text=_("同户的在册人员；配偶不在本库时留空并填写下面的姓名等。"),
    )
    married_on = forms.DateField(label=_("结婚日期"), widget=DateInput(), required=False)
    certificate_number = forms.CharField(label=_("结婚证字号"), max_length=40, required=False)
    certificate_place = forms.CharField(label=_("登记机关"), max_length=100, required=False)
    reason = ReasonField(required=False)

    def __init__(self, *args, candidates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["spouse"].choices = [("", _("（不在本库）"))] + [
            (str(p.uid), f"{p.name}（{p.birth_date.year}）") for p in candidates
        ]

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("spouse") and not (cleaned.get("spouse_name") or "").strip():
            self.add_error("spouse_name", _("请选择本库配偶，或填写非本库配偶的姓名。"))
        return cleaned


class MarriageEditForm(_OutsideSpouse):
    """Correct a marriage: date, certificate, 光荣证, the outside side's facts."""

    married_on = forms.DateField(label=_("结婚日期"), widget=DateInput(), required=False)
    certificate_number = forms.CharField(label=_("结婚证字号"), max_length=40, required=False)
    certificate_place = forms.CharField(label=_("登记机关"), max_length=100, required=False)
    honor_certificate_number = forms.CharField(
        label=_("独生子女父母光荣证编号"), max_length=40, required=False
    )
    honor_certificate_date = forms.DateField(
        label=_("光荣证发证日期"), widget=DateInput(), required=False
    )
    version = forms.IntegerField(widget=forms.HiddenInput())
    reason = ReasonField()

    def __init__(self, *args, outside: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not outside:  # both spouses are registry persons: nothing outside to correct
            for name in (
                "spouse_name",
                "spouse_id_number",
                "spouse_hukou_division",
                "spouse_hukou_address",
            ):
                del self.fields[name]


class MarriageEndForm(StyledForm):
    end_reason = forms.ChoiceField(label=_("终止原因"), choices=MarriageEnd.choices)
    ended_on = forms.DateField(
        label=_("终止日期"), widget=DateInput(), required=False, help_text=_("不详可留空。")
    )
    version = forms.IntegerField(widget=forms.HiddenInput())
    reason = ReasonField(required=False)


class ChildForm(StyledForm):
    order = forms.IntegerField(
        label=_("孩次"), min_value=1, max_value=20, required=False, help_text=_("留空则排在最后。")
    )
    name = forms.CharField(label=_("姓名"), max_length=50, required=False)
    sex = forms.ChoiceField(label=_("性别"), choices=Sex.choices)
    birth_date = forms.DateField(label=_("出生日期"), widget=DateInput())
    death_date = forms.DateField(label=_("死亡日期"), widget=DateInput(), required=False)
    disability_grade = forms.ChoiceField(
        label=_("残疾等级"), choices=[("", "—"), *DisabilityGrade.choices], required=False
    )
    reason = ReasonField(required=False)


class ChildEditForm(StyledForm):
    name = forms.CharField(label=_("姓名"), max_length=50, required=False)
    death_date = forms.DateField(label=_("死亡日期"), widget=DateInput(), required=False)
    disability_grade = forms.ChoiceField(
        label=_("残疾等级"), choices=[("", "—"), *DisabilityGrade.choices], required=False
    )
    reason = ReasonField()


class NewbornForm(StyledForm):
    name = forms.CharField(label=_("姓名"), max_length=50)
    sex = forms.ChoiceField(label=_("性别"), choices=Sex.choices)
    birth_date = forms.DateField(label=_("出生日期"), widget=DateInput())
    birth_certificate_number = forms.CharField(
        label=_("出生医学证明编号"),
        max_length=20,
        help_text=_("如 P340123456；身份证号码签发后补录。"),
    )
    reason = ReasonField(required=False)


class IssueIdNumberForm(StyledForm):
    id_number = forms.CharField(label=_("公民身份号码"), max_length=18)
    version = forms.IntegerField(widget=forms.HiddenInput())
    reason = ReasonField(required=False)


class HukouNatureForm(StyledForm):
    hukou_nature = forms.ChoiceField(
        label=_("户口性质"), choices=[("", "—"), *HukouNature.choices], required=False
    )
    version = forms.IntegerField(widget=forms.HiddenInput())
    reason = ReasonField()


class CertificateForm(StyledForm):
    number = forms.CharField(label=_("证明编号"), max_length=40)
    issuing_division = DivisionCodeField(label=_("发证地区划代码"), required=False)
    issuing_authority = forms.CharField(label=_("发证机关"), max_length=100, required=False)
    issued_on = forms.DateField(label=_("发证日期"), widget=DateInput(), required=False)
    verified_on = forms.DateField(
        label=_("查验日期"),
        widget=DateInput(),
        required=False,
        help_text=_("今天查验的，查验人记为您。"),
    )
    verified_how = forms.ChoiceField(
        label=_("查验方式"),
        choices=[("", "—"), *FertilityCertificate.Verification.choices],
        required=False,
    )
    reason = ReasonField(required=False)


class CertificateVerifyForm(StyledForm):
    verified_how = forms.ChoiceField(
        label=_("查验方式"), choices=FertilityCertificate.Verification.choices
    )
    verified_on = forms.DateField(label=_("查验日期"), widget=DateInput(), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput())


class PregnancyForm(StyledForm):
    recorded_on = forms.DateField(label=_("登记日期"), widget=DateInput(), required=False)
    expected_on = forms.DateField(label=_("预产期"), widget=DateInput(), required=False)
    reason = ReasonField(required=False)


class PregnancyOutcomeForm(StyledForm):
    outcome = forms.ChoiceField(label=_("妊娠结局"), choices=PregnancyOutcome.choices)
    outcome_on = forms.DateField(label=_("结局日期"), widget=DateInput())
    version = forms.IntegerField(widget=forms.HiddenInput())
    reason = ReasonField(required=False)
