"""The desk's forms: a new application, a reason for a refusal or a revocation."""

from django import forms
from django.utils.translation import gettext_lazy as _

from shequ.core.identifiers import normalize_id_number
from shequ.desk.models import BirthStage, Channel, DisclosureCategory, DocumentKind


class ApplicationForm(forms.Form):
    id_number = forms.CharField(
        label=_("申请人身份证号码"), max_length=40, help_text=_("辖区内已登记的人员")
    )
    kind = forms.ChoiceField(label=_("办理事项"), choices=DocumentKind.choices)
    channel = forms.ChoiceField(label=_("渠道"), choices=Channel.choices, initial=Channel.DESK)
    note = forms.CharField(
        label=_("申请说明"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean_id_number(self) -> str:
        return normalize_id_number(self.cleaned_data["id_number"])


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("原因"), max_length=200, widget=forms.Textarea(attrs={"rows": 2})
    )


class ConfirmForm(forms.Form):
    """A step without input: the page asks before it is made."""


class BirthRegistrationForm(forms.Form):
    """生育登记: what the registering spouse declares (the rest is in the registry)."""

    id_number = forms.CharField(label=_("登记人身份证号码"), max_length=40)
    spouse_name = forms.CharField(label=_("配偶姓名"), max_length=50, required=False)
    married = forms.TypedChoiceField(
        label=_("婚姻状况"),
        choices=[("1", _("已婚")), ("0", _("未婚"))],
        coerce=lambda v: v == "1",
        initial="1",
    )
    stage = forms.ChoiceField(label=_("登记时点"), choices=BirthStage.choices)
    expected_on = forms.DateField(
        label=_("预产期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    born_on = forms.DateField(
        label=_("出生日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    mobile = forms.CharField(label=_("手机号码"), max_length=20, required=False)
    declaration = forms.BooleanField(
        label=_("本人承诺以上信息真实，如有不实愿承担相应责任。"), required=True
    )

    def clean_id_number(self) -> str:
        return normalize_id_number(self.cleaned_data["id_number"])


class OnlineBirthRegistrationForm(BirthRegistrationForm):
    """The resident's own registration: the mobile number on record proves who asks."""

    mobile = forms.CharField(
        label=_("手机号码"), max_length=20, help_text=_("须与登记在册的联系电话一致")
    )


class ChildLinkForm(forms.Form):
    child = forms.UUIDField(label=_("出生的子女"))


class DisclosureForm(forms.Form):
    category = forms.ChoiceField(label=_("类别"), choices=DisclosureCategory.choices)
    title = forms.CharField(label=_("标题"), max_length=120)
    body = forms.CharField(
        label=_("正文"), max_length=20000, widget=forms.Textarea(attrs={"rows": 8})
    )
    published_on = forms.DateField(
        label=_("发布日期"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("发布日期之前不对外显示"),
    )


class DisclosureEditForm(DisclosureForm):
    reason = forms.CharField(label=_("修改原因"), max_length=200)
    version = forms.IntegerField(widget=forms.HiddenInput)


class MonthForm(forms.Form):
    month = forms.DateField(
        label=_("月份（任一天）"), widget=forms.DateInput(attrs={"type": "date"})
    )
