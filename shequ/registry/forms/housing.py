"""Forms of housing (以房管人): buildings and homes, the building and home picker that the
person forms share, and the unit filter of the lists."""

import datetime
import re
import uuid
from functools import cached_property
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.forms.utils import ErrorDict
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.core.forms import DateInput, ReasonField, StyledForm, VersionedFormMixin
from shequ.core.identifiers import normalize_id_number, validate_id_number
from shequ.org.models import OrgUnit
from shequ.org.roles import Level
from shequ.registry import selectors
from shequ.registry.models import (
    Building,
    Household,
    Person,
)
from shequ.registry.selectors import BUILDING_MATCHES, buildings_matching


def _uuid_or_none(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError):
        return None


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


_PHONE = re.compile(r"[0-9+\- ]{7,20}")


class HousingUnitField(forms.ModelChoiceField):
    """A grid or community of the user's jurisdiction, named with its community for grids
    (every community has a 第1网格)."""

    def label_from_instance(self, obj: OrgUnit) -> str:
        if obj.level == Level.GRID and obj.parent_id:
            return f"{obj.parent.name} · {obj.name}"
        return obj.name


def housing_units(user) -> QuerySet[OrgUnit]:
    from shequ.org.selectors import org_units_visible

    return (
        org_units_visible(user)
        .filter(is_active=True, level__gte=Level.COMMUNITY)
        .select_related("parent")
        .order_by("code")
    )


class BuildingForm(StyledForm):
    unit = HousingUnitField(
        label=_("所属网格/社区"), queryset=OrgUnit.objects.none(), to_field_name="code"
    )
    name = forms.CharField(label=_("楼栋名称"), max_length=60, help_text=_("例如 3号楼、东院。"))
    address = forms.CharField(label=_("地址"), max_length=200, required=False)
    kind = forms.ChoiceField(label=_("类型"), choices=Building.Kind.choices)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = housing_units(user)


class BuildingEditForm(VersionedFormMixin, BuildingForm):
    reason = ReasonField()


class ReasonForm(StyledForm):
    reason = ReasonField()


class _UseField(forms.ChoiceField):
    """A dwelling's use; left out (an older form, a script), it is 居住."""

    def to_python(self, value: Any) -> str:
        return super().to_python(value) or Household.Use.HOME


