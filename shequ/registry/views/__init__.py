"""Registry pages, one module per area; the URLconf imports them from here."""

from shequ.registry.views.checks import person_check  # noqa: F401
from shequ.registry.views.families import (  # noqa: F401
    marriage_list,
    person_certificate_add,
    person_certificate_verify,
    person_child_add,
    person_child_edit,
    person_hukou_nature,
    person_issue_id_number,
    person_marriage_edit,
    person_marriage_end,
    person_marriage_record,
    person_newborn,
    person_pregnancy_add,
    person_pregnancy_outcome,
)
from shequ.registry.views.flows import (  # noqa: F401
    person_cancel,
    person_death,
    person_depart,
    person_move,
    person_outflow,
    person_return,
    person_transfer_in,
)
from shequ.registry.views.housing import (  # noqa: F401
    building_close,
    building_create,
    building_detail,
    building_edit,
    building_list,
    building_options,
    household_create,
    household_edit,
)
from shequ.registry.views.lists import (  # noqa: F401
    checks_bulk,
    flow_list,
    person_list,
)
from shequ.registry.views.people import (  # noqa: F401
    person_detail,
    person_edit,
    person_register,
    person_reveal_id,
)
from shequ.registry.views.pickers import division_options, id_number_check  # noqa: F401
from shequ.registry.views.rented import rented_home_list  # noqa: F401
