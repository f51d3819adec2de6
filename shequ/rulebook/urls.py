"""URLs of the settings pages; the API is registered by ``register_api``."""

from django.urls import path

from shequ.rulebook import views
from shequ.rulebook.api import register_api  # noqa: F401  (shequ/urls.py imports it from here)

app_name = "rulebook"

urlpatterns = [
    path("rules/settings/", views.setting_list, name="setting_list"),
    path("rules/settings/new/", views.setting_create, name="setting_create"),
    path("rules/settings/<uuid:uid>/", views.setting_edit, name="setting_edit"),
]
