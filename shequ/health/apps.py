from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HealthConfig(AppConfig):
    name = "shequ.health"
    label = "health"
    verbose_name = _("育龄妇女健康服务")

    menu_entries = ("shequ.health.navigation.MENU",)
    demo_generators = ("shequ.health.demo.generate",)
