"""Every write to the organisation tree and the staff users."""

from collections.abc import Callable

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core.identifiers import (
    division_level,
    division_parents,
    validate_division_code,
    validate_mobile,
)
from shequ.core.versions import changed_fields, lock_for_edit, lock_row, row_values
from shequ.org.audit import audit_change, field_changes, save_with_history
from shequ.org.auth import api_tokens_revoke
from shequ.org.models import OrgUnit, User
from shequ.org.roles import ROLE_LEVELS, Action, Level, Role, can, may_manage_auditor_at
from shequ.org.scoping import code_in_scope, forget_jurisdiction

# Other apps register here what keeps a unit from being closed (e.g. people still living in
# it); each guard returns a message or "" when it has no objection.
CloseGuard = Callable[[OrgUnit], str]
UNIT_CLOSE_GUARDS: list[CloseGuard] = []

_DIVISION_LEVEL_FOR = {
    Level.DISTRICT: "county",
    Level.STREET: "town",
    Level.COMMUNITY: "village",
}


def _require(actor, action: Action) -> None:
    if not can(actor, action):
        raise PermissionDenied(_("您的角色不能执行此操作。"))


def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写原因。")})
    return reason


def _require_below_own_unit(actor, unit: OrgUnit) -> None:
    """Administrators manage the units below their own, never their own or anything outside."""
    if actor.is_superuser:
        return
    if not code_in_scope(actor, unit.code) or unit.code == actor.unit_id:
        raise PermissionDenied(_("只能管理本单位以下的组织。"))


def _check_child_code(parent: OrgUnit, code: str, kind: str) -> None:
    level = OrgUnit.KIND_LEVEL[kind]
    if level != parent.level + 1:
        raise ValidationError(
            {
                "kind": _("%(parent)s 下不能建立“%(kind)s”。")
                % {"parent": parent.name, "kind": OrgUnit.Kind(kind).label}
            }
        )
    if level == Level.GRID:
        if not (len(code) == 14 and code.isdigit() and code.startswith(parent.code)):
            raise ValidationError(
                {
                    "code": _("网格代码为所属社区的 12 位代码加两位序号，例如 %(example)s。")
                    % {"example": parent.code + "01"}
                }
            )
        return
    try:
        validate_division_code(code)
    except ValidationError as exc:
        raise ValidationError({"code": exc.messages}) from exc
    expected = _DIVISION_LEVEL_FOR[level]
    if division_level(code) != expected or parent.code not in division_parents(code):
        raise ValidationError(
            {
                "code": _("代码 %(code)s 不是 %(parent)s（%(parent_code)s）的下一级区划代码。")
                % {"code": code, "parent": parent.name, "parent_code": parent.code}
            }
        )


def _check_sibling_name(parent: OrgUnit | None, name: str, *, exclude: OrgUnit | None = None):
    """Two active units under one parent never share a name: lists, pickers and exports tell
    units apart by name, and a duplicate is almost always the same place entered twice."""
    siblings = OrgUnit.objects.filter(parent=parent, name=name, is_active=True)
    if exclude is not None:
        siblings = siblings.exclude(pk=exclude.pk)
    twin = siblings.only("code").first()
    if twin is not None:
        raise ValidationError(
            {
                "name": _("%(parent)s 下已有名为“%(name)s”的单位（%(code)s）。")
                % {
                    "parent": parent.name if parent else _("顶层"),
                    "name": name,
                    "code": twin.code,
                }
            }
        )


@transaction.atomic
def org_unit_create(
    *, actor, parent: OrgUnit, code: str, name: str, kind: str, reason: str = ""
) -> OrgUnit:
    """Create a unit under ``parent``: a district, street, community, compound or grid."""
    _require(actor, Action.MANAGE_ORG)
    if not actor.is_superuser and not code_in_scope(actor, parent.code):
        raise PermissionDenied(_("只能在本单位以下建立组织。"))
    if not parent.is_active:
        raise ValidationError({"parent": _("上级单位已撤销。")})
    code = (code or "").strip()
    name = (name or "").strip()
    _check_child_code(parent, code, kind)
    if OrgUnit.objects.filter(code=code).exists():
        raise ValidationError({"code": _("代码 %(code)s 已被使用。") % {"code": code}})
    _check_sibling_name(parent, name)
    unit = OrgUnit(code=code, name=name, kind=kind, level=OrgUnit.KIND_LEVEL[kind], parent=parent)
    unit.full_clean()
    save_with_history(unit, actor=actor, reason=reason or _("新建"))
    audit_change(
        actor=actor,
        action="org_unit.create",
        target=unit,
        unit_code=unit.code,
        label=unit.name,
        reason=reason,
        changes={"name": [None, name], "kind": [None, kind], "parent": [None, parent.code]},
    )
    return unit


