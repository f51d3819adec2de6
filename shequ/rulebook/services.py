"""Every write of the rulebook: a new value, an edit of one, the end of one. City staff
(``manage_rules``) write in their jurisdiction; each change keeps a history row and a
change-log event with the reason."""

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from shequ.core.versions import changed_fields, lock_for_edit, row_values
from shequ.org.audit import audit_change, field_changes, save_with_history
from shequ.org.models import User
from shequ.org.roles import Action, can
from shequ.rulebook.models import Setting
from shequ.rulebook.selectors import PREFIX_LENGTHS, setting_may_edit

_NAME_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789_.")


def _check_actor(actor: User | None, region_prefix: str) -> None:
    if actor is None:
        return  # set-up: data migrations, the demo
    if not can(actor, Action.MANAGE_RULES):
        raise PermissionDenied(_("您的角色不能修改规则设置。"))
    if not setting_may_edit(actor, region_prefix):
        raise PermissionDenied(_("该地区不在您的管辖范围内。"))


def _validate(
    *,
    programme: str,
    key: str,
    region_prefix: str,
    valid_from: datetime.date,
    valid_to: datetime.date | None,
    value: Any,
    exclude: int | None = None,
) -> None:
    errors: dict[str, str] = {}
    for name, text in (("programme", programme), ("key", key)):
        if not text or set(text) - _NAME_CHARS:
            errors[name] = _("只能使用小写字母、数字、下划线和点。")
    if region_prefix and (not region_prefix.isdigit() or len(region_prefix) not in PREFIX_LENGTHS):
        errors["region_prefix"] = _(
            "地区须为区划代码的 2、4、6、9、12 或 14 位前缀，或留空表示全国。"
        )
    if valid_to is not None and valid_to < valid_from:
        errors["valid_to"] = _("截止日期不能早于生效日期。")
    if isinstance(value, bool) or not isinstance(value, int | float | str | dict | list):
        errors["value"] = _("值须为数字、文字或对象（JSON）。")
    if not errors:
        overlapping = Setting.objects.filter(
            programme=programme, key=key, region_prefix=region_prefix
        ).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=valid_from))
        if valid_to is not None:
            overlapping = overlapping.filter(valid_from__lte=valid_to)
        if exclude is not None:
            overlapping = overlapping.exclude(pk=exclude)
        clash = overlapping.first()
        if clash is not None:
            errors["valid_from"] = _(
                "与同一地区已有的设置（%(start)s 起）时段重叠：请先为它填写截止日期。"
            ) % {"start": clash.valid_from}
    if errors:
        raise ValidationError(errors)


def _audit(actor: User | None, action: str, setting: Setting, reason: str, changes: dict) -> None:
    audit_change(
        actor=actor,
        action=action,
        target=setting,
        unit_code=setting.region_prefix,
        label=str(setting),
        reason=reason,
        changes=changes,
    )


def setting_create(
    *,
    actor: User | None,
    programme: str,
    key: str,
    value: Any,
    valid_from: datetime.date,
    region_prefix: str = "",
    valid_to: datetime.date | None = None,
    note: str = "",
    reason: str,
) -> Setting:
    """A new value of a setting for a region and a period (none of its own may overlap)."""
    _check_actor(actor, region_prefix)
    with transaction.atomic():
        _validate(
            programme=programme,
            key=key,
            region_prefix=region_prefix,
            valid_from=valid_from,
            valid_to=valid_to,
            value=value,
        )
        setting = Setting(
            programme=programme,
            key=key,
            region_prefix=region_prefix,
            valid_from=valid_from,
            valid_to=valid_to,
            value=value,
            note=note,
            updated_by=actor,
        )
        save_with_history(setting, actor=actor, reason=reason)
        after = {
            "value": value,
            "valid_from": str(valid_from),
            "valid_to": str(valid_to) if valid_to else None,
        }
        _audit(actor, "setting.create", setting, reason, field_changes({}, after))
    return setting


def setting_update(
    *,
    actor: User | None,
    setting: Setting,
    version: int | None,
    reason: str,
    value: Any = None,
    valid_from: datetime.date | None = None,
    valid_to: datetime.date | None = None,
    end: bool = False,
    note: str | None = None,
) -> Setting:
    """Change the value, the period or the note of a setting (``end`` with ``valid_to``: it
    stops applying then). Based on ``version``: a stale edit raises ``EditConflict``."""
    if not (reason or "").strip():
        raise ValidationError({"reason": _("请填写修改原因。")})
    with transaction.atomic():
        lock_for_edit(
            setting, version=version, check=lambda s: _check_actor(actor, s.region_prefix)
        )
        before = row_values(setting)
        if value is not None:
            setting.value = value
        if valid_from is not None:
            setting.valid_from = valid_from
        if valid_to is not None or end:
            setting.valid_to = valid_to
        if note is not None:
            setting.note = note
        _validate(
            programme=setting.programme,
            key=setting.key,
            region_prefix=setting.region_prefix,
            valid_from=setting.valid_from,
            valid_to=setting.valid_to,
            value=setting.value,
            exclude=setting.pk,
        )
        fields = changed_fields(setting, before)
        if fields == ["updated_at"] or not fields:
            return setting
        setting.updated_by = actor
        save_with_history(
            setting, actor=actor, reason=reason, update_fields=[*fields, "updated_by"]
        )
        changes = {
            name: [
                str(before[name]) if before[name] is not None else None,
                str(getattr(setting, name)),
            ]
            for name in ("value", "valid_from", "valid_to", "note")
            if name in fields
        }
        _audit(actor, "setting.update", setting, reason, changes)
    return setting


def settings_seed(defaults: list[dict[str, Any]], *, since: datetime.date) -> int:
    """Set-up (data migrations, the demo): add each ``{"programme", "key", "value", "note"?,
    "region_prefix"?}`` not yet present, valid from ``since``. Returns how many were added."""
    added = 0
    for entry in defaults:
        region = entry.get("region_prefix", "")
        exists = Setting.objects.filter(
            programme=entry["programme"], key=entry["key"], region_prefix=region
        ).exists()
        if not exists:
            setting_create(
                actor=None,
                programme=entry["programme"],
                key=entry["key"],
                value=entry["value"],
                region_prefix=region,
                valid_from=since,
                note=entry.get("note", ""),
                reason=_("默认设置"),
            )
            added += 1
    return added
