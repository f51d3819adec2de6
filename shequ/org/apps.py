from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    name = "shequ.org"
    label = "org"
    verbose_name = _("组织与用户")

    # What the org app registers for the others (core/hooks.py).
    menu_entries = ("shequ.org.navigation.MENU",)
    demo_generators = ("shequ.org.demo.generate",)
    demo_logins = ("shequ.org.demo.logins",)
