from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeskConfig(AppConfig):
    """The one-stop desk (一站式服务): applications, printed documents, public verification."""

    name = "shequ.desk"
    label = "desk"
    verbose_name = _("一站式服务")

    # What the desk registers for the other floors (core/hooks.py lists the hooks).
    menu_entries = ("shequ.desk.navigation.MENU",)
    demo_generators = ("shequ.desk.demo.generate",)
