"""Every write to the organisation tree and the staff users."""

from collections.abc import Callable, Iterable
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core.hooks import app_hooks
from shequ.core.identifiers import (
    division_level,
    division_parents,
    validate_division_code,
    validate_mobile,
)
from shequ.core.versions import changed_fields, lock_for_edit, lock_row, row_values
from shequ.org.audit import audit_change, field_changes, save_with_history
from shequ.org.auth import api_tokens_revoke
from shequ.org.models import OrgUnit, RightRequest, User
from shequ.org.roles import (
    DUTY_ROLES,
    RIGHT_LABELS,
    ROLE_LEVELS,
    Action,
    Duty,
    Level,
    Role,
    can,
    may_manage_account_at,
    rights_for,
)
from shequ.org.scoping import code_in_scope, forget_jurisdiction

# Other apps register what keeps a unit from being closed (e.g. people still living in it) as
# "unit_close_guards" (core/hooks.py); each guard returns a message or "" when it has none.
CloseGuard = Callable[[OrgUnit], str]

_DIVISION_LEVEL_FOR = {
    Level.DISTRICT: "county",
    Level.STREET: "town",
    Level.COMMUNITY: "village",
}


def _require(actor: User, action: Action) -> None:
    if not can(actor, action):
        raise PermissionDenied(_("您的角色不能执行此操作。"))


def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写原因。")})
    return reason


def _require_below_own_unit(actor: User, unit: OrgUnit) -> None:
    """Administrators manage the units below their own, never their own or anything outside."""
    if actor.is_superuser:
        return
    if not code_in_scope(actor, unit.code, personal=False) or unit.code == actor.unit_id:
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


def _check_sibling_name(
    parent: OrgUnit | None, name: str, *, exclude: OrgUnit | None = None
) -> None:
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
    *, actor: User, parent: OrgUnit, code: str, name: str, kind: str, reason: str = ""
) -> OrgUnit:
    """Create a unit under ``parent``: a district, street, community, compound or grid."""
    _require(actor, Action.MANAGE_ORG)
    if not actor.is_superuser and not code_in_scope(actor, parent.code, personal=False):
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
    *, actor: User, unit: OrgUnit, name: str, reason: str, version: int | None = None
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
def org_unit_close(*, actor: User, unit: OrgUnit, reason: str) -> OrgUnit:
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
    objections += [message for guard in app_hooks("unit_close_guards") if (message := guard(unit))]
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
def org_unit_reopen(*, actor: User, unit: OrgUnit, reason: str) -> OrgUnit:
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
def blind_zone_delegate(
    *, actor: User, zone: OrgUnit, delegate: OrgUnit | None, reason: str
) -> OrgUnit:
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


def default_duty(role: str) -> str:
    """An auditor's duty is audit; any other role works with data unless told otherwise."""
    return Duty.AUDIT if role == Role.AUDITOR else Duty.DATA


def _check_duty(role: str, duty: str) -> str:
    duty = duty or default_duty(role)
    if duty not in Duty.values:
        raise ValidationError({"duty": _("未知的职责：%(duty)s。") % {"duty": duty}})
    if role not in DUTY_ROLES[duty]:
        raise ValidationError(
            {
                "duty": _("“%(role)s”不能担任“%(duty)s”职责。")
                % {"role": Role(role).label, "duty": Duty(duty).label}
            }
        )
    return duty


def _check_rights(rights: Iterable[str] | None, role: str, duty: str) -> list[str]:
    wanted = sorted({str(r) for r in rights or ()})
    allowed = rights_for(role, duty)
    refused = [r for r in wanted if r not in allowed]
    if refused:
        raise ValidationError(
            {
                "rights": _("“%(role)s”（%(duty)s）不能拥有这些数据权限：%(rights)s。")
                % {
                    "role": Role(role).label,
                    "duty": Duty(duty).label,
                    "rights": "、".join(str(RIGHT_LABELS.get(r, r)) for r in refused),
                }
            }
        )
    return wanted


def _clean_phone(phone: str) -> str:
    """A staff user's phone is optional; when given it is a mainland mobile number (the API
    and the command line reach here without a form that checked it)."""
    if not (phone or "").strip():
        return ""
    try:
        return validate_mobile(phone)
    except ValidationError as exc:
        raise ValidationError({"phone": exc.messages}) from exc


def _require_manages(actor: User | None, unit_code: str) -> None:
    """Accounts are managed only by an administrator of a unit above theirs (or at set-up)."""
    if actor is None or actor.is_superuser:
        return
    if not code_in_scope(actor, unit_code, personal=False) or not may_manage_account_at(
        actor, unit_code
    ):
        raise PermissionDenied(
            _("只能管理下级单位的账号，本单位和上级单位的账号由上级管理员管理。")
        )


def _require_user_in_scope(actor: User | None, user: User) -> None:
    if actor is None or actor.is_superuser:
        return
    if user.is_superuser or not user.unit_id:
        raise PermissionDenied(
            _("只能管理下级单位的账号，本单位和上级单位的账号由上级管理员管理。")
        )
    _require_manages(actor, user.unit_id)


