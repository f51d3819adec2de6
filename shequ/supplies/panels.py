"""The supplies' card on the registry's person page ("person_panels" hook, core/panels.py):
her recent named dispensings (health data: the health right, the read logged) and a 发放
button per place the worker may dispense at, opening that place's form with her named."""

from django.utils.translation import gettext_lazy as _

from shequ.core.panels import PersonPanel
from shequ.org.roles import Action, can
from shequ.supplies import selectors, services

RECENT = 5  # dispensings shown on the card; the full list is one click away
PLACES = 8  # places offered for a new dispensing (a worker has one or two)


def person_panels(user, person) -> list[PersonPanel]:
    """Two queries at most: her last dispensings, the worker's places."""
    health = can(user, Action.VIEW_HEALTH)
    dispense = can(user, Action.DISPENSE_SUPPLIES)
    if not (health or dispense):
        return []
    rows = []
    if health:
        rows = list(selectors.person_dispensings(user, person)[:RECENT])
        services.log_dispensings_read(actor=user, person=person)
    places = list(selectors.dispensing_places(user)[:PLACES]) if dispense else []
    return [
        PersonPanel(
            "supplies-dispensing",
            _("药具发放"),
            "supplies/_person_panel.html",
            {"rows": rows, "health": health, "places": places, "more": len(rows) == RECENT},
            column="side",
            position=60,
        )
    ]
