"""URLs of the registry pages (people under registry/, housing under housing/) and its API."""

from django.urls import path

from shequ.registry import export_views, import_views, views
from shequ.registry.api import register_api  # noqa: F401  (shequ/urls.py imports it from here)

app_name = "registry"

urlpatterns = [
    # People
    path("registry/persons/", views.person_list, name="person_list"),
    path("registry/persons/new/", views.person_register, name="person_register"),
    path("registry/persons/transfer/", views.person_transfer_in, name="person_transfer_in"),
    path("registry/persons/id-check/", views.id_number_check, name="id_number_check"),
    path("registry/persons/checks/", views.checks_bulk, name="checks_bulk"),
    path("registry/persons/<uuid:uid>/", views.person_detail, name="person_detail"),
    path("registry/persons/<uuid:uid>/edit/", views.person_edit, name="person_edit"),
    path("registry/persons/<uuid:uid>/move/", views.person_move, name="person_move"),
    path("registry/persons/<uuid:uid>/depart/", views.person_depart, name="person_depart"),
    path("registry/persons/<uuid:uid>/death/", views.person_death, name="person_death"),
    path("registry/persons/<uuid:uid>/cancel/", views.person_cancel, name="person_cancel"),
    path("registry/persons/<uuid:uid>/outflow/", views.person_outflow, name="person_outflow"),
    path("registry/persons/<uuid:uid>/return/", views.person_return, name="person_return"),
    path("registry/persons/<uuid:uid>/reveal/", views.person_reveal_id, name="person_reveal_id"),
    path("registry/persons/<uuid:uid>/check/", views.person_check, name="person_check"),
    path("registry/flows/", views.flow_list, name="flow_list"),
    # Couples and families
    path("registry/marriages/", views.marriage_list, name="marriage_list"),
    path(
        "registry/persons/<uuid:uid>/marriages/new/",
        views.person_marriage_record,
        name="person_marriage_record",
    ),
    path(
        "registry/persons/<uuid:uid>/marriages/<uuid:muid>/edit/",
        views.person_marriage_edit,
        name="person_marriage_edit",
    ),
    path(
        "registry/persons/<uuid:uid>/marriages/<uuid:muid>/end/",
        views.person_marriage_end,
        name="person_marriage_end",
    ),
    path(
        "registry/persons/<uuid:uid>/children/new/", views.person_child_add, name="person_child_add"
    ),
    path(
        "registry/persons/<uuid:uid>/children/<uuid:cuid>/edit/",
        views.person_child_edit,
        name="person_child_edit",
    ),
    path("registry/persons/<uuid:uid>/newborn/", views.person_newborn, name="person_newborn"),
    path(
        "registry/persons/<uuid:uid>/id-number/",
        views.person_issue_id_number,
        name="person_issue_id_number",
    ),
    path(
        "registry/persons/<uuid:uid>/hukou-nature/",
        views.person_hukou_nature,
        name="person_hukou_nature",
    ),
    path(
        "registry/persons/<uuid:uid>/certificates/new/",
        views.person_certificate_add,
        name="person_certificate_add",
    ),
    path(
        "registry/persons/<uuid:uid>/certificates/<uuid:cuid>/verify/",
        views.person_certificate_verify,
        name="person_certificate_verify",
    ),
    path(
        "registry/persons/<uuid:uid>/pregnancies/new/",
        views.person_pregnancy_add,
        name="person_pregnancy_add",
    ),
    path(
        "registry/persons/<uuid:uid>/pregnancies/<uuid:puid>/outcome/",
        views.person_pregnancy_outcome,
        name="person_pregnancy_outcome",
    ),
    path("registry/divisions/", views.division_options, name="division_options"),
    # Housing (以房管人)
    path("housing/", views.building_list, name="building_list"),
    path("housing/new/", views.building_create, name="building_create"),
    path("housing/options/", views.building_options, name="building_options"),
    path("housing/rented/", views.rented_home_list, name="rented_home_list"),
    path("housing/<uuid:uid>/", views.building_detail, name="building_detail"),
    path("housing/<uuid:uid>/edit/", views.building_edit, name="building_edit"),
    path("housing/<uuid:uid>/close/", views.building_close, name="building_close"),
    path("housing/<uuid:uid>/households/new/", views.household_create, name="household_create"),
    path("housing/households/<uuid:uid>/edit/", views.household_edit, name="household_edit"),
    # Import and export (Excel/CSV)
    path("registry/import/", import_views.import_start, name="import_start"),
    path("registry/import/<uuid:uid>/", import_views.import_status, name="import_status"),
    path(
        "registry/import/template/<str:kind>/", import_views.import_template, name="import_template"
    ),
    path("registry/export/<str:kind>/", export_views.export, name="export"),
    path("registry/exports/<uuid:uid>/", export_views.export_status, name="export_status"),
    path("registry/exports/<uuid:uid>/file/", export_views.export_file, name="export_file"),
]
