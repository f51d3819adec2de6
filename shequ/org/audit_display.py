"""How the change log reads to a person: action names, field names and values in Chinese.

Services record actions as codes (``person.move``) and changes as ``{field: [old, new]}`` —
or, for an event that changes nothing (an export), as plain facts ``{field: value}``. This
module is the one place that turns both into words. Field names and choice values come from
the target's model; keys that are not model fields, and actions, from the tables below.
Related records (a household's uid, a landlord's id, a unit's code) are named with one query
per related model for a whole page, inside the reader's jurisdiction; the rest stay raw.
"""

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import Q
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from shequ.core.identifiers import mask_id_number, redact_id_numbers
from shequ.org.scoping import scoped

# Every action a service records. An unknown code is shown as it is.
ACTION_LABELS: dict[str, Promise] = {
    "org_unit.create": _("新建单位"),
    "org_unit.rename": _("单位更名"),
    "org_unit.close": _("撤销单位"),
    "org_unit.reopen": _("恢复单位"),
    "org_unit.delegate": _("盲区委托代管"),
    "user.create": _("新建用户"),
    "user.update": _("修改用户"),
    "user.activate": _("启用用户"),
    "user.deactivate": _("停用用户"),
    "user.set_password": _("重设密码"),
    "api_token.revoke": _("注销 API 令牌"),
    "otp.enrol": _("设置两步验证"),
    "otp.recovery_codes": _("重新生成恢复码"),
    "otp.reset": _("重置两步验证"),
    "user.change_password": _("本人修改密码"),
    "user.rights_change": _("调整数据权限"),
    "user.rights_request": _("申请数据权限"),
    "user.rights_approve": _("批准数据权限"),
    "user.rights_refuse": _("拒绝数据权限"),
    "building.create": _("新建楼栋"),
    "building.update": _("修改楼栋"),
    "building.close": _("停用楼栋"),
    "household.create": _("新建住户"),
    "household.update": _("修改住户"),
    "person.register": _("人员登记"),
    "person.update": _("修改人员信息"),
    "person.arrival": _("流入登记"),
    "person.registration": _("建档"),
    "person.move": _("市内迁移"),
    "person.transfer_in_refused": _("市内迁入核对不符"),
    "person.departure": _("迁出注销"),
    "person.outflow": _("外出登记"),
    "person.return": _("返回登记"),
    "person.death": _("死亡注销"),
    "person.cancellation": _("误登注销"),
    "person.reactivation": _("恢复在册"),
    "person.check.monthly": _("每月一查"),
    "person.check.quarterly": _("季度核对"),
    "import.buildings": _("导入楼栋"),
    "import.households": _("导入住户"),
    "import.persons": _("导入人员"),
    "export.buildings": _("导出楼栋"),
    "export.households": _("导出住户"),
    "export.persons": _("导出人员"),
    "export.rented_homes": _("导出出租房屋"),
    "export.download": _("下载导出文件"),
    "export.users": _("导出用户名单"),
    "export.audit_events": _("导出变更记录"),
    "export.sensitive_reads": _("导出敏感信息查看记录"),
    "auth.login": _("登录"),
    "auth.token": _("接口令牌登录"),
    "auth.logout": _("退出登录"),
    "auth.login_failed": _("登录失败"),
    "auth.lockout": _("账号锁定"),
    "access.denied": _("拒绝访问（无权限）"),
    "access.outside": _("拒绝访问（管辖范围外）"),
    "audit.prune": _("清理过期审计记录"),
}

# Keys that are not fields of the target's model (facts about an export, an import …),
# with the words for their values where those are codes.
EXTRA_FIELDS: dict[str, tuple[Promise, Mapping[str, Promise]]] = {
    "rows": (_("条数"), {}),
    "rights": (_("数据权限"), {}),
    "format": (_("格式"), {}),
    "id_numbers": (_("身份号码"), {"shown": _("明文"), "masked": _("遮盖")}),
    "via": (_("途径"), {"web": _("网页"), "api": _("接口")}),
    "filters": (_("筛选条件"), {}),
    "through_id": (_("清理至"), {}),
    "anchor_hash": (_("锚点校验值"), {}),
    "days": (_("保存天数"), {}),
    "kind": (
        _("类型"),
        {"buildings": _("楼栋"), "households": _("住户"), "persons": _("人员")},
    ),
}

EMPTY = _("（空）")


def _birth_year(value: Any) -> Any:
    text = str(value or "")
    return text[:4] if len(text) >= 10 and text[4] == "-" else value


# The logs are read by auditors and administrators, who may not reveal identity numbers:
# what they show of a person never rebuilds one, whatever a row stored (rows written
# before the mask was shortened kept more digits and the whole birth date).
_MASKED_VALUES = {"id_number": lambda v: mask_id_number(v) or v, "birth_date": _birth_year}


def mask_labels(records: Iterable) -> None:
    """Re-mask the identity numbers in each log row's ``target_label``, for display."""
    for record in records:
        record.target_label = redact_id_numbers(record.target_label)


