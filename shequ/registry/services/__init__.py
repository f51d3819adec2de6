"""Every write to the registry: housing, people, their flows and checks, sensitive reads.

Each service checks the actor's role and jurisdiction, validates, writes the record with its
history row (actor and reason) and an audit event in one transaction. Views, the API, the
import and the demo all come through here (``from shequ.registry import services``); one
module per area, the shared private helpers in ``_common``.
"""

from shequ.registry.services._common import (
    city_prefix,
    person_inactive_problem,
    person_label,
    population_type_for,
    refresh_derived,
)
from shequ.registry.services.bulk import (
    NewPersons,
    PersonChange,
    PersonRow,
    buildings_create_many,
    households_create_many,
    households_prepare,
    households_write,
    housing_update_many,
    person_change_apply,
    persons_register_many,
    persons_register_prepare,
    persons_register_write,
    persons_update_many,
)
from shequ.registry.services.checks import checks_record
from shequ.registry.services.flows import (
    TRANSFER_GUESS_LIMIT,
    person_cancel,
    person_depart,
    person_end_check,
    person_move,
    person_outflow_problem,
    person_record_death,
    person_register_outflow,
    person_return,
    person_return_problem,
    person_transfer_in,
    transfer_in_check,
)
from shequ.registry.services.housing import (
    NewHome,
    building_close,
    building_create,
    building_update,
    household_create,
    household_update,
)
from shequ.registry.services.people import (
    person_record_contraception,
    person_register,
    person_update,
)
from shequ.registry.services.sensitive import (
    log_health_read,
    log_id_number_check,
    person_reveal_id_number,
)

__all__ = [
    "TRANSFER_GUESS_LIMIT",
    "NewHome",
    "NewPersons",
    "PersonChange",
    "PersonRow",
    "building_close",
    "building_create",
    "building_update",
    "buildings_create_many",
    "checks_record",
    "city_prefix",
    "household_create",
    "household_update",
    "households_create_many",
    "households_prepare",
    "households_write",
    "housing_update_many",
    "log_health_read",
    "log_id_number_check",
    "person_cancel",
    "person_change_apply",
    "person_depart",
    "person_end_check",
    "person_inactive_problem",
    "person_label",
    "person_move",
    "person_outflow_problem",
    "person_record_contraception",
    "person_record_death",
    "person_register",
    "person_register_outflow",
    "person_return",
    "person_return_problem",
    "person_reveal_id_number",
    "person_transfer_in",
    "person_update",
    "persons_register_many",
    "persons_register_prepare",
    "persons_register_write",
    "persons_update_many",
    "population_type_for",
    "refresh_derived",
    "transfer_in_check",
]
