"""Forms of the pages of one person: register and edit (with children), reveal the number.

The forms parse what a worker typed; the rules (agreement with the identity number, dates,
duplicates, population type) live in ``validation``, ``rules`` and the services, whose errors
the views put back on these fields with ``add_service_errors``."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from shequ.core.forms import DateInput, ReasonField, StyledForm, VersionedFormMixin
from shequ.core.identifiers import mask_id_number, parse_id_number
from shequ.org.models import SensitiveAccess
from shequ.registry.forms.housing import HousingForm
from shequ.registry.models import (
    ETHNICITY_CHOICES,
    Contraception,
    Education,
    Employment,
    FlowInReason,
    MaritalStatus,
    Relation,
    Sex,
)
from shequ.registry.validation import PERSON_FIELDS

BLANK = [("", _("（未登记）"))]
HEALTH_FIELDS = ("contraception", "contraception_since")


def _choices(enum) -> list[tuple[str, Any]]:
    return BLANK + list(enum.choices)


class IdNumberField(forms.CharField):
    """公民身份号码, judged by ``parse_id_number`` so the message is the same everywhere."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("公民身份号码"))
        kwargs.setdefault("max_length", 22)
        super().__init__(**kwargs)
        self.widget.attrs.update(
            {"autocomplete": "off", "spellcheck": "false", "class": "mono", "maxlength": "22"}
        )

    # The masked number an edit form shows an editor who may not see it whole: sent back
    # unchanged it means "keep the stored number" (PersonEditForm.person_values).
    keep: str | None = None

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return value
        if self.keep and value.strip() == self.keep:
            return self.keep
        try:
            return parse_id_number(value).number
        except ValidationError as exc:
            raise forms.ValidationError(exc.messages, code=exc.code) from exc


