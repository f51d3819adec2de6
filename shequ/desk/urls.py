"""URLs of the desk's pages (under desk/), the public verification page, and its API."""

from django.urls import path

from shequ.desk import views
from shequ.desk.api import register_api  # noqa: F401  (shequ/urls.py imports it from here)

app_name = "desk"

urlpatterns = [
    path("desk/applications/", views.application_list, name="application_list"),
    path("desk/applications/new/", views.application_new, name="application_new"),
    path("desk/applications/<uuid:uid>/", views.application_detail, name="application_detail"),
    path(
        "desk/applications/<uuid:uid>/<slug:step>/",
        views.application_step,
        name="application_step",
    ),
    path("desk/documents/", views.document_list, name="document_list"),
    path("desk/documents/<uuid:uid>/", views.document_detail, name="document_detail"),
    path("desk/documents/<uuid:uid>/pdf/", views.document_pdf, name="document_pdf"),
    path("desk/documents/<uuid:uid>/revoke/", views.document_revoke, name="document_revoke"),
    path("desk/documents/<uuid:uid>/replace/", views.document_replace, name="document_replace"),
    path("desk/births/", views.birth_list, name="birth_list"),
    path("desk/births/new/", views.birth_new, name="birth_new"),
    path("desk/births/<uuid:uid>/", views.birth_detail, name="birth_detail"),
    path("desk/births/<uuid:uid>/child/", views.birth_link_child, name="birth_link_child"),
    path("desk/disclosures/", views.disclosure_list, name="disclosure_list"),
    path("desk/disclosures/new/", views.disclosure_new, name="disclosure_new"),
    path(
        "desk/disclosures/births/",
        views.disclosure_publish_births,
        name="disclosure_publish_births",
    ),
    path("desk/disclosures/<uuid:uid>/edit/", views.disclosure_edit, name="disclosure_edit"),
    path(
        "desk/disclosures/<uuid:uid>/withdraw/",
        views.disclosure_withdraw,
        name="disclosure_withdraw",
    ),
    # Public: 政务公开 (阳光计生), without login.
    path("public/", views.public, name="public"),
    path("public/<uuid:uid>/", views.public_item, name="public_item"),
    # Public: the resident's own birth registration (no staff account) and its receipt.
    path("birth-registration/", views.birth_online, name="birth_online"),
    path("birth-registration/<str:code>/", views.birth_receipt, name="birth_receipt"),
    path("birth-registration/<str:code>/pdf/", views.birth_receipt_pdf, name="birth_receipt_pdf"),
    # Public: anyone holding a printed document (the QR code) may check it, without login.
    path("verify/<str:code>/", views.verify, name="verify"),
]
