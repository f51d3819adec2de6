from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RulebookConfig(AppConfig):
    name = "shequ.rulebook"
    label = "rulebook"
    verbose_name = _("规则设置")

    menu_entries = ("shequ.rulebook.navigation.MENU",)
