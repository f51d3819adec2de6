from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SuppliesConfig(AppConfig):
    name = "shequ.supplies"
    label = "supplies"
    verbose_name = _("避孕药具")

    # What the app registers for the other floors (core/hooks.py lists the hooks).
    menu_entries = ("shequ.supplies.navigation.MENU",)
    demo_generators = ("shequ.supplies.demo.generate",)
    exporters = ("shequ.supplies.exporters.EXPORTERS",)
    person_panels = ("shequ.supplies.panels.person_panels",)
    health_task_kinds = ("shequ.supplies.rules.HEALTH_TASK_KINDS",)