def _user_snapshot(user: User) -> dict[str, Any]:
    return {
        "full_name": user.full_name,
        "phone": user.phone,
        "role": user.role,
        "duty": user.duty,
        "unit": user.unit_id,
        "is_active": user.is_active,
        "data_rights": ",".join(user.data_rights or []),
    }


@transaction.atomic
def user_create(
    *,
    actor: User | None,
    username: str,
    full_name: str,
    role: str,
    unit: OrgUnit,
    password: str,
    phone: str = "",
    duty: str = "",
    rights: Iterable[str] = (),
    reason: str = "",
) -> User:
    """Create a staff user bound to one unit with one role and one duty.

    An administrator's new account starts without data rights: the rights asked for wait for
    a second person's approval (``right_request_decide``), and the first login asks for a new
    password. Set-up (no actor: the command line, the demo) grants them at once."""
    if actor is not None:
        _require(actor, Action.MANAGE_USERS)
        _require_manages(actor, unit.code)
    _check_role_for_unit(role, unit)
    duty = _check_duty(role, duty)
    wanted = _check_rights(rights, role, duty)
    username = (username or "").strip()
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("用户名 %(u)s 已存在。") % {"u": username}})
    user = User(
        username=username,
        full_name=full_name.strip(),
        role=role,
        duty=duty,
        unit=unit,
        phone=_clean_phone(phone),
        data_rights=wanted if actor is None else [],
        must_change_password=actor is not None,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc
    user.set_password(password)
    user.full_clean(exclude=["password", "created_by"])
    save_with_history(user, actor=actor, reason=reason or _("新建用户"))
    audit_change(
        actor=actor,
        action="user.create",
        target=user,
        unit_code=unit.code,
        label=user.username,
        reason=reason,
        changes=field_changes({}, _user_snapshot(user)),
    )
    if actor is not None and wanted:
        _request_rights(actor=actor, user=user, rights=wanted, reason=reason or _("新建用户"))
    return user


@transaction.atomic
def user_update(
    *,
    actor: User,
    user: User,
    full_name: str,
    role: str,
    unit: OrgUnit,
    phone: str,
    reason: str,
    duty: str | None = None,
    version: int | None = None,
) -> User:
    """Change a staff user's name, role, duty, unit or phone. A new role, duty or unit
    drops the account's data rights: they are asked for and approved again. ``version``: the
    one the edit was based on (``org_unit_rename``)."""
    _require(actor, Action.MANAGE_USERS)
    reason = _require_reason(reason)
    lock_for_edit(user, version=version, check=lambda u: _require_user_in_scope(actor, u))
    row = row_values(user)
    _require_manages(actor, unit.code)
    if user.pk == actor.pk and (role != user.role or unit.code != user.unit_id):
        raise PermissionDenied(_("不能修改自己的角色或单位。"))
    _check_role_for_unit(role, unit)
    if not duty:
        # Unsaid: the account keeps its duty where the (new) role allows it.
        duty = user.duty if role in DUTY_ROLES.get(user.duty, ()) else ""
    duty = _check_duty(role, duty)
    before = _user_snapshot(user)
    moved = (role, duty, unit.code) != (user.role, user.duty, user.unit_id)
    user.full_name, user.role, user.duty, user.unit = full_name.strip(), role, duty, unit
    user.phone = _clean_phone(phone)
    if moved:
        user.data_rights = []
        _supersede_pending(user)
    user.full_clean(exclude=["password", "created_by"])
    save_with_history(user, actor=actor, reason=reason, update_fields=changed_fields(user, row))
    audit_change(
        actor=actor,
        action="user.update",
        target=user,
        unit_code=user.unit_id or "",
        label=user.username,
        reason=reason,
        changes=field_changes(before, _user_snapshot(user)),
    )
    forget_jurisdiction(user)
    return user


@transaction.atomic
def user_set_active(*, actor: User, user: User, active: bool, reason: str) -> User:
    """Deactivate (停用) or reactivate a staff user; users are never deleted."""
    _require(actor, Action.MANAGE_USERS)
    lock_row(user)
    _require_user_in_scope(actor, user)
    reason = _require_reason(reason)
    if user.pk == actor.pk:
        raise PermissionDenied(_("不能停用自己的账号。"))
    if user.is_active == active:
        raise ValidationError(_("用户已经是该状态。"))
    if active:
        _check_role_for_unit(user.role, user.unit)  # type: ignore[arg-type]  # staff: a unit
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
def user_set_password(*, actor: User, user: User, password: str, reason: str) -> User:
    """Set a new password for a staff user (an administrator's reset): the user must choose
    their own at the next login, and the user's API tokens stop working."""
    _require(actor, Action.MANAGE_USERS)
    lock_row(user)
    _require_user_in_scope(actor, user)
    reason = _require_reason(reason)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc
    user.set_password(password)
    user.must_change_password = True
    save_with_history(user, actor=actor, reason=reason)
    audit_change(
        actor=actor,
        action="user.set_password",
        target=user,
        unit_code=user.unit_id or "",
        label=user.username,
        reason=reason,
        changes={"must_change_password": [False, True]},
    )
    api_tokens_revoke(user=user, actor=actor, reason=reason)
    return user


@transaction.atomic
def user_change_own_password(*, user: User, password: str) -> User:
    """The user sets their own password (after a reset this clears the demand to change it)."""
    user.set_password(password)
    was_forced = user.must_change_password
    user.must_change_password = False
    save_with_history(user, actor=user, reason=_("本人修改密码"))
    audit_change(
        actor=user,
        action="user.change_password",
        target=user,
        unit_code=user.unit_id or "",
        label=user.username,
        changes={"must_change_password": [True, False]} if was_forced else {},
    )
    api_tokens_revoke(user=user, actor=user, reason=_("修改密码"))
    return user


# --- Data rights: granted only with a second person's approval ---------------------------


def _supersede_pending(user: User) -> None:
    RightRequest.objects.filter(user=user, status=RightRequest.Status.PENDING).update(
        status=RightRequest.Status.SUPERSEDED, decided_at=timezone.now()
    )


def _request_rights(
    *, actor: User | None, user: User, rights: list[str], reason: str
) -> RightRequest:
    _supersede_pending(user)
    request = RightRequest.objects.create(
        user=user,
        unit_code=user.unit_id or "",
        rights=rights,
        requested_by=actor if getattr(actor, "pk", None) else None,
        reason=reason,
    )
    audit_change(
        actor=actor,
        action="user.rights_request",
        target=user,
        unit_code=user.unit_id or "",
        label=user.username,
        reason=reason,
        changes={"rights": [None, ",".join(rights)]},
    )
    return request


@transaction.atomic
def user_set_rights(
    *, actor: User | None, user: User, rights: Iterable[str] | None, reason: str
) -> RightRequest | None:
    """Set the data rights an account should hold. Rights taken away go at once; rights
    added wait for a second person's approval (set-up, with no actor, grants them).
    Returns the pending request, if any."""
    if actor is not None:
        _require(actor, Action.MANAGE_USERS)
        _require_user_in_scope(actor, user)
    reason = _require_reason(reason)
    wanted = _check_rights(rights, user.role, user.duty)
    current = set(user.data_rights or [])
    added = sorted(set(wanted) - current)
    kept = sorted(current & set(wanted))
    if actor is None:
        kept, added = wanted, []
    if kept != sorted(current):
        before = _user_snapshot(user)
        user.data_rights = kept
        save_with_history(user, actor=actor, reason=reason)
        audit_change(
            actor=actor,
            action="user.rights_change",
            target=user,
            unit_code=user.unit_id or "",
            label=user.username,
            reason=reason,
            changes=field_changes(before, _user_snapshot(user)),
        )
    if not added:
        _supersede_pending(user)
        return None
    return _request_rights(actor=actor, user=user, rights=added, reason=reason)


def may_decide(actor: User, request: RightRequest) -> bool:
    """A second person decides: an administrator of a unit above the account's, who neither
    asked for the rights nor created the account, and is not the account itself."""
    if not can(actor, Action.APPROVE_RIGHTS):
        return False
    user = request.user
    if actor.pk in {request.requested_by_id, user.created_by_id, user.pk}:
        return False
    if actor.is_superuser:
        return True
    return code_in_scope(actor, request.unit_code, personal=False) and may_manage_account_at(
        actor, request.unit_code
    )


@transaction.atomic
def right_request_decide(
    *, actor: User, request: RightRequest, approve: bool, reason: str
) -> RightRequest:
    """Approve (the account gets the rights) or refuse a pending request, with a reason."""
    _require(actor, Action.APPROVE_RIGHTS)
    # The request row is locked so that two approvers cannot both decide it.
    request = RightRequest.objects.select_for_update(of=("self",)).get(pk=request.pk)
    if not may_decide(actor, request):
        raise PermissionDenied(_("数据权限须由申请人和创建人以外的上级管理员审批。"))
    reason = _require_reason(reason)
    if request.status != RightRequest.Status.PENDING:
        raise ValidationError(_("该申请已处理。"))
    user = request.user
    request.status = RightRequest.Status.APPROVED if approve else RightRequest.Status.REFUSED
    request.decided_by = actor
    request.decided_at = timezone.now()
    request.decision_reason = reason
    request.save()
    changes = {"rights": [None, ",".join(request.rights)]}
    if approve:
        before = _user_snapshot(user)
        allowed = rights_for(user.role, user.duty)
        user.data_rights = sorted(
            set(user.data_rights or []) | {r for r in request.rights if r in allowed}
        )
        save_with_history(user, actor=actor, reason=reason)
        changes = field_changes(before, _user_snapshot(user))
    audit_change(
        actor=actor,
        action="user.rights_approve" if approve else "user.rights_refuse",
        target=user,
        unit_code=user.unit_id or "",
        label=user.username,
        reason=reason,
        changes=changes,
    )
    return request
