"""What the health pages share: the right, the month asked for, form styling."""

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.health import selectors
from shequ.org.models import User
from shequ.org.permissions import StaffRequest
from shequ.registry.models import Person


def _health_required(request: StaffRequest) -> None:
    if not selectors.may_see_services(request.user):
        raise PermissionDenied(_("查看健康服务信息需要“查看健康信息”权限。"))


def _month(text: str | None) -> datetime.date:
    today = timezone.localdate()
    if text:
        try:
            return datetime.datetime.strptime(text[:7], "%Y-%m").date()
        except ValueError:
            pass
    return today.replace(day=1)


def _style(form) -> None:
    for field in form.fields.values():
        field.widget.attrs.setdefault("class", "form-control form-control-sm")


def _url(name: str, **kwargs: Any) -> str:
    from django.urls import reverse

    return reverse(name, kwargs=kwargs or None)


def _person(user: User, uid) -> Person:
    from shequ.org.scoping import get_in_scope_or_404

    return get_in_scope_or_404(Person.objects.all(), user, uid=uid)
