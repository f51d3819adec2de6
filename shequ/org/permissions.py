"""Who may open a page or call the API: staff only; some pages and every API write need the
role's action for it."""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext as _
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from shequ.org.models import User
from shequ.org.roles import Action, can


class StaffRequest(HttpRequest):
    """A page's request past ``staff_required`` or ``action_required``: for the type checker,
    its user is a staff ``User``, never anonymous."""

    user: User


class StaffApiRequest(Request):
    """An API request past ``IsStaffMember``: for the type checker, its user is a ``User``."""

    user: User


def is_staff_member(user) -> bool:
    return bool(
        user.is_authenticated
        and user.is_active
        and (user.is_superuser or (user.unit_id and user.role))
    )


def staff_required(view: Callable) -> Callable:
    """Logged-in staff with a unit and a role; others go to the login page."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not is_staff_member(request.user):
            raise PermissionDenied(_("您的账号没有分配单位和角色，请联系管理员。"))
        return view(request, *args, **kwargs)

    return wrapper


def action_required(action: Action) -> Callable:
    """Staff whose role allows ``action``; others get 403."""

    def decorator(view: Callable) -> Callable:
        @staff_required
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs):
            if not can(request.user, action):
                raise PermissionDenied(_("您的角色不能执行此操作。"))
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


class IsStaffMember(BasePermission):
    """Reads need a staff account; writes need the action the view names for them.

    A view declares ``write_action`` (one Action) or ``write_actions`` ({view action: Action});
    a write without one is refused, so an auditor or an undeclared write answers 403.
    ``post_reads`` names view actions that are reads posted only to keep their input (an
    identity number) out of the URL.
    """

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not is_staff_member(user):
            return False
        read_action: Action | None = getattr(view, "read_action", None)
        if read_action is not None and not can(user, read_action):
            return False
        if request.method in SAFE_METHODS:
            return True
        if getattr(view, "action", None) in getattr(view, "post_reads", ()):
            return True
        required = getattr(view, "write_actions", {}).get(getattr(view, "action", None))
        required = required or getattr(view, "write_action", None)
        return required is not None and can(user, required)
