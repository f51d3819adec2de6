"""Helpers shared by the health services' writes: rights, scope and rules."""

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from shequ.health import rules
from shequ.org.models import User
from shequ.org.scoping import code_in_scope
from shequ.rulebook.selectors import value


def _require(actor: User | None, allowed: bool, message: str) -> None:
    if actor is not None and not allowed:
        raise PermissionDenied(message)


def _require_scope(actor: User | None, code: str) -> None:
    if actor is not None and not code_in_scope(actor, code, personal=False):
        raise PermissionDenied(_("不在您的管辖范围内。"))


def _rule(key: str, code: str, on: datetime.date) -> Any:
    return value(rules.PROGRAMME, key, division_code=code, on=on)