@transaction.atomic
def org_unit_rename(
    *, actor, unit: OrgUnit, name: str, reason: str, version: int | None = None
) -> OrgUnit:
    """Give a unit a new name; its code never changes. ``version``: the one the edit was
    based on (None: the one ``unit`` was loaded at); a stale one raises ``EditConflict``."""
    _require(actor, Action.MANAGE_ORG)
    reason = _require_reason(reason)
    lock_for_edit(unit, version=version, check=lambda u: _require_below_own_unit(actor, u))
    row = row_values(unit)
    name = (name or "").strip()
    if unit.is_active:
        # A closed unit may keep the name a successor now uses; reopening checks again.
        _check_sibling_name(unit.parent, name, exclude=unit)
    before = {"name": unit.name}
    unit.name = name
    unit.full_clean()
    save_with_history(unit, actor=actor, reason=reason, update_fields=changed_fields(unit, row))
    audit_change(
        actor=actor,
        action="org_unit.rename",
        target=unit,
        unit_code=unit.code,
        label=unit.name,
        reason=reason,
        changes=field_changes(before, {"name": name}),
    )
    return unit


@transaction.atomic
def org_unit_close(*, actor, unit: OrgUnit, reason: str) -> OrgUnit:
    """Close (撤销) an empty unit: it stays in the tree and the history, inactive."""
    _require(actor, Action.MANAGE_ORG)
    lock_row(unit)
    _require_below_own_unit(actor, unit)
    reason = _require_reason(reason)
    if not unit.is_active:
        raise ValidationError(_("该单位已经撤销。"))
    objections = []
    if unit.children.filter(is_active=True).exists():
        objections.append(_("还有未撤销的下级单位"))
    if unit.delegated_zones.filter(is_active=True).exists():
        objections.append(_("还代管着盲区"))
    if User.objects.filter(unit=unit, is_active=True).exists():
        objections.append(_("还有在用的用户"))
    objections += [message for guard in UNIT_CLOSE_GUARDS if (message := guard(unit))]
    if objections:
        raise ValidationError(
            _("不能撤销 %(name)s：%(why)s。") % {"name": unit.name, "why": "；".join(objections)}
        )
    unit.is_active = False
    unit.closed_at = timezone.now()
    unit.closed_reason = reason[:200]
    save_with_history(unit, actor=actor, reason=reason)
    audit_change(
        actor=actor,
        action="org_unit.close",
        target=unit,
        unit_code=unit.code,
        label=unit.name,
        reason=reason,
        changes={"is_active": [True, False]},
    )
    return unit


@transaction.atomic
def org_unit_reopen(*, actor, unit: OrgUnit, reason: str) -> OrgUnit:
    """Reopen a closed unit whose parent is still active."""
    _require(actor, Action.MANAGE_ORG)
    lock_row(unit)
    _require_below_own_unit(actor, unit)
    reason = _require_reason(reason)
    if unit.is_active:
        raise ValidationError(_("该单位未撤销。"))
    if unit.parent and not unit.parent.is_active:
        raise ValidationError(_("上级单位已撤销，请先恢复上级单位。"))
    try:
        _check_sibling_name(unit.parent, unit.name, exclude=unit)
    except ValidationError as exc:
        raise ValidationError(
            _("%(message)s请先将其中一个更名。") % {"message": exc.messages[0]}
        ) from exc
    unit.is_active = True
    unit.closed_at = None
    unit.closed_reason = ""
    save_with_history(unit, actor=actor, reason=reason)
    audit_change(
        actor=actor,
        action="org_unit.reopen",
        target=unit,
        unit_code=unit.code,
        label=unit.name,
        reason=reason,
        changes={"is_active": [False, True]},
    )
    return unit