class DivisionCodeField(forms.CharField):
    """A 12-digit division code: chosen with the province → city → county picker or typed."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 12)
        kwargs.setdefault("min_length", 12)
        super().__init__(**kwargs)
        self.widget.attrs.update(
            {"inputmode": "numeric", "class": "mono", "data-division-code": "", "maxlength": "12"}
        )


class PersonForm(HousingForm):
    """人来登记 (with housing) and 编辑 (without housing, with a reason)."""

    id_number = IdNumberField(
        help_text=_("输入或粘贴 18 位号码，系统即时校验并填写出生日期和性别。")
    )
    name = forms.CharField(label=_("姓名"), max_length=50)
    sex = forms.ChoiceField(
        label=_("性别"),
        choices=[("", _("（按身份证号码）")), *Sex.choices],
        required=False,
    )
    birth_date = forms.DateField(
        label=_("出生日期"), required=False, widget=DateInput(), help_text=_("可留空，按号码填写。")
    )
    ethnicity = forms.ChoiceField(label=_("民族"), choices=ETHNICITY_CHOICES, initial="01")
    phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    education = forms.ChoiceField(label=_("文化程度"), choices=_choices(Education), required=False)
    # Written to the 户口簿 (services.person_relation_record), not to the person: 户主 opens
    # one, a relative joins the 户主's of the same dwelling; 租住人员 is on none.
    relation = forms.ChoiceField(
        label=_("与户主关系"),
        choices=[("", "—"), *((v, label) for v, label in Relation.choices if v != Relation.TENANT)],
        required=False,
        help_text=_(
            "户主：建立户籍户（户口簿）；家人：加入本户户籍地相同的户主的户籍户；租住等留空。"
        ),
    )
    hukou_division = DivisionCodeField(
        label=_("户籍地区划代码"),
        help_text=_("用上面的选择框选到区县，或直接输入 12 位统计用区划代码。"),
    )
    hukou_address = forms.CharField(label=_("户籍详细地址"), max_length=200, required=False)
    marital_status = forms.ChoiceField(
        label=_("婚姻状况"), choices=[("", _("（请选择）")), *MaritalStatus.choices]
    )
    marriage_date = forms.DateField(label=_("结婚日期"), required=False, widget=DateInput())
    children_count = forms.IntegerField(
        label=_("现有子女数"),
        required=False,
        min_value=0,
        max_value=20,
        help_text=_("没有子女填 0；留空表示尚未核实（下方登记了子女时按登记人数）。"),
    )
    contraception = forms.ChoiceField(
        label=_("节育措施"), choices=_choices(Contraception), required=False
    )
    contraception_since = forms.DateField(label=_("措施起始"), required=False, widget=DateInput())
    employment = forms.ChoiceField(
        label=_("就业情况"), choices=_choices(Employment), required=False
    )
    employer_name = forms.CharField(label=_("工作单位"), max_length=100, required=False)
    flow_in_date = forms.DateField(label=_("流入日期"), required=False, widget=DateInput())
    flow_in_reason = forms.ChoiceField(
        label=_("流入原因"), choices=_choices(FlowInReason), required=False
    )
    reason = ReasonField()

    def __init__(
        self,
        *args,
        user,
        with_housing: bool,
        show_health: bool,
        with_reason: bool = False,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        if with_housing:
            self._init_housing(user)
        else:
            for name in ("building", "household", "new_household"):
                del self.fields[name]
        if not show_health:
            for name in HEALTH_FIELDS:
                del self.fields[name]
        if not with_reason:
            del self.fields["reason"]

    def person_values(self) -> dict[str, Any]:
        """The facts for ``services.person_register`` / ``person_update``."""
        return {k: v for k, v in self.cleaned_data.items() if k in PERSON_FIELDS}


class PersonEditForm(VersionedFormMixin, PersonForm):
    """编辑: the person's facts, based on the version of the record the page showed.

    An editor who may not reveal identity numbers (``reveal=False``) is given the number
    masked and no birth date (its month and day are what the mask hides: the service
    takes it from the number when left empty); sent back unchanged, the stored number
    stays, and typing a whole valid number replaces it. ``person_initial`` gives the
    initial values either way (also for a conflict's "current" values)."""

    def __init__(self, *args, reveal: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.reveal = reveal
        if self.initial.get("relation"):
            # On a 户口簿: the relation is the membership's, changed on the 户籍户 page.
            field = self.fields["relation"]
            field.disabled = True
            field.help_text = _("此人已在户籍户中；入户、离户和关系变更请在户籍户页面办理。")
        if not reveal:
            field = self.fields["id_number"]
            field.keep = self.initial.get("id_number") or None  # type: ignore[attr-defined]
            field.help_text = _("号码已隐去：保持不变则不修改；更正号码时请输入完整的新号码。")
            self.fields["birth_date"].help_text = _("已隐去；留空则按身份证号码。")

    @staticmethod
    def person_initial(values: dict[str, Any], *, reveal: bool) -> dict[str, Any]:
        """The initial values of the form for an editor with or without the reveal right."""
        if reveal:
            return values
        return {
            **values,
            "id_number": mask_id_number(values.get("id_number") or ""),
            "birth_date": None,
        }

    def person_values(self) -> dict[str, Any]:
        values = super().person_values()
        keep = self.fields["id_number"].keep  # type: ignore[attr-defined]
        if keep and values.get("id_number") == keep:
            del values["id_number"]  # unchanged: the service keeps the stored number
            if not values.get("birth_date"):
                values.pop("birth_date", None)  # nor was the hidden birth date touched
        return values


class ChildForm(StyledForm):
    order = forms.IntegerField(label=_("孩次"), min_value=1, max_value=20)
    birth_date = forms.DateField(label=_("出生日期"), widget=DateInput())
    sex = forms.ChoiceField(label=_("性别"), choices=[("", "—"), *Sex.choices])
    name = forms.CharField(label=_("姓名（可不填）"), max_length=50, required=False)


class BaseChildFormSet(forms.BaseFormSet):
    def get_form_kwargs(self, index):
        kwargs = super().get_form_kwargs(index)
        if index is not None and index >= self.initial_form_count():
            # The next birth order is offered; a row left as offered counts as untouched.
            kwargs["initial"] = {"order": index + 1}
        return kwargs

    def children(self) -> list[dict[str, Any]]:
        """The children kept (filled and not marked for removal), for the services."""
        kept = []
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or (self.can_delete and data.get("DELETE")):
                continue
            kept.append({k: data.get(k) for k in ("order", "birth_date", "sex", "name")})
        return kept


ChildFormSet = forms.formset_factory(
    ChildForm, formset=BaseChildFormSet, extra=1, can_delete=True, max_num=20
)


class RevealForm(StyledForm):
    purpose = forms.ChoiceField(
        label=_("查看目的"),
        choices=[
            (value, label)
            for value, label in SensitiveAccess.Purpose.choices
            if value != SensitiveAccess.Purpose.API
        ],
    )
