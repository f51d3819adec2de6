"""Forms of checks: one person's, and the bulk checks of the people ticked on the person list."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.core.forms import DateInput, StyledForm
from shequ.registry.models import (
    Check,
    PendingDeparture,
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


VISIT_OUTCOMES = [
    (Check.Result.CONFIRMED, _("在（信息无误）")),
    (Check.Result.CORRECTED, _("在（已更正）")),
    (Check.Result.ABSENT, _("人不在")),
]


class VisitForm(StyledForm):
    """每月一查 of one home: the date, one outcome per active member (a field ``m<id>``
    each, added for the members), the newcomers found and a note."""

    date = forms.DateField(label=_("走访日期"), widget=DateInput(), initial=timezone.localdate)
    newcomers = forms.CharField(
        label=_("新来人员（待登记）"),
        max_length=200,
        required=False,
        help_text=_("走访时发现、尚未登记的人员姓名，登记后再办理人来登记。"),
    )
    note = forms.CharField(label=_("说明"), max_length=200, required=False)

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.members = list(members)
        for person in self.members:
            self.fields[f"m{person.pk}"] = forms.ChoiceField(
                label=person.name,
                choices=VISIT_OUTCOMES,
                initial=Check.Result.CONFIRMED,
                widget=forms.RadioSelect,
            )

    def outcome_fields(self):
        return [self[f"m{person.pk}"] for person in self.members]

    def outcomes(self) -> dict[str, list]:
        """The members by outcome (after ``is_valid``)."""
        found: dict[str, list] = {value: [] for value, _label in VISIT_OUTCOMES}
        for person in self.members:
            found[self.cleaned_data[f"m{person.pk}"]].append(person)
        return found


class PendingResolveForm(StyledForm):
    outcome = forms.ChoiceField(
        label=_("处理结果"),
        choices=[
            (PendingDeparture.Status.DEPARTED, _("确认已离开（人走注销）")),
            (PendingDeparture.Status.FOUND, _("人员仍在（撤销待注销）")),
        ],
        widget=forms.RadioSelect,
    )
    date = forms.DateField(
        label=_("离开日期"), widget=DateInput(), initial=timezone.localdate, required=False
    )
    division = forms.CharField(
        label=_("去向（区划代码，本市以外；不填为去向不明）"), max_length=12, required=False
    )
    reason = forms.CharField(label=_("原因"), max_length=200)


class QuarterlyReviewForm(StyledForm):
    unit = forms.ChoiceField(label=_("街道"))
    quarter = forms.DateField(
        label=_("季度（任一天）"), widget=DateInput(), initial=timezone.localdate
    )
    findings = forms.CharField(label=_("核对意见"), widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, streets=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [(u.code, u.name) for u in streets]