class HouseholdForm(StyledForm):
    """A dwelling (住户) and, when it is let, its landlord — a registered person found by
    identity number, or someone known by name and phone — and lease; its use, and the
    employer whose dormitory it is."""

    number = forms.CharField(label=_("门牌/室号"), max_length=40, help_text=_("例如 2单元301。"))
    is_rented = forms.BooleanField(label=_("出租房屋"), required=False)
    landlord_id_number = forms.CharField(
        label=_("房东身份证号码（已登记人员）"),
        max_length=18,
        required=False,
        help_text=_("房东在本辖区已登记时填写；否则填写下面的姓名和电话。"),
    )
    landlord_name = forms.CharField(
        label=_("房东姓名（未在本辖区登记的房东）"), max_length=50, required=False
    )
    landlord_phone = forms.CharField(label=_("房东电话"), max_length=20, required=False)
    rented_since = forms.DateField(label=_("出租起始"), required=False, widget=DateInput())
    lease_start = forms.DateField(label=_("租期起"), required=False, widget=DateInput())
    lease_end = forms.DateField(label=_("租期止"), required=False, widget=DateInput())
    use = _UseField(label=_("用途"), choices=Household.Use.choices, initial="home", required=False)
    dormitory_of = forms.CharField(
        label=_("宿舍所属单位"),
        max_length=100,
        required=False,
        help_text=_("用人单位提供的集体宿舍填写单位名称；宿舍没有户主。"),
    )

    def __init__(self, *args, user, household: Household | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.current_landlord: Person | None = household.landlord if household else None
        self.fields["landlord_id_number"].widget.attrs.update(
            {"autocomplete": "off", "inputmode": "text", "class": "form-control mono"}
        )
        if self.current_landlord is not None:
            self.fields["landlord_id_number"].help_text = _(
                "当前房东：%(name)s。留空则保留；填写他人号码或未登记房东的姓名则更换。"
            ) % {"name": self.current_landlord.name}

    def clean_landlord_id_number(self) -> Person | None:
        raw = (self.cleaned_data.get("landlord_id_number") or "").strip()
        if not raw:
            return None
        try:
            number = validate_id_number(normalize_id_number(raw))
        except ValidationError as exc:
            raise forms.ValidationError(exc.messages) from exc
        landlord = (
            selectors.persons_visible(self.user).filter(id_number=number, status="active").first()
        )
        if landlord is None:
            raise forms.ValidationError(
                _("本辖区没有该身份证号码的在册人员。房东未登记时请填写姓名和电话。")
            )
        return landlord

    def clean_landlord_phone(self) -> str:
        phone = (self.cleaned_data.get("landlord_phone") or "").strip()
        if phone and not _PHONE.fullmatch(phone):
            raise forms.ValidationError(_("请填写有效的电话号码。"))
        return phone

    def clean_rented_since(self) -> datetime.date | None:
        day = self.cleaned_data.get("rented_since")
        if day and day > timezone.localdate():
            raise forms.ValidationError(_("日期不能晚于今天。"))
        return day

    def clean(self):
        data = super().clean()
        if not data.get("is_rented") or self.errors:
            return data
        landlord = data.get("landlord_id_number")
        name = (data.get("landlord_name") or "").strip()
        if landlord is None and not name:
            landlord = self.current_landlord
        if landlord is None and not name:
            self.add_error(
                "landlord_name", _("出租房屋须登记房东：已登记人员的身份证号码，或姓名和电话。")
            )
        elif landlord is None and not data.get("landlord_phone"):
            self.add_error("landlord_phone", _("未在本辖区登记的房东须填写电话。"))
        start, end = data.get("lease_start"), data.get("lease_end")
        if start and end and end < start:
            self.add_error("lease_end", _("租期止不能早于租期起。"))
        data["landlord"] = landlord
        if landlord is not None:
            # A registered landlord's name and phone live in their own record.
            data["landlord_name"] = ""
            data["landlord_phone"] = ""
        return data

    def service_values(self) -> dict:
        """The arguments of household_create / household_update."""
        data = self.cleaned_data
        return {
            "number": data["number"],
            "is_rented": data.get("is_rented", False),
            "landlord": data.get("landlord"),
            "landlord_name": data.get("landlord_name", ""),
            "landlord_phone": data.get("landlord_phone", ""),
            "rented_since": data.get("rented_since"),
            "lease_start": data.get("lease_start"),
            "lease_end": data.get("lease_end"),
            "use": data.get("use") or Household.Use.HOME,
            "dormitory_of": data.get("dormitory_of", ""),
        }


class HouseholdEditForm(VersionedFormMixin, HouseholdForm):
    reason = ReasonField()


def unit_filter_choices(user, current: str = "") -> list[tuple[str, str]]:
    """The units a list can be narrowed to: the two levels below the user's own unit (a
    street officer picks a community or a grid, a community worker a grid)."""
    from shequ.org.selectors import org_units_visible

    own_level = user.unit.level if getattr(user, "unit", None) else Level.CITY - 1
    units = (
        org_units_visible(user)
        .filter(is_active=True, level__gt=own_level, level__lte=own_level + 2)
        .order_by("code")
        # Plain values: a district's list builds 260 options on every page view.
        .values_list("code", "name", "level", "parent__code", "parent__name", "parent__level")[:500]
    )
    choices = [("", str(_("全部")))]
    for code, name, level, parent_code, parent_name, parent_level in units:
        indent = "\u3000" * (level - own_level - 1)
        label = name
        if parent_code is not None and parent_level <= own_level and parent_code != user.unit_id:
            label = f"{parent_name} · {name}"  # a grid of a delegated blind zone
        choices.append((code, f"{indent}{label}"))
    if current and current not in {code for code, _label in choices}:
        choices.append((current, current))
    return choices
