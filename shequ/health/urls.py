from django.urls import path

from shequ.health import views
from shequ.health.api import register_api  # noqa: F401  (shequ/urls.py imports it from here)

app_name = "health"

urlpatterns = [
    path("health/", views.target_list, name="target_list"),
    path("health/facilities/", views.facility_list, name="facility_list"),
    path("health/facilities/new/", views.facility_create, name="facility_create"),
    path("health/facilities/<uuid:uid>/", views.facility_detail, name="facility_detail"),
    path("health/facilities/<uuid:uid>/edit/", views.facility_edit, name="facility_edit"),
    path(
        "health/facilities/<uuid:uid>/deactivate/",
        views.facility_set_active,
        {"active": False},
        name="facility_deactivate",
    ),
    path(
        "health/facilities/<uuid:uid>/activate/",
        views.facility_set_active,
        {"active": True},
        name="facility_activate",
    ),
    path("health/services/", views.service_list, name="service_list"),
    path("health/services/<uuid:uid>/", views.service_detail, name="service_detail"),
    path("health/persons/<uuid:person_uid>/service/", views.service_create, name="service_create"),
    path("health/reports/", views.report_list, name="report_list"),
    path("health/reports/<uuid:uid>/", views.report_detail, name="report_detail"),
    *[
        path(
            f"health/reports/<uuid:uid>/{act}/",
            views.report_act,
            {"act": act},
            name=f"report_{act}",
        )
        for act in ("submit", "return", "approve", "unlock")
    ],
    path("health/workbook/", views.workbook, name="workbook"),
    path("health/claims/", views.claim_list, name="claim_list"),
    path("health/claims/<uuid:uid>/", views.claim_detail, name="claim_detail"),
]
