"""Forms of the health pages."""

import json

from django import forms
from django.utils.translation import gettext_lazy as _

from shequ.core.forms import DateInput, StyledForm, VersionedFormMixin
from shequ.health.models import PREPREGNANCY_ITEMS, Facility, RiskLevel, ServiceKind, ServiceRecord


class FacilityForm(StyledForm):
    name = forms.CharField(label=_("名称"), max_length=80)
    kind = forms.ChoiceField(label=_("类型"), choices=Facility.Kind.choices)
    unit = forms.ChoiceField(label=_("所属单位"))
    address = forms.CharField(label=_("地址"), max_length=200, required=False)
    phone = forms.CharField(label=_("电话"), max_length=20, required=False)

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [(u.code, u.name) for u in units]


class FacilityEditForm(VersionedFormMixin, StyledForm):
    name = forms.CharField(label=_("名称"), max_length=80)
    kind = forms.ChoiceField(label=_("类型"), choices=Facility.Kind.choices)
    address = forms.CharField(label=_("地址"), max_length=200, required=False)
    phone = forms.CharField(label=_("电话"), max_length=20, required=False)
    reason = forms.CharField(label=_("修改原因"), max_length=500)


class FacilityActiveForm(VersionedFormMixin, StyledForm):
    reason = forms.CharField(
        label=_("原因"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


class FacilityStaffForm(StyledForm):
    username = forms.CharField(label=_("卫生服务机构人员账号"), max_length=150)


class ServiceRecordForm(StyledForm):
    kind = forms.ChoiceField(label=_("服务类型"), choices=ServiceKind.choices)
    date = forms.DateField(label=_("服务日期"), widget=DateInput())
    facility = forms.ChoiceField(label=_("服务机构"), required=False)
    place = forms.CharField(label=_("服务地点"), max_length=100, required=False)
    status = forms.ChoiceField(label=_("状态"), choices=ServiceRecord.Status.choices)
    cost = forms.DecimalField(
        label=_("手术费用（元）"), required=False, min_value=0, max_digits=9, decimal_places=2
    )
    result = forms.CharField(
        label=_("结果"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    risk_level = forms.ChoiceField(
        label=_("风险等级"), choices=[("", "—"), *RiskLevel.choices], required=False
    )
    advice = forms.CharField(label=_("指导意见"), max_length=500, required=False)
    items = forms.CharField(
        label=_("19 项检查结果（JSON）"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_('孕前优生健康检查：{"woman": {"blood": "normal", …}, "man": {…}}；项目代码：')
        + ", ".join(code for code, _label in PREPREGNANCY_ITEMS),
    )
    spouse = forms.UUIDField(label=_("配偶人员 id（孕前检查）"), required=False)
    share_clinical = forms.BooleanField(
        label=_("检查结果通报户籍地（流动人口，须本人同意）"), required=False
    )

    def __init__(self, *args, facilities=(), clinical=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["facility"].choices = [("", "—"), *[(str(f.uid), f.name) for f in facilities]]
        if not clinical:
            for name in (
                "result",
                "risk_level",
                "advice",
                "items",
                "cost",
                "spouse",
                "share_clinical",
            ):
                del self.fields[name]
            self.fields["kind"].choices = [
                (k, label)
                for k, label in ServiceKind.choices
                if k not in ("reproductive_check", "prepregnancy_check", "procedure")
            ]

    def clean_items(self):
        text = (self.cleaned_data.get("items") or "").strip()
        if not text:
            return None
        try:
            return json.loads(text)
        except ValueError:
            raise forms.ValidationError(_("请填写有效的 JSON。")) from None


class ReportGenerateForm(StyledForm):
    month = forms.DateField(
        label=_("月份"),
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
        input_formats=["%Y-%m", "%Y-%m-%d"],
    )


class ReasonForm(VersionedFormMixin, StyledForm):
    reason = forms.CharField(label=_("原因"), max_length=500)


class NoteForm(VersionedFormMixin, StyledForm):
    note = forms.CharField(label=_("补充说明"), max_length=500, required=False)


class ClaimCompileForm(StyledForm):
    month = forms.DateField(
        label=_("月份"),
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
        input_formats=["%Y-%m", "%Y-%m-%d"],
    )
    hospital = forms.ChoiceField(label=_("定点医院"))

    def __init__(self, *args, hospitals=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["hospital"].choices = [(str(h.uid), h.name) for h in hospitals]
