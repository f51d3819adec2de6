"""What the desk's services share: scope and reason checks, today, the issuing street,
the per-address counter of the public pages. Private to the package except the counter."""

import datetime

from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.org.models import OrgUnit, User
from shequ.org.roles import Level
from shequ.org.scoping import code_in_scope


def _require_scope(actor: User | None, code: str) -> None:
    if actor is not None and not code_in_scope(actor, code):
        raise PermissionDenied(_("该记录不在您的管辖范围内。"))


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("请填写原因。")]})
    return reason


def _today() -> datetime.date:
    return timezone.localdate()


def _street_of(code: str) -> OrgUnit:
    """The street (街道) above a unit: it numbers and seals the documents of its area. Its
    code is the first 9 digits of every code below it (docs/architecture.md, jurisdiction)."""
    street = OrgUnit.objects.filter(code=code[:9] + "000", level=Level.STREET).first()
    return street or OrgUnit.objects.get(code=code)


class TooManyAttempts(Exception):
    """An address asked more often than its hourly limit allows (the pages answer 429)."""


def count_address(purpose: str, ip: str | None, limit: int) -> None:
    """Count one public request of ``purpose`` from ``ip``; past ``limit`` an hour, refuse."""
    key = f"desk-{purpose}:{ip or '-'}"
    cache.add(key, 0, 3600)
    if cache.incr(key) > limit:
        raise TooManyAttempts
