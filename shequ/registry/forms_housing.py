"""Forms of the housing pages (以房管人) and of the bulk checks on the person list."""

import datetime
import re

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.core.forms import DateInput, ReasonField, StyledForm
from shequ.core.identifiers import normalize_id_number, validate_id_number
from shequ.org.models import OrgUnit
from shequ.org.roles import Level
from shequ.registry import selectors
from shequ.registry.models import Building, Check, Household, Person

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


class BuildingEditForm(BuildingForm):
    reason = ReasonField()


class ReasonForm(StyledForm):
    reason = ReasonField()


class HouseholdForm(StyledForm):
    """A home and, when it is let, its landlord: a registered person found by identity
    number, or someone from outside with a name and phone."""

    number = forms.CharField(label=_("门牌/室号"), max_length=40, help_text=_("例如 2单元301。"))
    is_rented = forms.BooleanField(label=_("出租房屋"), required=False)
    landlord_id_number = forms.CharField(
        label=_("房东身份证号码（已登记人员）"),
        max_length=18,
        required=False,
        help_text=_("房东在本辖区已登记时填写；否则填写下面的姓名和电话。"),
    )
    landlord_name = forms.CharField(label=_("房东姓名（外来房东）"), max_length=50, required=False)
    landlord_phone = forms.CharField(label=_("房东电话"), max_length=20, required=False)
    rented_since = forms.DateField(label=_("出租起始"), required=False, widget=DateInput())

    def __init__(self, *args, user, household: Household | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.current_landlord: Person | None = household.landlord if household else None
        self.fields["landlord_id_number"].widget.attrs.update(
            {"autocomplete": "off", "inputmode": "text", "class": "form-control mono"}
        )
        if self.current_landlord is not None:
            self.fields["landlord_id_number"].help_text = _(
                "当前房东：%(name)s。留空则保留；填写他人号码或外来房东姓名则更换。"
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
            self.add_error("landlord_phone", _("外来房东须填写电话。"))
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
        }


class HouseholdEditForm(HouseholdForm):
    reason = ReasonField()


class ChecksBulkForm(StyledForm):
    """每月一查 / 季度核对 for the people ticked on the person list (``person`` values are
    read by the view, which looks them up inside the jurisdiction)."""

    kind = forms.ChoiceField(label=_("核查类型"), choices=Check.Kind.choices)
    date = forms.DateField(label=_("日期"), widget=DateInput())
    result = forms.ChoiceField(
        label=_("结果"), choices=Check.Result.choices, initial=Check.Result.CONFIRMED
    )
    note = forms.CharField(label=_("说明"), max_length=200, required=False)


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