@transaction.atomic
def blind_zone_delegate(*, actor, zone: OrgUnit, delegate: OrgUnit | None, reason: str) -> OrgUnit:
    """Name who manages a compound with no community yet: its street, or a neighbouring
    community of the same street (``None`` gives it back to the street)."""
    _require(actor, Action.MANAGE_ORG)
    lock_row(zone)
    _require_below_own_unit(actor, zone)
    reason = _require_reason(reason)
    if zone.kind != OrgUnit.Kind.COMPOUND:
        raise ValidationError({"zone": _("只有未建社区的新建小区（盲区）可以委托代管。")})
    if delegate is not None:
        same_street = delegate.parent_id == zone.parent_id and delegate.level == Level.COMMUNITY
        if not (delegate.pk == zone.parent_id or same_street) or delegate.pk == zone.pk:
            raise ValidationError({"delegate": _("代管单位须为盲区所在街道或同一街道的相邻社区。")})
        if delegate.kind == OrgUnit.Kind.COMPOUND or not delegate.is_active:
            raise ValidationError({"delegate": _("代管单位须为在用的街道或社区。")})
    before = {"delegate": zone.delegate.code if zone.delegate else None}
    zone.delegate = delegate
    zone.full_clean()
    save_with_history(zone, actor=actor, reason=reason)
    audit_change(
        actor=actor,
        action="org_unit.delegate",
        target=zone,
        unit_code=zone.code,
        label=zone.name,
        reason=reason,
        changes=field_changes(before, {"delegate": delegate.code if delegate else None}),
    )
    forget_jurisdiction(actor)
    return zone


# --- Staff users ------------------------------------------------------------------------


def _check_role_for_unit(role: str, unit: OrgUnit) -> None:
    if role not in Role.values:
        raise ValidationError({"role": _("未知的角色：%(role)s。") % {"role": role}})
    if unit.level not in ROLE_LEVELS[role]:
        allowed = "、".join(str(Level(level).label) for level in sorted(ROLE_LEVELS[role]))
        raise ValidationError(
            {
                "role": _("“%(role)s”须属于%(levels)s级单位，%(unit)s 是%(level)s级。")
                % {
                    "role": Role(role).label,
                    "levels": allowed,
                    "unit": unit.name,
                    "level": Level(unit.level).label,
                }
            }
        )
    if not unit.is_active:
        raise ValidationError({"unit": _("%(unit)s 已撤销。") % {"unit": unit.name}})
    if unit.kind == OrgUnit.Kind.COMPOUND:
        # A blind zone is run by its street or a delegated community, whose staff work there.
        raise ValidationError(
            {"unit": _("%(unit)s 是未建社区的盲区，不能设用户。") % {"unit": unit.name}}
        )


def _require_auditor_separation(actor, role: str, unit: OrgUnit | None) -> None:
    if role == Role.AUDITOR and unit is not None and not may_manage_auditor_at(actor, unit.level):
        raise PermissionDenied(_("审计员只能由上级单位设立和管理，不能由本单位管理。"))


def _clean_phone(phone: str) -> str:
    """A staff user's phone is optional; when given it is a mainland mobile number (the API
    and the command line reach here without a form that checked it)."""
    if not (phone or "").strip():
        return ""
    try:
        return validate_mobile(phone)
    except ValidationError as exc:
        raise ValidationError({"phone": exc.messages}) from exc


def _require_user_in_scope(actor, user: User) -> None:
    if actor.is_superuser:
        return
    if user.is_superuser or not user.unit_id or not code_in_scope(actor, user.unit_id):
        raise PermissionDenied(_("只能管理本单位及以下单位的用户。"))


def _user_snapshot(user: User) -> dict:
    return {
        "full_name": user.full_name,
        "phone": user.phone,
        "role": user.role,
        "unit": user.unit_id,
        "is_active": user.is_active,
    }


