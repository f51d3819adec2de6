"""Reads of the housing side (以房管人) beyond one building: the building search of the
housing pickers.

Always through the jurisdiction (``selectors.buildings_visible``), complete with their joins.
"""

from django.db.models import Case, IntegerField, Q, Value, When

from shequ.registry.models import Building
from shequ.registry.selectors import buildings_visible

BUILDING_MATCHES = 20  # a search-as-you-type picker shows at most this many buildings


def buildings_matching(user, term: str, *, limit: int = BUILDING_MATCHES) -> list[Building]:
    """Buildings in use in the user's jurisdiction whose name, address, grid or community
    holds every word of ``term``; names equal to or beginning with it first. At most
    ``limit`` + 1 rows, so the caller can tell there are more."""
    words = (term or "").split()[:5]
    if not words:
        return []
    buildings = buildings_visible(user).filter(is_active=True).select_related("unit__parent")
    for word in words:
        buildings = buildings.filter(
            Q(name__icontains=word)
            | Q(address__icontains=word)
            | Q(unit__name__icontains=word)
            | Q(unit__parent__name__icontains=word)
        )
    first = words[-1] if len(words) > 1 else words[0]
    rank = Case(
        When(name__iexact=first, then=Value(0)),
        When(name__istartswith=first, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    return list(buildings.annotate(rank=rank).order_by("rank", "unit_id", "name")[: limit + 1])
