"""Forms of registered households (户籍户) and of the typing settings."""

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.core.forms import DateInput, ReasonField, StyledForm, VersionedFormMixin
from shequ.core.identifiers import normalize_id_number, validate_id_number
from shequ.registry import selectors
from shequ.registry.models import MigrantBoundary, Person, Relation, SeparationBoundary
from shequ.registry.services import MEMBER_RELATIONS

_RELATION_LABELS = dict(Relation.choices)


class _PersonByIdNumber(forms.CharField):
    """An active person of the user's jurisdiction named by identity number."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 18)
        super().__init__(**kwargs)
        self.widget.attrs.update({"autocomplete": "off", "class": "form-control mono"})


def _person_of(user, raw: str) -> Person:
    try:
        number = validate_id_number(normalize_id_number(raw))
    except ValidationError as exc:
        raise forms.ValidationError(exc.messages) from exc
    person = selectors.persons_visible(user).filter(id_number=number, status="active").first()
    if person is None:
        raise forms.ValidationError(_("本辖区没有该身份证号码的在册人员。"))
    return person


def _not_future(day: datetime.date | None) -> datetime.date | None:
    if day and day > timezone.localdate():
        raise forms.ValidationError(_("日期不能晚于今天。"))
    return day


class RegisteredHouseholdForm(StyledForm):
    """Open a registered household: its head (by identity number, or given by the page)."""

    head_id_number = _PersonByIdNumber(label=_("户主身份证号码"), required=False)
    number = forms.CharField(label=_("户号"), max_length=30, required=False)
    address = forms.CharField(
        label=_("户籍地址"), max_length=200, required=False, help_text=_("留空则取户主的户籍地址。")
    )
    reason = ReasonField(initial=_("建立户籍户"))

    def __init__(self, *args, user, head: Person | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user, self.head = user, head
        if head is not None:
            del self.fields["head_id_number"]

    def clean_head_id_number(self) -> Person | None:
        raw = (self.cleaned_data.get("head_id_number") or "").strip()
        if not raw:
            raise forms.ValidationError(_("请填写户主的身份证号码。"))
        return _person_of(self.user, raw)

    def service_values(self) -> dict:
        data = self.cleaned_data
        return {
            "head": self.head or data["head_id_number"],
            "number": data["number"],
            "address": data["address"] or None,
            "reason": data["reason"],
        }


class RegisteredHouseholdEditForm(VersionedFormMixin, StyledForm):
    number = forms.CharField(label=_("户号"), max_length=30, required=False)
    address = forms.CharField(label=_("户籍地址"), max_length=200, required=False)
    reason = ReasonField()


class MemberAddForm(StyledForm):
    """入户: a person of the jurisdiction and their relation to the head."""

    id_number = _PersonByIdNumber(label=_("入户人员身份证号码"))
    relation = forms.ChoiceField(
        label=_("与户主关系"),
        choices=[("", "—")] + [(r, _RELATION_LABELS[r]) for r in MEMBER_RELATIONS],
    )
    joined_on = forms.DateField(label=_("入户日期"), required=False, widget=DateInput())
    reason = ReasonField(initial=_("入户"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_id_number(self) -> Person:
        return _person_of(self.user, (self.cleaned_data.get("id_number") or "").strip())

    def clean_joined_on(self) -> datetime.date | None:
        return _not_future(self.cleaned_data.get("joined_on"))


class MemberRemoveForm(StyledForm):
    left_on = forms.DateField(label=_("离户日期"), required=False, widget=DateInput())
    reason = ReasonField()

    def clean_left_on(self) -> datetime.date | None:
        return _not_future(self.cleaned_data.get("left_on"))


class TypingSettingsForm(VersionedFormMixin, StyledForm):
    separation_boundary = forms.ChoiceField(
        label=_("人户分离的界线"), choices=SeparationBoundary.choices, widget=forms.RadioSelect
    )
    migrant_boundary = forms.ChoiceField(
        label=_("流动人口的界线"), choices=MigrantBoundary.choices, widget=forms.RadioSelect
    )
    service_months = forms.IntegerField(
        label=_("享受居住地服务的居住月数"), min_value=0, max_value=60
    )
    reason = ReasonField()
