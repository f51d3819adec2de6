from django.urls import path

from shequ.outbox import views
from shequ.outbox.api import register_api  # noqa: F401  (shequ/urls.py imports it from here)

app_name = "outbox"

urlpatterns = [
    path("notifications/", views.notification_list, name="notification_list"),
    path("notifications/<uuid:uid>/", views.notification_detail, name="notification_detail"),
]
