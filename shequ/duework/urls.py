from django.urls import path

from shequ.duework import views
from shequ.duework.api import register_api  # noqa: F401  (shequ/urls.py imports it from here)

app_name = "duework"

urlpatterns = [
    path("tasks/", views.task_list, name="task_list"),
    path("tasks/calendar/", views.calendar_page, name="calendar"),
    path("tasks/<uuid:uid>/done/", views.task_done, name="task_done"),
]
