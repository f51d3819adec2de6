from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DueworkConfig(AppConfig):
    name = "shequ.duework"
    label = "duework"
    verbose_name = _("待办任务")

    menu_entries = ("shequ.duework.navigation.MENU",)
