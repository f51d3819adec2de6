"""Roles, duties and what each may do: ``can(user, action)`` is the one place that decides.
Jurisdiction (which records) is decided in ``scoping``; this module decides actions (what
may be done with them). docs/security.md has the table."""

from enum import StrEnum

from django.conf import settings
from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class Level(models.IntegerChoices):
    CITY = 1, _("市")
    DISTRICT = 2, _("区县")
    STREET = 3, _("街道/乡镇")
    COMMUNITY = 4, _("社区/村")
    GRID = 5, _("网格")


class Role(models.TextChoices):
    CITY = "city", _("市级工作人员")
    DISTRICT = "district", _("区县工作人员")
    STREET = "street", _("街道工作人员")
    COMMUNITY = "community", _("社区工作人员")
    GRID = "grid", _("网格员")
    PROVIDER = "provider", _("卫生服务机构人员")
    AUDITOR = "auditor", _("审计员（只读）")


class Duty(models.TextChoices):
    """Separation of duties (三权分立): one account does one kind of work."""

    DATA = "data", _("业务")  # the registry: reads and writes people's data
    ADMIN = "admin", _("系统管理")  # accounts and the organisation tree, no personal data
    AUDIT = "audit", _("安全审计")  # the audit logs, nothing else


class Action(StrEnum):
    MANAGE_ORG = "manage_org"  # create, rename, close units below one's own; blind zones
    MANAGE_USERS = "manage_users"  # staff accounts of the units below one's own
    APPROVE_RIGHTS = "approve_rights"  # approve or refuse another's request for data rights
    VIEW_AUDIT = "view_audit"  # the change log and the sensitive-read log
    READ_REGISTRY = "read_registry"  # people's and housing records (masked)
    EDIT_REGISTRY = "edit_registry"  # register, edit, move, depart persons; housing
    IMPORT_REGISTRY = "import_registry"  # bulk imports of the registry
    EXPORT_REGISTRY = "export_registry"  # Excel/CSV exports of people's data
    REVEAL_ID_NUMBER = "reveal_id_number"  # see an identity number unmasked (logged)
    # Contraception and pregnancy facts (logged): a right of its own, granted per account
    # whatever the level; grid accounts may hold it only where the deployment says so.
    VIEW_HEALTH = "view_health"
    MANAGE_RULES = "manage_rules"  # the rulebook's settings and the working-day calendar


# Data rights are explicit grants on an account (User.data_rights), approved by a second
# person (services.right_request_decide); the role only says which ones it may hold at all.
DATA_RIGHTS: tuple[Action, ...] = (
    Action.REVEAL_ID_NUMBER,
    Action.VIEW_HEALTH,
    Action.EXPORT_REGISTRY,
)
RIGHT_LABELS: dict[str, str | Promise] = {
    Action.REVEAL_ID_NUMBER: _("查看完整身份证号"),
    Action.VIEW_HEALTH: _("查看健康信息"),
    Action.EXPORT_REGISTRY: _("导出人员数据"),
}

# The unit level a role's user must belong to; provider and auditor may sit at several.
ROLE_LEVELS: dict[str, set[int]] = {
    Role.CITY: {Level.CITY},
    Role.DISTRICT: {Level.DISTRICT},
    Role.STREET: {Level.STREET},
    Role.COMMUNITY: {Level.COMMUNITY},
    Role.GRID: {Level.GRID},
    Role.PROVIDER: {Level.DISTRICT, Level.STREET, Level.COMMUNITY},
    Role.AUDITOR: {Level.CITY, Level.DISTRICT, Level.STREET},
}

# The roles each duty may be held with: administrators sit where there are units below.
DUTY_ROLES: dict[str, frozenset[str]] = {
    Duty.DATA: frozenset(Role.values) - {Role.AUDITOR},
    Duty.ADMIN: frozenset({Role.CITY, Role.DISTRICT, Role.STREET}),
    Duty.AUDIT: frozenset({Role.AUDITOR}),
}

DUTY_ACTIONS: dict[str, frozenset[Action]] = {
    Duty.ADMIN: frozenset({Action.MANAGE_ORG, Action.MANAGE_USERS, Action.APPROVE_RIGHTS}),
    Duty.AUDIT: frozenset({Action.VIEW_AUDIT}),
}

