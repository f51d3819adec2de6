"""Forms of checks: one person's, and the bulk checks of the people ticked on the person list."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.core.forms import DateInput, StyledForm
from shequ.registry.models import (
    Check,
)


class CheckForm(StyledForm):
    kind = forms.ChoiceField(label=_("类型"), choices=Check.Kind.choices)
    date = forms.DateField(label=_("核查日期"), widget=DateInput(), initial=timezone.localdate)
    result = forms.ChoiceField(
        label=_("结果"), choices=Check.Result.choices, initial=Check.Result.CONFIRMED
    )
    note = forms.CharField(label=_("说明"), max_length=200, required=False)


class ChecksBulkForm(StyledForm):
    """每月一查 / 季度核对 for the people ticked on the person list (``person`` values are
    read by the view, which looks them up inside the jurisdiction)."""

    kind = forms.ChoiceField(label=_("核查类型"), choices=Check.Kind.choices)
    date = forms.DateField(label=_("日期"), widget=DateInput())
    result = forms.ChoiceField(
        label=_("结果"), choices=Check.Result.choices, initial=Check.Result.CONFIRMED
    )
    note = forms.CharField(label=_("说明"), max_length=200, required=False)
