"""Roles and what each may do. Jurisdiction (which records) is decided in ``scoping``;
this module decides actions (what may be done with them)."""

from enum import StrEnum

from django.db import models
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


class Action(StrEnum):
    MANAGE_ORG = "manage_org"  # create, rename, close units below one's own; blind zones
    MANAGE_USERS = "manage_users"  # staff accounts inside one's own subtree
    VIEW_AUDIT = "view_audit"  # the change log and the sensitive-read log
    EDIT_REGISTRY = "edit_registry"  # register, edit, move, depart persons; housing
    IMPORT_REGISTRY = "import_registry"  # bulk imports of the registry
    EXPORT_REGISTRY = "export_registry"  # Excel/CSV exports of people's data
    REVEAL_ID_NUMBER = "reveal_id_number"  # see an identity number unmasked (logged)
    VIEW_HEALTH = "view_health"  # contraception and other health facts (logged)


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

ROLE_ACTIONS: dict[str, frozenset[Action]] = {
    Role.CITY: frozenset({Action.MANAGE_ORG, Action.MANAGE_USERS, Action.VIEW_AUDIT}),
    Role.DISTRICT: frozenset({Action.MANAGE_ORG, Action.MANAGE_USERS, Action.VIEW_AUDIT}),
    Role.STREET: frozenset(
        {
            Action.MANAGE_ORG,
            Action.MANAGE_USERS,
            Action.EDIT_REGISTRY,
            Action.IMPORT_REGISTRY,
            Action.EXPORT_REGISTRY,
            Action.REVEAL_ID_NUMBER,
            Action.VIEW_HEALTH,
        }
    ),
    Role.COMMUNITY: frozenset(
        {
            Action.EDIT_REGISTRY,
            Action.IMPORT_REGISTRY,
            Action.EXPORT_REGISTRY,
            Action.REVEAL_ID_NUMBER,
            Action.VIEW_HEALTH,
        }
    ),
    Role.GRID: frozenset({Action.EDIT_REGISTRY, Action.REVEAL_ID_NUMBER, Action.VIEW_HEALTH}),
    Role.PROVIDER: frozenset({Action.VIEW_HEALTH}),
    Role.AUDITOR: frozenset({Action.VIEW_AUDIT}),
}
assert set(ROLE_ACTIONS) == set(Role.values)


def may_manage_auditor_at(actor, unit_level: int) -> bool:
    """Separation of duties: an auditor is appointed and managed (created, edited, switched
    off, given a new password) only from a unit strictly above the auditor's own, so nobody
    appoints or silences the auditor who watches them. The command line (no actor) and a
    superuser set up the top. Jurisdiction is checked separately."""
    if actor is None or actor.is_superuser:
        return True
    return actor.unit is not None and actor.unit.level < unit_level


def can(user, action: Action) -> bool:
    """Whether the user's role allows the action (jurisdiction is checked separately)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return action in ROLE_ACTIONS.get(user.role or "", frozenset())


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
