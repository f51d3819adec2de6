"""Forms of the pages of one person: register, edit, transfer in and the lifecycle events.

The forms parse what a worker typed; the rules (agreement with the identity number, dates,
duplicates, population type) live in ``validation``, ``rules`` and the services, whose errors
the views put back on these fields with ``add_service_errors``.
"""

import datetime
import uuid
from functools import cached_property
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms.utils import ErrorDict
from django.urls import reverse
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
from shequ.registry.selectors_housing import BUILDING_MATCHES, buildings_matching
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


BUILDING_SELECT_MAX = 50  # up to this many buildings in scope, one plain <select> lists them


class SearchInput(forms.TextInput):
    input_type = "search"


class HousingForm(StyledForm):
    """Building, then one of its households or the number of a new one.

    A worker with few buildings picks from one list. With more (a street has thousands, too
    many for one page on a phone) the list holds only the buildings found by the search box
    above it: typed words query the server as you type (HTMX), and without JavaScript the
    "查找" button sends the form back with the matches, saving nothing. Either way the
    building sent is validated against the whole jurisdiction.
    """

    building_search = forms.CharField(
        label=_("查找楼栋"),
        max_length=60,
        required=False,
        widget=SearchInput(),
        help_text=_("输入楼栋名称、地址、楼号或社区名，再从下面的列表中选择。"),
    )
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
        self._housing_user = user
        self.fields["building"].queryset = (
            selectors.buildings_visible(user)
            .filter(is_active=True)
            .select_related("unit__parent")
            .order_by("unit_id", "name")
        )
        # Options computed when the field is drawn: the preview posts never pay for them.
        self.fields["building"].widget.choices = lambda: self._building_choices
        self.fields["building_search"].widget.attrs.update(
            {
                "autocomplete": "off",
                "enterkeyhint": "search",
                "placeholder": _("如 丽景 3号楼"),
                "data-building-search": "",
                "hx-get": reverse("registry:building_options"),
                "hx-trigger": "input changed delay:300ms, building-search",
                "hx-target": "#id_building",
                "hx-swap": "innerHTML",
                "hx-sync": "this:replace",
                "hx-params": "building_search",
                "aria-controls": "id_building",
            }
        )
        building_uid = self._chosen_building_uid()
        self.fields["household"].queryset = (
            selectors.households_visible(user)
            .filter(is_active=True, building__uid=building_uid)
            .order_by("number")
            if building_uid
            else Household.objects.none()
        )
        self.fields["household"].label_from_instance = _household_label

    def _chosen_building_uid(self) -> uuid.UUID | None:
        building_uid = _uuid_or_none(self.data.get(self.add_prefix("building")))
        if building_uid is None and not self.is_bound:
            building_uid = _uuid_or_none(self.initial.get("building"))
        return building_uid

    @cached_property
    def _few_buildings(self) -> list | None:
        """Every building in scope when there are few enough for one list (None: too many)."""
        rows = list(self.fields["building"].queryset[: BUILDING_SELECT_MAX + 1])
        return rows if len(rows) <= BUILDING_SELECT_MAX else None

    @property
    def searches_buildings(self) -> bool:
        """Whether the building is found with the search box (too many for one list)."""
        return "building" in self.fields and self._few_buildings is None

    @property
    def finding_building(self) -> bool:
        """The form was sent with "查找" (no JavaScript): show the matches, save nothing."""
        return self.is_bound and bool(self.data.get("find_building")) and self.searches_buildings

    @cached_property
    def _building_choices(self) -> list[tuple[str, str]]:
        few = self._few_buildings
        empty = ("", self.fields["building"].empty_label)
        if few is not None:
            return [empty, *((str(b.uid), building_label(b)) for b in few)]
        term = self.data.get(self.add_prefix("building_search"), "") if self.is_bound else ""
        choices = building_search_choices(self._housing_user, term)
        chosen = self._chosen_building_uid()
        if chosen is not None and all(value != str(chosen) for value, _label in choices):
            building = self.fields["building"].queryset.filter(uid=chosen).first()
            if building is not None:
                choices.insert(1, (str(building.uid), building_label(building)))
        return choices

    def full_clean(self) -> None:
        super().full_clean()
        if not self.finding_building:
            return
        # Only the search answers; the worker has not finished the form yet.
        for field in self.fields.values():
            classes = field.widget.attrs.get("class", "").split()
            field.widget.attrs["class"] = " ".join(c for c in classes if c != "is-invalid")
            field.widget.attrs.pop("aria-invalid", None)
        self._errors = ErrorDict()
        self.cleaned_data = {}
        self.add_error("building", _("请在下面的列表中选择楼栋，然后保存。"))

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


def building_label(building) -> str:
    unit = building.unit
    place = f"{unit.parent.name} {unit.name}" if unit.level >= 5 and unit.parent else unit.name
    return f"{place} · {building.name}"


def building_search_choices(user, term: str) -> list[tuple[str, str]]:
    """The options of the building list for a search: a first line saying what was found,
    then at most ``BUILDING_MATCHES`` buildings of the jurisdiction."""
    term = (term or "").strip()
    if not term:
        return [("", str(_("（请先在上面输入楼栋名称、地址或楼号）")))]
    found = buildings_matching(user, term)
    shown = found[:BUILDING_MATCHES]
    if not shown:
        head = _("（没有找到“%(term)s”，请换个词）") % {"term": term}
    elif len(found) > BUILDING_MATCHES:
        head = _("（前 %(n)d 栋，输入更多字可缩小范围）") % {"n": len(shown)}
    else:
        head = _("（找到 %(n)d 栋，请选择）") % {"n": len(shown)}
    return [("", str(head)), *((str(b.uid), building_label(b)) for b in shown)]


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
    destination_unknown = forms.BooleanField(
        label=_("去向不明"),
        required=False,
        help_text=_("此人已离开，但不知去了哪里时勾选：不填去向地，在原因中写明情况。"),
    )
    # Required unless 去向不明: the service says which, for both the page and the API.
    division = DivisionCodeField(
        label=_("去向地区划代码"),
        required=False,
        help_text=_("本市以外的去向地，选到区县或直接输入代码。"),
    )
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