def masked_changes(changes: Mapping[str, Any] | None) -> dict[str, Any]:
    """A change log row's ``changes`` as the logs show them (see ``_MASKED_VALUES``)."""
    shown = {}
    for key, change in (changes or {}).items():
        mask = _MASKED_VALUES.get(key)
        if mask is None:
            shown[key] = change
        elif isinstance(change, list):
            shown[key] = [mask(v) for v in change]
        else:
            shown[key] = mask(change)
    return shown


def action_label(code: str) -> str:
    return str(ACTION_LABELS.get(code, code))


@dataclass(frozen=True)
class Value:
    text: str  # what the reader sees
    raw: str  # the stored value, kept in a title attribute


@dataclass(frozen=True)
class ChangeLine:
    label: str
    key: str
    old: Value | None  # None for a plain fact (no before/after)
    new: Value


def _model_for(target_type: str) -> type[models.Model] | None:
    try:
        return apps.get_model(target_type)
    except (LookupError, ValueError):
        return None


def _field(model, name: str) -> models.Field | None:
    if model is None:
        return None
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    return field if isinstance(field, models.Field) else None


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


def _names_of(user, field: models.ForeignKey, keys: set[str]) -> dict[str, str]:
    """``{stored value: str(record)}`` for the related records the user may see."""
    related = field.related_model
    target = field.target_field
    own = {f.name for f in related._meta.concrete_fields}
    condition = Q()
    plain = [k for k in keys if not _is_uuid(k)]
    if plain and isinstance(target, (models.AutoField, models.IntegerField)):
        condition |= Q(**{f"{target.attname}__in": [int(k) for k in plain if k.isdigit()]})
    elif plain:
        condition |= Q(**{f"{target.attname}__in": plain})
    # Snapshots name some records by their public uid, units by their code.
    extra_keys = [name for name in ("uid", "code") if name in own and name != target.attname]
    if "code" in extra_keys and plain:
        condition |= Q(code__in=plain)
    uuids = [k for k in keys if _is_uuid(k)]
    if "uid" in extra_keys and uuids:
        condition |= Q(uid__in=uuids)
    if not condition:
        return {}
    queryset = related._default_manager.select_related().filter(condition)
    if hasattr(related, "scope_field"):
        queryset = scoped(queryset, user, personal=False)  # what the log names is what audit needs
    names = {}
    for obj in queryset:
        for name in (target.attname, *extra_keys):
            names[str(getattr(obj, name))] = str(obj)
    return names


def _plain_text(value: Any) -> str:
    if value is None or value == "":
        return str(EMPTY)
    if value is True:
        return str(_("是"))
    if value is False:
        return str(_("否"))
    return str(value)


def describe_changes(user, events: Iterable) -> None:
    """Give each event ``action_label`` and ``change_lines`` (a list of ``ChangeLine``),
    naming related records with one query per related model whatever the page's length;
    identity numbers and birth dates masked, in the lines and the label."""
    events = list(events)
    mask_labels(events)
    # (related model, its key field) → (one foreign key to it, the stored values to name)
    wanted: dict[tuple[type, str], tuple[models.ForeignKey, set[str]]] = {}
    for event in events:
        model = _model_for(event.target_type)
        for key, change in (event.changes or {}).items():
            field = _field(model, key)
            if isinstance(field, models.ForeignKey):
                values = change if isinstance(change, list) else [change]
                slot = (field.related_model, field.target_field.attname)
                _fk, keys = wanted.setdefault(slot, (field, set()))
                keys.update(str(v) for v in values if v not in (None, ""))
    names_of = {slot: _names_of(user, fk, keys) for slot, (fk, keys) in wanted.items()}

    for event in events:
        model = _model_for(event.target_type)
        event.action_label = action_label(event.action)
        lines = []
        for key, change in masked_changes(event.changes).items():
            field = _field(model, key)
            if field is not None:
                label = str(field.verbose_name)
                choices = {str(k): str(v) for k, v in field.flatchoices}
                names = (
                    names_of.get((field.related_model, field.target_field.attname), {})
                    if isinstance(field, models.ForeignKey)
                    else {}
                )
            else:
                extra_label, extra_choices = EXTRA_FIELDS.get(key, (key, {}))
                label, names = str(extra_label), {}
                choices = {k: str(v) for k, v in extra_choices.items()}

            def value(raw: Any, choices=choices, names=names) -> Value:
                if raw is None or raw == "":
                    return Value(str(EMPTY), "")
                key_text = str(raw)
                text = names.get(key_text) or choices.get(key_text) or _plain_text(raw)
                return Value(text, key_text)

            if isinstance(change, list) and len(change) == 2:
                lines.append(ChangeLine(label, key, value(change[0]), value(change[1])))
            else:
                lines.append(ChangeLine(label, key, None, value(change)))
        event.change_lines = lines
