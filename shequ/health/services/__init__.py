"""Every write of the health services, one module per area: facilities and their staff
(``facilities``), service records with the next due task and a migrant's notification
(``records``), the monthly report chain (``reports``) and the hospitals' claims
(``claims``). Import them from here: ``from shequ.health import services``."""

import datetime

from shequ.health import rules
from shequ.health.services.claims import claim_compile, claim_decide, claim_submit
from shequ.health.services.facilities import (
    facility_create,
    facility_set_active,
    facility_staff_set,
    facility_update,
)
from shequ.health.services.records import service_record_create
from shequ.health.services.reports import (
    report_approve,
    report_generate,
    report_return,
    report_submit,
    report_unlock,
)

__all__ = [
    "claim_compile",
    "claim_decide",
    "claim_submit",
    "facility_create",
    "facility_set_active",
    "facility_staff_set",
    "facility_update",
    "report_approve",
    "report_generate",
    "report_return",
    "report_submit",
    "report_unlock",
    "seed_defaults",
    "service_record_create",
]


def seed_defaults(since: datetime.date) -> int:
    """The programme's rulebook defaults (whole country), for the demo and a new deployment."""
    from shequ.rulebook.services import settings_seed

    return settings_seed(
        [
            {"programme": rules.PROGRAMME, "key": key, "value": value_, "note": note}
            for key, (value_, note) in rules.DEFAULTS.items()
        ],
        since=since,
    )