# Data work by role: what the role does without a grant.
ROLE_ACTIONS: dict[str, frozenset[Action]] = {
    Role.CITY: frozenset({Action.READ_REGISTRY, Action.MANAGE_RULES}),
    Role.DISTRICT: frozenset({Action.READ_REGISTRY}),
    Role.STREET: frozenset({Action.READ_REGISTRY, Action.EDIT_REGISTRY, Action.IMPORT_REGISTRY}),
    Role.COMMUNITY: frozenset({Action.READ_REGISTRY, Action.EDIT_REGISTRY, Action.IMPORT_REGISTRY}),
    Role.GRID: frozenset({Action.READ_REGISTRY, Action.EDIT_REGISTRY}),
    Role.PROVIDER: frozenset({Action.READ_REGISTRY}),
    Role.AUDITOR: frozenset(),
}
assert set(ROLE_ACTIONS) == set(Role.values)

# The data rights a data account of the role may be granted.
ROLE_RIGHTS: dict[str, frozenset[Action]] = {
    Role.CITY: frozenset(),
    Role.DISTRICT: frozenset(),
    Role.STREET: frozenset(DATA_RIGHTS),
    Role.COMMUNITY: frozenset(DATA_RIGHTS),
    Role.GRID: frozenset({Action.REVEAL_ID_NUMBER, Action.VIEW_HEALTH}),
    Role.PROVIDER: frozenset({Action.VIEW_HEALTH}),
    Role.AUDITOR: frozenset(),
}
assert set(ROLE_RIGHTS) == set(Role.values)


def role_rights(role: str) -> frozenset[Action]:
    """The data rights an account of the role may be granted in this deployment: a grid
    worker holds the health right only with ``settings.GRID_HEALTH_RIGHT``."""
    rights = ROLE_RIGHTS.get(role, frozenset())
    if role == Role.GRID and not getattr(settings, "GRID_HEALTH_RIGHT", False):
        rights = rights - {Action.VIEW_HEALTH}
    return rights


def rights_labels(rights) -> list[str]:
    """The words for granted rights, in the order of ``DATA_RIGHTS``."""
    held = set(rights or ())
    return [str(RIGHT_LABELS[right]) for right in DATA_RIGHTS if right in held]


def rights_for(role: str, duty: str) -> frozenset[Action]:
    """The data rights an account of this role and duty may hold."""
    return role_rights(role) if duty == Duty.DATA else frozenset()


def user_actions(user) -> frozenset[Action]:
    """What a (non-superuser) account may do: its duty's work, and for data work the role's
    actions plus the data rights granted to it (and approved)."""
    duty = getattr(user, "duty", "") or Duty.DATA
    role = user.role or ""
    if role not in DUTY_ROLES.get(duty, ()):
        return frozenset()
    if duty != Duty.DATA:
        return DUTY_ACTIONS[duty]
    held = set(user.data_rights or ())
    return ROLE_ACTIONS[role] | frozenset(r for r in role_rights(role) if r in held)


def may_manage_account_at(actor, unit_code: str) -> bool:
    """Nobody manages an account at their own unit or above it: only an administrator of a
    higher unit does, so no one gives themselves or a peer a right or a password. The
    command line (no actor) and the superuser are set-up. Jurisdiction is checked too."""
    if actor is None or actor.is_superuser:
        return True
    if not actor.unit_id or actor.unit is None:
        return False
    return unit_code != actor.unit_id and unit_code.startswith(actor.unit.prefix)


def can(user, action: Action | str) -> bool:
    """Whether the user's duty, role and granted rights allow the action (jurisdiction is
    checked separately). The superuser sets up and may do all; its reads are logged too."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return action in user_actions(user)


# The rights whose holder must pass a second factor at login when a deployment requires one
# (OTP_REQUIRED): administering accounts or the tree, reading the audit logs, and reading
# health facts or full identity numbers.
SECOND_FACTOR_ACTIONS = (
    Action.MANAGE_USERS,
    Action.MANAGE_ORG,
    Action.VIEW_AUDIT,
    Action.VIEW_HEALTH,
    Action.REVEAL_ID_NUMBER,
)


def needs_second_factor(user) -> bool:
    """Whether this account must log in with a one-time code besides its password (when the
    deployment requires second factors at all)."""
    return bool(getattr(user, "is_superuser", False)) or any(
        can(user, action) for action in SECOND_FACTOR_ACTIONS
    )