@transaction.atomic
def user_create(
    *,
    actor,
    username: str,
    full_name: str,
    role: str,
    unit: OrgUnit,
    password: str,
    phone: str = "",
) -> User:
    """Create a staff user bound to one unit with one role."""
    if actor is not None:
        _require(actor, Action.MANAGE_USERS)
        if not actor.is_superuser and not code_in_scope(actor, unit.code):
            raise PermissionDenied(_("只能为本单位及以下单位建立用户。"))
    _require_auditor_separation(actor, role, unit)
    _check_role_for_unit(role, unit)
    username = (username or "").strip()
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("用户名 %(u)s 已存在。") % {"u": username}})
    user = User(
        username=username,
        full_name=full_name.strip(),
        role=role,
        unit=unit,
        phone=_clean_phone(phone),
    )
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc
    user.set_password(password)
    user.full_clean(exclude=["password"])
    save_with_history(user, actor=actor, reason=_("新建用户"))
    audit_change(
        actor=actor,
        action="user.create",
        target=user,
        unit_code=unit.code,
        label=user.username,
        changes=field_changes({}, _user_snapshot(user)),
    )
    return user


@transaction.atomic
def user_update(
    *,
    actor,
    user: User,
    full_name: str,
    role: str,
    unit: OrgUnit,
    phone: str,
    reason: str,
    version: int | None = None,
) -> User:
    """Change a staff user's name, role, unit or phone. ``version``: the one the edit was
    based on (``org_unit_rename``)."""
    _require(actor, Action.MANAGE_USERS)
    reason = _require_reason(reason)
    lock_for_edit(user, version=version, check=lambda u: _require_user_in_scope(actor, u))
    row = row_values(user)
    if not actor.is_superuser and not code_in_scope(actor, unit.code):
        raise PermissionDenied(_("只能将用户调入本单位及以下单位。"))
    if user.pk == actor.pk and (role != user.role or unit.code != user.unit_id):
        raise PermissionDenied(_("不能修改自己的角色或单位。"))
    _require_auditor_separation(actor, user.role, user.unit)
    _require_auditor_separation(actor, role, unit)
    _check_role_for_unit(role, unit)
    before = _user_snapshot(user)
    user.full_name, user.role, user.unit = full_name.strip(), role, unit
    user.phone = _clean_phone(phone)
    user.full_clean(exclude=["password"])
    save_with_history(user, actor=actor, reason=reason, update_fields=changed_fields(user, row))
    audit_change(
        actor=actor,
        action="user.update",
        target=user,
        unit_code=user.unit_id,
        label=user.username,
        reason=reason,
        changes=field_changes(before, _user_snapshot(user)),
    )
    forget_jurisdiction(user)
    return user


@transaction.atomic
def user_set_active(*, actor, user: User, active: bool, reason: str) -> User:
    """Deactivate (停用) or reactivate a staff user; users are never deleted."""
    _require(actor, Action.MANAGE_USERS)
    lock_row(user)
    _require_user_in_scope(actor, user)
    reason = _require_reason(reason)
    if user.pk == actor.pk:
        raise PermissionDenied(_("不能停用自己的账号。"))
    _require_auditor_separation(actor, user.role, user.unit)
    if user.is_active == active:
        raise ValidationError(_("用户已经是该状态。"))
    if active:
        _check_role_for_unit(user.role, user.unit)
    user.is_active = active
    user.deactivated_reason = "" if active else reason[:200]
    save_with_history(user, actor=actor, reason=reason)
    audit_change(
        actor=actor,
        action="user.activate" if active else "user.deactivate",
        target=user,
        unit_code=user.unit_id or "",
        label=user.username,
        reason=reason,
        changes={"is_active": [not active, active]},
    )
    if not active:
        api_tokens_revoke(user=user, actor=actor, reason=reason)
    return user


@transaction.atomic
def user_set_password(*, actor, user: User, password: str, reason: str) -> User:
    """Set a new password for a staff user (an administrator's reset)."""
    _require(actor, Action.MANAGE_USERS)
    lock_row(user)
    _require_user_in_scope(actor, user)
    _require_auditor_separation(actor, user.role, user.unit)
    reason = _require_reason(reason)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc
    user.set_password(password)
    save_with_history(user, actor=actor, reason=reason)
    audit_change(
        actor=actor,
        action="user.set_password",
        target=user,
        unit_code=user.unit_id or "",
        label=user.username,
        reason=reason,
    )
    api_tokens_revoke(user=user, actor=actor, reason=reason)
    return user
