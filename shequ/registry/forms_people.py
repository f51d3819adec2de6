"""Forms of the pages of one person: register, edit, transfer in and the lifecycle events.

The forms parse what a worker typed; the rules (agreement with the identity number, dates,
duplicates, population type) live in ``validation``, ``rules`` and the services, whose errors
the views put back on these fields with ``add_service_errors``.
"""

import datetime
import uuid
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.core.forms import DateInput, ReasonField, StyledForm
from shequ.core.identifiers import parse_id_number
from shequ.org.models import SensitiveAccess
from shequ.registry import selectors
from shequ.registry.models import (
    ETHNICITY_CHOICES,
    Check,
    Contraception,
    Education,
    Employment,
    FlowInReason,
    Household,
    MaritalStatus,
    Relation,
    Sex,
)
from shequ.registry.validation import PERSON_FIELDS

BLANK = [("", _("（未登记）"))]
HEALTH_FIELDS = ("contraception", "contraception_since")


def _choices(enum) -> list[tuple[str, Any]]:
    return BLANK + list(enum.choices)


def _uuid_or_none(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError):
        return None


class IdNumberField(forms.CharField):
    """公民身份号码, judged by ``parse_id_number`` so the message is the same everywhere."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("公民身份号码"))
        kwargs.setdefault("max_length", 22)
        super().__init__(**kwargs)
        self.widget.attrs.update(
            {"autocomplete": "off", "spellcheck": "false", "class": "mono", "maxlength": "22"}
        )

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return value
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


class HousingForm(StyledForm):
    """Building, then one of its households or the number of a new one."""

    building = forms.ModelChoiceField(
        label=_("楼栋/院落"),
        queryset=Household.objects.none(),
        to_field_name="uid",
        empty_label=_("（请选择楼栋）"),
    )
    household = forms.ModelChoiceField(
        label=_("户（门牌/室号）"),
        queryset=Household.objects.none(),
        to_field_name="uid",
        required=False,
        empty_label=_("（选择已有的户）"),
    )
    new_household = forms.CharField(
        label=_("或新建户：门牌/室号"),
        max_length=40,
        required=False,
        help_text=_("该户尚未登记时填写，保存时一并建立。"),
    )

    def _init_housing(self, user) -> None:
        self.fields["building"].queryset = (
            selectors.buildings_visible(user)
            .filter(is_active=True)
            .select_related("unit__parent")
            .order_by("unit_id", "name")
        )
        self.fields["building"].label_from_instance = _building_label
        building_uid = _uuid_or_none(self.data.get(self.add_prefix("building")))
        if building_uid is None and not self.is_bound:
            building_uid = _uuid_or_none(self.initial.get("building"))
        self.fields["household"].queryset = (
            selectors.households_visible(user)
            .filter(is_active=True, building__uid=building_uid)
            .order_by("number")
            if building_uid
            else Household.objects.none()
        )
        self.fields["household"].label_from_instance = _household_label

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if "building" not in self.fields:
            return cleaned
        household = cleaned.get("household")
        new_number = (cleaned.get("new_household") or "").strip()
        if household and new_number:
            self.add_error("new_household", _("已选择了户，请不要再填写新户门牌号。"))
        elif not household and not new_number and cleaned.get("building"):
            self.add_error("household", _("请选择户，或填写新户门牌号。"))
        return cleaned


def _building_label(building) -> str:
    unit = building.unit
    place = f"{unit.parent.name} {unit.name}" if unit.level >= 5 and unit.parent else unit.name
    return f"{place} · {building.name}"


def _household_label(household) -> str:
    return f"{household.number}（{_('出租')}）" if household.is_rented else household.number


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
    relation = forms.ChoiceField(label=_("与户主关系"), choices=_choices(Relation), required=False)
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


class TransferInForm(HousingForm):
    """市内迁入: the same record moves here from elsewhere in the city, or is reactivated."""

    field_order = [
        "id_number",
        "name",
        "building",
        "household",
        "new_household",
        "date",
        "reason",
    ]

    id_number = IdNumberField()
    name = forms.CharField(
        label=_("姓名"),
        max_length=50,
        help_text=_("按身份证填写；号码和姓名都与登记记录相符才能迁入。"),
    )
    date = forms.DateField(label=_("迁入日期"), widget=DateInput())
    reason = ReasonField()

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self._init_housing(user)


class MoveForm(HousingForm):
    """迁移: another home inside the worker's jurisdiction, same record."""

    date = forms.DateField(label=_("迁移日期"), widget=DateInput())
    reason = ReasonField()

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self._init_housing(user)


def _today() -> datetime.date:
    return timezone.localdate()


class DepartForm(StyledForm):
    date = forms.DateField(label=_("迁出日期"), widget=DateInput(), initial=_today)
    division = DivisionCodeField(label=_("去向地区划代码"), required=False)
    address = forms.CharField(label=_("去向详细地址"), max_length=200, required=False)
    reason = ReasonField()


class OutflowForm(StyledForm):
    date = forms.DateField(label=_("外出日期"), widget=DateInput(), initial=_today)
    division = DivisionCodeField(label=_("去向地区划代码"))
    address = forms.CharField(label=_("去向详细地址"), max_length=200, required=False)
    reason = ReasonField()


class DeathForm(StyledForm):
    date = forms.DateField(label=_("死亡日期"), widget=DateInput())
    reason = ReasonField(help_text=_("例如：死亡医学证明编号、信息来源。记入变更历史。"))


class CancelForm(StyledForm):
    reason = ReasonField(help_text=_("例如：与某人重复建档、录入错误。记入变更历史。"))


class ReturnForm(StyledForm):
    date = forms.DateField(label=_("返回日期"), widget=DateInput(), initial=_today)
    reason = ReasonField()


class CheckForm(StyledForm):
    kind = forms.ChoiceField(label=_("类型"), choices=Check.Kind.choices)
    date = forms.DateField(label=_("核查日期"), widget=DateInput(), initial=_today)
    result = forms.ChoiceField(
        label=_("结果"), choices=Check.Result.choices, initial=Check.Result.CONFIRMED
    )
    note = forms.CharField(label=_("说明"), max_length=200, required=False)


class RevealForm(StyledForm):
    purpose = forms.ChoiceField(
        label=_("查看目的"),
        choices=[
            (value, label)
            for value, label in SensitiveAccess.Purpose.choices
            if value != SensitiveAccess.Purpose.API
        ],
    )
