"""The supplies' forms: they parse and present; the services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from shequ.core.forms import DateInput, StyledForm, VersionedFormMixin
from shequ.supplies.models import Item, ItemKind, Location, Lot


def _items() -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        Item.objects.filter(is_active=True), label=_("品种"), to_field_name="code"
    )


class LocationForm(StyledForm):
    unit = forms.ChoiceField(label=_("所属单位"))
    name = forms.CharField(label=_("名称"), max_length=80)
    kind = forms.ChoiceField(label=_("类型"), choices=Location.Kind.choices)
    address = forms.CharField(label=_("地址"), max_length=200, required=False)
    supplier = forms.ModelChoiceField(
        Location.objects.none(), label=_("上级供货点"), required=False, to_field_name="uid"
    )

    def __init__(self, *args, units=(), suppliers=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = list(units)
        if suppliers is not None:
            self.fields["supplier"].queryset = suppliers


class ReceiptForm(StyledForm):
    item = _items()
    lot_number = forms.CharField(label=_("批号"), max_length=40)
    expiry = forms.DateField(label=_("有效期至"), widget=DateInput())
    quantity = forms.IntegerField(label=_("数量"), min_value=1)
    day = forms.DateField(label=_("入库日期"), widget=DateInput(), required=False)
    manufacturer = forms.CharField(label=_("生产企业"), max_length=80, required=False)


class WriteOffForm(StyledForm):
    lot = forms.ModelChoiceField(Lot.objects.none(), label=_("批次"), to_field_name="uid")
    quantity = forms.IntegerField(label=_("数量"), min_value=1)
    reason = forms.CharField(label=_("报损原因"), max_length=200)

    def __init__(self, *args, lots=None, **kwargs):
        super().__init__(*args, **kwargs)
        if lots is not None:
            self.fields["lot"].queryset = lots


class RefillForm(StyledForm):
    source = forms.ModelChoiceField(
        Location.objects.none(), label=_("补货来源"), to_field_name="uid"
    )
    item = _items()
    quantity = forms.IntegerField(label=_("数量"), min_value=1)

    def __init__(self, *args, sources=None, **kwargs):
        super().__init__(*args, **kwargs)
        if sources is not None:
            self.fields["source"].queryset = sources


class PickupForm(StyledForm):
    item = _items()
    quantity = forms.IntegerField(label=_("数量"), min_value=1)
    day = forms.DateField(label=_("日期"), widget=DateInput(), required=False)
    reference = forms.CharField(label=_("机器报表或邮寄单号"), max_length=200, required=False)


class DispenseForm(StyledForm):
    # From the person page the person is named by her id (hidden); otherwise by the number
    # typed here. The view decides which: a form never shows a number it was not typed.
    person = forms.UUIDField(required=False, widget=forms.HiddenInput)
    id_number = forms.CharField(
        label=_("领取人身份证号码"),
        max_length=18,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text"}),
    )
    item = _items()
    quantity = forms.IntegerField(label=_("数量"), min_value=1)
    update_fact = forms.BooleanField(label=_("本人同意将节育措施登记为该方法"), required=False)
    note = forms.CharField(label=_("说明"), max_length=200, required=False)

    def clean(self):
        data = super().clean()
        if data is not None and not data.get("person") and not data.get("id_number"):
            self.add_error("id_number", _("请填写领取人身份证号码。"))
        return data


class CountForm(StyledForm):
    """One field per lot held: the counted quantity and, for a difference, why."""

    day = forms.DateField(label=_("盘点日期"), widget=DateInput(), required=False)

    def __init__(self, *args, balances=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = []
        for balance in balances:
            key = str(balance.lot.uid)
            self.fields[f"counted_{key}"] = forms.IntegerField(
                label=f"{balance.item.name} {balance.lot.number}",
                min_value=0,
                initial=balance.quantity,
            )
            self.fields[f"why_{key}"] = forms.CharField(
                label=_("差异说明"), max_length=200, required=False
            )
            self.rows.append((balance, f"counted_{key}", f"why_{key}"))

    def bound_rows(self) -> list:
        return [(balance, self[counted], self[why]) for balance, counted, why in self.rows]
        for field in self.fields.values():
            if "class" not in field.widget.attrs:
                field.widget.attrs["class"] = "form-control"


class RequisitionForm(StyledForm):
    location = forms.ModelChoiceField(
        Location.objects.none(), label=_("申领点"), to_field_name="uid"
    )
    note = forms.CharField(label=_("说明"), max_length=200, required=False)

    def __init__(self, *args, locations=None, **kwargs):
        super().__init__(*args, **kwargs)
        if locations is not None:
            self.fields["location"].queryset = locations
        for item in Item.objects.filter(is_active=True):
            self.fields[f"item_{item.code}"] = forms.IntegerField(
                label=f"{item.name}（{item.unit}）",
                min_value=0,
                required=False,
                widget=forms.NumberInput(attrs={"class": "form-control"}),
            )

    def lines(self) -> dict:
        found = {}
        for item in Item.objects.filter(is_active=True):
            n = self.cleaned_data.get(f"item_{item.code}")
            if n:
                found[item] = n
        return found


class StepForm(StyledForm):
    version = forms.IntegerField(widget=forms.HiddenInput())
    reason = forms.CharField(label=_("意见或原因"), max_length=200, required=False)


class ReportForm(StyledForm):
    unit = forms.ChoiceField(label=_("单位"))
    since = forms.DateField(label=_("起始日期"), widget=DateInput())
    until = forms.DateField(label=_("截止日期"), widget=DateInput())

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = list(units)


class ReasonForm(StyledForm):
    reason = forms.CharField(label=_("原因"), max_length=200)


class ItemForm(StyledForm):
    """A new item of the catalogue (code and kind are fixed once it exists)."""

    code = forms.SlugField(
        label=_("编码"),
        max_length=40,
        help_text=_("小写字母、数字和“-”，如 pill-21-7；建档后不能修改"),
    )
    name = forms.CharField(label=_("名称"), max_length=80)
    kind = forms.ChoiceField(label=_("类别"), choices=ItemKind.choices)
    unit = forms.CharField(label=_("计量单位"), max_length=10, help_text=_("盒、只、支、个"))
    clinician_first = forms.BooleanField(label=_("首次须由医务人员提供"), required=False)
    low_stock = forms.IntegerField(label=_("低库存线"), min_value=0, initial=20)
    reason = forms.CharField(label=_("说明"), max_length=200, required=False)


class ItemEditForm(VersionedFormMixin, StyledForm):
    name = forms.CharField(label=_("名称"), max_length=80)
    unit = forms.CharField(label=_("计量单位"), max_length=10)
    clinician_first = forms.BooleanField(label=_("首次须由医务人员提供"), required=False)
    low_stock = forms.IntegerField(label=_("低库存线"), min_value=0)
    reason = forms.CharField(label=_("修改原因"), max_length=200)


class ItemStateForm(VersionedFormMixin, StyledForm):
    reason = forms.CharField(label=_("原因"), max_length=200)
