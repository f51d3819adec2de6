from django import forms
from django.utils.translation import gettext_lazy as _

from shequ.core.forms import DateInput, StyledForm, VersionedFormMixin


class TaskCompleteForm(VersionedFormMixin, StyledForm):
    outcome = forms.CharField(label=_("办理结果"), max_length=200)


class TaskCancelForm(VersionedFormMixin, StyledForm):
    reason = forms.CharField(label=_("取消原因"), max_length=200)


class CalendarDayForm(StyledForm):
    date = forms.DateField(label=_("日期"), widget=DateInput())
    is_working = forms.TypedChoiceField(
        label=_("这一天"),
        choices=[("0", _("放假（休）")), ("1", _("上班（班）"))],
        coerce=lambda v: v == "1",
    )
    note = forms.CharField(
        label=_("依据"), max_length=100, help_text=_("如：国务院办公厅 2027 年放假安排")
    )
