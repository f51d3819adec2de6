"""Forms of a person's flows: transfer in, move, departure, death, cancellation, outflow, return."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.core.forms import DateInput, ReasonField, StyledForm
from shequ.registry.forms.housing import HousingForm
from shequ.registry.forms.people import DivisionCodeField, IdNumberField


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
