"""The population registry: buildings, households, persons, their children and events.

Every model hangs on the organisation tree by a unit code (``scope_field``), so the one
jurisdiction mechanism scopes it. People's data keep simple-history rows; flows (arrival,
move, departure …) and checks are events of their own, never edits in place. One module per
area; everything is re-exported here, so ``from shequ.registry.models import Person`` works.
"""

from shequ.registry.models.checks import Check, PendingDeparture, QuarterlyReview, Visit
from shequ.registry.models.choices import (
    ETHNIC_GROUPS,
    ETHNICITY_CHOICES,
    REFERENCE,
    Contraception,
    Education,
    Employment,
    FlowInReason,
    MaritalStatus,
    PersonStatus,
    PopulationType,
    Relation,
    Sex,
    unit_fk,
)
from shequ.registry.models.flows import Flow
from shequ.registry.models.housing import Building, Household
from shequ.registry.models.people import ACTIVE_MIGRANTS, AWAY_FROM_HUKOU, Child, Person

__all__ = [
    "ACTIVE_MIGRANTS",
    "AWAY_FROM_HUKOU",
    "ETHNICITY_CHOICES",
    "ETHNIC_GROUPS",
    "REFERENCE",
    "Building",
    "Check",
    "Child",
    "Contraception",
    "Education",
    "Employment",
    "Flow",
    "FlowInReason",
    "Household",
    "MaritalStatus",
    "PendingDeparture",
    "Person",
    "PersonStatus",
    "PopulationType",
    "QuarterlyReview",
    "Relation",
    "Sex",
    "Visit",
    "unit_fk",
]
