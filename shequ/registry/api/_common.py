"""What the registry's viewsets share: ids in URLs and bodies, the API channel."""

from shequ.core.api import UUID_PATTERN, UidLookup  # noqa: F401  (the registry's viewsets import them from here)
from shequ.org.models import SensitiveAccess
from shequ.org.scoping import get_in_scope_or_404

API_CHANNEL = SensitiveAccess.Channel.API


def body_object(queryset, user, uid):
    """An object named by id in a request body: 404 when missing or outside the jurisdiction."""
    return get_in_scope_or_404(queryset, user, uid=uid)
