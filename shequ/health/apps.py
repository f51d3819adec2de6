from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HealthConfig(AppConfig):
    name = "shequ.health"
    label = "health"
    verbose_name = _("育龄妇女健康服务")

    # What the app registers for the other floors (core/hooks.py lists the hooks).
    menu_entries = ("shequ.health.navigation.MENU",)
    person_panels = ("shequ.health.panels.person_panels",)
    health_task_kinds = ("shequ.health.rules.HEALTH_TASK_KINDS",)
    demo_generators = ("shequ.health.demo.generate",)
