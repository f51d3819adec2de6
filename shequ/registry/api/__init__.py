"""Registry REST API: divisions (reference), buildings, households, persons, flows and checks.

Viewsets stay thin: parse the body, find the objects it names through the jurisdiction (an
id outside answers 404 like a missing one, also inside a body), call the service, answer
with the object. Writes need EDIT_REGISTRY (checked by ``IsStaffMember`` before any lookup);
nothing is deleted through the API. Serializers parse and present; every rule (validation
across fields, duplicates, scope, population type) lives in the services. Public ids are the
models' ``uid`` as ``id``. One module per area, each with its serializers and viewsets.
"""

from shequ.registry import export_views, import_views
from shequ.registry.api.divisions import DivisionViewSet
from shequ.registry.api.families import (
    CertificateViewSet,
    ChildViewSet,
    MarriageViewSet,
    PregnancyViewSet,
)
from shequ.registry.api.flows import FlowViewSet
from shequ.registry.api.housing import BuildingViewSet, HouseholdViewSet
from shequ.registry.api.people import PersonViewSet


def register_api(router) -> None:
    """Add the registry's endpoints to the API router."""
    router.register("divisions", DivisionViewSet, basename="division")
    router.register("buildings", BuildingViewSet, basename="building")
    router.register("households", HouseholdViewSet, basename="household")
    router.register("persons", PersonViewSet, basename="person")
    router.register("flows", FlowViewSet, basename="flow")
    router.register("marriages", MarriageViewSet, basename="marriage")
    router.register("children", ChildViewSet, basename="child")
    router.register("fertility-certificates", CertificateViewSet, basename="fertility-certificate")
    router.register("pregnancies", PregnancyViewSet, basename="pregnancy")
    # Import and export jobs (their viewsets belong in api/imports.py and api/exports.py).
    router.register("imports", import_views.ImportJobViewSet, basename="import-job")
    router.register("exports", export_views.ExportJobViewSet, basename="export-job")
