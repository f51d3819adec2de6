"""The benefits' forms: start a list, a note, a reset's reason, a correction, an added person, a payment's
result, the bank's file, a declaration."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.benefits.models import PaymentState
from shequ.benefits.rules import CONFIRMATION_KEYS, Programme
from shequ.core.forms import DateInput, ReasonField, StyledForm
from shequ.core.identifiers import normalize_id_number


def _year() -> int:
    return timezone.localdate().year


class StartForm(StyledForm):
    programme = forms.ChoiceField(label=_("项目"), choices=Programme.choices)
    year = forms.IntegerField(label=_("年度"), min_value=2004, initial=_year)


class NoteForm(StyledForm):
    note = forms.CharField(label=_("核对意见"), max_length=200, required=False)


class ConfirmForm(StyledForm):
    """A step without input: the page asks before it is made."""


class ResetForm(StyledForm):
    reason = ReasonField(max_length=200)


class CorrectForm(StyledForm):
    include = forms.TypedChoiceField(
        label=_("更正为"),
        choices=[("1", _("列入发放")), ("0", _("不列入发放"))],
        coerce=lambda value: value == "1",
    )
    amount = forms.DecimalField(
        label=_("年度金额（元）"),
        max_digits=10,
        decimal_places=2,
        required=False,
        help_text=_("仅当计算时未能确定金额时填写。"),
    )
    reason = ReasonField(max_length=200)


class AddPersonForm(StyledForm):
    id_number = forms.CharField(label=_("公民身份号码"), max_length=40)
    amount = forms.DecimalField(
        label=_("年度金额（元）"), max_digits=10, decimal_places=2, required=False
    )
    reason = ReasonField(max_length=200)

    def clean_id_number(self) -> str:
        return normalize_id_number(self.cleaned_data["id_number"])


class PaymentResultForm(StyledForm):
    state = forms.ChoiceField(label=_("结果"), choices=PaymentState.choices)
    on = forms.DateField(label=_("日期"), widget=DateInput(), initial=datetime.date.today)
    note = forms.CharField(label=_("说明"), max_length=200, required=False)


class BankResultForm(StyledForm):
    file = forms.FileField(
        label=_("银行回盘文件"),
        help_text=_("本系统导出的代发文件，银行填写“结果”等列后上传（.xlsx 或 .csv）。"),
    )


class ConfirmationForm(StyledForm):
    id_number = forms.CharField(label=_("公民身份号码"), max_length=40)
    key = forms.ChoiceField(
        label=_("事项"), choices=[(key, label) for key, (_p, label) in CONFIRMATION_KEYS.items()]
    )
    value = forms.TypedChoiceField(
        label=_("结论"),
        choices=[("1", _("属实（符合）")), ("0", _("不属实（不符合）"))],
        coerce=lambda value: value == "1",
    )
    note = forms.CharField(label=_("说明（材料、核实方式）"), max_length=200, required=False)

    def clean_id_number(self) -> str:
        return normalize_id_number(self.cleaned_data["id_number"])


class EligibilityForm(StyledForm):
    id_number = forms.CharField(label=_("公民身份号码"), max_length=40)
    programme = forms.ChoiceField(label=_("项目"), choices=Programme.choices)
    year = forms.IntegerField(label=_("年度"), min_value=2004, initial=_year)

    def clean_id_number(self) -> str:
        return normalize_id_number(self.cleaned_data["id_number"])
