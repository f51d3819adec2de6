"""What the registry's viewsets share: ids in URLs and bodies, the API channel."""

from shequ.org.models import SensitiveAccess
from shequ.org.scoping import get_in_scope_or_404

UUID_PATTERN = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
API_CHANNEL = SensitiveAccess.Channel.API


class UidLookup:
    """Objects are addressed by their public uid, named ``id`` in URLs and JSON."""

    lookup_field = "uid"
    lookup_url_kwarg = "id"
    lookup_value_regex = UUID_PATTERN


def body_object(queryset, user, uid):
    """An object named by id in a request body: 404 when missing or outside the jurisdiction."""
    return get_in_scope_or_404(queryset, user, uid=uid)
