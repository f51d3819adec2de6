"""Registry REST API: divisions (reference), buildings, households, persons, flows and checks.

Viewsets stay thin: parse the body, find the objects it names through the jurisdiction (an
id outside answers 404 like a missing one, also inside a body), call the service, answer
with the object. Writes need EDIT_REGISTRY (checked by ``IsStaffMember`` before any lookup);
nothing is deleted through the API. Serializers parse and present; every rule (validation
across fields, duplicates, scope, population type) lives in the services. Public ids are the
models' ``uid`` as ``id``. One module per area, each with its serializers and viewsets.
"""

from shequ.registry import export_views, import_views
from shequ.registry.api.checks import (
    CheckViewSet,
    PendingDepartureViewSet,
    QuarterlyReviewViewSet,
    VisitViewSet,
)
from shequ.registry.api.divisions import DivisionViewSet
from shequ.registry.api.families import (
    CertificateViewSet,
    ChildViewSet,
    MarriageViewSet,
    PregnancyViewSet,
)
from shequ.registry.api.flows import FlowViewSet
from shequ.registry.api.housing import (
    BuildingViewSet,
    DeprecatedHouseholdViewSet,
    HouseholdViewSet,
)
from shequ.registry.api.people import PersonViewSet
from shequ.registry.api.places import OutflowViewSet, UnitFiguresViewSet
from shequ.registry.api.registered import (
    LandlordViewSet,
    RegisteredHouseholdViewSet,
    RetypeJobViewSet,
    TypingSettingsViewSet,
)


def register_api(router) -> None:
    """Add the registry's endpoints to the API router."""
    router.register("divisions", DivisionViewSet, basename="division")
    router.register("buildings", BuildingViewSet, basename="building")
    # The dwellings (住户) were "households" until the registered household (户) came: the
    # old name stays as a deprecated alias of the same viewset.
    router.register("dwellings", HouseholdViewSet, basename="dwelling")
    router.register("households", DeprecatedHouseholdViewSet, basename="household")
    router.register(
        "registered-households", RegisteredHouseholdViewSet, basename="registered-household"
    )
    router.register("landlords", LandlordViewSet, basename="landlord")
    router.register("typing-settings", TypingSettingsViewSet, basename="typing-settings")
    router.register("retype-jobs", RetypeJobViewSet, basename="retype-job")
    router.register("persons", PersonViewSet, basename="person")
    router.register("flows", FlowViewSet, basename="flow")
    router.register("marriages", MarriageViewSet, basename="marriage")
    router.register("children", ChildViewSet, basename="child")
    router.register("fertility-certificates", CertificateViewSet, basename="fertility-certificate")
    router.register("pregnancies", PregnancyViewSet, basename="pregnancy")
    router.register("outflow", OutflowViewSet, basename="outflow")
    router.register("checks", CheckViewSet, basename="check")
    router.register("visits", VisitViewSet, basename="visit")
    router.register("pending-departures", PendingDepartureViewSet, basename="pending-departure")
    router.register("quarterly-reviews", QuarterlyReviewViewSet, basename="quarterly-review")
    router.register("unit-figures", UnitFiguresViewSet, basename="unit-figures")
    # Import and export jobs (their viewsets belong in api/imports.py and api/exports.py).
    router.register("imports", import_views.ImportJobViewSet, basename="import-job")
    router.register("exports", export_views.ExportJobViewSet, basename="export-job")
