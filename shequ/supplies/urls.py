"""The supplies' pages (names stable: CONTRACT.md); the API is in api.py."""

from django.urls import path

from shequ.supplies import views
from shequ.supplies.api import register_api  # noqa: F401  (shequ/urls.py imports it)

app_name = "supplies"

urlpatterns = [
    path("supplies/", views.stock, name="stock"),
    path("supplies/movements/", views.movement_list, name="movement_list"),
    path("supplies/report/", views.report, name="report"),
    path("supplies/items/", views.item_list, name="item_list"),
    path("supplies/items/new/", views.item_create, name="item_create"),
    path("supplies/items/<uuid:uid>/", views.item_detail, name="item_detail"),
    path("supplies/items/<uuid:uid>/edit/", views.item_edit, name="item_edit"),
    path("supplies/items/<uuid:uid>/retire/", views.item_retire, name="item_retire"),
    path("supplies/items/<uuid:uid>/restore/", views.item_restore, name="item_restore"),
    path("supplies/locations/", views.location_list, name="location_list"),
    path("supplies/locations/new/", views.location_create, name="location_create"),
    path("supplies/locations/<uuid:uid>/", views.location_detail, name="location_detail"),
    path("supplies/locations/<uuid:uid>/receive/", views.location_receive, name="location_receive"),
    path(
        "supplies/locations/<uuid:uid>/write-off/",
        views.location_write_off,
        name="location_write_off",
    ),
    path("supplies/locations/<uuid:uid>/refill/", views.location_refill, name="location_refill"),
    path("supplies/locations/<uuid:uid>/pickup/", views.location_pickup, name="location_pickup"),
    path(
        "supplies/locations/<uuid:uid>/dispense/", views.location_dispense, name="location_dispense"
    ),
    path("supplies/locations/<uuid:uid>/count/", views.location_count, name="location_count"),
    path("supplies/lots/<uuid:uid>/recall/", views.lot_recall, name="lot_recall"),
    path("supplies/persons/<uuid:uid>/", views.person_supplies, name="person_supplies"),
    path("supplies/persons/<uuid:uid>/dispense/", views.person_dispense, name="person_dispense"),
    path("supplies/dispensings/", views.dispensing_list, name="dispensing_list"),
    path("supplies/export/<str:kind>/", views.export, name="export"),
    path("supplies/requisitions/", views.requisition_list, name="requisition_list"),
    path("supplies/requisitions/new/", views.requisition_create, name="requisition_create"),
    path("supplies/requisitions/<uuid:uid>/", views.requisition_detail, name="requisition_detail"),
    path(
        "supplies/requisitions/<uuid:uid>/approve/",
        views.requisition_approve,
        name="requisition_approve",
    ),
    path(
        "supplies/requisitions/<uuid:uid>/reject/",
        views.requisition_reject,
        name="requisition_reject",
    ),
    path("supplies/requisitions/<uuid:uid>/send/", views.requisition_send, name="requisition_send"),
    path(
        "supplies/requisitions/<uuid:uid>/receive/",
        views.requisition_receive,
        name="requisition_receive",
    ),
    path(
        "supplies/requisitions/<uuid:uid>/cancel/",
        views.requisition_cancel,
        name="requisition_cancel",
    ),
]
