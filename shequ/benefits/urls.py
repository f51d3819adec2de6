"""URLs of the benefits' pages (under benefits/); the API is registered by ``register_api``."""

from django.urls import path

from shequ.benefits import views
from shequ.benefits.api import register_api  # noqa: F401  (shequ/urls.py imports it from here)

app_name = "benefits"

urlpatterns = [
    path("benefits/", views.list_index, name="list_index"),
    path("benefits/new/", views.list_start, name="list_start"),
    path("benefits/programmes/", views.programme_list, name="programme_list"),
    path("benefits/confirmations/", views.confirmation_list, name="confirmation_list"),
    path("benefits/eligibility/", views.eligibility_check, name="eligibility_check"),
    path("benefits/<uuid:uid>/", views.list_detail, name="list_detail"),
    path("benefits/<uuid:uid>/recompute/", views.list_recompute, name="list_recompute"),
    path("benefits/<uuid:uid>/reset/", views.list_reset, name="list_reset"),
    path("benefits/<uuid:uid>/check/", views.list_check, name="list_check"),
    path("benefits/<uuid:uid>/confirm/", views.list_confirm, name="list_confirm"),
    path("benefits/<uuid:uid>/publish/", views.list_publish, name="list_publish"),
    path("benefits/<uuid:uid>/add/", views.list_add, name="list_add"),
    path("benefits/<uuid:uid>/payments/", views.list_payments, name="list_payments"),
    path("benefits/<uuid:uid>/bank/", views.list_bank, name="list_bank"),
    path("benefits/<uuid:uid>/bank-result/", views.list_bank_result, name="list_bank_result"),
    path("benefits/rows/<uuid:uid>/", views.row_detail, name="row_detail"),
    path("benefits/rows/<uuid:uid>/check/", views.row_check, name="row_check"),
    path("benefits/rows/<uuid:uid>/correct/", views.row_correct, name="row_correct"),
    path("benefits/payments/<uuid:uid>/", views.payment_result, name="payment_result"),
]
