"""The health pages, one module per area: the target list, facilities, service records,
the monthly reports, the claims and the work book. Each parses its form, calls one selector
or service, renders. ``health/urls.py`` reaches them all from here."""

from shequ.health.views.claims import claim_detail, claim_list
from shequ.health.views.facilities import (
    facility_create,
    facility_detail,
    facility_edit,
    facility_list,
    facility_set_active,
)
from shequ.health.views.records import service_create, service_detail, service_list
from shequ.health.views.reports import report_act, report_detail, report_list
from shequ.health.views.targets import target_list
from shequ.health.views.workbook import workbook

__all__ = [
    "claim_detail",
    "claim_list",
    "facility_create",
    "facility_detail",
    "facility_edit",
    "facility_list",
    "facility_set_active",
    "report_act",
    "report_detail",
    "report_list",
    "service_create",
    "service_detail",
    "service_list",
    "target_list",
    "workbook",
]
