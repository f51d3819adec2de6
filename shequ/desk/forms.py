"""The desk's forms: a new application, a reason for a refusal or a revocation."""

from django import forms
from django.utils.translation import gettext_lazy as _

from shequ.core.identifiers import normalize_id_number
from shequ.desk.models import Channel, DocumentKind


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
