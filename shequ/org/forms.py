from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from shequ.core.forms import (
    DateInput,
    ReasonField,
    StyledForm,
    StyledFormMixin,
    VersionedFormMixin,
)
from shequ.core.identifiers import validate_mobile
from shequ.org.models import OrgUnit
from shequ.org.roles import DATA_RIGHTS, RIGHT_LABELS, Duty, Level, Role

RIGHT_CHOICES = [(str(right), RIGHT_LABELS[right]) for right in DATA_RIGHTS]


class LoginForm(StyledFormMixin, AuthenticationForm):
    pass


class StyledPasswordChangeForm(StyledFormMixin, PasswordChangeForm):
    def save(self, commit: bool = True):
        from shequ.org.services import user_change_own_password

        return user_change_own_password(user=self.user, password=self.cleaned_data["new_password1"])


class OtpForm(StyledForm):
    otp = forms.CharField(
        label=_("验证码"),
        max_length=20,
        help_text=_("验证器应用中当前的 6 位数字；手机不在身边时，输入一个恢复码。"),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True}),
    )


class OrgUnitCreateForm(StyledForm):
    kind = forms.ChoiceField(label=_("类型"))
    code = forms.CharField(label=_("代码"), max_length=14)
    name = forms.CharField(label=_("名称"), max_length=80)

    def __init__(self, *args, parent: OrgUnit, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [
            (kind.value, kind.label)
            for kind in OrgUnit.Kind
            if OrgUnit.KIND_LEVEL[kind] == parent.level + 1
            and (kind != OrgUnit.Kind.COMPOUND or parent.level == Level.STREET)
        ]
        if parent.level + 1 == Level.GRID:
            self.fields["code"].help_text = _("所属社区代码加两位序号，例如 %(e)s。") % {
                "e": parent.code + "01"
            }
        else:
            self.fields["code"].help_text = _("12 位统计用区划代码，以 %(p)s 开头。") % {
                "p": parent.prefix
            }


class OrgUnitRenameForm(VersionedFormMixin, StyledForm):
    name = forms.CharField(label=_("新名称"), max_length=80)
    reason = ReasonField()


class ReasonForm(StyledForm):
    reason = ReasonField()


class DelegateForm(StyledForm):
    delegate = forms.ModelChoiceField(
        label=_("代管单位"),
        queryset=OrgUnit.objects.none(),
        required=False,
        empty_label=_("（由所在街道直接管理）"),
        to_field_name="code",
    )
    reason = ReasonField()

    def __init__(self, *args, zone: OrgUnit, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["delegate"].queryset = (
            OrgUnit.objects.filter(parent=zone.parent, level=Level.COMMUNITY, is_active=True)
            .exclude(kind=OrgUnit.Kind.COMPOUND)
            .order_by("code")
        )


class PhoneMixin:
    def clean_phone(self) -> str:
        phone = self.cleaned_data.get("phone", "")
        if not phone:
            return ""
        try:
            return validate_mobile(phone)
        except ValidationError as exc:
            raise forms.ValidationError(exc.messages) from exc


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: OrgUnit) -> str:
        return f"{obj.code} {obj.name}"


class UserCreateForm(PhoneMixin, StyledForm):
    username = forms.CharField(label=_("用户名"), max_length=150)
    full_name = forms.CharField(label=_("姓名"), max_length=50)
    phone = forms.CharField(label=_("手机号码"), max_length=20, required=False)
    role = forms.ChoiceField(label=_("角色"), choices=Role.choices)
    duty = forms.ChoiceField(
        label=_("职责"),
        choices=Duty.choices,
        initial=Duty.DATA,
        required=False,
        help_text=_("业务、系统管理与安全审计分属不同账号；审计员的职责为安全审计。"),
    )
    unit = UnitChoiceField(
        label=_("所属单位"), queryset=OrgUnit.objects.none(), to_field_name="code"
    )
    rights = forms.MultipleChoiceField(
        label=_("申请数据权限"),
        choices=RIGHT_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("须经申请人以外的上级管理员审批后生效。"),
    )
    password = forms.CharField(
        label=_("初始密码"),
        widget=forms.PasswordInput(render_value=False),
        strip=False,
        help_text=_("用户首次登录时须修改密码。"),
    )

    def __init__(self, *args, units, roles, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        self.fields["role"].choices = roles


class UserEditForm(VersionedFormMixin, PhoneMixin, StyledForm):
    full_name = forms.CharField(label=_("姓名"), max_length=50)
    phone = forms.CharField(label=_("手机号码"), max_length=20, required=False)
    role = forms.ChoiceField(label=_("角色"), choices=Role.choices)
    duty = forms.ChoiceField(
        label=_("职责"),
        choices=Duty.choices,
        required=False,
        help_text=_("更改角色、职责或单位将收回全部数据权限，须重新申请审批。"),
    )
    unit = UnitChoiceField(
        label=_("所属单位"), queryset=OrgUnit.objects.none(), to_field_name="code"
    )
    reason = ReasonField()

    def __init__(self, *args, units, roles, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        # The user's present role stays selectable, so other fields can still be edited.
        current = kwargs.get("initial", {}).get("role")
        if current and current not in {value for value, _label in roles}:
            roles = [*roles, (current, Role(current).label)]
        self.fields["role"].choices = roles


class UserRightsForm(StyledForm):
    rights = forms.MultipleChoiceField(
        label=_("数据权限"),
        choices=RIGHT_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("取消的权限立即收回；新增的权限须经申请人以外的上级管理员审批后生效。"),
    )
    reason = ReasonField()


class PasswordResetForm(StyledForm):
    password = forms.CharField(
        label=_("新密码"), widget=forms.PasswordInput(render_value=False), strip=False
    )
    reason = ReasonField()


class AuditFilterForm(StyledForm):
    actor = forms.CharField(label=_("用户名"), required=False)
    unit = forms.CharField(label=_("单位代码"), required=False)
    since = forms.DateField(label=_("自"), required=False, widget=DateInput())
    until = forms.DateField(label=_("至"), required=False, widget=DateInput())

    def clean(self) -> None:
        # Swapped dates found nothing, silently: say so instead.
        super().clean()
        since, until = self.cleaned_data.get("since"), self.cleaned_data.get("until")
        if since and until and since > until:
            self.add_error("until", _("“至”的日期不能早于“自”的日期。"))


class AuditEventFilterForm(AuditFilterForm):
    action = forms.ChoiceField(label=_("操作"), required=False)

    def __init__(self, *args, **kwargs):
        from shequ.org.audit_display import ACTION_LABELS

        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", _("全部")), *ACTION_LABELS.items()]
