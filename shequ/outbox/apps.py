from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutboxConfig(AppConfig):
    name = "shequ.outbox"
    label = "outbox"
    verbose_name = _("通报")

    menu_entries = ("shequ.outbox.navigation.MENU",)
