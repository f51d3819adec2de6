"""The API of the health services, one module per area: facilities, service-records
(clinical fields only for the clinical right, reads logged), health-targets (the month's
target list), monthly-reports (+ submit / return / approve / unlock), claims (+ submit /
decide) and workbook (一册一账一单 of a unit and month, JSON or a file)."""

from shequ.health.api.claims import ClaimViewSet
from shequ.health.api.facilities import FacilityViewSet
from shequ.health.api.records import ServiceRecordViewSet, TargetViewSet
from shequ.health.api.reports import MonthlyReportViewSet
from shequ.health.api.workbook import WorkbookViewSet


def register_api(router) -> None:
    router.register("facilities", FacilityViewSet, basename="facility")
    router.register("service-records", ServiceRecordViewSet, basename="service-record")
    router.register("health-targets", TargetViewSet, basename="health-target")
    router.register("monthly-reports", MonthlyReportViewSet, basename="monthly-report")
    router.register("claims", ClaimViewSet, basename="claim")
    router.register("workbook", WorkbookViewSet, basename="workbook")
