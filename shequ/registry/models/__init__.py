"""The population registry: buildings, households, persons, their children and events.

Every model hangs on the organisation tree by a unit code (``scope_field``), so the one
jurisdiction mechanism scopes it. People's data keep simple-history rows; flows (arrival,
move, departure …) and checks are events of their own, never edits in place. One module per
area; everything is re-exported here, so ``from shequ.registry.models import Person`` works.
"""

from shequ.registry.models.checks import Check
from shequ.registry.models.choices import (
    ETHNIC_GROUPS,
    ETHNICITY_CHOICES,
    REFERENCE,
    Contraception,
    DisabilityGrade,
    Education,
    Employment,
    FlowInReason,
    HukouNature,
    MaritalStatus,
    PersonStatus,
    PopulationType,
    Relation,
    Sex,
    unit_fk,
)
from shequ.registry.models.families import (
    FertilityCertificate,
    Marriage,
    MarriageEnd,
    Pregnancy,
    PregnancyOutcome,
)
from shequ.registry.models.flows import Flow
from shequ.registry.models.housing import Building, Household
from shequ.registry.models.people import Child, Person

__all__ = [
    "ETHNICITY_CHOICES",
    "ETHNIC_GROUPS",
    "REFERENCE",
    "Building",
    "Check",
    "Child",
    "Contraception",
    "DisabilityGrade",
    "Education",
    "Employment",
    "FertilityCertificate",
    "Flow",
    "FlowInReason",
    "Household",
    "HukouNature",
    "MaritalStatus",
    "Marriage",
    "MarriageEnd",
    "Person",
    "PersonStatus",
    "PopulationType",
    "Pregnancy",
    "PregnancyOutcome",
    "Relation",
    "Sex",
    "unit_fk",
]
