"""The forms of the settings pages: a value is JSON (a number, a text in quotes, an object)
or, when it does not read as JSON, the text as typed."""

import json
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shequ.core.forms import DateInput, ReasonField, StyledForm, VersionedFormMixin


def parse_value(text: str) -> Any:
    text = (text or "").strip()
    try:
        return json.loads(text)
    except ValueError:
        return text


def show_value(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


class ValueField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("值"))
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 2}))
        kwargs.setdefault("help_text", _('数字（如 6）、文字，或 JSON 对象（如 {"甲": 1}）。'))
        super().__init__(**kwargs)

    def clean(self, value):
        return parse_value(super().clean(value))


class SettingCreateForm(StyledForm):
    programme = forms.CharField(label=_("业务"), max_length=40)
    key = forms.CharField(label=_("设置项"), max_length=60)
    region_prefix = forms.CharField(
        label=_("适用地区（区划代码前缀）"),
        max_length=14,
        required=False,
        help_text=_("如 3406（全市）、340603（某区）；留空表示全国默认（仅系统管理员）。"),
    )
    value = ValueField()
    valid_from = forms.DateField(label=_("生效日期"), widget=DateInput())
    valid_to = forms.DateField(label=_("截止日期"), widget=DateInput(), required=False)
    note = forms.CharField(label=_("说明"), max_length=200, required=False)
    reason = ReasonField()


class SettingEditForm(VersionedFormMixin, StyledForm):
    value = ValueField()
    valid_from = forms.DateField(label=_("生效日期"), widget=DateInput())
    valid_to = forms.DateField(label=_("截止日期"), widget=DateInput(), required=False)
    note = forms.CharField(label=_("说明"), max_length=200, required=False)
    reason = ReasonField()
