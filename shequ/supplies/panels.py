"""The supplies' card on the registry's person page ("person_panels" hook, core/panels.py):
her recent named dispensings (health data: the health right; the read logged when there is
one to show) and a 发放 button that opens the dispensing form with her named (through the
choice of place when the worker has several)."""

from django.utils.translation import gettext_lazy as _

from shequ.core.panels import PersonPanel
from shequ.org.roles import Action, can
from shequ.supplies import selectors, services

RECENT = 5  # dispensings shown on the card; the full list is one click away


def person_panels(user, person) -> list[PersonPanel]:
    """One query at most (her last dispensings), and the read's log when it shows any."""
    health = can(user, Action.VIEW_HEALTH)
    dispense = can(user, Action.DISPENSE_SUPPLIES)
    if not (health or dispense):
        return []
    rows = []
    if health:
        rows = list(selectors.person_dispensings(user, person)[:RECENT])
        if rows:
            services.log_dispensings_read(actor=user, person=person)
    return [
        PersonPanel(
            "supplies-dispensing",
            _("药具发放"),
            "supplies/_person_panel.html",
            {"rows": rows, "health": health, "dispense": dispense},
            column="side",
            position=60,
        )
    ]
