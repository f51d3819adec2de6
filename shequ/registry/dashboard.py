"""The registry's cards on the home page: who lives in the user's jurisdiction and what is due.

All person figures come from one aggregate over the scoped persons (conditional counts), the
rented homes from one more; each card links to the list that shows the same people.
"""

from urllib.parse import urlencode

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.core.dashboard import Card
from shequ.org.scoping import scoped, subtree_q
from shequ.registry.models import Household, Person, PersonStatus, PopulationType
from shequ.registry.selectors import overdue_q

MIGRANT_TYPES = [PopulationType.INFLOW, PopulationType.OUTFLOW]


def registry_figures(user, unit=None) -> dict[str, int]:
    """Counts of the active people (and rented homes) the user may see, below ``unit``."""
    persons = scoped(Person.objects.filter(status=PersonStatus.ACTIVE), user)
    homes = scoped(Household.objects.filter(is_active=True, is_rented=True), user)
    if unit is not None:
        persons = persons.filter(subtree_q("unit_id", unit.code))
        homes = homes.filter(subtree_q("unit_id", unit.code))
    today = timezone.localdate()
    figures = persons.aggregate(
        active=Count("pk"),
        inflow=Count("pk", filter=Q(population_type=PopulationType.INFLOW)),
        separated=Count("pk", filter=Q(population_type=PopulationType.SEPARATED)),
        overdue_monthly=Count("pk", filter=overdue_q("monthly", today)),
        eight_clear_incomplete=Count(
            "pk", filter=Q(population_type__in=MIGRANT_TYPES) & ~Q(eight_clear_missing="")
        ),
    )
    figures["rented_homes"] = homes.count()
    return figures


def registry_cards(user, unit) -> list[Card]:
    """Six cards for the home page; a unit other than the user's own narrows them to it."""
    narrow = unit is not None and unit.code != getattr(user, "unit_id", None)
    figures = registry_figures(user, unit if narrow else None)
    base = {"unit": unit.code} if narrow else {}

    def persons_url(**params: str) -> str:
        query = urlencode({**base, **params})
        return reverse("registry:person_list") + (f"?{query}" if query else "")

    rented_query = urlencode(base)
    return [
        Card(_("在册人员"), figures["active"], persons_url(), "people"),
        Card(
            _("流入人口"),
            figures["inflow"],
            persons_url(population_type=PopulationType.INFLOW),
            "box-arrow-in-right",
        ),
        Card(
            _("人户分离"),
            figures["separated"],
            persons_url(population_type=PopulationType.SEPARATED),
            "signpost-split",
        ),
        Card(
            _("出租房屋"),
            figures["rented_homes"],
            reverse("registry:rented_home_list") + (f"?{rented_query}" if rented_query else ""),
            "key",
        ),
        Card(
            _("本月未查（每月一查）"),
            figures["overdue_monthly"],
            persons_url(overdue="monthly"),
            "calendar-check",
        ),
        Card(
            _("八个清楚有缺项"),
            figures["eight_clear_incomplete"],
            persons_url(eight_clear="incomplete"),
            "exclamation-triangle",
        ),
    ]
