"""API permission: staff only; writes need the role's action for that view."""

from rest_framework.permissions import SAFE_METHODS, BasePermission

from shequ.core.web import is_staff_member
from shequ.org.roles import Action, can


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
